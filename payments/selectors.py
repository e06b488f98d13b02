"""Reads for settlement: who sees which sale, the report lines a dispute may name, what sellers owe, timelines,
and where a seller's car stands (it reads the whole chain — listing, inspection, auction, sale, payout — so it
lives here, at the top of the app order)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Max, Min, Q, QuerySet, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from accounts.models import DealerProfile, User
from auctions.models import Auction, Bid, CounterOffer, RelistRequest, SellerConsent, Watch
from auctions.selectors import dealer_committed_minor, seller_consents_for
from core.clock import db_now
from core.i18n import Translatable, moment_text, render, translatable
from core.i18n import moment as i18n_moment
from core.models import AuditLog, Notification
from core.money import MINOR_DIGITS, Money
from core.selectors import record
from inspections.models import Inspection
from inspections.repair_cost import repair_cost_table_load
from inspections.selectors import inspection_booking_text, inspections_for_listings, report_lines
from marketplace.models import Listing
from marketplace.selectors import listing_list_for_seller, listing_missing_for_submit
from payments.fee_schedule import CURRENT_VERSION, all_in_price, buying_limit, fee_schedule_load
from payments.ledger import account_balance
from payments.models import (
    AdjustmentRequest,
    BuyNowOffer,
    CollectionCheck,
    CollectionPhoto,
    DealerReceivable,
    DepositTopUp,
    DepositWithdrawal,
    Dispute,
    Document,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PayoutTransfer,
    Sale,
    SecondChanceOffer,
    SellerReceivable,
)
from payments.nochip import SEVERITY_WORDS


def sale_list_visible_to(*, user: User) -> QuerySet:
    """Staff see every sale; a dealer the sales they bought; a seller the sales of their cars; nobody else any."""
    qs = Sale.objects.select_related("listing", "buyer", "buyer__dealer_profile", "seller", "auction", "report")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_staff_member:
        return qs
    if user.role == User.Role.DEALER:
        return qs.filter(buyer=user)
    if user.role == User.Role.SELLER:
        return qs.filter(seller=user)
    return qs.none()


def sale_get_visible_to(*, user: User, sale_id: int) -> Sale | None:
    return sale_list_visible_to(user=user).filter(pk=sale_id).first()


def sale_party(*, sale: Sale, user: User) -> str:
    """"buyer", "seller", "staff" or "" — the role `user` plays in this sale."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if sale.buyer_id == user.pk:
        return "buyer"
    if sale.seller_id == user.pk:
        return "seller"
    if user.is_staff_member:
        return "staff"
    return ""


def sale_payments(*, sale: Sale) -> list[Payment]:
    return list(sale.payments.order_by("created_at", "id"))


def sale_confirmed_payment(*, sale: Sale) -> Payment | None:
    return sale.payments.filter(status=Payment.Status.CONFIRMED).order_by("confirmed_at").first()


def sale_open_dispute(*, sale: Sale) -> Dispute | None:
    return sale.disputes.filter(status=Dispute.Status.OPEN).first()


def sale_status_history(*, sale: Sale) -> QuerySet:
    return AuditLog.objects.for_object(sale).filter(action=AuditLog.Action.STATUS_CHANGE)


# Where a seller's car stands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SellerStatus:
    """Where a seller's car stands: a stable `state`, the badge (`label`, `tone`), the `text` the seller reads —
    where the car is and what happens next — and the page to act on, if any."""

    state: str
    label: str
    tone: str
    text: str
    action_url: str = ""
    action_label: str = ""


# state -> (badge label, badge tone): with _seller_status below, the one place a seller's car is put into words.
SELLER_STATES = {
    "draft": (gettext_lazy("Draft"), ""),
    "awaiting_inspector": (gettext_lazy("Submitted"), "badge-warn"),
    "inspection_booked": (gettext_lazy("Inspection scheduled"), "badge-warn"),
    "being_inspected": (gettext_lazy("Being inspected"), "badge-warn"),
    "in_review": (gettext_lazy("Inspected"), "badge-warn"),
    "approved": (gettext_lazy("Approved"), "badge-ok"),
    "auction_scheduled": (gettext_lazy("Auction scheduled"), "badge-ok"),
    "in_auction": (gettext_lazy("In auction"), "badge-grade"),
    "auction_ended": (gettext_lazy("Auction ended"), "badge-grade"),
    "decision_needed": (gettext_lazy("Decision needed"), "badge-warn"),
    "decision_expired": (gettext_lazy("Not sold"), ""),
    "sold": (gettext_lazy("Sold"), "badge-ok"),
    "awaiting_payment": (gettext_lazy("Awaiting payment"), "badge-warn"),
    "payment_overdue": (gettext_lazy("Payment overdue"), "badge-err"),
    "second_chance": (gettext_lazy("Offered to the next bidder"), "badge-warn"),
    "paid": (gettext_lazy("Paid — hand over"), "badge-ok"),
    "payout_on_its_way": (gettext_lazy("Payout on its way"), "badge-ok"),
    "payout_delayed": (gettext_lazy("Payout delayed"), "badge-err"),
    "paid_out": (gettext_lazy("Paid out"), "badge-ok"),
    "disputed": (gettext_lazy("Disputed"), "badge-err"),
    "refunded": (gettext_lazy("Refunded"), "badge-warn"),
    "completed": (gettext_lazy("Completed"), "badge-ok"),
    "not_sold": (gettext_lazy("Not sold"), ""),
    "fell_through": (gettext_lazy("Not sold"), ""),
    "rejected": (gettext_lazy("Rejected"), "badge-err"),
    "withdrawn": (gettext_lazy("Withdrawn"), ""),
}
NEW_AUCTION = gettext_lazy("Our team will contact you about a new auction.")

# How a moment reads in a status text or a notice: "Mon 4 May, 10:30", with the year when it is far away. The
# formats are msgids, so each language orders them its own way (core.i18n.moment).
WHEN_FORMAT = gettext_noop("D j M, H:i")
WHEN_FORMAT_WITH_YEAR = gettext_noop("D j M Y, H:i")
DAY_FORMAT = gettext_noop("j M Y")


