"""Account security for people who move money: email verification, TOTP two-factor with recovery codes, and the
payout account (an IBAN) that only the password and a fresh second factor may change.

- Email: a signed link (django.core.signing, salted, expiring after GAVEL_EMAIL_VERIFY_TTL) is emailed at sign-up
  and on request; opening it sets `User.email_verified_at`. Unverified accounts may browse; listing, bidding and
  being paid refuse with EmailNotVerified (accounts.services.email_verified_ensure, called by each of those paths).
- Two-factor (django-otp): one TOTP device per user, confirmed with a code from the app; confirming also makes ten
  single-use recovery codes (a static device), shown once. `User.two_factor_enabled` mirrors "has a confirmed
  device" so the middleware reads it without a query. Staff and dealer organisation owners must have one
  (`two_factor_required`); anyone else may.
- Payout account: validated as an IBAN (schwifty), changed only with the current password and, for a user with a
  device, a code from it; each change is audited (old and new masked) and told to the user by email.
"""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from accounts.authentication import token_cache_forget
from accounts.models import Membership, User
from core.audit import audit_record
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import in_language_of
from core.models import AuditLog
from core.notifications import notify

EMAIL_VERIFY_SALT = "gavel.accounts.email-verify"
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class VerificationLinkInvalid(ApplicationError):
    code = "verification_link_invalid"
    status_code = 400

    def default_message(self):
        return _("This verification link is not valid. Send yourself a new one from your profile page.")


class VerificationLinkExpired(ApplicationError):
    code = "verification_link_expired"
    status_code = 400

    def default_message(self):
        return _("This verification link has expired. Send yourself a new one from your profile page.")


# --- email verification ---------------------------------------------------------------------------------------


