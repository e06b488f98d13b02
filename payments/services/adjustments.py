"""The no-chip guarantee at the handover: the buying dealer's collection check, the price adjustment it may
ground, and the seller's answer. The rules are payments.nochip (pure); this module records, moves money and
changes states. The rules in words: docs/fees-and-adjustments.md.

- The check (sale paid, before the handover): a VIN that is not the car's, or an odometer beyond the published
  margin, cancels the sale without a fee for the dealer (their money back in full, the car the seller's again).
- An adjustment request: the amount is the check's computation, never typed; one per sale (a unique row: of two
  racing requests one wins). The handover waits for the seller's answer.
- The seller accepts (the price is the hammer price less the amount: that much goes back to the dealer out of
  the seller's share in escrow; the fees stay those of the hammer price) or refuses (the sale is cancelled at no
  cost to the seller, the dealer's money goes back, the car is the seller's again to relist or not, and the
  published break fee moves from the dealer's deposit). After the deadline a refusal is refused: the computed
  adjustment applies (adjustment_requests_lapse_due).

Ledger (x = amount): adjustment  escrow -x, dealer +x, dealer -x, bank +x;  cancel  the same for what escrow
holds of the sale;  break fee  deposit -f, platform_fees +f (payments.services.deposits.deposit_charge).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from auctions.services import auction_obligation_clear
from core.clock import db_now
from core.exceptions import PermissionRefused, ValidationFailed
from core.i18n import moment as i18n_moment
from core.i18n import render, translatable
from core.money import Money
from core.sweeps import sweep
from core.transitions import transition
from inspections.repair_cost import disclosed_defects, repair_cost_table_load, severity_rank
from marketplace.images import photo_files_delete, photo_process, photo_store
from marketplace.services import listing_paid_sale_cancelled
from marketplace.validators import vin_normalise
from payments import nochip
from payments.fee_schedule import break_fee, fee_schedule_load
from payments.ledger import ledger_account, ledger_post
from payments.models import (
    AdjustmentRequest,
    CollectionCheck,
    CollectionPhoto,
    LedgerAccount,
    LedgerTransaction,
    Sale,
)
from payments.selectors import finding_detail, sale_confirmed_payment
from payments.services.common import Conflict, car, lock_sale, money, publish_sale_on_commit, tell_on_commit
from payments.services.deposits import deposit_charge
from payments.services.documents import credit_note_issue
from payments.services.sales import payment_provider_for

MAX_FINDINGS = 30
MAX_PHOTOS_PER_FINDING = 6
ODOMETER_MAX_KM = 2_000_000
ADJUSTMENT_DEADLINE_FORMAT = gettext_noop("d M Y, H:i")  # the seller answers by "03 Dec 2026, 14:00"


@dataclass(frozen=True)
class FindingInput:
    """One finding as the dealer records it: an item of the repair-cost table, a severity, photos (uploads)."""

    key: str
    severity: str
    photos: tuple = ()


def claim_disclosures(sale: Sale) -> dict[str, str]:
    """What the report the dealer bid on disclosed (key -> severity), plus what accepted adjustments paid for:
    what no later claim on the sale (a dispute) can ground."""
    report = disclosed_defects(sale.report.content) if sale.report is not None else {}
    paid_for = {}
    request = AdjustmentRequest.objects.filter(sale=sale, status__in=AdjustmentRequest.APPLIED).first()
    if request is not None:
        paid_for = {f["key"]: f["severity"] for f in request.computation["findings"] if f["decision"] == "claimable"}
    return nochip.disclosures_merge(report, paid_for)


def _reported_odometer_km(sale: Sale) -> int | None:
    if sale.report is None:
        return None
    value = (sale.report.content.get("facts") or {}).get("odometer_km")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_input(*, vin_on_car, odometer_km, vin_photos, odometer_photos, findings) -> tuple[str, int, list]:
    """Every field error at once, before anything is written."""
    table = repair_cost_table_load()
    errors: dict[str, list[str]] = {}
    vin = vin_normalise(vin_on_car or "") if isinstance(vin_on_car, str) else ""
    if not vin or len(vin) > 17:
        errors["vin_on_car"] = [_("Type the VIN from the VIN plate (up to 17 characters).")]
    if isinstance(odometer_km, bool) or not isinstance(odometer_km, int) or not 0 <= odometer_km <= ODOMETER_MAX_KM:
        errors["odometer_km"] = [_("The odometer reading in whole km, 0 to %(max)s.") % {
            "max": number_format(ODOMETER_MAX_KM, force_grouping=True)}]
    if not vin_photos:
        errors["vin_photo"] = [_("A photo of the VIN plate is required.")]
    if not odometer_photos:
        errors["odometer_photo"] = [_("A photo of the odometer is required.")]
    findings = list(findings or [])
    errors.update(findings_input_errors(findings, table=table))
    if errors:
        raise ValidationFailed(_("The collection check is not complete."), fields=errors)
    return vin, odometer_km, findings


def findings_input_errors(findings: list, *, table) -> dict[str, list[str]]:
    """What is wrong with the findings as entered (the collection check's and a dispute's): known items, one
    finding per item, a severity, not too many photos. Whether a finding can claim is the rules' (nochip)."""
    errors: dict[str, list[str]] = {}
    if len(findings) > MAX_FINDINGS:
        errors["findings"] = [_("At most %(count)s findings.") % {"count": MAX_FINDINGS}]
    seen = set()
    for index, finding in enumerate(findings[:MAX_FINDINGS]):
        where = f"findings-{index}"
        if not isinstance(finding.key, str) or table.entry(finding.key) is None:
            errors[f"{where}-key"] = [_("Choose an item of the checklist or the damage map.")]
        elif finding.key in seen:
            errors[f"{where}-key"] = [_("This item is already recorded: one finding per item.")]
        seen.add(finding.key)
        try:
            severity_rank(finding.severity)
        except (ValueError, TypeError):
            errors[f"{where}-severity"] = [_("Minor or major.")]
        if len(finding.photos) > MAX_PHOTOS_PER_FINDING:
            errors[f"{where}-photos"] = [_("At most %(count)s photos per finding.") % {"count": MAX_PHOTOS_PER_FINDING}]
    return errors


