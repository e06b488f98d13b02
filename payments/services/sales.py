"""A sale from the auction's close to the handover: creation, paying, confirming, collection, deadlines."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import EmailNotVerified, dealer_ensure_can_bid, staff_ensure
from auctions.models import Auction
from auctions.selectors import seller_consent_accepted
from auctions.services import (
    REASON_DEALER_SUSPENDED,
    auction_obligation_clear,
    auction_obligation_set,
    auction_sale_void,
)
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import moment as i18n_moment
from core.i18n import translatable
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, Money, amount_too_large_message
from core.sweeps import sweep
from core.transitions import TransitionResult, transition
from inspections.selectors import report_disclosed_items
from integrations.models import EventType
from integrations.services import webhook_emit
from marketplace.services import listing_sale_paid
from payments import fees
from payments.fee_schedule import SaleAmounts, fee_schedule_load, sale_amounts
from payments.ledger import ledger_account, ledger_post
from payments.models import AdjustmentRequest, LedgerAccount, LedgerTransaction, Payment, Sale
from payments.providers import payment_provider
from payments.providers.bank import BankTransferProvider
from payments.providers.base import ProviderPayment, WebhookRejected
from payments.providers.card import SimulatedCardProvider
from payments.references import bank_reference
from payments.selectors import (  # the status texts' wording of a moment
    _when,
    sale_overdue_next_step_translatable,
    when_param,
)
from payments.services.common import (
    AmountMismatch,
    Conflict,
    PaymentNotFound,
    SaleNotPayable,
    car,
    lock_sale,
    money,
    publish_sale_on_commit,
    tell_on_commit,
)
from payments.services.documents import invoice_issue

logger = logging.getLogger(__name__)

DEADLINE_FORMAT = gettext_noop("j M Y, H:i")  # a payment deadline: "4 May 2026, 10:30" (core.i18n.moment)

# The provider's reference is stored (200 characters) and is part of the ledger's idempotency key (200): room for
# the key's prefix.
PROVIDER_REFERENCE_MAX = 150


def sale_terms(*, hammer_price_minor: int) -> dict:
    """The money fields of a sale for a hammer price, from the fee schedule in force (GAVEL_FEE_SCHEDULE_VERSION),
    with the version it used: the sale's invoice can always be recomputed from it (sale_fees_recompute)."""
    schedule = fee_schedule_load(settings.GAVEL_FEE_SCHEDULE_VERSION)
    amounts = sale_amounts(Money.of(hammer_price_minor), schedule)
    return {"currency": amounts.hammer.currency, "hammer_price_minor": amounts.hammer.amount_minor,
            "buyer_fee_minor": amounts.buyer_fee.amount_minor, "seller_fee_minor": amounts.seller_fee.amount_minor,
            "amount_due_minor": amounts.dealer_pays.amount_minor,
            "seller_receives_minor": amounts.seller_receives.amount_minor, "fee_schedule_version": schedule.version}


def sale_collection_deadline(*, paid_at: datetime) -> datetime:
    """The published collection rule, in one place: the dealer collects within GAVEL_COLLECTION_DAYS calendar days
    of their payment arriving in escrow (same time of day). Stored on the sale when the payment lands; the data
    migration that gave sales paid earlier their deadline applies the same rule (payments/migrations/0014)."""
    return paid_at + timedelta(days=settings.GAVEL_COLLECTION_DAYS)


def sale_fees_recompute(sale: Sale) -> SaleAmounts:
    """The sale's fees computed again from the schedule version its invoice names (on the hammer price: an
    adjustment never lowers a fee)."""
    return sale_amounts(sale.money(sale.hammer_price_minor), fee_schedule_load(sale.fee_schedule_version))


class BelowReserveWithoutConsent(ApplicationError):
    code = "below_reserve_without_consent"
    status_code = 409

    def default_message(self):
        return _("This price is below the seller's reserve and the seller has not agreed to it.")


class BuyerCannotBuy(ApplicationError):
    code = "buyer_not_eligible"
    status_code = 409

    def default_message(self):
        return _("This dealer may no longer buy on Gavel.")