def _when_format(moment: datetime) -> str:
    return WHEN_FORMAT_WITH_YEAR if abs(moment - timezone.now()) > timedelta(days=180) else WHEN_FORMAT


def _when(moment: datetime) -> str:
    """Mon 4 May, 10:30 (with the year when it is far away), local time, in the active language."""
    return moment_text(moment, _when_format(moment))


def when_param(moment: datetime) -> Translatable:
    """_when() as a parameter of a translatable: written in its reader's language."""
    return i18n_moment(moment, _when_format(moment))


def _day(moment: datetime) -> str:
    return moment_text(moment, DAY_FORMAT)


def _money(minor: int | None, currency: str | None = None) -> str:
    return Money.of(minor or 0, currency).format(show_minor=False)


def _status(state: str, text: str, action_url: str = "", action_label: str = "") -> SellerStatus:
    label, tone = SELLER_STATES[state]
    return SellerStatus(state, str(label), tone, text, action_url, action_label)


def _auction_status(auction: Auction | None, *, now: datetime) -> SellerStatus:
    """An auction booked, live, or closed and waiting for the seller (the listing stays in_auction until then)."""
    if auction is None:
        return _status("in_auction", _("In auction."))
    url = reverse("auctions:detail", args=[auction.pk])
    follow = _("Follow the auction")
    if auction.status == Auction.Status.SCHEDULED:
        return _status("auction_scheduled", _("Its auction starts %(when)s.") % {"when": _when(auction.starts_at)},
                       url, follow)
    if auction.status == Auction.Status.LIVE and now < auction.ends_at:
        if not auction.bid_count:
            return _status("in_auction", _("In auction now: no bids yet; it ends %(when)s.")
                           % {"when": _when(auction.ends_at)}, url, follow)
        params = {"count": auction.bid_count, "highest": _money(auction.price_minor), "when": _when(auction.ends_at)}
        if auction.reserve_met:
            text = ngettext("In auction now: %(count)s bid, the highest %(highest)s (reserve met); it ends %(when)s.",
                            "In auction now: %(count)s bids, the highest %(highest)s (reserve met); it ends %(when)s.",
                            auction.bid_count) % params
        else:
            text = ngettext("In auction now: %(count)s bid, the highest %(highest)s (below your reserve); it ends "
                            "%(when)s.",
                            "In auction now: %(count)s bids, the highest %(highest)s (below your reserve); it ends "
                            "%(when)s.", auction.bid_count) % params
        return _status("in_auction", text, url, follow)
    see = _("See the auction")
    if auction.outcome == Auction.Outcome.AWAITING_SELLER and getattr(auction, "pending_counter", None):
        counter = auction.pending_counter
        assert counter is not None  # checked just above
        return _status("decision_needed", _("You offered the car to the top bidder for %(amount)s (their bid: "
                                            "%(bid)s); they answer by %(when)s, or it is not sold.")
                       % {"amount": _money(counter.amount_minor), "bid": _money(counter.bid_minor),
                          "when": _when(counter.expires_at)}, url, see)
    if auction.outcome == Auction.Outcome.AWAITING_SELLER:
        top = _money(auction.price_minor)
        if auction.decision_deadline and now >= auction.decision_deadline:
            return _status("decision_expired", _("The time to decide has passed: the top bid of %(top)s is being "
                                                 "declined.") % {"top": top}, url, see)
        assert auction.decision_deadline is not None  # set with the outcome awaiting the seller
        return _status("decision_needed", _("The auction ended at %(top)s, below your reserve of %(reserve)s. Accept "
                                            "or decline the top bid by %(when)s; after that it is declined "
                                            "automatically.")
                       % {"top": top, "reserve": _money(auction.reserve_minor),
                          "when": _when(auction.decision_deadline)}, url, _("Decide on the top bid"))
    return _status("auction_ended", _("The auction has ended; its result follows in a moment."), url, see)


def _sale_status(auction: Auction | None, sale: Sale | None, offer: SecondChanceOffer | None) -> SellerStatus:
    """A sold car, from the invoice to the payout."""
    if sale is None:
        hammer = _money(auction.hammer_price_minor) if auction else ""
        return _status("sold", _("Sold for %(hammer)s. The dealer's invoice is on its way.") % {"hammer": hammer}
                       if hammer else _("Sold."))
    S = Sale.Status
    url, go = reverse("payments:detail", args=[sale.pk]), _("Go to the sale")
    hammer, receives = _money(sale.hammer_price_minor, sale.currency), _money(sale.seller_receives_minor, sale.currency)
    if sale.status == S.AWAITING_PAYMENT:
        return _status("awaiting_payment", _("Sold for %(hammer)s. Waiting for the dealer's payment, due by "
                                             "%(when)s; then you arrange the handover. You receive %(receives)s.")
                       % {"hammer": hammer, "when": _when(sale.payment_deadline), "receives": receives}, url, go)
    if sale.status == S.OVERDUE:
        return _status("payment_overdue", _("Sold for %(hammer)s, but the dealer has not paid by the deadline "
                                            "(%(when)s). We are chasing the payment; %(next)s")
                       % {"hammer": hammer, "when": _when(sale.payment_deadline),
                          "next": sale_overdue_next_step(sale=sale)}, url, go)
    if sale.status == S.CANCELLED:
        if offer is not None:
            return _status("second_chance", _("The first buyer did not pay. We have offered your car to the "
                                              "next-highest bidder for %(amount)s; they answer by %(when)s.")
                           % {"amount": _money(offer.amount_minor, sale.currency), "when": _when(offer.expires_at)},
                           url, go)
        return _status("sold", _("The first buyer did not pay; we are looking for another buyer."), url, go)
    if sale.status == S.PAID:
        if sale.seller_confirmed_at and not sale.buyer_confirmed_at:
            text = _("The dealer's payment is in escrow. You confirmed the handover; waiting for the dealer to "
                     "confirm it too. Then you are paid %(receives)s.") % {"receives": receives}
        else:
            text = _("The dealer's payment is in escrow. Arrange the handover on the sale page, then confirm the "
                     "handover once the car has changed hands: you are paid %(receives)s as soon as you both have.") \
                % {"receives": receives}
            if sale.collection_proposed_at and sale.collection_place:
                text += " " + _("Collection: %(when)s at %(place)s.") % {
                    "when": _when(sale.collection_proposed_at), "place": sale.collection_place}
        if sale.collection_deadline:
            when = _when(sale.collection_deadline)
            text += " " + (_("The dealer collects by %(when)s — overdue: Gavel has told the dealer.") % {"when": when}
                           if sale.is_collection_overdue else _("The dealer collects by %(when)s.") % {"when": when})
        return _status("paid", text, url, go)
    if sale.status == S.HANDED_OVER:
        if sale.payout_status == Sale.PayoutStatus.FAILED:
            return _status("payout_delayed", _("Handed over. Sending your payout of %(receives)s failed; we retry "
                                               "automatically and our team is on it.") % {"receives": receives},
                           url, go)
        return _status("payout_on_its_way", _("Handed over. Your payout of %(receives)s is on its way.")
                       % {"receives": receives}, url, go)
    if sale.status == S.PAID_OUT:
        assert sale.paid_out_at is not None  # set with the paid-out status
        return _status("paid_out", _("Paid out: %(receives)s sent to your bank account on %(day)s (reference "
                                     "%(reference)s).")
                       % {"receives": receives, "day": _day(sale.paid_out_at), "reference": sale.payout_reference},
                       url, go)
    if sale.status == S.DISPUTED:
        text = _("The dealer opened a dispute about the car. Our team reviews it and contacts you; nothing is taken "
                 "from you until then.")
        if sale.payout_status != Sale.PayoutStatus.SENT:
            text += " " + _("Your payout waits for the decision.")
        return _status("disputed", text, url, go)
    if sale.status == S.REFUNDED:
        return _status("refunded", _("After a dispute the sale was reversed and the dealer got their money back. Our "
                                     "team contacts you about the car."), url, go)
    if sale.paid_out_at:
        text = _("Completed: %(receives)s paid out on %(day)s.") % {"receives": receives,
                                                                     "day": _day(sale.paid_out_at)}
    else:
        text = _("Completed: sold.")
    if sale.refunded_minor:
        text += " " + _("After a dispute, %(amount)s was refunded to the dealer.") % {
            "amount": _money(sale.refunded_minor, sale.currency)}
    return _status("completed", text, url, go)