def _refund_in_full(sale: Sale, *, key: str, memo: str) -> tuple[int, str]:
    """What escrow holds of the sale goes back to the dealer (a cancelled paid sale)."""
    amount = sale.amount_due_minor - sale.refunded_minor
    if amount <= 0:
        return 0, ""
    payment = sale_confirmed_payment(sale=sale)
    assert payment is not None  # escrow holds money of the sale only once its payment is confirmed
    reference = payment_provider_for(payment).refund(payment=payment, amount_minor=amount, idempotency_key=key)
    dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
    ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.REFUND, sale=sale, provider=payment.provider,
                provider_reference=reference, memo=memo,
                entries=[(ledger_account(LedgerAccount.Kind.ESCROW), -amount), (dealer, amount), (dealer, -amount),
                         (ledger_account(LedgerAccount.Kind.BANK), amount)])
    return amount, reference


def _cancel_paid_sale(sale: Sale, *, actor, reason: str, key: str) -> None:
    """Cancel a paid sale before the handover: the dealer's money back, the car the seller's again."""
    refunded, reference = _refund_in_full(sale, key=key, memo=f"Sale {sale.pk} cancelled: {reason}")
    auction_obligation_clear(auction_id=sale.auction_id)
    credit_note_issue(sale=sale, amount_minor=refunded, reason=f"Sale cancelled: {reason}", key=key)
    transition(sale, Sale.Status.CANCELLED, actor=actor, reason=reason,
               updates={"cancelled_at": db_now(), "cancel_reason": reason,
                        "refunded_minor": sale.refunded_minor + refunded,
                        "payout_status": Sale.PayoutStatus.NOT_DUE},
               data={"refund_minor": refunded, "refund_reference": reference})
    listing_paid_sale_cancelled(listing=sale.listing, reason=f"Sale {sale.pk} cancelled: {reason}", actor=actor)
    publish_sale_on_commit(sale, "cancelled")