def sale_buyer_lock(*, buyer: User):
    """Lock the buyer's dealer profile and refuse unless they may buy now. Every path that makes a sale calls this
    first, before locking any auction or sale (lock order: dealer profile, auction, sale), so a suspension and a
    sale for the same dealer are serialised: a sale never belongs to a dealer suspended when it was made."""
    try:
        return dealer_ensure_can_bid(user=buyer, lock=True)
    except EmailNotVerified:
        raise  # says what to do about it
    except ApplicationError:
        raise BuyerCannotBuy() from None


def _sale_create(*, auction, buyer: User, hammer_price_minor: int, second_chance_of: Sale | None = None) -> Sale:
    """The one place a sale is made, and so the one gate every sale passes, whatever path led here (the close, the
    seller's decision, a second chance, an admin action, the API): the buyer may buy (their profile is locked and
    checked), and a price below the reserve carries the seller's accepted consent for exactly that price and buyer.
    The sale keeps the report revision the auction was scheduled with — the one every dealer bid on, a second-chance
    buyer included — and what that revision disclosed, whatever is published later."""
    sale_buyer_lock(buyer=buyer)
    reserve = auction.reserve_minor
    if reserve is not None and hammer_price_minor < reserve and not seller_consent_accepted(
            auction_id=auction.pk, dealer_id=buyer.pk, amount_minor=hammer_price_minor):
        raise BelowReserveWithoutConsent()
    now = db_now()
    listing = auction.listing
    report = auction.report
    # The buyer owes the price from now until their money arrives: it counts against their buying limit (the
    # winner's already did from the close; a second-chance buyer's starts here, under their profile lock).
    auction_obligation_set(auction_id=auction.pk, buyer_id=buyer.pk, amount_minor=hammer_price_minor)
    sale = Sale.objects.create(
        auction=auction, listing=listing, buyer=buyer, seller_id=listing.seller_id, second_chance_of=second_chance_of,
        payment_deadline=fees.add_business_days(timezone.localtime(now),
                                                settings.GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS),
        report=report, disclosed_items=report_disclosed_items(report=report) if report else {}, created_at=now,
        **sale_terms(hammer_price_minor=hammer_price_minor))
    invoice_issue(sale=sale)
    audit_record(obj=sale, action=AuditLog.Action.CREATE, to_state=sale.status,
                 reason=f"Second-chance offer accepted (sale {second_chance_of.pk} cancelled)" if second_chance_of
                 else f"Auction {auction.pk} sold", data={"amount_due_minor": sale.amount_due_minor})
    deadline = i18n_moment(sale.payment_deadline, DEADLINE_FORMAT)
    sale_id, buyer_id = sale.pk, buyer.pk
    transaction.on_commit(lambda: webhook_emit(user_id=buyer_id, event_type=EventType.INVOICE_ISSUED, resource="sale",
                                               resource_id=sale_id, event_key=f"sale:{sale_id}:invoice"))
    tell_on_commit([buyer.pk], kind="sale_invoice", sale=sale, event_key=f"sale:{sale.pk}:invoice",
                   title=translatable("Your invoice for the {car}: {amount}", car=car(sale),
                                      amount=Money(sale.amount_due_minor, sale.currency)),
                   body=translatable("Please pay by {deadline} by bank transfer or card. The money is held in escrow "
                                     "until the car is handed over.", deadline=deadline))
    # In the app only: the auction has just emailed the seller that the car is sold.
    tell_on_commit([sale.seller_id], kind="sale_opened", sale=sale, email=False, event_key=f"sale:{sale.pk}:opened",
                   title=translatable("Sale of your {car}: waiting for the dealer's payment", car=car(sale)),
                   body=translatable("You will receive {amount} once the car is handed over.",
                                     amount=Money(sale.seller_receives_minor, sale.currency)))
    return sale