def _not_sold_status(auction: Auction | None, sale: Sale | None) -> SellerStatus:
    new_auction = str(NEW_AUCTION)
    if auction is not None and auction.outcome == Auction.Outcome.NO_BIDS:
        return _status("not_sold", _("No bids this time. %(next)s") % {"next": new_auction})
    if auction is not None and auction.outcome == Auction.Outcome.UNSOLD:
        top = _money(auction.price_minor)
        if auction.decision_deadline and auction.decided_at and auction.decided_at >= auction.decision_deadline:
            return _status("not_sold", _("The top bid of %(top)s was declined automatically: no decision by "
                                         "%(when)s. %(next)s")
                           % {"top": top, "when": _when(auction.decision_deadline), "next": new_auction})
        return _status("not_sold", _("You declined the top bid of %(top)s. %(next)s") % {"top": top,
                                                                                        "next": new_auction})
    if auction is not None and auction.outcome == Auction.Outcome.SOLD:
        url = reverse("payments:detail", args=[sale.pk]) if sale else ""
        return _status("fell_through", _("The sale fell through: the dealer did not pay and no other bidder took the "
                                         "car. It is yours again. %(next)s") % {"next": new_auction},
                       url, _("See the sale") if url else "")
    return _status("not_sold", _("Not sold this time. %(next)s") % {"next": new_auction})


def _seller_status(listing: Listing, *, inspection: Inspection | None, auction: Auction | None, sale: Sale | None,
                   offer: SecondChanceOffer | None, now: datetime) -> SellerStatus:
    L = Listing.Status
    status = listing.status
    if status == L.DRAFT:
        missing = listing_missing_for_submit(listing=listing)
        if missing:
            return _status("draft", _("Draft: add %(missing)s, then submit it for inspection.")
                           % {"missing": ", ".join(str(item) for item in missing)})
        return _status("draft", _("Ready: submit it for inspection when you are happy with it."))
    if status == L.SUBMITTED:
        return _status("awaiting_inspector", _("Waiting for an inspector."))
    if status == L.INSPECTION_SCHEDULED:
        booked = inspection_booking_text(inspection=inspection)
        if booked:
            return _status("inspection_booked", booked)
        if inspection is not None and inspection.status in (Inspection.Status.IN_PROGRESS,
                                                             Inspection.Status.SUBMITTED):
            return _status("being_inspected", _("Being inspected now: the report follows once the inspector "
                                                "publishes it."))
        return _status("inspection_booked", _("Inspection booked: an inspector will look at your car."))
    if status == L.INSPECTED:
        return _status("in_review", _("Inspected: our team is reviewing the report before the auction."),
                       reverse("inspection_report", args=[listing.pk]), _("Read the inspection report"))
    if status == L.APPROVED:
        if auction is not None and auction.status == Auction.Status.CANCELLED:
            reason = auction.cancel_reason.strip().rstrip(".")
            if reason:
                return _status("approved", _("Its auction was cancelled (%(reason)s). We schedule a new one and tell "
                                             "you the date.") % {"reason": reason})
            return _status("approved", _("Its auction was cancelled. We schedule a new one and tell you the date."))
        if auction is not None:
            return _status("approved", _("Back on the list for auction: we schedule it and tell you the date."))
        return _status("approved", _("Approved: we schedule its auction and tell you the date."))
    if status == L.IN_AUCTION:
        return _auction_status(auction, now=now)
    if status == L.SOLD:
        return _sale_status(auction, sale, offer)
    if status == L.UNSOLD:
        return _not_sold_status(auction, sale)
    if status == L.REJECTED:
        return _status("rejected", _("Rejected: %(reason)s") % {"reason": listing.rejection_reason}
                       if listing.rejection_reason else _("Rejected by our team."))
    return _status("withdrawn", _("Withdrawn by you."))


