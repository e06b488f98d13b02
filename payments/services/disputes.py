"""Disputes after the handover, by the no-chip rules (payments.nochip, docs/fees-and-adjustments.md): within the
window the dealer records findings (item, severity, photos) the published report did not disclose; the refund is
computed from the repair-cost table less what is left of the deductible, never typed. A dispute the rules give
nothing for (disclosed items, no photo, below the minimum, nothing claimable) is refused with field errors and
nothing written. Staff decide: the computed refund, or — only with a written reason both sides read — anything
else (`overridden`, audited).

Refunds go back through the provider that took the payment. Who pays is one rule, before or after the payout
(see payments.ledger for the entries):
- the inspection missed it (the default: a finding the rules count is one the report did not disclose): Gavel's
  inspection guarantee pays, traced to the report revision, the findings and the inspector (GuaranteeClaim); the
  seller's money is untouched — never a silent seller debt;
- the seller misrepresented the car (a staff decision with a written reason): before the payout it comes out of
  escrow, the seller's share first, then the platform's fees; after the payout the seller's account is charged
  and a SellerReceivable records what they owe, which they see on their sale page and are told about.
Escrow always equals the paid-but-not-paid-out sales minus what was taken from it, and every transaction balances.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import staff_ensure
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import Translatable, translatable
from core.models import AuditLog
from core.money import Money
from core.transitions import transition
from inspections.repair_cost import repair_cost_table_load
from marketplace.images import photo_files_delete, photo_process, photo_store
from payments import nochip
from payments.fee_schedule import fee_schedule_load
from payments.ledger import ledger_account, ledger_post
from payments.models import Dispute, DisputePhoto, GuaranteeClaim, LedgerAccount, LedgerTransaction, Sale
from payments.selectors import dispute_default_cause, dispute_items, finding_detail, sale_confirmed_payment
from payments.services.adjustments import claim_disclosures, findings_input_errors
from payments.services.common import (
    Conflict,
    PayoutInFlight,
    car,
    lock_sale,
    money,
    publish_sale_on_commit,
    tell_on_commit,
)
from payments.services.documents import credit_note_issue
from payments.services.payouts import payout_amounts
from payments.services.receivables import receivable_open
from payments.services.sales import payment_provider_for


class DisputeWindowClosed(ApplicationError):
    code = "dispute_window_closed"
    status_code = 409

    def default_message(self):
        return ngettext("Disputes can be opened within %(days)s day of the handover.",
                        "Disputes can be opened within %(days)s days of the handover.",
                        settings.GAVEL_DISPUTE_WINDOW_DAYS) % {"days": settings.GAVEL_DISPUTE_WINDOW_DAYS}


class DisclosedItems(ValidationFailed):
    code = "disclosed_in_report"

    def default_message(self):
        return _("Items the inspection report disclosed cannot ground a dispute.")


def dispute_window_ends(sale: Sale):
    return sale.handed_over_at + timedelta(days=settings.GAVEL_DISPUTE_WINDOW_DAYS) if sale.handed_over_at else None


def _dispute_compute(sale: Sale, findings: list, *, now) -> nochip.Computation:
    """The rules' answer for these findings on this sale: the report's disclosures and what an accepted adjustment
    paid for are excluded, the window is the handover to the end of the dispute window, the deductible is what is
    left of it, the cap what is left of the hammer price."""
    assert sale.handed_over_at is not None  # disputes open after the handover
    window = nochip.ClaimWindow(opens_at=sale.handed_over_at, closes_at=dispute_window_ends(sale))
    decided = [nochip.Finding(key=f.key, severity=f.severity, photos=len(f.photos), recorded_at=now)
               for f in findings]
    return nochip.claim_compute(
        hammer=sale.money(sale.hammer_price_minor), disclosed=claim_disclosures(sale), findings=decided,
        window=window, table=repair_cost_table_load(), schedule=fee_schedule_load(sale.fee_schedule_version),
        earlier_adjustments_minor=sale.adjustment_minor, deductible_used_minor=sale.deductible_used_minor)


def _not_claimable(sale: Sale, computation: nochip.Computation) -> ValidationFailed:
    """Field errors for a computation that grounds no refund: each finding's decision and the reason."""
    fields: dict[str, list[str]] = {}
    for index, finding in enumerate(computation.findings):
        if finding.decision != nochip.Decision.CLAIMABLE:
            field = "findings-{}-{}".format(index, "photos" if finding.reason == nochip.Reason.NO_PHOTO else "key")
            fields[field] = [f"{finding.label}: {finding_detail(finding.as_dict())}"]
    disclosed = any(f.reason in (nochip.Reason.DISCLOSED, nochip.Reason.COVERED_BY_DISCLOSED)
                    for f in computation.findings)
    if fields:
        message = (_("The report disclosed what a finding names: it cannot ground a dispute.") if disclosed
                   else _("Every finding of a dispute must be one the rules pay for; see each finding."))
    elif computation.outcome == nochip.Outcome.BELOW_MINIMUM:
        message = _("The computed refund, %(computed)s, is below the minimum of %(minimum)s.") % {
            "computed": money(sale, computation.computed_minor), "minimum": money(sale, computation.minimum_minor)}
        fields["findings"] = [message]
    else:
        message = _("Nothing in the dispute can be claimed: it is within the deductible.")
        fields["findings"] = [message]
    return (DisclosedItems if disclosed else ValidationFailed)(message, fields=fields)