def sale_create_for_auction(*, auction) -> tuple[Sale | None, bool]:
    """Open the sale for a sold auction (reserve met, or the seller accepted). One per auction: the partial
    unique constraint decides a race between two deliveries of the signal.

    A winner suspended between the close and this moment gets no sale: the auction is not sold after all
    (auctions.services.auction_sale_void) and (None, False) comes back."""
    existing = Sale.objects.filter(auction_id=auction.pk, second_chance_of__isnull=True).first()
    if existing is not None:
        return existing, False
    auction = Auction.objects.select_related("listing", "winner").get(pk=auction.pk)
    if auction.outcome != Auction.Outcome.SOLD or auction.winner_id is None or not auction.hammer_price_minor:
        if auction.outcome == Auction.Outcome.UNSOLD and AuditLog.objects.for_object(auction).filter(
                field="outcome", from_state=Auction.Outcome.SOLD).exists():
            return None, False  # voided before: a late or repeated delivery of the close's effects
        raise ApplicationError(_("Only a sold auction opens a sale."), code="auction_not_sold")
    with transaction.atomic():
        try:
            sale_buyer_lock(buyer=auction.winner)
        except BuyerCannotBuy:
            auction_sale_void(auction_id=auction.pk, reason_code=REASON_DEALER_SUSPENDED,
                              reason="The winning dealer may no longer buy (suspended before the sale opened)")
            return None, False
        try:
            with transaction.atomic():
                sale = _sale_create(auction=auction, buyer=auction.winner,
                                    hammer_price_minor=auction.hammer_price_minor)
            return sale, True
        except IntegrityError:
            return Sale.objects.get(auction_id=auction.pk, second_chance_of__isnull=True), False


@dataclass(frozen=True)
class PayInitiated:
    payment: Payment
    provider_payment: ProviderPayment


def sale_pay_initiate(*, sale: Sale, dealer: User, provider: str) -> PayInitiated:
    """The buyer starts paying: a bank transfer reference (one per sale) or a card checkout."""
    adapter = payment_provider(provider)
    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if sale.buyer_id != getattr(dealer, "pk", None):
            raise PermissionRefused(_("Only the buying dealer pays this invoice."))
        if sale.status not in Sale.UNPAID_STATUSES:
            raise SaleNotPayable()
        payment: Payment | None
        if provider == BankTransferProvider.name:
            reference = bank_reference(sale.pk)
            payment, _created = Payment.objects.get_or_create(reference=reference, defaults={
                "sale": sale, "provider": provider, "amount_minor": sale.amount_due_minor, "currency": sale.currency,
                "initiated_by": dealer})
        else:
            payment = sale.payments.filter(provider=provider, status=Payment.Status.PENDING).first()
            if payment is None:
                payment = Payment.objects.create(
                    sale=sale, provider=provider, reference=f"GVL-C-{sale.pk}-{uuid.uuid4().hex[:10].upper()}",
                    amount_minor=sale.amount_due_minor, currency=sale.currency, initiated_by=dealer)
        provider_payment = adapter.initiate(sale=sale, amount_minor=payment.amount_minor, reference=payment.reference)
    return PayInitiated(payment=payment, provider_payment=provider_payment)


@dataclass(frozen=True)
class PaymentConfirmed:
    payment: Payment
    changed: bool