def seller_car_statuses(*, listings: Iterable[Listing]) -> dict[int, SellerStatus]:
    """{listing id: where the car stands} for a seller's cars, in a handful of queries whatever their number."""
    listings = list(listings)
    ids = [listing.pk for listing in listings]
    inspections = inspections_for_listings(listing_ids=ids)
    auctions: dict[int, Auction] = {}
    for auction in Auction.objects.filter(listing_id__in=ids).order_by("listing_id", "-created_at", "-id"):
        auctions.setdefault(auction.listing_id, auction)
    awaiting = [a.pk for a in auctions.values() if a.outcome == Auction.Outcome.AWAITING_SELLER]
    counters = {c.auction_id: c for c in CounterOffer.objects.filter(auction_id__in=awaiting,
                                                                     status=CounterOffer.Status.PENDING)}
    for auction in auctions.values():
        auction.pending_counter = counters.get(auction.pk)
    sales: dict[int, Sale] = {}
    for opened in Sale.objects.filter(auction__in=list(auctions.values())).order_by("-created_at", "-id"):
        sales.setdefault(opened.listing_id, opened)
    cancelled = [sale.pk for sale in sales.values() if sale.status == Sale.Status.CANCELLED]
    offers = {offer.sale_id: offer for offer in
              SecondChanceOffer.objects.filter(sale_id__in=cancelled, status=SecondChanceOffer.Status.PENDING)}
    now = timezone.now()
    statuses = {}
    for listing in listings:
        sale = sales.get(listing.pk)
        statuses[listing.pk] = _seller_status(
            listing, inspection=inspections.get(listing.pk), auction=auctions.get(listing.pk), sale=sale,
            offer=offers.get(sale.pk) if sale else None, now=now)
    return statuses


def seller_car_status(*, listing: Listing) -> SellerStatus:
    return seller_car_statuses(listings=[listing])[listing.pk]


def seller_car_list(*, seller: User) -> list[Listing]:
    """The seller's cars, newest first, each with its `cover` and `seller_status` ready for a page."""
    listings = listing_list_for_seller(seller=seller)
    statuses = seller_car_statuses(listings=listings)
    for listing in listings:
        listing.seller_status = statuses[listing.pk]
    return listings


def second_chance_offers_for(*, dealer: User) -> QuerySet:
    """The offers a dealer may see: never one still waiting for the seller's consent (it is not theirs yet, and it
    would tell them the price is below the reserve)."""
    return (SecondChanceOffer.objects.filter(dealer=dealer)
            .filter(Q(consent__isnull=True) | Q(consent__status=SellerConsent.Status.ACCEPTED))
            .select_related("sale", "sale__listing", "new_sale").order_by("-created_at"))


def seller_decisions_for(*, user: User) -> QuerySet:
    """The below-reserve decisions `user` may see (a seller's own, all for staff), with the sale a second-chance
    decision is about; waiting ones first."""
    return (seller_consents_for(user=user).select_related("second_chance_offer__sale")
            .order_by(Case(When(status=SellerConsent.Status.PENDING, then=0), default=1), "-created_at", "-id"))


def seller_decisions_pending(*, user: User) -> list[SellerConsent]:
    """A seller's decisions still waiting for their answer (before the deadline), soonest deadline first."""
    return list(seller_decisions_for(user=user).filter(status=SellerConsent.Status.PENDING, deadline__gt=db_now())
                .order_by("deadline"))


def seller_decision_sale_id(consent: SellerConsent) -> int | None:
    offer = getattr(consent, "second_chance_offer", None)  # a close decision has none
    return offer.sale_id if offer is not None else None


def sale_pending_consent(*, sale: Sale) -> SecondChanceOffer | None:
    """The second-chance offer on this cancelled sale that waits for the seller's consent, if any."""
    return (sale.second_chance_offers.filter(status=SecondChanceOffer.Status.AWAITING_SELLER)
            .select_related("consent").first())


def sale_buyer_can_buy(*, sale: Sale) -> bool:
    profile = getattr(sale.buyer, "dealer_profile", None)
    return profile is not None and profile.can_bid


def sale_seller_may_cancel(*, sale: Sale) -> bool:
    """The seller may cancel, at no cost, an unpaid sale whose buyer may no longer buy (services decide again)."""
    return sale.status in Sale.UNPAID_STATUSES and not sale_buyer_can_buy(sale=sale)


def second_chance_candidates(*, sale: Sale) -> list[tuple[int, int]]:
    """(dealer id, their last visible bid) for every dealer who bid on the auction and has neither bought
    nor been offered this car yet, best first (higher bid, then the earlier bidder)."""
    auction = sale.auction
    excluded = set(Sale.objects.filter(auction=auction).values_list("buyer_id", flat=True))
    excluded |= set(SecondChanceOffer.objects.filter(sale__auction=auction).values_list("dealer_id", flat=True))
    rows = (auction.bids.filter(is_visible=True, state=Bid.State.STANDING).exclude(dealer_id__in=excluded)
            .values("dealer_id").annotate(last=Max("amount_minor"), first_seq=Min("sequence"))
            .order_by("-last", "first_seq"))
    return [(row["dealer_id"], row["last"]) for row in rows]


def sale_overdue_next_step_translatable(*, sale: Sale) -> Translatable:
    """What happens to the seller's car if the overdue payment never comes: a second chance, or the car back."""
    if second_chance_candidates(sale=sale):
        return translatable("if it does not come, we offer your car to the next-highest bidder.")
    return translatable("if it does not come, the car is yours again. Our team will contact you about a new auction.")


def sale_overdue_next_step(*, sale: Sale) -> str:
    """sale_overdue_next_step_translatable() in the active language."""
    return render(sale_overdue_next_step_translatable(sale=sale))


def sale_report_lines(*, sale: Sale) -> list[dict]:
    """The lines of the report revision the dealer bid on, each marked `disclosed` from the sale's snapshot (the
    record of what the report disclosed). Empty for a sale without a report."""
    if sale.report is None:  # no query when report_id is None
        return []
    disclosed = sale.disclosed_items or {}
    return [{**line, "disclosed": line["key"] in disclosed} for line in report_lines(report=sale.report)]


def sale_report_line_groups(*, sale: Sale) -> list[tuple[str, list[dict]]]:
    """sale_report_lines grouped by category, in report order: what the dispute form offers."""
    groups: dict[str, list[dict]] = {}
    for line in sale_report_lines(sale=sale):
        groups.setdefault(line["category"], []).append(line)
    return list(groups.items())


