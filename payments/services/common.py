"""Shared pieces of the settlement services: errors, row locks, notifications on commit."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.organisations import organisation_recipient_ids
from auctions.selectors import auction_dealer_recipient_ids
from core.events import publish_on_commit, sale_group
from core.exceptions import ApplicationError
from core.i18n import Translatable
from core.money import Money
from core.notifications import notify_many
from integrations.models import EventType
from integrations.services import webhook_emit
from payments.models import Sale


class Conflict(ApplicationError):
    """The request is fine but the sale (or offer, dispute) is not in a state that allows it."""

    code = "conflict"
    status_code = 409


class SaleNotFound(ApplicationError):
    code = "not_found"
    status_code = 404

    def default_message(self):
        return _("No such sale.")


class SaleNotPayable(ApplicationError):
    code = "sale_not_payable"
    status_code = 409

    def default_message(self):
        return _("This sale is not waiting for payment.")


class PaymentNotFound(ApplicationError):
    code = "payment_not_found"
    status_code = 404

    def default_message(self):
        return _("No payment with this reference.")


class AmountMismatch(ApplicationError):
    code = "amount_mismatch"

    def default_message(self):
        return _("The amount received does not match the amount due.")


class PayoutInFlight(ApplicationError):
    code = "payout_in_flight"
    status_code = 409

    def default_message(self):
        return _("The seller's payout is being sent right now; try again in a minute.")


def lock_sale(sale_id: int) -> Sale:
    """Lock order across settlement: the sale row first, then its payment/dispute/offer rows."""
    try:
        return Sale.objects.select_for_update().select_related("listing").get(pk=sale_id)
    except Sale.DoesNotExist:
        raise SaleNotFound()


def money(sale: Sale, minor: int) -> str:
    return Money(minor, sale.currency).format()


def car(sale: Sale) -> str:
    return sale.listing.display_title


def publish_sale_on_commit(sale: Sale, kind: str) -> None:
    """Tell the sale's open pages, once the transaction commits, that something a party reads there changed (paid,
    overdue, collection arranged, handover confirmed, paid out, disputed, cancelled…). The frame carries nothing of
    the sale: each page re-reads it over HTTP with its viewer's own session (what each party may see differs)."""
    publish_on_commit([(sale_group(sale.pk), {"type": "sale", "sale_id": sale.pk, "kind": kind})])
    sale_id, party_ids = sale.pk, [sale.buyer_id, sale.seller_id]

    def webhooks():
        # Read after commit: the status the sale has reached is what the event is about (once per status).
        status = Sale.objects.filter(pk=sale_id).values_list("status", flat=True).first()
        for user_id in party_ids:
            webhook_emit(user_id=user_id, event_type=EventType.SALE_STATUS_CHANGED, resource="sale",
                         resource_id=sale_id, event_key=f"sale:{sale_id}:status:{status}")

    transaction.on_commit(webhooks)


def tell_on_commit(user_ids, *, kind: str, title: str | Translatable, body: str | Translatable = "",
                   sale: Sale | None = None, email: bool = True, event_key: str | None, url: str | None = None,
                   auction_id: int | None = None) -> None:
    """Notify each user once the surrounding transaction commits (never for a rolled-back change), at most once
    per user and `event_key` (None only for ad-hoc messages). A dealer organisation's account stands for the people
    `kind` is for (accounts.organisations.AUDIENCE_BY_KIND: money to its accounts members and owners, the car to
    its owners and the member who bid on it, on the sale's auction or `auction_id`)."""
    if url is None:
        url = reverse("payments:detail", args=[sale.pk]) if sale is not None else ""
    ids = [user_id for user_id in dict.fromkeys(user_ids) if user_id]
    on_auction = sale.auction_id if sale is not None else auction_id

    def send():
        recipients: list[int] = []
        for user_id in ids:
            recipients += (auction_dealer_recipient_ids(auction_id=on_auction, dealer_id=user_id, kind=kind)
                           if on_auction is not None else organisation_recipient_ids(account_id=user_id, kind=kind))
        notify_many(user_ids=recipients, kind=kind, title=title, body=body, url=url, email=email,
                    event_key=event_key)

    transaction.on_commit(send)