def payment_confirm(*, payment_reference: str, amount_minor: int, provider_reference: str,
                    actor=None) -> PaymentConfirmed:
    """The provider (or staff, for a bank transfer) says the money arrived. Idempotent: the same confirmation
    any number of times, concurrently or not, moves the money once.

    Ledger, one transaction keyed on the provider's reference: bank → dealer → escrow. Money arriving for a sale
    another payment already settled (or that was cancelled) is recorded and sent straight back."""
    provider_reference = (provider_reference or "").strip()
    if not provider_reference:
        raise ValidationFailed(fields={"provider_reference": [_("Required.")]})
    if len(provider_reference) > PROVIDER_REFERENCE_MAX:  # it is part of the ledger's idempotency key
        raise ValidationFailed(fields={"provider_reference": [
            _("At most %(count)s characters.") % {"count": PROVIDER_REFERENCE_MAX}]})
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or not 0 < amount_minor <= AMOUNT_MAX_MINOR:
        raise ValidationFailed(fields={"amount_minor": [
            _("A positive whole amount. %(limit)s") % {"limit": amount_too_large_message()}]})
    found = Payment.objects.filter(reference__iexact=(payment_reference or "").strip()).first()
    if found is None:
        raise PaymentNotFound()
    with transaction.atomic():
        sale = lock_sale(found.sale_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status != Payment.Status.PENDING:
            return PaymentConfirmed(payment, False)
        if amount_minor != payment.amount_minor:
            raise AmountMismatch(fields={"amount_minor": [
                _("Received %(received)s, due %(due)s.") % {"received": money(sale, amount_minor),
                                                            "due": money(sale, payment.amount_minor)}]})
        now = db_now()
        bank = ledger_account(LedgerAccount.Kind.BANK)
        dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
        key = f"payment:{payment.provider}:{provider_reference}"
        if sale.status in Sale.UNPAID_STATUSES:
            ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.PAYMENT_RECEIVED, sale=sale,
                        provider=payment.provider, provider_reference=provider_reference,
                        memo=f"{payment.reference} for sale {sale.pk}",
                        entries=[(bank, -amount_minor), (dealer, amount_minor), (dealer, -amount_minor),
                                 (ledger_account(LedgerAccount.Kind.ESCROW), amount_minor)])
            transition(payment, Payment.Status.CONFIRMED, actor=actor, reason="The money arrived",
                       updates={"provider_reference": provider_reference, "confirmed_at": now,
                                "confirmed_by": actor if getattr(actor, "is_authenticated", False) else None},
                       data={"provider_reference": provider_reference, "amount_minor": amount_minor})
            collect_by = sale_collection_deadline(paid_at=now)
            transition(sale, Sale.Status.PAID, actor=actor, reason=f"Payment {payment.reference} received",
                       updates={"paid_at": now, "collection_deadline": collect_by},
                       data={"payment": payment.reference, "amount_minor": amount_minor,
                             "collection_deadline": collect_by.isoformat()})
            listing_sale_paid(listing=sale.listing, actor=actor)  # sold for good: the VIN is free again
            auction_obligation_clear(auction_id=sale.auction_id)  # no longer against the dealer's buying limit
            publish_sale_on_commit(sale, "paid")
            tell_on_commit([sale.buyer_id], kind="sale_paid", sale=sale, event_key=f"sale:{sale.pk}:paid",
                           title=translatable("Payment received for the {car}", car=car(sale)),
                           body=translatable("Your money is held in escrow. Collect the car by {when}: arrange the "
                                             "collection with the seller on the sale page.",
                                             when=when_param(collect_by)))
            tell_on_commit([sale.seller_id], kind="sale_paid", sale=sale, event_key=f"sale:{sale.pk}:paid",
                           title=translatable("The dealer paid for your {car}", car=car(sale)),
                           body=translatable("The money is in escrow. The dealer collects by {when}. Arrange the "
                                             "handover on the sale page; you are paid out as soon as both of you "
                                             "confirm it.", when=when_param(collect_by)))
        else:
            ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.DUPLICATE_PAYMENT, sale=sale,
                        provider=payment.provider, provider_reference=provider_reference,
                        memo=f"{payment.reference}: sale {sale.pk} is {sale.status}",
                        entries=[(bank, -amount_minor), (dealer, amount_minor)])
            refund_key = f"refund:duplicate:{payment.reference}"
            refund_reference = payment_provider_for(payment).refund(payment=payment, amount_minor=amount_minor,
                                                                    idempotency_key=refund_key)
            ledger_post(idempotency_key=refund_key, kind=LedgerTransaction.Kind.REFUND, sale=sale,
                        provider=payment.provider, provider_reference=refund_reference,
                        memo=f"Duplicate payment {payment.reference} returned",
                        entries=[(dealer, -amount_minor), (bank, amount_minor)])
            transition(payment, Payment.Status.DUPLICATE_REFUNDED, actor=actor,
                       reason=f"The money arrived while the sale was {sale.status}: sent back",
                       updates={"provider_reference": provider_reference, "confirmed_at": now,
                                "refund_reference": refund_reference},
                       data={"provider_reference": provider_reference, "refund_reference": refund_reference,
                             "amount_minor": amount_minor})
            audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor,
                         reason=f"Payment {payment.reference} arrived while the sale was {sale.status}: refunded",
                         data={"payment": payment.reference, "refund_reference": refund_reference})
            publish_sale_on_commit(sale, "payment_returned")
            tell_on_commit([sale.buyer_id], kind="payment_returned", sale=sale,
                           event_key=f"payment:{payment.reference}:returned",
                           title=translatable("We returned a second payment for the {car}", car=car(sale)),
                           body=translatable("{amount} arrived after the invoice was settled or cancelled; it is on "
                                             "its way back (reference {reference}).",
                                             amount=Money(amount_minor, sale.currency), reference=refund_reference))
        payment.refresh_from_db()
    return PaymentConfirmed(payment, True)