def sale_disclosed_lines(*, sale: Sale) -> list[dict]:
    """What the report disclosed, as the sale recorded it: [{"key", "text", "category", "label", "severity",
    "note"}], in report order."""
    order = {line["key"]: index for index, line in enumerate(sale_report_lines(sale=sale))}
    items = (sale.disclosed_items or {}).items()
    return [{"key": key, **value} for key, value in sorted(items, key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]


def dispute_items(*, dispute: Dispute) -> list[dict]:
    """What a dispute says the inspection missed, as it reads: [{"key", "text"}] — the findings the rules counted
    ("Windscreen — major"); for a dispute from before the rules, the report lines it named (a key the report no
    longer resolves reads as itself)."""
    counted = [f for f in (dispute.computation or {}).get("findings", []) if f["decision"] == "claimable"]
    if counted:
        report = {line["key"]: line for line in sale_report_lines(sale=dispute.sale)}
        return [{"key": f["key"], "text": (f"{report[f['key']]['category']} · {report[f['key']]['label']}"
                                           if f["key"] in report else f["label"])
                 + f" — {_severity_word(f['severity'])}"} for f in counted]
    lines = {line["key"]: line["text"] for line in sale_report_lines(sale=dispute.sale)} if dispute.item_keys else {}
    return [{"key": key, "text": lines.get(key, key)} for key in dispute.item_keys]


def _severity_word(severity: str) -> str:
    return render(SEVERITY_WORDS[severity]) if severity in SEVERITY_WORDS else severity


def finding_detail(finding: Mapping) -> str:
    """A recorded finding's (payments.nochip.FindingDecision.as_dict) reason in words, in the active language; a
    finding recorded before the words were translatable reads as recorded."""
    text = finding.get("detail_text")
    return render(text) if text else finding.get("detail", "")


def findings_in_language(computation: Mapping | None) -> dict | None:
    """A recorded computation (payments.nochip.Computation.as_dict) with each finding's `detail` in the active
    language (and without the translatable it was written from)."""
    if not computation:
        return None
    findings = [{**{k: v for k, v in f.items() if k != "detail_text"}, "detail": finding_detail(f)}
                for f in computation.get("findings", [])]
    return {**computation, "findings": findings}


def dispute_view(*, dispute: Dispute) -> dict:
    """What the sale page and the API show of a dispute: its computation with each finding's photos."""
    photos: dict[str, list] = {}
    for photo in dispute.photos.all():
        photos.setdefault(photo.finding_key, []).append(photo)
    computation = findings_in_language(dispute.computation)
    findings = [{**finding, "photo_files": photos.get(finding["key"], [])}
                for finding in (computation or {}).get("findings", [])]
    return {"dispute": dispute, "computation": computation, "findings": findings,
            "other_photos": photos.get("", [])}


def dispute_default_cause(*, dispute: Dispute) -> str:
    """Who pays a refund unless staff decide otherwise: the inspection missed it when the dispute names lines of
    the report (none of them disclosed — the no-chip rules saw to that); nobody by default when it names
    none (staff must choose). A misrepresentation is never a default: it needs a written reason."""
    if dispute.sale.report_id is not None and dispute.item_keys:
        return Dispute.Cause.INSPECTION_MISSED
    return Dispute.Cause.NONE


def receivable_how_to_settle_translatable(receivable: SellerReceivable) -> Translatable:
    """The one text that tells a seller how to settle (notification, email and sale page say the same)."""
    return translatable("Transfer {owed} to {name}, IBAN {iban}, BIC {bic}, with the reference {reference}; or leave "
                        "it to be set off against your next payout on Gavel.",
                        owed=receivable.money(receivable.outstanding_minor), name=settings.GAVEL_BANK_ACCOUNT_NAME,
                        iban=settings.GAVEL_BANK_IBAN, bic=settings.GAVEL_BANK_BIC,
                        reference=receivable.bank_reference)


def receivable_how_to_settle(receivable: SellerReceivable) -> str:
    """receivable_how_to_settle_translatable() in the active language."""
    return render(receivable_how_to_settle_translatable(receivable))


def sale_receivables(*, sale: Sale) -> QuerySet:
    return sale.receivables.prefetch_related("settlements").order_by("created_at", "id")


def sale_set_offs(*, sale: Sale) -> QuerySet:
    """What this sale's payout settled of the seller's receivables from other sales."""
    return sale.set_offs.select_related("receivable", "receivable__sale__listing").order_by("id")


def seller_open_receivables(*, seller: User) -> QuerySet:
    return SellerReceivable.objects.filter(seller=seller, status=SellerReceivable.Status.OPEN).order_by(
        "created_at", "id")


def sale_paid_to_bank_minor(*, sale: Sale) -> int:
    """What the payout sent to the seller's bank account, as the ledger recorded it (0 before it is sent)."""
    return (LedgerEntry.objects.filter(transaction__sale=sale, transaction__kind=LedgerTransaction.Kind.PAYOUT,
                                       account__kind=LedgerAccount.Kind.BANK, amount_minor__gt=0)
            .values_list("amount_minor", flat=True).first() or 0)


def ledger_account_history(*, account: LedgerAccount, limit: int = 200) -> list[dict]:
    """The newest entries of an account with the balance after each: [{"entry", "balance_minor"}], newest first."""
    entries = list(LedgerEntry.objects.filter(account=account).select_related("transaction", "transaction__sale")
                   .order_by("-transaction__created_at", "-transaction_id", "-id")[:limit])
    balance = account_balance(account)
    rows = []
    for entry in entries:
        rows.append({"entry": entry, "balance_minor": balance})
        balance -= entry.amount_minor
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Dealer deposits

# A dealer's sale is pending until it can no longer cost them anything: completed, refunded or cancelled.
SETTLED_SALE_STATUSES = (Sale.Status.COMPLETED, Sale.Status.REFUNDED, Sale.Status.CANCELLED)


def dealer_owed_minor(*, dealer: User) -> int:
    """What the dealer owes Gavel: fees their deposit could not cover, not yet paid."""
    return sum(r.outstanding_minor for r in DealerReceivable.objects.filter(dealer=dealer,
                                                                           status=DealerReceivable.Status.OPEN))


def deposit_balance_minor(dealer: User) -> int:
    account = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.DEPOSIT, owner=dealer).first()
    return account_balance(account) if account else 0