def dispute_open(*, sale: Sale, dealer: User, reason: str, findings=()) -> Dispute:
    """The buying dealer opens a dispute within the window, with findings (FindingInput: item, severity, photos).
    The refund is the rules' computation; bad input or nothing to claim: field errors, nothing written."""
    if sale.buyer_id != getattr(dealer, "pk", None):
        raise PermissionRefused(_("Only the buying dealer may open a dispute."))
    reason = (reason or "").strip()
    findings = list(findings or [])
    errors = findings_input_errors(findings, table=repair_cost_table_load())
    if len(reason) < 10:
        errors["reason"] = [_("Describe how the car differs from the report (at least 10 characters).")]
    if len(reason) > 5000:
        errors["reason"] = [_("At most 5,000 characters.")]
    if not findings:
        errors["findings"] = [_("Record at least one finding the report did not disclose: the item, how bad, photos.")]
    if errors:
        raise ValidationFailed(fields=errors)
    # Decode and re-encode the photos before taking any lock: that is the slow part.
    processed = [(f.key, photo_process(upload, name=getattr(upload, "name", ""))) for f in findings
                 for upload in f.photos]
    stored: list[str] = []
    try:
        with transaction.atomic():
            sale = lock_sale(sale.pk)
            if sale.status not in (Sale.Status.HANDED_OVER, Sale.Status.PAID_OUT):
                raise Conflict(_("A dispute can be opened after the handover, once."), code="not_disputable")
            now = db_now()
            if now > dispute_window_ends(sale):
                raise DisputeWindowClosed()
            computation = _dispute_compute(sale, findings, now=now)
            # Every finding of a dispute must claim: one the report disclosed, without a photo, or that the table
            # does not pay for is refused by name (the dealer drops it), not silently counted as nothing.
            if computation.outcome != nochip.Outcome.CLAIM or any(
                    f.decision != nochip.Decision.CLAIMABLE for f in computation.findings):
                raise _not_claimable(sale, computation)
            # The lines the inspection missed: what traces a refund to the report and its inspector.
            keys = list(computation.claimed())
            try:
                with transaction.atomic():
                    dispute = Dispute.objects.create(
                        sale=sale, opened_by=dealer, reason=reason, item_keys=keys,
                        findings=[{"key": f.key, "severity": f.severity, "photos": len(f.photos)} for f in findings],
                        computation=computation.as_dict(), computed_minor=computation.amount_minor,
                        deductible_applied_minor=computation.deductible_applied_minor, created_at=now)
            except IntegrityError:
                raise Conflict(_("A dispute is already open for this sale."), code="dispute_open")
            for key, item in processed:
                names = photo_store(item, listing_id=sale.listing_id)
                stored.extend(names.values())
                DisputePhoto.objects.create(dispute=dispute, finding_key=key, width=item.width, height=item.height,
                                            **names)
            transition(sale, Sale.Status.DISPUTED, actor=dealer, reason=f"Dispute {dispute.pk} opened",
                       data={"dispute": dispute.pk, "item_keys": keys, "computed_minor": computation.amount_minor})
            publish_sale_on_commit(sale, "disputed")
            staff_ids = list(User.objects.filter(role=User.Role.STAFF, is_active=True).values_list("pk", flat=True))
            computed = Money(computation.amount_minor, sale.currency)
            tell_on_commit([sale.seller_id], kind="dispute_opened", sale=sale, event_key=f"dispute:{dispute.pk}:opened",
                           title=translatable("The dealer opened a dispute about your {car}", car=car(sale)),
                           body=translatable("They found what the report did not disclose; by the published rules "
                                             "the refund would be {computed}. Our team reviews it. When the "
                                             "inspection missed it, Gavel's inspection guarantee pays, not you.",
                                             computed=computed))
            tell_on_commit(staff_ids, kind="dispute_opened", sale=sale,
                           title=translatable("Dispute on sale {sale}: {computed}", sale=sale.pk, computed=computed),
                           event_key=f"dispute:{dispute.pk}:opened", body=reason[:500])
    except Exception:
        photo_files_delete(stored)
        raise
    return dispute