def payment_provider_for(payment: Payment):
    # Refunds go back through the provider that took the money, even if it is switched off for new payments.
    return BankTransferProvider() if payment.provider == BankTransferProvider.name else SimulatedCardProvider()


def bank_transfer_confirm(*, sale: Sale, actor, amount_minor: int, bank_reference_text: str) -> PaymentConfirmed:
    """Staff saw the dealer's transfer on the bank statement."""
    staff_ensure(actor)
    reference = bank_reference(sale.pk)
    with transaction.atomic():  # a refused confirmation (a wrong amount) leaves no bank payment behind
        Payment.objects.get_or_create(reference=reference, defaults={
            "sale": sale, "provider": BankTransferProvider.name, "amount_minor": sale.amount_due_minor,
            "currency": sale.currency, "initiated_by": actor})
        return payment_confirm(payment_reference=reference, amount_minor=amount_minor,
                               provider_reference=bank_reference_text, actor=actor)


def card_webhook_receive(*, headers, body: bytes) -> PaymentConfirmed | None:
    """A (simulated) card provider callback: verified, then confirmed idempotently. Other event types are
    acknowledged and ignored."""
    event = SimulatedCardProvider().verify_webhook(headers=headers, body=body)
    if event.type != "payment.succeeded":
        return None
    payment = Payment.objects.filter(reference=event.payment_reference, provider=SimulatedCardProvider.name).first()
    if payment is None:
        raise WebhookRejected("No card payment with this reference.", code="unknown_payment")
    if event.currency != payment.currency:
        raise WebhookRejected("The event's currency does not match the payment.", code="currency_mismatch")
    return payment_confirm(payment_reference=payment.reference, amount_minor=event.amount_minor,
                           provider_reference=event.provider_reference)


COLLECTION_HORIZON = timedelta(days=365)