def collection_check_record(*, sale: Sale, dealer: User, vin_on_car: str, odometer_km: int, vin_photos=(),
                            odometer_photos=(), findings=(), as_reported=()) -> CollectionCheck:
    """The buying dealer records the car at the handover. Bad input: field errors, nothing written."""
    vin, odometer_km, findings = _check_input(vin_on_car=vin_on_car, odometer_km=odometer_km, vin_photos=vin_photos,
                                              odometer_photos=odometer_photos, findings=findings)
    if sale.buyer_id != getattr(dealer, "pk", None):
        raise PermissionRefused(_("Only the buying dealer records the collection check."))
    # Decode and re-encode the photos before any lock: that is the slow part.
    processed = [(CollectionPhoto.Kind.VIN, "", photo_process(p, name=getattr(p, "name", ""))) for p in vin_photos]
    processed += [(CollectionPhoto.Kind.ODOMETER, "", photo_process(p, name=getattr(p, "name", "")))
                  for p in odometer_photos]
    for finding in findings:
        processed += [(CollectionPhoto.Kind.FINDING, finding.key, photo_process(p, name=getattr(p, "name", "")))
                      for p in finding.photos]
    stored: list[str] = []
    try:
        with transaction.atomic():
            sale = lock_sale(sale.pk)
            if sale.status != Sale.Status.PAID:
                raise Conflict(_("The collection check is recorded once the car is paid for, before the handover."),
                               code="not_at_collection")
            now = db_now()
            reported_km = _reported_odometer_km(sale)
            schedule, table = fee_schedule_load(sale.fee_schedule_version), repair_cost_table_load()
            assert sale.paid_at is not None  # set with the paid status, checked just above
            window = nochip.ClaimWindow(opens_at=sale.paid_at, closes_at=now)
            decided = [nochip.Finding(key=f.key, severity=f.severity, photos=len(f.photos), recorded_at=now)
                       for f in findings]
            common: dict[str, Any] = dict(
                hammer=sale.money(sale.hammer_price_minor), disclosed=claim_disclosures(sale), findings=decided,
                window=window, table=table, schedule=schedule)
            if reported_km is None:  # no published report: nothing to hold the VIN and odometer against
                computation = nochip.claim_compute(**common)
            else:
                computation = nochip.collection_check_compute(
                    **common, expected_vin=sale.listing.vin, vin_on_car=vin, reported_odometer_km=reported_km,
                    odometer_km=odometer_km)
            try:
                with transaction.atomic():
                    check = CollectionCheck.objects.create(
                        sale=sale, dealer=dealer, vin_on_car=vin, odometer_km=odometer_km,
                        findings=[{"key": f.key, "severity": f.severity, "photos": len(f.photos)} for f in findings],
                        as_reported=[str(area) for area in as_reported][:100], outcome=str(computation.outcome),
                        computation=computation.as_dict(), recorded_at=now)
            except IntegrityError:
                raise Conflict(_("The collection check of this sale is already recorded."), code="check_recorded")
            for kind, key, item in processed:
                names = photo_store(item, listing_id=sale.listing_id)
                stored.extend(names.values())
                CollectionPhoto.objects.create(collection_check=check, kind=kind, finding_key=key, width=item.width,
                                               height=item.height, **names)
            if computation.outcome in (nochip.Outcome.CANCEL_VIN_MISMATCH, nochip.Outcome.CANCEL_ODOMETER):
                why = (translatable("the VIN on the car is not the VIN of the car that was sold")
                       if computation.outcome == nochip.Outcome.CANCEL_VIN_MISMATCH else
                       translatable("the odometer reads {reads:,} km, more than {margin:,} km away from the report's "
                                    "{reported:,} km", reads=odometer_km, margin=schedule.odometer_margin_km,
                                    reported=reported_km))
                told = translatable("Collection check: {why}. Cancelled without a fee for the dealer.", why=why)
                with translation.override("en-gb"):  # the record keeps one language; each party reads their own
                    reason = render(told)
                _cancel_paid_sale(sale, actor=dealer, reason=reason, key=f"collection-cancel:{sale.pk}")
                tell_on_commit([sale.buyer_id, sale.seller_id], kind="sale_cancelled", sale=sale,
                               event_key=f"sale:{sale.pk}:cancelled",
                               title=translatable("The sale of the {car} was cancelled at the collection",
                                                  car=car(sale)),
                               body=translatable("{reason} The dealer's money goes back to them; the car is the "
                                                 "seller's again, to relist or not.", reason=told))
            else:
                publish_sale_on_commit(sale, "collection_checked")
    except Exception:
        photo_files_delete(stored)
        raise
    return check


