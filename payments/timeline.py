"""A seller's car from draft to payout, step by step: what happened when, and where the car stands now.

The step the car stands at carries the same words as everywhere else (`payments.selectors.seller_car_status`):
this module only lays the chain out in time, it does not put the car's state into new words. It reads the whole
chain (listing, inspection, report, auction, sale), so it lives at the top of the app order, beside the selector.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from auctions.models import Auction
from core.models import AuditLog
from inspections.models import Inspection, InspectionReport
from marketplace.models import Listing
from payments.models import Sale
from payments.selectors import (  # the same wording of money and moments as the status
    SellerStatus,
    _money,
    _when,
    seller_car_status,
)

DONE, CURRENT, AHEAD = "done", "current", "ahead"


@dataclass(frozen=True)
class TimelineStep:
    """One step: `key` (stable), `title`, `state` (done, current or ahead), when it happened (`at`), a line of
    detail, and a link. The current step also carries the seller's status (what to do next)."""

    key: str
    title: str
    state: str
    at: datetime | None = None
    detail: str = ""
    url: str = ""
    url_label: str = ""
    status: SellerStatus | None = None

    @property
    def at_text(self) -> str:
        return _when(self.at) if self.at else ""


# The seller's state (SELLER_STATES) -> the step it stands at.
_STEP_OF_STATE = {
    "draft": "draft", "awaiting_inspector": "submitted", "inspection_booked": "inspection_booked",
    "being_inspected": "inspection_booked", "in_review": "inspected", "approved": "approved",
    "auction_scheduled": "auction", "in_auction": "auction", "auction_ended": "result",
    "decision_needed": "decision", "decision_expired": "decision", "sold": "result", "awaiting_payment": "paid",
    "payment_overdue": "paid", "second_chance": "paid", "paid": "handover", "payout_on_its_way": "payout",
    "payout_delayed": "payout", "paid_out": "payout", "disputed": "payout", "refunded": "payout",
    "completed": "payout", "not_sold": "result", "fell_through": "paid",
}
# A car taken off the road by the seller or by staff: its last step is that, after the last step it reached.
_LEFT = {"withdrawn": Listing.Status.WITHDRAWN, "rejected": Listing.Status.REJECTED}
_FINAL_STATES = {"paid_out", "completed", "not_sold", "fell_through", "rejected", "withdrawn", "refunded"}


def _status_times(listing: Listing) -> dict[str, datetime]:
    """The first time the listing reached each status, from its audit trail."""
    times: dict[str, datetime] = {}
    rows = AuditLog.objects.for_object(listing).filter(action=AuditLog.Action.STATUS_CHANGE).order_by("created_at")
    for to_state, at in rows.values_list("to_state", "created_at"):
        times.setdefault(to_state, at)
    return times


