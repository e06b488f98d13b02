"""Closing an account, and the retention periods (issue 19, "Personal data").

`account_close` is one transaction: it refuses with every reason at once while the person has anything open with
Gavel (each app says what in its `account_closure_obstacles`), then each app erases or pseudonymises what it owns
(its `personal_data_erase`) and the closure is written to the audit log with who did it and why. What stays
refers to the account by id only: the ledger, the transparency log, bids, sales and the audit log; the issued
invoices, credit notes and statements keep the name and address they were issued to, a retention exception the
law requires (docs/personal-data.md)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.models import DealerProfile, User
from accounts.services import closed_account_name, staff_ensure
from auctions import selectors as auctions_selectors
from auctions.services import personal_data as auctions_personal_data
from core import services as core_services
from core.audit import audit_record
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.models import AuditLog
from inspections import selectors as inspections_selectors
from integrations import services as integrations_services
from marketplace import services as marketplace_services
from payments import selectors as payments_selectors
from privacy.selectors import personal_data_export


class AccountNotClosable(ApplicationError):
    code = "account_has_obligations"
    status_code = 409

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(_("The account cannot be closed yet: %(reasons)s") % {"reasons": " ".join(reasons)})


def account_closure_obstacles(*, user: User) -> list[str]:
    """Every reason the account cannot close now, in words for the person; empty: it can."""
    if user.closed_at is not None:
        return [_("The account is already closed.")]
    return [*accounts_services.account_closure_obstacles(user=user),
            *marketplace_services.account_closure_obstacles(user=user),
            *inspections_selectors.account_closure_obstacles(user=user),
            *auctions_selectors.account_closure_obstacles(user=user),
            *payments_selectors.account_closure_obstacles(user=user)]


def account_close(*, user: User, actor: User, password: str | None = None, reason: str = "") -> dict:
    """Close `user`'s account. The person themselves confirms with their password; staff (on the person's request)
    give a reason instead. Refused (AccountNotClosable, 409) while anything is open; otherwise personal fields are
    erased or pseudonymised everywhere, every session, token and API key revoked and sign-in disabled. What was
    erased, per app."""
    reason = (reason or "").strip()
    if actor.pk == user.pk:
        if not password or not user.check_password(password):
            raise ValidationFailed(fields={"password": [_("That is not your password.")]})
        reason = reason or "Closed by the account holder."
    else:
        staff_ensure(actor, _("Only Gavel staff may close another person's account."))
        if not reason:
            raise ValidationFailed(fields={"reason": [_("Give the reason: it is recorded in the audit log.")]})
    with transaction.atomic():
        # The user's row, then their dealer profile (bids and offers lock it first, so a bid racing the closure
        # either lands before it, and is seen as an obstacle here, or is refused after it: the account inactive).
        locked = User.objects.select_for_update().get(pk=user.pk)
        profile = DealerProfile.objects.select_for_update().filter(user=locked).first()
        obstacles = account_closure_obstacles(user=locked)
        if obstacles:
            raise AccountNotClosable(obstacles)
        pseudonym = closed_account_name(locked.pk)
        erased = {
            "accounts": accounts_services.personal_data_erase(user=locked),
            "cars": marketplace_services.personal_data_erase(user=locked),
            "auctions": auctions_personal_data.personal_data_erase(user=locked),
            "integrations": integrations_services.personal_data_erase(user=locked),
            "core": core_services.personal_data_erase(user=locked, pseudonym=pseudonym,
                                                      audit_objects=[profile] if profile else []),
        }
        by_staff = actor.pk != locked.pk
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=actor if by_staff else locked,
                     field="closed_at", reason=reason, to_state="closed",
                     data={"erased": erased, "on_request_of_staff": by_staff})
    user.refresh_from_db()
    return erased


def personal_data_export_for_staff(*, user: User, actor: User, reason: str) -> dict:
    """Staff export a person's data on their request (Django admin): the reason is required, and the export is
    recorded in the audit log with who made it."""
    staff_ensure(actor, _("Only Gavel staff may export another person's data."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give the reason: it is recorded in the audit log.")]})
    if actor.pk == user.pk:
        raise PermissionRefused(_("Download your own data from your profile."))
    document = personal_data_export(user=user)
    audit_record(obj=user, action=AuditLog.Action.EXPORT, actor=actor, reason=reason,
                 data={"format": document["format"]})
    return document


def retention_enforce(*, now=None) -> dict:
    """Delete what is past its retention period (config.settings.privacy): sign-ins seen, notifications, and the
    remaining working data of accounts closed long enough ago. How many of each. Run daily by beat
    (privacy.tasks.retention_enforce_task)."""
    now = now or timezone.now()
    closed_before = now - timedelta(days=settings.GAVEL_RETENTION_CLOSED_ACCOUNT_DAYS)
    closed_ids = list(User.objects.filter(closed_at__lte=closed_before).values_list("pk", flat=True))
    # Each part in bounded batches of its own (core.sweeps.delete_in_batches): safe to run twice, or side by side.
    return {
        "session_sightings": accounts_services.retention_sightings_delete(
            older_than=now - timedelta(days=settings.GAVEL_RETENTION_SESSION_SIGHTINGS_DAYS)),
        "notifications": core_services.retention_notifications_delete(
            older_than=now - timedelta(days=settings.GAVEL_RETENTION_NOTIFICATIONS_DAYS)),
        "closed_accounts_cars": marketplace_services.retention_closed_accounts_erase(user_ids=closed_ids),
    }
