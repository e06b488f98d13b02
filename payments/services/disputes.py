"""Disputes: the dealer says the car differs materially from the published report; staff decide.

Refunds go back through the provider that took the payment. Where the money comes from:
- before the payout (escrow still holds it): escrow → dealer → bank;
- after the payout: the seller's account first (it goes negative: what the seller owes back, recovered by
  Gavel outside the platform), then the platform's fees beyond the seller's share → dealer → bank.
Either way escrow keeps equal to the paid-but-not-paid-out sales minus refunds, and every transaction balances.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from core.audit import audit_record
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.models import AuditLog
from core.transitions import transition
from marketplace.images import photo_files_delete, photo_process, photo_store
from payments.ledger import ledger_account, ledger_post
from payments.models import Dispute, DisputePhoto, LedgerAccount, LedgerTransaction, Sale
from payments.selectors import dispute_disclosed_item_keys, sale_confirmed_payment
from payments.services.common import Conflict, PayoutInFlight, car, ensure_staff, lock_sale, money, tell_on_commit
from payments.services.sales import payment_provider_for

MAX_DISPUTE_PHOTOS = 10


class DisputeWindowClosed(ApplicationError):
    code = "dispute_window_closed"
    status_code = 409

    def default_message(self):
        return f"Disputes can be opened within {settings.GAVEL_DISPUTE_WINDOW_DAYS} days of the handover."


class DisclosedItems(ApplicationError):
    code = "disclosed_in_report"

    def default_message(self):
        return "Items the inspection report disclosed cannot ground a dispute."


def dispute_window_ends(sale: Sale):
    return sale.handed_over_at + timedelta(days=settings.GAVEL_DISPUTE_WINDOW_DAYS) if sale.handed_over_at else None


def dispute_open(*, sale: Sale, dealer: User, reason: str, item_keys=(), photos=()) -> Dispute:
    reason = (reason or "").strip()
    keys = [str(key).strip() for key in (item_keys or []) if str(key).strip()]
    errors = {}
    if len(reason) < 10:
        errors["reason"] = ["Describe how the car differs from the report (at least 10 characters)."]
    if len(reason) > 5000:
        errors["reason"] = ["At most 5,000 characters."]
    if len(keys) > 50 or any(len(key) > 100 for key in keys):
        errors["item_keys"] = ["At most 50 items of up to 100 characters."]
    if len(photos) > MAX_DISPUTE_PHOTOS:
        errors["photos"] = [f"At most {MAX_DISPUTE_PHOTOS} photos."]
    if errors:
        raise ValidationFailed(fields=errors)
    disclosed = dispute_disclosed_item_keys(sale=sale, item_keys=keys)
    if disclosed:
        raise DisclosedItems(fields={"item_keys": [f"Disclosed in the report: {', '.join(disclosed)}."]})
    # Decode and re-encode the photos before taking any lock: that is the slow part.
    processed = [photo_process(upload, name=getattr(upload, "name", "")) for upload in photos]
    stored = []
    try:
        with transaction.atomic():
            sale = lock_sale(sale.pk)
            if sale.buyer_id != getattr(dealer, "pk", None):
                raise PermissionRefused("Only the buying dealer may open a dispute.")
            if sale.status not in (Sale.Status.HANDED_OVER, Sale.Status.PAID_OUT):
                raise Conflict("A dispute can be opened after the handover, once.", code="not_disputable")
            if db_now() > dispute_window_ends(sale):
                raise DisputeWindowClosed()
            try:
                with transaction.atomic():
                    dispute = Dispute.objects.create(sale=sale, opened_by=dealer, reason=reason, item_keys=keys)
            except IntegrityError:
                raise Conflict("A dispute is already open for this sale.", code="dispute_open")
            for item in processed:
                names = photo_store(item, listing_id=sale.listing_id)
                stored.extend(names.values())
                DisputePhoto.objects.create(dispute=dispute, width=item.width, height=item.height, **names)
            transition(sale, Sale.Status.DISPUTED, actor=dealer, reason=f"Dispute {dispute.pk} opened",
                       data={"dispute": dispute.pk, "item_keys": keys})
            staff_ids = list(User.objects.filter(role=User.Role.STAFF, is_active=True).values_list("pk", flat=True))
            tell_on_commit([sale.seller_id], kind="dispute_opened", sale=sale, event_key=f"dispute:{dispute.pk}:opened",
                           title=f"The dealer opened a dispute about your {car(sale)}",
                           body="Our team reviews it and will contact you. Nothing is taken from you until then.")
            tell_on_commit(staff_ids, kind="dispute_opened", sale=sale, title=f"Dispute on sale {sale.pk}",
                           event_key=f"dispute:{dispute.pk}:opened",
                           body=reason[:500])
    except Exception:
        photo_files_delete(stored)
        raise
    return dispute


def _refund_entries(sale: Sale, amount: int) -> list:
    """Ledger entries moving `amount` back to the dealer (see the module docstring)."""
    dealer = ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)
    tail = [(dealer, amount), (dealer, -amount), (ledger_account(LedgerAccount.Kind.BANK), amount)]
    if sale.payout_status != Sale.PayoutStatus.SENT:
        return [(ledger_account(LedgerAccount.Kind.ESCROW), -amount), *tail]
    before = min(sale.refunded_minor, sale.seller_receives_minor)
    after = min(sale.refunded_minor + amount, sale.seller_receives_minor)
    from_seller, from_platform = after - before, amount - (after - before)
    sources = []
    if from_seller:
        sources.append((ledger_account(LedgerAccount.Kind.SELLER, sale.seller), -from_seller))
    if from_platform:
        sources.append((ledger_account(LedgerAccount.Kind.PLATFORM_FEES), -from_platform))
    return [*sources, *tail]


def dispute_resolve(*, dispute: Dispute, actor, outcome: str, amount_minor: int | None = None,
                    resolution: str = "") -> Dispute:
    """Staff decide: a full refund (sale → refunded), a partial refund or a rejection (sale → completed)."""
    ensure_staff(actor)
    if outcome not in (Dispute.Outcome.REFUND, Dispute.Outcome.PARTIAL, Dispute.Outcome.REJECT):
        raise ValidationFailed(fields={"outcome": ["Choose refund, partial or reject."]})
    with transaction.atomic():
        sale = lock_sale(dispute.sale_id)
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status != Dispute.Status.OPEN:
            return dispute
        refundable = sale.amount_due_minor - sale.refunded_minor
        if outcome == Dispute.Outcome.REFUND:
            amount = refundable
        elif outcome == Dispute.Outcome.PARTIAL:
            if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or not 0 < amount_minor < refundable:
                raise ValidationFailed(fields={"amount_minor": [
                    f"A partial refund is more than 0 and less than {money(sale, refundable)}."]})
            amount = amount_minor
        else:
            amount = 0
        reference = ""
        if amount:
            if sale.payout_status == Sale.PayoutStatus.SENDING:
                raise PayoutInFlight()
            payment = sale_confirmed_payment(sale=sale)
            if payment is None:
                raise Conflict("No confirmed payment to refund.", code="no_payment")
            key = f"refund-dispute-{dispute.pk}"
            # Our providers record the refund locally; a networked adapter would follow payout_release's
            # intent-then-call pattern, keyed by the same idempotency key.
            reference = payment_provider_for(payment).refund(payment=payment, amount_minor=amount,
                                                             idempotency_key=key)
            ledger_post(idempotency_key=key, kind=LedgerTransaction.Kind.REFUND, sale=sale, provider=payment.provider,
                        provider_reference=reference, memo=f"Dispute {dispute.pk}: {outcome}",
                        entries=_refund_entries(sale, amount))
        now = db_now()
        sale_updates = {"refunded_minor": sale.refunded_minor + amount}
        if outcome == Dispute.Outcome.REFUND:
            to = Sale.Status.REFUNDED
            if sale.payout_status != Sale.PayoutStatus.SENT:
                sale_updates["payout_status"] = Sale.PayoutStatus.NOT_DUE
        else:
            to = Sale.Status.COMPLETED
            sale_updates["completed_at"] = now
        transition(dispute, Dispute.Status.RESOLVED, actor=actor, reason=resolution or outcome,
                   updates={"outcome": outcome, "refund_minor": amount, "refund_reference": reference,
                            "resolution": resolution, "resolved_by": actor, "resolved_at": now},
                   data={"outcome": outcome, "refund_minor": amount})
        transition(sale, to, actor=actor, reason=f"Dispute {dispute.pk}: {outcome}", updates=sale_updates,
                   data={"refund_minor": amount, "refund_reference": reference})
        text = {Dispute.Outcome.REFUND: f"a full refund of {money(sale, amount)}",
                Dispute.Outcome.PARTIAL: f"a partial refund of {money(sale, amount)}",
                Dispute.Outcome.REJECT: "no refund"}[outcome]
        tell_on_commit([sale.buyer_id, sale.seller_id], kind="dispute_resolved", sale=sale,
                       event_key=f"dispute:{dispute.pk}:resolved",
                       title=f"Dispute about the {car(sale)} resolved: {text}", body=resolution)
        if sale.handed_over_at and sale.payout_status in (Sale.PayoutStatus.PENDING, Sale.PayoutStatus.FAILED) \
                and to == Sale.Status.COMPLETED:
            from payments.tasks import payout_release_task

            sale_id = sale.pk
            transaction.on_commit(lambda: payout_release_task.delay(sale_id))
        audit_record(obj=sale, action=AuditLog.Action.UPDATE, actor=actor, reason=f"Dispute {dispute.pk} resolved",
                     data={"outcome": outcome, "refund_minor": amount})
    dispute.refresh_from_db()
    return dispute