def sale_collection_arrange(*, sale: Sale, actor: User, proposed_at=None, place: str | None = None,
                            doc_registration: bool | None = None, doc_keys: bool | None = None,
                            doc_service_book: bool | None = None) -> Sale:
    """Either party (or staff) proposes the time and place of collection and ticks the documents checklist.
    A change after someone confirmed the handover clears both confirmations: both confirm the same terms."""
    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if not (actor.pk in (sale.buyer_id, sale.seller_id) or actor.is_staff_member):
            raise PermissionRefused(_("Only the buyer, the seller or staff arrange the collection."))
        if sale.status not in (Sale.Status.AWAITING_PAYMENT, Sale.Status.OVERDUE, Sale.Status.PAID):
            raise Conflict(_("The car has already been handed over (or the sale is closed)."),
                                   code="handover_done")
        changes = {}
        if proposed_at is not None:
            if proposed_at.tzinfo is None:
                raise ValidationFailed(fields={"proposed_at": [_("A date and time with a time zone.")]})
            # Within a year of today, either way (a collection may be recorded after it happened): year 1102 or
            # 9999 is no appointment, and cannot even be written back as an RFC 3339 time in Europe/Berlin.
            if proposed_at != sale.collection_proposed_at and abs(proposed_at - timezone.now()) > COLLECTION_HORIZON:
                raise ValidationFailed(fields={"proposed_at": [_("Choose a time within a year of today.")]})
            changes["collection_proposed_at"] = proposed_at
        if place is not None:
            place = place.strip()
            if len(place) > 300:
                raise ValidationFailed(fields={"place": [_("At most 300 characters.")]})
            changes["collection_place"] = place
        for name, value in (("doc_registration", doc_registration), ("doc_keys", doc_keys),
                            ("doc_service_book", doc_service_book)):
            if value is not None:
                changes[name] = bool(value)
        changes = {name: value for name, value in changes.items() if getattr(sale, name) != value}
        if not changes:
            return sale
        if "collection_proposed_at" in changes or "collection_place" in changes:
            changes["collection_proposed_by"] = actor
        changes.update(seller_confirmed_at=None, buyer_confirmed_at=None)
        for name, value in changes.items():
            setattr(sale, name, value)
        sale.save(update_fields=[*changes.keys(), "updated_at"])
        other = sale.seller_id if actor.pk == sale.buyer_id else sale.buyer_id
        changed = audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor,
                               reason="Collection arrangement changed",
                               data={name: (value.isoformat() if hasattr(value, "isoformat") else
                                            (value.pk if hasattr(value, "pk") else value))
                                     for name, value in changes.items()})
        tell_on_commit([other], kind="collection_changed", sale=sale,
                       title=translatable("Collection of the {car} updated", car=car(sale)),
                       event_key=f"sale:{sale.pk}:collection:{changed.pk}",
                       body=translatable("Have a look at the proposed time, place and documents on the sale page."))
        publish_sale_on_commit(sale, "collection")
    return sale


def handover_confirm(*, sale: Sale, actor: User) -> TransitionResult:
    """The buyer and the seller each confirm the car changed hands (staff may confirm for both). When both have,
    the sale is handed_over and the seller's payout is released on commit."""
    from payments.tasks import payout_release_task

    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if sale.status in (Sale.Status.HANDED_OVER, Sale.Status.PAID_OUT, Sale.Status.DISPUTED,
                           Sale.Status.COMPLETED) and sale.handed_over_at:
            return TransitionResult(False, sale.status, sale.status)
        is_staff = getattr(actor, "is_staff_member", False)
        if actor.pk not in (sale.buyer_id, sale.seller_id) and not is_staff:
            raise PermissionRefused(_("Only the buyer, the seller or staff confirm the handover."))
        if sale.status != Sale.Status.PAID:
            raise Conflict(_("The handover can be confirmed once the dealer's payment is in escrow."),
                                   code="not_paid")
        if AdjustmentRequest.objects.filter(sale=sale, status=AdjustmentRequest.Status.PENDING).exists():
            raise Conflict(_("A price adjustment is waiting for the seller's answer: the handover waits for it."),
                           code="adjustment_pending")
        now = db_now()
        updates = {}
        if (actor.pk == sale.buyer_id or is_staff) and not sale.buyer_confirmed_at:
            updates["buyer_confirmed_at"] = now
        if (actor.pk == sale.seller_id or is_staff) and not sale.seller_confirmed_at:
            updates["seller_confirmed_at"] = now
        if updates:
            Sale.objects.filter(pk=sale.pk).update(**updates)
            for name, value in updates.items():
                setattr(sale, name, value)
            audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor, reason="Handover confirmed",
                         data={name: value.isoformat() for name, value in updates.items()})
            publish_sale_on_commit(sale, "handover_confirmed")
        if not (sale.buyer_confirmed_at and sale.seller_confirmed_at):
            other = sale.seller_id if actor.pk == sale.buyer_id else sale.buyer_id
            confirmed_at = sale.buyer_confirmed_at or sale.seller_confirmed_at
            assert confirmed_at is not None  # the actor has just confirmed
            tell_on_commit([other], kind="handover_confirm_needed", sale=sale,
                           event_key=f"sale:{sale.pk}:handover_confirm_needed:{confirmed_at.isoformat()}",
                           title=translatable("Please confirm the handover of the {car}", car=car(sale)),
                           body=translatable("The other side has confirmed. Once you do, the seller is paid out."))
            return TransitionResult(False, sale.status, sale.status)
        sale_id = sale.pk

        def release():
            try:
                payout_release_task.delay(sale_id)
            except Exception:  # broker down: the beat sweep (payouts_release_pending_task) picks the sale up
                logger.exception("could not queue the payout for sale %s", sale_id)

        publish_sale_on_commit(sale, "handed_over")
        return transition(sale, Sale.Status.HANDED_OVER, actor=actor, reason="Both sides confirmed the handover",
                          updates={"handed_over_at": now}, on_commit=[release])