def _sale_pays(sale: Sale, amount: int) -> tuple[list, int]:
    """Ledger entries moving `amount` back to the dealer out of the sale itself (the seller misrepresented the
    car), and how much of it the seller's account is charged: what they then owe.

    The refund takes the seller's share first, then the platform's fees. What escrow still holds of the share
    pays; the part of the share that has left escrow — paid out, or set off against the seller's earlier debts
    when the payout was first attempted — is charged to the seller's account. Fees come from escrow until the
    payout recognises them, from the platform's account after."""
    dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
    tail = [(dealer, amount), (dealer, -amount), (ledger_account(LedgerAccount.Kind.BANK), amount)]
    share_left = sale.seller_receives_minor - min(sale.seller_charged_minor, sale.seller_receives_minor)
    seller_part = min(amount, share_left)
    platform_part = amount - seller_part
    paid_out = sale.payout_status == Sale.PayoutStatus.SENT
    share_in_escrow = 0 if paid_out else max(share_left - sale.set_off_minor + sale.seller_debited_minor, 0)
    from_escrow = min(seller_part, share_in_escrow) + (0 if paid_out else platform_part)
    owed = seller_part - min(seller_part, share_in_escrow)
    sources = []
    if from_escrow:
        sources.append((ledger_account(LedgerAccount.Kind.ESCROW), -from_escrow))
    if owed:
        sources.append((ledger_account(LedgerAccount.Kind.SELLER, sale.seller), -owed))
    if paid_out and platform_part:
        sources.append((ledger_account(LedgerAccount.Kind.PLATFORM_FEES), -platform_part))
    return [*sources, *tail], owed


def _refund_cause(*, sale: Sale, dispute: Dispute, cause: str | None, cause_reason: str) -> str:
    cause = cause or dispute_default_cause(dispute=dispute)
    if cause not in (Dispute.Cause.INSPECTION_MISSED, Dispute.Cause.SELLER_MISREPRESENTED):
        raise ValidationFailed(fields={"cause": [
            _("Choose who pays the refund: the inspection missed it, or the seller misrepresented the car.")]})
    if cause == Dispute.Cause.SELLER_MISREPRESENTED and not cause_reason:
        raise ValidationFailed(fields={"cause_reason": [
            _("Write down why the seller is responsible; the seller reads it.")]})
    if cause == Dispute.Cause.INSPECTION_MISSED and (sale.report_id is None or not dispute.item_keys):
        raise ValidationFailed(fields={"cause": [
            _("The guarantee pays for report lines the inspection missed, and this dispute names none (or the car "
            "had no published report): decide that the seller misrepresented the car, with a reason, or reject.")]})
    return cause


def _guarantee_pays(*, sale: Sale, dispute: Dispute, amount: int, key: str, provider: str, reference: str,
                    actor) -> GuaranteeClaim:
    report = sale.report
    assert report is not None  # the guarantee pays only for a car with a published report (_refund_cause)
    inspector = report.inspection.inspector
    lines = [item["text"] for item in dispute_items(dispute=dispute)]
    who = inspector.get_full_name() or inspector.email if inspector else "unknown"
    dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
    txn, _created = ledger_post(
        idempotency_key=key, kind=LedgerTransaction.Kind.GUARANTEE_REFUND, sale=sale, provider=provider,
        provider_reference=reference,
        memo=f"Dispute {dispute.pk}: the inspection missed {'; '.join(lines)} (report revision {report.revision}, "
             f"inspector {who})",
        entries=[(ledger_account(LedgerAccount.Kind.GUARANTEE), -amount), (dealer, amount), (dealer, -amount),
                 (ledger_account(LedgerAccount.Kind.BANK), amount)])
    return GuaranteeClaim.objects.create(
        dispute=dispute, sale=sale, report=report, inspector=inspector, item_keys=list(dispute.item_keys),
        lines=lines, amount_minor=amount, currency=sale.currency, ledger_transaction=txn, decided_by=actor,
        created_at=db_now())