@dataclass(frozen=True)
class DepositPendingItems:
    open_sales: int
    committed_minor: int  # leading bids and unpaid cars

    @property
    def anything(self) -> bool:
        return bool(self.open_sales or self.committed_minor)

    def sentences(self) -> list[str]:
        said = []
        if self.open_sales:
            said.append(ngettext("%(count)s of your purchases is not settled yet (completed, refunded or cancelled).",
                                 "%(count)s of your purchases are not settled yet (completed, refunded or "
                                 "cancelled).", self.open_sales) % {"count": self.open_sales})
        if self.committed_minor:
            said.append(_("You lead in an auction or owe for a car: %(amount)s committed.")
                        % {"amount": Money.of(self.committed_minor).format()})
        return said


def deposit_pending_items(*, dealer: User) -> DepositPendingItems:
    return DepositPendingItems(
        open_sales=Sale.objects.filter(buyer=dealer).exclude(status__in=SETTLED_SALE_STATUSES).count(),
        committed_minor=dealer_committed_minor(dealer=dealer))



def deposit_summary(*, dealer: User) -> dict:
    """What the deposit page shows: balance, the buying limit (and whether staff set it), what is pending, the
    announced transfers and every movement of the deposit, newest first."""
    profile = DealerProfile.objects.filter(user=dealer).first()
    account = LedgerAccount.objects.filter(kind=LedgerAccount.Kind.DEPOSIT, owner=dealer).first()
    history = []
    if account is not None:
        for entry in (LedgerEntry.objects.filter(account=account).select_related("transaction")
                      .order_by("-transaction__created_at", "-id")[:200]):
            txn = entry.transaction
            history.append({"when": txn.created_at, "kind": txn.kind, "what": txn.get_kind_display(), "memo": txn.memo,
                            "reference": txn.provider_reference, "sale_id": txn.sale_id,
                            "amount": Money(entry.amount_minor, account.currency)})
    currency = settings.GAVEL_CURRENCY
    return {
        "balance": Money(deposit_balance_minor(dealer), currency),
        "buying_limit": Money(profile.buying_limit_minor if profile else 0, currency),
        "deposit_limit": Money(profile.deposit_limit_minor if profile else 0, currency),
        "individual_limit": (Money(profile.individual_limit_minor, currency)
                             if profile and profile.individual_limit_minor is not None else None),
        "pending": deposit_pending_items(dealer=dealer),
        "topups": list(DepositTopUp.objects.filter(dealer=dealer, status=DepositTopUp.Status.PENDING)),
        "owed": Money(dealer_owed_minor(dealer=dealer), currency),
        "receivables": list(DealerReceivable.objects.filter(dealer=dealer).select_related("sale__listing")
                            .order_by("-created_at", "-id")),
        "history": history,
        "bank": {"account_name": settings.GAVEL_BANK_ACCOUNT_NAME, "iban": settings.GAVEL_BANK_IBAN,
                 "bic": settings.GAVEL_BANK_BIC},
    }


def all_in_price_in_force(amount: Money) -> Money:
    """The one home of the all-in price pages and answers show: what a dealer pays in all if the hammer falls at
    `amount` (the amount plus the buyer fee), by the fee schedule in force (settings.GAVEL_FEE_SCHEDULE_VERSION)."""
    return all_in_price(amount, fee_schedule_load(settings.GAVEL_FEE_SCHEDULE_VERSION))


def fee_rules(*, version: str | None = None) -> dict:
    """The published schedule as the /rules/fees/ page shows it: bands in words, every figure as money."""
    schedule = fee_schedule_load(version or CURRENT_VERSION)
    table = repair_cost_table_load()
    currencies = []
    for code, fees in schedule.currencies.items():
        bands, lower = [], None
        for band in fees.buyer_fee_bands:
            if band.flat_minor is not None:
                fee = Money(band.flat_minor, code).format()
            else:
                assert band.bps is not None  # a band has exactly one of flat_minor or bps (_bands_parse)
                fee = _("%(percent)s %% of the hammer price, rounded half up to the cent") % {
                    "percent": number_format(f"{band.bps / 100:g}")}
            if band.up_to_minor is None:  # the last band; the only one in a schedule of one band
                span = _("any hammer price") if lower is None else _("over %(amount)s") % {
                    "amount": Money(lower, code).format()}
            elif lower is None:
                span = _("up to %(amount)s") % {"amount": Money(band.up_to_minor, code).format()}
            else:
                span = _("%(lower)s to %(upper)s") % {"lower": Money(lower + 1, code).format(),
                                                      "upper": Money(band.up_to_minor, code).format()}
            bands.append({"span": span, "fee": fee})
            lower = band.up_to_minor
        currencies.append({
            "code": code, "bands": bands,
            "seller_fee": Money(fees.seller_fee_minor, code), "break_fee": Money(fees.break_fee_minor, code),
            "unpaid_sale_fee": Money(fees.unpaid_sale_fee_minor, code),
            "deductible": Money(fees.deductible_minor, code), "minimum_claim": Money(fees.minimum_claim_minor, code),
            "limit_example": (Money(5_000 * 10 ** MINOR_DIGITS[code], code),
                              buying_limit(Money(5_000 * 10 ** MINOR_DIGITS[code], code), schedule)),
        })
    return {"schedule": schedule, "currencies": currencies, "table": table,
            "dispute_window_days": settings.GAVEL_DISPUTE_WINDOW_DAYS,
            "payment_business_days": settings.GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS,
            "collection_days": settings.GAVEL_COLLECTION_DAYS}


# ---------------------------------------------------------------------------------------------------------------
# The collection check and the price adjustment