def seller_car_timeline(*, listing: Listing) -> list[TimelineStep]:
    """The car's steps from draft to payout, oldest first. Steps not reached yet are listed as ahead; a car that
    left the road (withdrawn, rejected, not sold) ends at the step where it did."""
    status = seller_car_status(listing=listing)
    times = _status_times(listing)
    inspection = (Inspection.objects.filter(listing=listing).exclude(status=Inspection.Status.CANCELLED)
                  .select_related("inspector").order_by("-created_at").first())
    report = InspectionReport.objects.filter(listing=listing, is_current=True).first()
    auction = Auction.objects.filter(listing=listing).order_by("-created_at", "-id").first()
    sale = (Sale.objects.filter(auction=auction).order_by("-created_at", "-id").first()
            if auction is not None else None)
    auction_url = reverse("auctions:detail", args=[auction.pk]) if auction else ""
    sale_url = reverse("payments:detail", args=[sale.pk]) if sale else ""

    steps: list[dict] = [
        dict(key="draft", title=_("Draft"), at=listing.created_at, detail=_("You entered the car's details.")),
        dict(key="submitted", title=_("Submitted for inspection"), at=listing.submitted_at),
    ]
    booked = ""
    if inspection is not None and inspection.scheduled_at:
        who = inspection.inspector.get_short_name() if inspection.inspector else _("our inspector")
        booked = _("%(when)s at %(place)s with %(who)s.") % {
            "when": _when(inspection.scheduled_at), "place": inspection.place or _("your address"), "who": who}
    steps.append(dict(key="inspection_booked", title=_("Inspection booked"),
                      at=inspection.scheduled_at if inspection and inspection.scheduled_at else None, detail=booked))
    steps.append(dict(
        key="inspected", title=_("Inspected"), at=report.published_at if report else None,
        detail=_("Grade %(grade)s (score %(score)s of 100).") % {"grade": report.grade, "score": report.score}
        if report else "",
        url=reverse("inspection_report", args=[listing.pk]) if report else "",
        url_label=_("Read the inspection report") if report else ""))
    steps.append(dict(key="approved", title=_("Approved for auction"), at=times.get(Listing.Status.APPROVED)))
    auction_detail, auction_title = "", _("Auction")
    if auction is not None and auction.status != Auction.Status.CANCELLED:
        if auction.status == Auction.Status.SCHEDULED:
            auction_title = _("Auction scheduled")
            auction_detail = _("Starts %(when)s.") % {"when": _when(auction.starts_at)}
        elif auction.status == Auction.Status.LIVE:
            auction_title = _("Auction live")
            if auction.price_minor is not None:
                auction_detail = _("Live now: the price is %(price)s; it ends %(when)s.") % {
                    "price": _money(auction.price_minor), "when": _when(auction.ends_at)}
            else:
                auction_detail = _("Live now: no bids yet; it ends %(when)s.") % {"when": _when(auction.ends_at)}
        else:
            auction_detail = _("From %(start)s to %(end)s.") % {
                "start": _when(auction.starts_at), "end": _when(auction.closed_at or auction.ends_at)}
    steps.append(dict(key="auction", title=auction_title,
                      at=auction.starts_at if auction and auction.status != Auction.Status.CANCELLED else None,
                      detail=auction_detail, url=auction_url, url_label=_("See the auction") if auction_url else ""))
    result = ""
    if auction is not None and auction.status == Auction.Status.CLOSED:
        outcome = Auction.Outcome
        results: dict[str, str] = {
            outcome.SOLD: _("Sold for %(price)s.") % {"price": _money(auction.hammer_price_minor)},
            outcome.NO_BIDS: _("No bids."),
            outcome.AWAITING_SELLER: _("Top bid %(price)s, below your reserve.") % {
                "price": _money(auction.price_minor)},
            outcome.UNSOLD: _("Not sold: the top bid was %(price)s.") % {"price": _money(auction.price_minor)},
        }
        result = results.get(auction.outcome, auction.get_outcome_display())
    steps.append(dict(key="result", title=_("Result"), at=auction.closed_at if auction else None, detail=result))
    if auction is not None and auction.decision_deadline:
        decided = (_("Decided %(when)s.") % {"when": _when(auction.decided_at)} if auction.decided_at
                   else _("Decide by %(when)s.") % {"when": _when(auction.decision_deadline)})
        steps.append(dict(key="decision", title=_("Your decision"), at=auction.decided_at, detail=decided,
                          url=auction_url, url_label=_("See the auction")))
    steps.append(dict(key="paid", title=_("Paid into escrow"), at=sale.paid_at if sale else None,
                      detail=(_("The dealer paid %(amount)s.") % {"amount": _money(sale.amount_due_minor,
                                                                                   sale.currency)}
                              if sale and sale.paid_at else ""),
                      url=sale_url, url_label=_("Go to the sale") if sale_url else ""))
    handover = [sale.collection_place] if sale and sale.collection_place else []
    if sale and sale.collection_deadline and not sale.handed_over_at:
        when = _when(sale.collection_deadline)
        handover.append(_("The dealer collects by %(when)s — overdue: Gavel has told the dealer.") % {"when": when}
                        if sale.is_collection_overdue else _("The dealer collects by %(when)s.") % {"when": when})
    steps.append(dict(key="handover", title=_("Handover"), at=sale.handed_over_at if sale else None,
                      detail=" ".join(handover)))
    steps.append(dict(key="payout", title=_("Payout"), at=sale.paid_out_at if sale else None,
                      detail=(_("%(amount)s sent, reference %(reference)s.") % {
                          "amount": _money(sale.seller_receives_minor, sale.currency),
                          "reference": sale.payout_reference} if sale and sale.paid_out_at else "")))

    if status.state in _LEFT:
        reached = [step for step in steps if step["at"] is not None]
        done = [TimelineStep(**step, state=DONE) for step in reached]
        return [*done, TimelineStep(key=status.state, title=status.label, state=CURRENT,
                                    at=times.get(_LEFT[status.state]), status=status)]
    current_key = _STEP_OF_STATE.get(status.state, "draft")
    final = status.state in _FINAL_STATES
    keys = [step["key"] for step in steps]
    current_index = keys.index(current_key) if current_key in keys else 0
    timeline = []
    for index, step in enumerate(steps):
        if index < current_index:
            state = DONE
        elif index == current_index:
            state = CURRENT
        elif final:
            break  # the car left the road here: nothing lies ahead of it
        else:
            state = AHEAD
        timeline.append(TimelineStep(**step, state=state, status=status if state == CURRENT else None))
    return timeline