COMPUTED = "computed"  # dispute_resolve's outcome for "the refund the rules computed"
OVERRIDE_REASON_MIN = 10


def dispute_resolve(*, dispute: Dispute, actor, outcome: str = COMPUTED, amount_minor: int | None = None,
                    resolution: str = "", cause: str | None = None, cause_reason: str = "") -> Dispute:
    """Staff decide. `computed` (the default): the refund the rules computed when the dispute was opened. Anything
    else — a full refund (sale → refunded), another partial amount, a rejection (sale → completed) — is an override
    and needs `resolution`, the written reason both sides read; it is recorded as overridden and audited. A refund
    says who pays (`cause`, see the module docstring); without one the default applies."""
    staff_ensure(actor)
    if outcome not in (COMPUTED, Dispute.Outcome.REFUND, Dispute.Outcome.PARTIAL, Dispute.Outcome.REJECT):
        raise ValidationFailed(fields={"outcome": [_("Choose the computed refund, or override: refund, partial or "
                                                   "reject.")]})
    cause_reason = (cause_reason or "").strip()
    resolution = (resolution or "").strip()
    with transaction.atomic():
        sale = lock_sale(dispute.sale_id)
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status != Dispute.Status.OPEN:
            return dispute
        refundable = sale.amount_due_minor - sale.refunded_minor
        computed = min(dispute.computed_minor, refundable)
        if outcome == COMPUTED:
            if computed <= 0:
                raise ValidationFailed(fields={"outcome": [
                    _("The rules computed no refund for this dispute: decide with a written reason.")]})
            amount = computed
            outcome = Dispute.Outcome.REFUND if amount == refundable else Dispute.Outcome.PARTIAL
        elif outcome == Dispute.Outcome.REFUND:
            amount = refundable
        elif outcome == Dispute.Outcome.PARTIAL:
            if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or not 0 < amount_minor < refundable:
                raise ValidationFailed(fields={"amount_minor": [
                    _("A partial refund is more than 0 and less than %(refundable)s.") % {
                        "refundable": money(sale, refundable)}]})
            amount = amount_minor
        else:
            amount = 0
        overridden = amount != computed
        if overridden and len(resolution) < OVERRIDE_REASON_MIN:
            raise ValidationFailed(fields={"resolution": [
                _("The published rules give %(computed)s. To decide differently, write why (at least %(count)s "
                  "characters): the dealer and the seller both read it.") % {
                    "computed": money(sale, computed), "count": OVERRIDE_REASON_MIN}]})
        decided: str
        reference, decided, owed, claim = "", Dispute.Cause.NONE, 0, None
        sale_updates: dict[str, object] = {"refunded_minor": sale.refunded_minor + amount}
        if amount:
            decided = _refund_cause(sale=sale, dispute=dispute, cause=cause, cause_reason=cause_reason)
            if sale.payout_status == Sale.PayoutStatus.SENDING:
                raise PayoutInFlight()
            payment = sale_confirmed_payment(sale=sale)
            if payment is None:
                raise Conflict(_("No confirmed payment to refund."), code="no_payment")
            key = f"refund-dispute-{dispute.pk}"
            # Our providers record the refund locally; a networked adapter would follow payout_release's
            # intent-then-call pattern, keyed by the same idempotency key.
            reference = payment_provider_for(payment).refund(payment=payment, amount_minor=amount,
                                                             idempotency_key=key)
            if decided == Dispute.Cause.INSPECTION_MISSED:
                claim = _guarantee_pays(sale=sale, dispute=dispute, amount=amount, key=key,
                                        provider=payment.provider, reference=reference, actor=actor)
                sale_updates["guarantee_paid_minor"] = sale.guarantee_paid_minor + amount
            else:
                entries, owed = _sale_pays(sale, amount)
                sale_updates["seller_debited_minor"] = sale.seller_debited_minor + owed
                txn, _created = ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.REFUND, sale=sale,
                                     provider=payment.provider, provider_reference=reference,
                                     memo=f"Dispute {dispute.pk}: {outcome}, the seller misrepresented the car",
                                     entries=entries)
                if owed:
                    receivable_open(sale=sale, dispute=dispute, amount_minor=owed, reason=cause_reason, actor=actor,
                                    ledger_transaction=txn)
            credit_note_issue(sale=sale, amount_minor=amount, key=key,
                              reason=f"Dispute {dispute.pk}: {resolution or outcome}")
        now = db_now()
        payout_due, payout_not_due = False, False
        if sale.payout_status != Sale.PayoutStatus.SENT:
            for name, value in sale_updates.items():
                setattr(sale, name, value)
            if payout_amounts(sale) == (0, 0):
                payout_not_due = True
            else:
                payout_due = sale.handed_over_at is not None and sale.payout_status in (
                    Sale.PayoutStatus.PENDING, Sale.PayoutStatus.FAILED)
        if outcome == Dispute.Outcome.REFUND:
            to = Sale.Status.REFUNDED
        else:
            to = Sale.Status.COMPLETED
            sale_updates["completed_at"] = now
        transition(dispute, Dispute.Status.RESOLVED, actor=actor, reason=resolution or outcome,
                   updates={"outcome": outcome, "refund_minor": amount, "refund_reference": reference,
                            "resolution": resolution, "resolved_by": actor, "resolved_at": now, "cause": decided,
                            "cause_reason": cause_reason if amount else "", "overridden": overridden},
                   data={"outcome": outcome, "refund_minor": amount, "cause": decided, "computed_minor": computed,
                         "overridden": overridden})
        transition(sale, to, actor=actor, reason=f"Dispute {dispute.pk}: {outcome}", updates=sale_updates,
                   data={"refund_minor": amount, "refund_reference": reference, "cause": decided})
        if payout_not_due:
            transition(sale, Sale.PayoutStatus.NOT_DUE, field="payout_status", actor=actor,
                       reason=f"Dispute {dispute.pk}: the refund took all the payout")
        publish_sale_on_commit(sale, "dispute_resolved")
        refund = Money(amount, sale.currency)
        texts: dict[str, Translatable] = {
            Dispute.Outcome.REFUND: translatable("a full refund of {amount}", amount=refund),
            Dispute.Outcome.PARTIAL: translatable("a partial refund of {amount}", amount=refund),
            Dispute.Outcome.REJECT: translatable("no refund")}
        title = translatable("Dispute about the {car} resolved: {text}", car=car(sale), text=texts[outcome])
        why = (translatable("The published rules computed {computed}; our team decided differently. Why: "
                            "{resolution}", computed=Money(computed, sale.currency), resolution=resolution)
               if overridden else resolution)
        tell_on_commit([sale.buyer_id], kind="dispute_resolved", sale=sale, event_key=f"dispute:{dispute.pk}:resolved",
                       title=title, body=why)
        for_seller: str | Translatable
        if claim is not None:
            for_seller = translatable("The inspection missed what the dealer found, so Gavel's inspection guarantee "
                                      "pays the refund: your money is untouched.")
        elif amount and owed:
            for_seller = translatable("Our team found that the car was misrepresented. Why: {why}\n\n{owed} of the "
                                      "refund had already been paid to you (or set off against what you owed), so "
                                      "it is charged to you; the sale page says how to settle it.",
                                      why=cause_reason, owed=Money(owed, sale.currency))
        elif amount and sale.payout_status != Sale.PayoutStatus.SENT:
            for_seller = translatable("Our team found that the car was misrepresented. Why: {why}\n\nThe refund "
                                      "comes out of your payout: you receive {receives}.", why=cause_reason,
                                      receives=Money(payout_amounts(sale)[0], sale.currency))
        else:
            for_seller = ""
        if for_seller and why:
            seller_body: str | Translatable = translatable("{for_seller}\n\n{why}", for_seller=for_seller, why=why)
        else:
            seller_body = for_seller or why
        tell_on_commit([sale.seller_id], kind="dispute_resolved", sale=sale, event_key=f"dispute:{dispute.pk}:resolved",
                       title=title, body=seller_body)
        if payout_due:
            from payments.tasks import payout_release_task

            sale_id = sale.pk
            transaction.on_commit(lambda: payout_release_task.delay(sale_id))
        audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor, reason=f"Dispute {dispute.pk} resolved",
                     data={"outcome": outcome, "refund_minor": amount, "cause": decided,
                           "guarantee_paid_minor": amount if claim else 0, "receivable_minor": owed,
                           "computed_minor": computed, "overridden": overridden,
                           "override_reason": resolution if overridden else ""})
    dispute.refresh_from_db()
    return dispute