def adjustment_request_open(*, sale: Sale, dealer: User) -> AdjustmentRequest:
    """The dealer requests the adjustment their check computed. Refused with a field error when the check
    grounds none (disclosed items, no photo, below the minimum …); one per sale."""
    with transaction.atomic():
        sale = lock_sale(sale.pk)
        if sale.buyer_id != getattr(dealer, "pk", None):
            raise PermissionRefused(_("Only the buying dealer may request an adjustment of this sale."))
        if sale.status != Sale.Status.PAID:
            raise Conflict(_("An adjustment is requested at the collection, before the handover."),
                           code="not_at_collection")
        check = CollectionCheck.objects.filter(sale=sale).first()
        if check is None:
            raise ValidationFailed(fields={"collection_check": [_("Record the collection check first.")]})
        computation = check.computation
        if computation["outcome"] != nochip.Outcome.CLAIM:
            reasons = [f"{f['label']}: {finding_detail(f)}" for f in computation["findings"]]
            if computation["outcome"] == nochip.Outcome.BELOW_MINIMUM:
                message = _("The computed amount, %(computed)s, is below the minimum of %(minimum)s.") % {
                    "computed": money(sale, computation["computed_minor"]),
                    "minimum": money(sale, computation["minimum_minor"])}
            elif computation["outcome"] == nochip.Outcome.NOTHING_TO_CLAIM:
                message = _("Nothing in the check can be claimed.")
            else:
                message = _("This check cancelled the sale.")
            raise ValidationFailed(message, fields={"findings": [message, *reasons]})
        now = db_now()
        try:
            with transaction.atomic():
                request = AdjustmentRequest.objects.create(
                    sale=sale, collection_check=check, dealer=dealer, amount_minor=computation["amount_minor"],
                    deductible_applied_minor=computation["deductible_applied_minor"], currency=sale.currency,
                    computation=computation, created_at=now,
                    deadline=now + timedelta(hours=settings.GAVEL_ADJUSTMENT_DECISION_HOURS))
        except IntegrityError:
            raise Conflict(_("An adjustment was already requested for this sale."), code="adjustment_requested")
        publish_sale_on_commit(sale, "adjustment_requested")
        tell_on_commit([sale.seller_id], kind="adjustment_requested", sale=sale,
                       event_key=f"adjustment:{request.pk}:requested",
                       title=translatable("The dealer found something the report did not disclose on your {car}",
                                          car=car(sale)),
                       body=translatable("By the published repair-cost table the price would be {amount} lower. "
                                         "Accept, or refuse at no cost to you (the sale is then cancelled), by "
                                         "{deadline}; the sale page shows the evidence and the computation.",
                                         amount=Money(request.amount_minor, sale.currency),
                                         deadline=i18n_moment(request.deadline, ADJUSTMENT_DEADLINE_FORMAT)))
    return request


def _apply(sale: Sale, request: AdjustmentRequest, *, actor, to: str, reason: str) -> None:
    """The adjustment applies: that much of the price goes back to the dealer out of the seller's share. `reason`
    is a msgid (recorded in English, told in each party's language)."""
    amount = request.amount_minor
    payment = sale_confirmed_payment(sale=sale)
    assert payment is not None  # an adjustment is requested at the collection of a paid sale
    key = f"adjustment:{request.pk}"
    reference = payment_provider_for(payment).refund(payment=payment, amount_minor=amount, idempotency_key=key)
    dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
    ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.REFUND, sale=sale, provider=payment.provider,
                provider_reference=reference, memo=f"Price adjustment {request.pk}: {reason}",
                entries=[(ledger_account(LedgerAccount.Kind.ESCROW), -amount), (dealer, amount), (dealer, -amount),
                         (ledger_account(LedgerAccount.Kind.BANK), amount)])
    credit_note_issue(sale=sale, amount_minor=amount, reason=f"Price adjustment: {reason}", key=key)
    transition(request, to, actor=actor, reason=reason, updates={"decided_at": db_now()})
    sale_updates = {"refunded_minor": sale.refunded_minor + amount, "adjustment_minor": sale.adjustment_minor + amount,
                    "deductible_used_minor": sale.deductible_used_minor + request.deductible_applied_minor}
    Sale.objects.filter(pk=sale.pk).update(**sale_updates)
    for name, value in sale_updates.items():
        setattr(sale, name, value)
    publish_sale_on_commit(sale, "adjustment_decided")
    tell_on_commit([sale.buyer_id, sale.seller_id], kind="adjustment_decided", sale=sale,
                   event_key=f"adjustment:{request.pk}:decided",
                   title=translatable("The price of the {car} is adjusted by {amount}", car=car(sale),
                                      amount=Money(amount, sale.currency)),
                   body=translatable("{reason} The price is now {price}; the buyer fee stays that of the hammer "
                                     "price.", reason=translatable(reason),
                                     price=Money(sale.hammer_price_minor - sale.adjustment_minor, sale.currency)))