def sales_mark_overdue(*, batch: int | None = None) -> int:
    """awaiting_payment → overdue once the deadline passed; both sides are told. Bounded, safe to run twice."""
    def mark(sale_id: int) -> bool:
        sale = lock_sale(sale_id)
        now = db_now()
        if sale.status != Sale.Status.AWAITING_PAYMENT or sale.payment_deadline > now:
            return False
        if not transition(sale, Sale.Status.OVERDUE, reason="Payment deadline passed",
                          updates={"overdue_at": now}).changed:
            return False
        publish_sale_on_commit(sale, "overdue")
        tell_on_commit([sale.buyer_id], kind="sale_overdue", sale=sale, event_key=f"sale:{sale.pk}:overdue",
                       title=translatable("Your payment for the {car} is overdue", car=car(sale)),
                       body=translatable("Please pay now. Gavel may cancel the sale and offer the car to another "
                                         "dealer."))
        tell_on_commit([sale.seller_id], kind="sale_overdue", sale=sale, event_key=f"sale:{sale.pk}:overdue",
                       title=translatable("The dealer has not paid for your {car} yet", car=car(sale)),
                       body=translatable("We are chasing the payment; {next}",
                                         next=sale_overdue_next_step_translatable(sale=sale)))
        return True

    return sweep(Sale.objects.filter(status=Sale.Status.AWAITING_PAYMENT, payment_deadline__lte=db_now())
                 .order_by("payment_deadline"), mark, batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)


def sales_collection_overdue_notify(*, batch: int | None = None) -> int:
    """Paid sales past their collection deadline and not handed over: the dealer and staff are told, once per sale
    (collection_overdue_at records it, and each notice's event key is the sale's). Bounded, safe to run twice."""
    def tell(sale_id: int) -> bool:
        sale = lock_sale(sale_id)
        now = db_now()
        if (sale.status != Sale.Status.PAID or sale.collection_overdue_at is not None
                or sale.collection_deadline is None or sale.collection_deadline > now):
            return False
        Sale.objects.filter(pk=sale.pk).update(collection_overdue_at=now)
        deadline = when_param(sale.collection_deadline)
        audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=None,
                     reason=f"Not collected by the collection deadline ({_when(sale.collection_deadline)})",
                     data={"collection_deadline": sale.collection_deadline.isoformat()})
        tell_on_commit([sale.buyer_id], kind="sale_collection_overdue", sale=sale,
                       event_key=f"sale:{sale.pk}:collection_overdue",
                       title=translatable("Please collect the {car}: the collection deadline has passed",
                                          car=car(sale)),
                       body=translatable("The deadline was {deadline}. Until you collect, the sale counts as "
                                         "collected late on your dealer record.", deadline=deadline))
        staff_ids = list(User.objects.filter(role=User.Role.STAFF, is_active=True).values_list("pk", flat=True))
        tell_on_commit(staff_ids, kind="sale_collection_overdue", sale=sale,
                       event_key=f"sale:{sale.pk}:collection_overdue",
                       title=translatable("Sale {sale}: the {car} was not collected by {deadline}", sale=sale.pk,
                                          car=car(sale), deadline=deadline),
                       body=translatable("The dealer has paid but not collected the car; they have been told."))
        return True

    return sweep(Sale.objects.filter(status=Sale.Status.PAID, collection_overdue_at__isnull=True,
                                     collection_deadline__lte=db_now()).order_by("collection_deadline"),
                 tell, batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)