def collection_finding_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every item a finding can name, grouped for a select: the damage map by panel, then the checklist."""
    table = repair_cost_table_load()
    damage: list[tuple[str, str]] = []
    checklist: list[tuple[str, str]] = []
    for key, entry in table.entries.items():
        (damage if key.startswith("damage.") else checklist).append((key, entry.label))
    return [(_("Damage map"), damage), (_("Checklist"), checklist)]


def sale_collection(*, sale: Sale) -> dict:
    """The sale's collection check (its computation, photos per finding) and its adjustment request."""
    check = CollectionCheck.objects.filter(sale=sale).first()
    request = AdjustmentRequest.objects.filter(sale=sale).first()
    if check is None:
        return {"check": None, "adjustment": request}
    photos: dict[str, list] = {}
    for photo in check.photos.all():
        photos.setdefault(photo.finding_key or photo.kind, []).append(photo)
    computation = findings_in_language(check.computation) or {}
    findings = [{**finding, "photo_files": photos.get(finding["key"], [])}
                for finding in computation.get("findings", [])]
    return {"check": check, "computation": computation, "findings": findings,
            "vin_photos": photos.get(CollectionPhoto.Kind.VIN, []),
            "odometer_photos": photos.get(CollectionPhoto.Kind.ODOMETER, []), "adjustment": request}
def buy_now_offers_open() -> QuerySet:
    """Buy-now offers a verified dealer may take now (no reserve, no seller: the car and its price)."""
    return (BuyNowOffer.objects.filter(status=BuyNowOffer.Status.OPEN, expires_at__gt=db_now())
            .select_related("listing").order_by("expires_at"))


def buy_now_offer_for_seller(*, listing: Listing) -> BuyNowOffer | None:
    """The car's buy-now offer waiting for the seller's answer, or open to dealers."""
    return (BuyNowOffer.objects.filter(listing=listing, status__in=[BuyNowOffer.Status.AWAITING_SELLER,
                                                                    BuyNowOffer.Status.OPEN])
            .order_by("-created_at").first())


# The dealer's work list ------------------------------------------------------------------------------------------

WATCH_ENDING_SOON = timedelta(hours=24)


def dealer_work_list(*, dealer: User) -> dict:
    """What a dealer has to do or watch now, most urgent first: cars won and to pay (with deadlines), to collect,
    counter-offers waiting for their answer, live auctions they lead or lost the lead on, watched auctions ending
    within a day, the buying limit used and left, and their latest notifications."""
    now = db_now()
    sales = Sale.objects.filter(buyer=dealer).select_related("listing")
    bid_on = Auction.objects.filter(status=Auction.Status.LIVE, bids__dealer=dealer,
                                    bids__state=Bid.State.STANDING).distinct().select_related("listing")
    profile = getattr(dealer, "dealer_profile", None)
    limit = profile.buying_limit_minor if profile else 0
    used = dealer_committed_minor(dealer=dealer) if profile else 0
    return {
        "to_pay": list(sales.filter(status__in=Sale.UNPAID_STATUSES).order_by("payment_deadline")),
        "to_collect": list(sales.filter(status=Sale.Status.PAID).order_by("paid_at")),
        "counter_offers": list(CounterOffer.objects.filter(dealer=dealer, status=CounterOffer.Status.PENDING,
                                                           expires_at__gt=now)
                               .select_related("auction__listing").order_by("expires_at")),
        "leading": [a for a in bid_on.order_by("ends_at") if a.leader_id == dealer.pk],
        "outbid": [a for a in bid_on.order_by("ends_at") if a.leader_id != dealer.pk],
        "watched_ending": list(Auction.objects.filter(
            pk__in=Watch.objects.filter(dealer=dealer).values("auction_id"), status=Auction.Status.LIVE,
            ends_at__lte=now + WATCH_ENDING_SOON).select_related("listing").order_by("ends_at")),
        "limit_minor": limit, "used_minor": used, "left_minor": max(limit - used, 0),
        "notifications": list(Notification.objects.filter(user=dealer).order_by("-created_at")[:5]),
    }


def staff_work_list() -> list[dict]:
    """What waits for staff, each with how many and where to act (an admin list filtered to it)."""
    def admin(name: str, query: str = "") -> str:
        return reverse(f"admin:{name}_changelist") + (f"?{query}" if query else "")

    rows = [
        (_("cars waiting for an inspector"),
         Inspection.objects.filter(status=Inspection.Status.REQUESTED, inspector__isnull=True).count(),
         admin("inspections_inspection", "status__exact=requested")),
        (_("reports waiting for approval"), Listing.objects.filter(status=Listing.Status.INSPECTED).count(),
         admin("inspections_inspection", "status__exact=published")),
        (_("overdue payments"), Sale.objects.filter(status=Sale.Status.OVERDUE).count(),
         admin("payments_sale", "status__exact=overdue")),
        (_("open disputes"), Dispute.objects.filter(status=Dispute.Status.OPEN).count(),
         admin("payments_dispute", "status__exact=open")),
        (_("dealers waiting for verification"),
         DealerProfile.objects.filter(status=DealerProfile.Status.PENDING).count(),
         admin("accounts_dealerprofile", "status__exact=pending")),
        (_("relist requests"), RelistRequest.objects.filter(status=RelistRequest.Status.PENDING).count(),
         admin("auctions_relistrequest", "status__exact=pending")),
        (_("unsold cars (buy now)"), Listing.objects.filter(status=Listing.Status.UNSOLD).count(),
         admin("payments_unsoldlisting")),
    ]
    return [{"label": label, "count": count, "url": url} for label, count, url in rows]


SALE_EXPORT_FIELDS = ("id", "auction", "listing", "buyer", "seller", "status", "currency", "hammer_price_minor",
                      "buyer_fee_minor", "seller_fee_minor", "amount_due_minor", "seller_receives_minor",
                      "adjustment_minor", "refunded_minor", "payment_deadline", "paid_at", "cancelled_at",
                      "cancel_reason", "collection_place", "handed_over_at", "payout_status", "payout_reference",
                      "paid_out_at", "completed_at", "created_at")


