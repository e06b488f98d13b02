"""Relisting an unsold car at the seller's request: a new reserve and starting price, the same inspection report
while it is at most settings.GAVEL_RELIST_REPORT_MAX_AGE_DAYS old, and staff approval before the auction is booked.

Lock order: the listing (relist, schedule), then the request.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import staff_ensure
from auctions.models import RelistRequest
from auctions.services.lifecycle import auction_schedule
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, amount_too_large_message
from core.transitions import TransitionResult, transition
from inspections.models import InspectionReport
from inspections.selectors import report_current_for_listing
from marketplace.models import Listing
from marketplace.services import listing_relist


class ReportTooOld(ApplicationError):
    code = "report_too_old"
    status_code = 409

    def default_message(self):
        return _("The inspection report is more than %(days)d days old: the car needs a new inspection before it goes "
                 "to auction again. Our team will contact you.") % {"days": settings.GAVEL_RELIST_REPORT_MAX_AGE_DAYS}


def relist_report_fresh(*, listing: Listing, now: datetime | None = None) -> InspectionReport | None:
    """The car's published report when it is young enough to relist without a new inspection, else None."""
    report = report_current_for_listing(listing_id=listing.pk)
    limit = (now or db_now()) - timedelta(days=settings.GAVEL_RELIST_REPORT_MAX_AGE_DAYS)
    return report if report is not None and report.published_at >= limit else None


def _amount(value, field: str, errors: dict) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors[field] = [_("A positive amount.")]
    elif value > AMOUNT_MAX_MINOR:
        errors[field] = [amount_too_large_message()]
    return value


def relist_request(*, listing: Listing, seller: User, reserve_minor: int, starting_price_minor: int) -> RelistRequest:
    """The seller asks for their unsold car to be auctioned again."""
    errors: dict = {}
    _amount(reserve_minor, "reserve", errors)
    _amount(starting_price_minor, "starting_price", errors)
    if not errors and starting_price_minor > reserve_minor:
        errors["starting_price"] = [_("The starting price is at most the reserve.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.seller_id != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller of this car may ask for it to be relisted."))
        if locked.status != Listing.Status.UNSOLD:
            raise ApplicationError(_("Only a car that did not sell can be relisted."), code="not_relistable")
        if relist_report_fresh(listing=locked) is None:
            raise ReportTooOld()
        try:
            with transaction.atomic():
                request = RelistRequest.objects.create(listing=locked, reserve_minor=reserve_minor,
                                                       starting_price_minor=starting_price_minor,
                                                       created_at=db_now())
        except IntegrityError:
            raise ApplicationError(_("You have already asked for this car to be relisted; our team is on it."),
                                   code="relist_pending") from None
        audit_record(obj=request, action=AuditLog.Action.CREATE, actor=seller, to_state=request.status,
                     reason="The seller asked to relist",
                     data={"reserve_minor": reserve_minor, "starting_price_minor": starting_price_minor})
    return request


def relist_approve(*, request_id: int, actor: User, starts_at: datetime,
                   duration_minutes: int | None = None) -> TransitionResult:
    """Staff approve: the car goes back on the list with the seller's reserve and its auction is booked at the
    seller's starting price, on the same report (still young enough, checked again now)."""
    staff_ensure(actor)
    with transaction.atomic():
        request = RelistRequest.objects.select_related("listing").get(pk=request_id)
        listing = Listing.objects.select_for_update().get(pk=request.listing_id)
        request = RelistRequest.objects.select_for_update().get(pk=request_id)
        if request.status != RelistRequest.Status.PENDING:
            raise ApplicationError(_("This request has already been decided."), code="relist_decided")
        if relist_report_fresh(listing=listing) is None:
            raise ReportTooOld()
        listing_relist(listing=listing, actor=actor, reason="Relisted at the seller's request",
                       seller_reserve_minor=request.reserve_minor)
        auction = auction_schedule(listing=listing, actor=actor, starts_at=starts_at,
                                   starting_price_minor=request.starting_price_minor,
                                   duration_minutes=duration_minutes)
        return transition(request, RelistRequest.Status.APPROVED, actor=actor, reason="Approved",
                          updates={"decided_at": db_now(), "decided_by": actor, "auction": auction})


def relist_refuse(*, request_id: int, actor: User, reason: str) -> TransitionResult:
    staff_ensure(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why; the seller sees it.")]})
    with transaction.atomic():
        request = RelistRequest.objects.select_for_update().get(pk=request_id)
        if request.status != RelistRequest.Status.PENDING:
            raise ApplicationError(_("This request has already been decided."), code="relist_decided")
        return transition(request, RelistRequest.Status.REFUSED, actor=actor, reason=reason,
                          updates={"decided_at": db_now(), "decided_by": actor, "reason": reason})