def email_verification_token(*, user: User) -> str:
    """A signed, timestamped token naming the user and the address it was sent to (a changed address voids it)."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_VERIFY_SALT, compress=True)


def email_verification_link(*, user: User) -> str:
    return f"{settings.GAVEL_SITE_URL.rstrip('/')}/accounts/verify-email/{email_verification_token(user=user)}/"


def email_verification_send_on_commit(*, user: User) -> None:
    """Email the verification link once the account (or the request for a new link) is committed."""
    if user.email_verified_at is not None:
        return
    user_id = user.pk
    transaction.on_commit(lambda: _email_verification_later(user_id=user_id))


def _email_verification_later(*, user_id: int) -> None:
    """Through Celery (no SMTP round trip in a request); in-process when notifications are."""
    if not settings.GAVEL_NOTIFY_ASYNC:
        email_verification_send(user_id=user_id)
        return
    from accounts.tasks import email_verification_send_task  # accounts.tasks imports this module

    email_verification_send_task.delay(user_id=user_id)


def email_verification_send(*, user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is None:
        return
    hours = int(settings.GAVEL_EMAIL_VERIFY_TTL.total_seconds() // 3600)
    with in_language_of(user):
        subject = _("Confirm your email address for Gavel")
        body = _("Hello %(name)s,\n\nplease confirm that this is your email address by opening this link within "
                 "%(hours)s hours:\n%(link)s\n\nUntil you do, you can look around Gavel but not list a car, bid or be "
                 "paid.\n\nIf you did not sign up for Gavel, ignore this email.\n") % {
            "name": user.get_short_name(), "hours": hours, "link": email_verification_link(user=user)}
    send_mail(subject, body, None, [user.email])


def email_verify(*, token: str) -> User:
    """Open a verification link: mark the address verified (idempotent). Raises VerificationLinkInvalid/Expired."""
    try:
        data = signing.loads(token or "", salt=EMAIL_VERIFY_SALT,
                             max_age=settings.GAVEL_EMAIL_VERIFY_TTL)
    except signing.SignatureExpired:
        raise VerificationLinkExpired()
    except signing.BadSignature:
        raise VerificationLinkInvalid()
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise VerificationLinkInvalid()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["u"]).first()
        if user is None or user.email.lower() != data.get("e"):
            raise VerificationLinkInvalid()
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            audit_record(obj=user, action=AuditLog.Action.UPDATE, actor=user, reason="Email address verified",
                         field="email_verified_at")
            # API requests read the user from the token cache: they must see the address confirmed now.
            user_id = user.pk
            transaction.on_commit(lambda: token_cache_forget(user_ids=[user_id]))
    return user


# --- two-factor ---------------------------------------------------------------------------------------------------


def two_factor_required(user) -> bool:
    """Staff (admin included) and the owners of a dealer organisation must use a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.role == User.Role.STAFF:
        return True
    return user.role == User.Role.DEALER and Membership.objects.filter(
        user_id=user.pk, role=Membership.Role.OWNER).exists()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device (its secret shown on the set-up page), made on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_provisioning_uri(*, device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code (issuer and account named)."""
    return device.config_url


def totp_secret_text(*, device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into an app instead of scanning."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _code_clean(code: str) -> str:
    return "".join((code or "").split()).lower()


def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the pending TOTP device with a code from the app; make ten recovery codes (any earlier ones are
    replaced). Returns the recovery codes: they are shown once and stored only in the static device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationFailed(fields={"code": [_("Open the set-up page again to get a new secret.")]})
    if not device.verify_token(_code_clean(code)):
        raise ValidationFailed(fields={"code": [_("That code is not right. Enter the 6 digits your app shows now.")]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user=user)
        User.objects.filter(pk=user.pk).update(two_factor_enabled=True)
        user.two_factor_enabled = True
        me = User.objects.get(pk=user.pk)  # the model itself, not the request's lazy user
        audit_record(obj=me, action=AuditLog.Action.UPDATE, actor=me, reason="Two-factor set up",
                     field="two_factor_enabled", from_state="off", to_state="on")
    return codes


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def two_factor_check(*, user: User, code: str):
    """The user's confirmed device that accepts `code` (a TOTP code, or a recovery code, used up), else None.
    django-otp throttles each device after failures."""
    code = _code_clean(code)
    if not code:
        return None
    for device in (*TOTPDevice.objects.filter(user=user, confirmed=True),
                   *StaticDevice.objects.filter(user=user, confirmed=True)):
        if device.verify_token(code):
            return device
    return None


def two_factor_disable(*, user: User, password: str, code: str) -> None:
    """Turn two-factor off: only for those who need not have it, with the password and a code."""
    if two_factor_required(user):
        raise PermissionRefused(_("Staff and dealer organisation owners must keep two-factor on."),
                                code="two_factor_required")
    _password_and_code_ensure(user=user, password=password, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(two_factor_enabled=False)
        user.two_factor_enabled = False
        me = User.objects.get(pk=user.pk)
        audit_record(obj=me, action=AuditLog.Action.UPDATE, actor=me, reason="Two-factor turned off",
                     field="two_factor_enabled", from_state="on", to_state="off")


def two_factor_reset(*, user: User, actor: User) -> None:
    """Staff remove a person's devices and recovery codes (they lost both, and proved who they are another way).
    Audited; someone who must have two-factor is sent to set it up again at their next sign-in."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_staff_member:
        raise PermissionRefused(_("Only Gavel staff may reset someone's two-factor."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(two_factor_enabled=False)
        user.two_factor_enabled = False
        audit_record(obj=User.objects.get(pk=user.pk), action=AuditLog.Action.UPDATE, actor=actor,
                     reason="Two-factor reset by staff", field="two_factor_enabled", from_state="on",
                     to_state="off")


def _password_and_code_ensure(*, user: User, password: str, code: str) -> str:
    """The fresh proof a sensitive change needs: the current password and, when the user has a device, a code
    from it now (a TOTP or a recovery code). Returns what was checked: "password+totp", "password+recovery_code"
    or "password" (the user has no device: the password alone, as the page says)."""
    errors: dict[str, list[str]] = {}
    if not user.check_password(password or ""):
        errors["current_password"] = [_("Your current password is not right.")]
    device = None
    if user.two_factor_enabled:
        device = two_factor_check(user=user, code=code) if not errors else None
        if device is None:
            errors["code"] = [_("Enter the 6-digit code your authenticator app shows now (or a recovery code).")]
    if errors:
        raise ValidationFailed(fields=errors)
    if device is None:
        return "password"
    return "password+recovery_code" if isinstance(device, StaticDevice) else "password+totp"


# --- payout account -----------------------------------------------------------------------------------------------


def iban_normalize(value: str | None) -> str:
    """A payout account as stored and compared: the IBAN's compact form (capital letters and digits). Empty stays
    empty. Raises ValidationFailed (field payout_account) unless it is a valid IBAN (schwifty: country, length,
    check digits, national format)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        return IBAN(raw).compact
    except SchwiftyException as exc:
        raise ValidationFailed(fields={"payout_account": [_("This is not a valid IBAN (%(error)s).") % {"error": exc}]})


def iban_masked(value: str | None) -> str:
    """What a record or an email shows of an IBAN: the country and check digits and the last four."""
    if not value:
        return "(none)"
    if len(value) <= 8:
        return "…" + value[-2:]
    return f"{value[:4]} …{value[-4:]}"


def payout_account_change(*, user: User, payout_account: str, current_password: str, code: str = "") -> bool:
    """Change the account Gavel pays `user` to. Needs the current password and, when the user has a device, a
    fresh code from it. Audited (old and new masked) and told to the user by email. Returns whether it changed."""
    new = iban_normalize(payout_account)
    proof = _password_and_code_ensure(user=user, password=current_password, code=code)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.payout_account
        if old == new:
            return False
        User.objects.filter(pk=user.pk).update(payout_account=new)
        user.payout_account = new
        audit_record(obj=locked, action=AuditLog.Action.UPDATE, actor=locked, reason="Payout account changed",
                     field="payout_account", from_state=iban_masked(old), to_state=iban_masked(new),
                     data={"proof": proof})
        # Written here in the user's own language (they are its only reader): the date too.
        with in_language_of(locked):
            title = _("Your payout account was changed")
            body = _("The account Gavel pays you to changed from %(old)s to %(new)s on %(date)s at %(time)s UTC. If "
                     "this was not you, write to %(support)s at once and change your password.") % {
                "old": iban_masked(old) if old else _("(none)"), "new": iban_masked(new) if new else _("(none)"),
                "date": date_format(timezone.now(), pgettext("date format", "d M Y")),
                "time": date_format(timezone.now(), "H:i"), "support": settings.GAVEL_SUPPORT_EMAIL}
        notify(user=locked, kind="payout_account_changed", email=True, url="/accounts/payout-account/",
               title=title, body=body)
    return True