def adjustment_decide(*, request: AdjustmentRequest, seller: User, accept: bool) -> AdjustmentRequest:
    """The seller's answer, before the deadline."""
    if not isinstance(accept, bool):
        raise ValidationFailed(fields={"accept": [_("Accept or refuse.")]})
    with transaction.atomic():
        # Lock order: the request, then its sale (as the deadline sweep, which holds the request first).
        request = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
        sale = lock_sale(request.sale_id)
        if sale.seller_id != getattr(seller, "pk", None):
            raise PermissionRefused(_("Only the seller answers a price adjustment."))
        if request.status != AdjustmentRequest.Status.PENDING:
            raise Conflict(_("This adjustment was already decided."), code="adjustment_decided")
        if db_now() > request.deadline:
            raise Conflict(_("The deadline to answer has passed: the computed adjustment applies."),
                           code="adjustment_deadline_passed")
        if accept:
            _apply(sale, request, actor=seller, to=AdjustmentRequest.Status.ACCEPTED,
                   reason=gettext_noop("The seller accepted the computed adjustment."))
        else:
            _refuse(sale, request, seller=seller)
    request.refresh_from_db()
    return request


def _refuse(sale: Sale, request: AdjustmentRequest, *, seller: User) -> None:
    fee = break_fee(sale.currency, fee_schedule_load(sale.fee_schedule_version))
    reason = "The seller refused the price adjustment: the sale is cancelled at no cost to the seller."
    _cancel_paid_sale(sale, actor=seller, reason=reason, key=f"adjustment-refused:{request.pk}")
    charged = deposit_charge(dealer=sale.buyer, kind=LedgerTransaction.Kind.BREAK_FEE, fee=fee, sale=sale,
                             memo=f"Break fee: the seller refused adjustment {request.pk} of sale {sale.pk}",
                             memo_told=translatable("Break fee: the seller refused adjustment {request} of sale "
                                                    "{sale}", request=request.pk, sale=sale.pk))
    transition(request, AdjustmentRequest.Status.REFUSED, actor=seller, reason=reason,
               updates={"decided_at": db_now(), "break_fee_minor": charged.fee_minor,
                        "break_fee_taken_minor": charged.taken_minor})
    tell_on_commit([sale.seller_id], kind="adjustment_decided", sale=sale, event_key=f"adjustment:{request.pk}:decided",
                   title=translatable("You refused the adjustment: the sale of your {car} is cancelled",
                                      car=car(sale)),
                   body=translatable("Nothing is charged to you. The car is yours again: relist it when you choose."))
    tell_on_commit([sale.buyer_id], kind="adjustment_decided", sale=sale, event_key=f"adjustment:{request.pk}:decided",
                   title=translatable("The seller refused the adjustment: the sale of the {car} is cancelled",
                                      car=car(sale)),
                   body=translatable("Your payment goes back to you. The published break fee, {fee}, comes from your "
                                     "deposit ({taken} taken).{owed}", fee=fee,
                                     taken=Money(charged.taken_minor, sale.currency),
                                     owed=translatable(" Your deposit did not hold it all: you owe the other {owed}, "
                                                       "and cannot bid until it is paid (a top-up of your deposit "
                                                       "pays it first).",
                                                       owed=Money(charged.owed_minor, sale.currency))
                                     if charged.owed_minor else ""))


def adjustment_requests_lapse_due(*, batch: int | None = None) -> int:
    """Requests past their deadline without an answer: the computed adjustment applies. Bounded, safe twice."""

    def lapse(request_id: int) -> bool:
        request = AdjustmentRequest.objects.select_for_update().get(pk=request_id)
        sale = lock_sale(request.sale_id)
        if request.status != AdjustmentRequest.Status.PENDING or db_now() <= request.deadline:
            return False
        _apply(sale, request, actor=None, to=AdjustmentRequest.Status.LAPSED,
               reason=gettext_noop("The seller did not answer by the deadline: the computed adjustment applies."))
        return True

    due = AdjustmentRequest.objects.filter(status=AdjustmentRequest.Status.PENDING,
                                           deadline__lt=db_now()).order_by("deadline", "pk")
    return sweep(due, lapse, batch=batch or settings.GAVEL_SALES_SWEEP_BATCH)