def _ledger_lines(user: User) -> list[dict]:
    """Every entry on the ledger accounts the person owns (their dealer, seller and deposit accounts): the other
    side of each transaction is Gavel's (escrow, fees, bank), never another person's."""
    entries = (LedgerEntry.objects.filter(account__owner=user).select_related("account", "transaction")
               .order_by("transaction__created_at", "id"))
    return [{"account": entry.account.kind, "amount_minor": entry.amount_minor, "currency": entry.account.currency,
             **{f"transaction_{k}": v for k, v in record(entry.transaction, (
                 "id", "kind", "sale", "memo", "created_at")).items()}}
            for entry in entries]


def personal_data(*, user: User) -> dict:
    """The person's sales and purchases, payments, payouts, disputes, debts, deposit, ledger lines, the invoices
    and statements issued to them, and the offers addressed to them (privacy.selectors.personal_data_export)."""
    sales = Sale.objects.filter(Q(buyer=user) | Q(seller=user)).order_by("created_at", "id")
    return {
        "sales": [{**record(sale, SALE_EXPORT_FIELDS), "you_are": "buyer" if sale.buyer_id == user.pk else "seller"}
                  for sale in sales],
        "payments": [record(p, ("id", "sale", "provider", "reference", "amount_minor", "currency", "status",
                                "confirmed_at", "created_at"))
                     for p in Payment.objects.filter(sale__buyer=user).order_by("created_at", "id")],
        "payouts": [record(t, ("reference", "amount_minor", "currency", "memo", "created_at"))
                    for t in PayoutTransfer.objects.filter(payee=user).order_by("created_at", "id")],
        "disputes": [{**record(d, ("id", "sale", "reason", "item_keys", "status", "outcome", "resolution",
                                   "refund_minor", "cause", "cause_reason", "resolved_at", "created_at")),
                      "opened_by_you": d.opened_by_id == user.pk}
                     for d in Dispute.objects.filter(Q(sale__buyer=user) | Q(sale__seller=user)).order_by("id")],
        "seller_receivables": [record(r, ("id", "sale", "amount_minor", "settled_minor", "currency", "reason",
                                          "status", "created_at", "settled_at"))
                               for r in SellerReceivable.objects.filter(seller=user).order_by("id")],
        "dealer_receivables": [record(r, ("id", "sale", "kind", "amount_minor", "settled_minor", "currency",
                                          "status", "created_at", "settled_at"))
                               for r in DealerReceivable.objects.filter(dealer=user).order_by("id")],
        "deposit_top_ups": [record(t, ("amount_minor", "received_minor", "currency", "reference", "status",
                                       "created_at", "confirmed_at"))
                            for t in DepositTopUp.objects.filter(dealer=user).order_by("id")],
        "deposit_withdrawals": [record(w, ("amount_minor", "currency", "payout_reference", "created_at"))
                                for w in DepositWithdrawal.objects.filter(dealer=user).order_by("id")],
        "ledger_lines": _ledger_lines(user),
        "documents": [{**record(d, ("id", "kind", "number", "sale", "issued_at", "currency", "parties", "lines",
                                    "net_minor", "vat_minor", "total_minor")),
                       "download": reverse("payments:document", args=[d.sale_id, d.pk])}
                      for d in Document.objects.filter(recipient=user).order_by("issued_at", "id")],
        "second_chance_offers": [record(o, ("id", "sale", "amount_minor", "status", "expires_at", "decided_at",
                                            "created_at"))
                                 for o in SecondChanceOffer.objects.filter(dealer=user).order_by("id")],
        "buy_now_offers": [record(o, ("id", "auction", "listing", "price_minor", "status", "buyer", "decided_at",
                                      "created_at"))
                           for o in BuyNowOffer.objects.filter(Q(buyer=user) | Q(listing__seller=user))
                           .order_by("id")],
        "collection_checks": [record(c, ("sale", "vin_on_car", "odometer_km", "findings", "outcome", "recorded_at"))
                              for c in CollectionCheck.objects.filter(dealer=user).order_by("recorded_at")],
    }


def account_closure_obstacles(*, user: User) -> list[str]:
    """What the person still owes, is owed or has open with Gavel: a sale not settled (as buyer or seller), a
    payout not yet sent, an open dispute, a debt, deposit money not withdrawn (or a top-up on its way), an offer or
    price adjustment waiting for an answer."""
    said = []
    parties = Q(buyer=user) | Q(seller=user)
    if Sale.objects.filter(parties).exclude(status__in=SETTLED_SALE_STATUSES).exists():
        said.append(_("A sale of yours is not settled yet (paid, handed over and past the dispute window, refunded "
                      "or cancelled)."))
    if Sale.objects.filter(seller=user, payout_status__in=(Sale.PayoutStatus.PENDING, Sale.PayoutStatus.SENDING,
                                                            Sale.PayoutStatus.FAILED),
                           status__in=Sale.PAID_STATUSES).exclude(status=Sale.Status.REFUNDED).exists():
        said.append(_("A payout to you has not been sent yet."))
    if Dispute.objects.filter(Q(sale__buyer=user) | Q(sale__seller=user), status=Dispute.Status.OPEN).exists():
        said.append(_("A dispute about one of your sales is open."))
    if (SellerReceivable.objects.filter(seller=user, status=SellerReceivable.Status.OPEN).exists()
            or DealerReceivable.objects.filter(dealer=user, status=DealerReceivable.Status.OPEN).exists()):
        said.append(_("You owe Gavel money (a refund the seller pays back, or a fee)."))
    balance = deposit_balance_minor(user)
    if balance:
        said.append(_("Your deposit holds %(amount)s: withdraw it first.") % {"amount": Money.of(balance).format()})
    if DepositTopUp.objects.filter(dealer=user, status=DepositTopUp.Status.PENDING).exists():
        said.append(_("A deposit top-up you announced has not arrived yet."))
    if (SecondChanceOffer.objects.filter(dealer=user, status=SecondChanceOffer.Status.PENDING).exists()
            or AdjustmentRequest.objects.filter(Q(dealer=user) | Q(sale__seller=user),
                                                status=AdjustmentRequest.Status.PENDING).exists()
            or BuyNowOffer.objects.filter(Q(buyer=user) | Q(listing__seller=user), status__in=(
                BuyNowOffer.Status.AWAITING_SELLER, BuyNowOffer.Status.OPEN)).exists()):
        said.append(_("An offer or a price adjustment is waiting for an answer."))
    return said
