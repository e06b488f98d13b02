import hashlib
from typing import cast

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from rest_framework.authtoken.models import Token

from accounts.authentication import token_cache_forget
from accounts.models import ApiKey, DealerDocument, DealerProfile, Invitation, Membership, SessionSighting, User
from accounts.security import email_verification_send_on_commit, iban_normalize
from core.audit import audit_record
from core.documents import document_create, document_review
from core.events import user_sockets_close_on_commit
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import language_valid
from core.models import AuditLog
from core.money import AMOUNT_MAX_MINOR, amount_too_large_message
from core.services import sessions_end
from core.sweeps import delete_in_batches
from core.transitions import TransitionResult, transition


class NotVerified(ApplicationError):
    code = "not_verified"
    status_code = 403

    def default_message(self):
        return _("Only verified dealers may bid. Your account is waiting for verification or is suspended.")


class EmailNotVerified(ApplicationError):
    code = "email_not_verified"
    status_code = 403

    def default_message(self):
        return _("Confirm your email address first: open the link we emailed you (your profile page sends a new "
                 "one).")


# What an unconfirmed address may not do yet, as the callers of email_verified_ensure name it, in a sentence.
_DOING = {
    "submit a car": pgettext_lazy("confirm your email address before you …", "submit a car"),
    "buy": pgettext_lazy("confirm your email address before you …", "buy"),
    "bid": pgettext_lazy("confirm your email address before you …", "bid"),
    "bid or buy": pgettext_lazy("confirm your email address before you …", "bid or buy"),
}


def email_verified_ensure(*, user, doing: str = "") -> None:
    """Raise EmailNotVerified unless `user` has confirmed their email address. Read from the user in memory: a
    verification only ever turns it on (and the request loads the user afresh)."""
    if getattr(user, "is_authenticated", False) and getattr(user, "email_verified_at", None) is None:
        raise EmailNotVerified(_("Confirm your email address before you %(doing)s: open the link we emailed you "
                                 "(your profile page sends a new one).") % {"doing": _DOING.get(doing, doing)}
                               if doing else None)


def staff_ensure(actor, message: str | None = None) -> None:
    """The one staff check of every service that only staff may call (admin actions, moderation)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_staff_member:
        raise PermissionRefused(message or _("Only Gavel staff may do that."))


EMAIL_TAKEN = pgettext_lazy("sign-up", "An account with this email address already exists.")


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(fields={"email": [_("Enter a valid email address.")]})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(fields={"email": [str(EMAIL_TAKEN)]})
    return email


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": list(exc.messages)})


def _required(**values) -> None:
    missing = {name: [_("This field is required.")] for name, value in values.items() if not (value or "").strip()}
    if missing:
        raise ValidationFailed(fields=missing)


def user_check_new(*, email: str, password: str, full_name: str, role: str, phone: str = "",
                   region: str = "") -> User:
    """Validate a new account's data; return the unsaved user. Raises ValidationFailed per field."""
    _required(full_name=full_name)
    if role not in User.Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role %(role)s.") % {"role": repr(role)}]})
    email = _clean_email(email)
    user = User(email=email, full_name=full_name.strip(), role=role, phone=phone.strip(), region=region.strip(),
                is_staff=role == User.Role.STAFF)
    _check_password(password, user)
    return user


def user_create(*, email: str, password: str, full_name: str, role: str, phone: str = "", region: str = "",
                actor: User | None = None, email_verified: bool = False, language: str = "") -> User:
    """Create an account. Its email address is verified by the emailed link (sent on commit) unless the caller knows
    it already (`email_verified`: an invitation opened from that mailbox, the demo's users). `language`: the one
    the person signed up in, which Gavel then writes to them in (blank: the site's default)."""
    user = user_check_new(email=email, password=password, full_name=full_name, role=role, phone=phone,
                          region=region)
    user.set_password(password)
    user.language = language if language_valid(language) else ""
    if email_verified:
        user.email_verified_at = timezone.now()
    try:
        with transaction.atomic():
            user.save()
            audit_record(obj=user, action=AuditLog.Action.CREATE, actor=actor, data={"role": role})
            email_verification_send_on_commit(user=user)
    except IntegrityError:
        # Two sign-ups with the same address raced past the check above.
        raise ValidationFailed(fields={"email": [str(EMAIL_TAKEN)]})
    return user


def seller_register(*, email: str, password: str, full_name: str, phone: str = "",
                    email_verified: bool = False, language: str = "") -> User:
    return user_create(email=email, password=password, full_name=full_name, phone=phone, role=User.Role.SELLER,
                       email_verified=email_verified, language=language)


def user_language_set(*, user: User, language: str) -> None:
    """The language Gavel writes to `user` in (pages, emails, notifications): one of settings.LANGUAGES."""
    if not language_valid(language):
        raise ValidationFailed(fields={"language": [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(code for code, _name in settings.LANGUAGES)}]})
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def dealer_register(*, email: str, password: str, full_name: str, company_name: str, trade_licence_number: str,
                    address: str, phone: str, email_verified: bool = False, language: str = "") -> User:
    _required(company_name=company_name, trade_licence_number=trade_licence_number, address=address, phone=phone)
    licence = trade_licence_number.strip().upper()
    if DealerProfile.objects.filter(trade_licence_number__iexact=licence).exists():
        raise ValidationFailed(fields={"trade_licence_number": [_("This trade licence is already registered.")]})
    try:
        with transaction.atomic():
            user = user_create(email=email, password=password, full_name=full_name, phone=phone,
                               role=User.Role.DEALER, email_verified=email_verified, language=language)
            profile = DealerProfile.objects.create(user=user, company_name=company_name.strip(),
                                                   trade_licence_number=licence, address=address.strip(),
                                                   phone=phone.strip())
            # A dealer who registers is the owner of their own organisation (accounts.organisations).
            Membership.objects.create(organisation=profile, user=user, role=Membership.Role.OWNER)
    except IntegrityError:
        raise ValidationFailed(fields={"trade_licence_number": [_("This trade licence is already registered.")]})
    return user


def payout_account_normalize(value: str | None) -> str:
    """A payout account as stored and compared (the shill rules compare it): an IBAN's compact form, validated by
    schwifty. Raises ValidationFailed (field payout_account) for anything that is not a valid IBAN."""
    return iban_normalize(value)


def user_update_profile(*, user: User, full_name: str, phone: str = "") -> User:
    """Save the user's name and phone. The payout account has a page of its own: changing it needs the password and
    a fresh second factor (accounts.security.payout_account_change)."""
    _required(full_name=full_name)
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    user.save(update_fields=["full_name", "phone"])
    return user


def session_seen(*, user: User, ip: str | None, device: str | None) -> None:
    """Remember that `user` signed in from this network address and device (`device`: the page's long-lived device
    cookie, stored hashed; None for an API client, which has none). The shill rules' flags read it."""
    if not ip:
        return
    device_hash = hashlib.sha256(device.encode("utf-8", "replace")).hexdigest() if device else ""
    SessionSighting.objects.update_or_create(user=user, ip=ip, device=device_hash,
                                             defaults={"seen_at": timezone.now()})


class TradeLicenceMissing(ApplicationError):
    code = "trade_licence_missing"
    status_code = 409

    def default_message(self):
        return _("Not verified: the dealer has no accepted trade licence. Review their uploaded licence first.")


def dealer_has_accepted_licence(*, profile: DealerProfile) -> bool:
    return profile.documents.filter(kind=DealerDocument.Kind.TRADE_LICENCE,
                                    status=DealerDocument.Status.ACCEPTED).exists()


def dealer_document_upload(*, profile: DealerProfile, actor: User, upload) -> DealerDocument:
    """The dealer's trade licence (PDF, JPEG or PNG; core.documents), waiting for staff's review."""
    if actor.pk != profile.user_id:
        raise PermissionRefused(_("Only the dealer uploads their own documents."))
    document = document_create(model=DealerDocument, upload=upload, folder=f"uploads/licences/{profile.pk}",
                               actor=actor, profile=profile, kind=DealerDocument.Kind.TRADE_LICENCE)
    return cast(DealerDocument, document)


def dealer_document_review(*, document: DealerDocument, actor: User, accept: bool,
                           reason: str = "") -> TransitionResult:
    staff_ensure(actor, _("Only Gavel staff review documents."))
    return document_review(document=document, actor=actor, accept=accept, reason=reason)


def dealer_verify(*, profile: DealerProfile, actor: User, reason: str = "") -> TransitionResult:
    # A first verification needs an accepted trade licence; a suspended dealer was verified with one before (or
    # before uploads existed) and is reinstated on staff's word.
    if profile.status == DealerProfile.Status.PENDING and not dealer_has_accepted_licence(profile=profile):
        raise TradeLicenceMissing()
    now = timezone.now()
    return transition(
        profile,
        DealerProfile.Status.VERIFIED,
        actor=actor,
        reason=reason,
        updates={"verified_at": now, "verified_by": actor, "status_changed_at": now, "status_changed_by": actor,
                 "status_reason": reason},
    )


def dealer_suspend(*, profile: DealerProfile, actor: User, reason: str) -> TransitionResult:
    if not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Say why the dealer is suspended; they will see it.")]})
    now = timezone.now()
    return transition(
        profile,
        DealerProfile.Status.SUSPENDED,
        actor=actor,
        reason=reason.strip(),
        updates={"status_changed_at": now, "status_changed_by": actor, "status_reason": reason.strip()},
    )


def dealer_buying_limit_effective(*, individual_limit_minor: int | None, deposit_limit_minor: int,
                                  owed_minor: int = 0) -> int:
    """The one rule for the buying limit: nothing while the dealer owes Gavel a fee their deposit could not cover
    (no bid, no purchase until it is settled); otherwise the individual limit staff set, or else what the deposit
    gives."""
    if owed_minor > 0:
        return 0
    return individual_limit_minor if individual_limit_minor is not None else deposit_limit_minor


def dealer_set_buying_limit(*, profile: DealerProfile, limit_minor: int | None, actor: User,
                            reason: str = "") -> None:
    """Staff set an individual buying limit (None: back to the limit the deposit gives). Audited."""
    if limit_minor is not None and (isinstance(limit_minor, bool) or not isinstance(limit_minor, int)
                                    or not 0 <= limit_minor <= AMOUNT_MAX_MINOR):
        raise ValidationFailed(fields={"buying_limit_minor": [
            _("Enter a whole, non-negative amount in minor units. %(limit)s") % {"limit": amount_too_large_message()}]})
    with transaction.atomic():
        locked = DealerProfile.objects.select_for_update().get(pk=profile.pk)
        before, before_individual = locked.buying_limit_minor, locked.individual_limit_minor
        after = dealer_buying_limit_effective(individual_limit_minor=limit_minor,
                                              deposit_limit_minor=locked.deposit_limit_minor,
                                              owed_minor=locked.owed_minor)
        if before == after and before_individual == limit_minor:
            return
        DealerProfile.objects.filter(pk=profile.pk).update(buying_limit_minor=after, individual_limit_minor=limit_minor)
        profile.buying_limit_minor, profile.individual_limit_minor = after, limit_minor
        audit_record(obj=profile, action=AuditLog.Action.UPDATE, actor=actor,
                     reason=reason or ("Individual buying limit set" if limit_minor is not None
                                       else "Back to the limit the deposit gives"),
                     field="buying_limit_minor", from_state=str(before), to_state=str(after),
                     data={"individual_limit": limit_minor is not None})


def dealer_deposit_limit_set(*, dealer_id: int, deposit_limit_minor: int, reason: str, owed_minor: int = 0) -> int:
    """What the dealer's deposit gives, or what they owe Gavel, changed (payments tells it, in the transaction that
    moved the deposit): store both and make the buying limit follow. Returns the buying limit."""
    for name, value in (("deposit_limit_minor", deposit_limit_minor), ("owed_minor", owed_minor)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} is a whole number ≥ 0.")
    with transaction.atomic():
        profile = DealerProfile.objects.select_for_update().get(user_id=dealer_id)
        after = dealer_buying_limit_effective(individual_limit_minor=profile.individual_limit_minor,
                                              deposit_limit_minor=deposit_limit_minor, owed_minor=owed_minor)
        if (profile.deposit_limit_minor, profile.owed_minor, profile.buying_limit_minor) == (
                deposit_limit_minor, owed_minor, after):
            return after
        before = profile.buying_limit_minor
        DealerProfile.objects.filter(pk=profile.pk).update(deposit_limit_minor=deposit_limit_minor,
                                                           owed_minor=owed_minor, buying_limit_minor=after)
        audit_record(obj=profile, action=AuditLog.Action.UPDATE, actor=None, reason=reason,
                     field="buying_limit_minor", from_state=str(before), to_state=str(after))
        return after


def not_a_dealer_refusal() -> PermissionRefused:
    return PermissionRefused(_("Only dealers may bid."), code="not_a_dealer")


def dealer_check_can_bid(*, user: User, profile_status: str | None) -> None:
    """Raise unless `user` is an active dealer whose profile (its status read by the caller, None if
    there is none) is verified: for callers that read the status as part of a query of their own."""
    if not user.is_authenticated or user.role != User.Role.DEALER:
        raise not_a_dealer_refusal()
    if profile_status != DealerProfile.Status.VERIFIED or not user.is_active:
        raise NotVerified()
    email_verified_ensure(user=user, doing="bid or buy")


def dealer_ensure_can_bid(*, user: User, lock: bool = False) -> DealerProfile:
    """Raise unless `user` is a verified, active dealer. Every bid path calls this first.

    `lock=True` takes the profile row FOR UPDATE, so one dealer's bids queue here (their buying
    limit is checked against what they have already committed). Read what they have committed in a
    statement started after this one returns: a value computed in this statement would come from the
    snapshot taken before the wait for the lock."""
    if not user.is_authenticated or user.role != User.Role.DEALER:
        raise not_a_dealer_refusal()
    profiles = DealerProfile.objects.select_for_update(of=("self",)) if lock else DealerProfile.objects
    profile = profiles.filter(user=user).first()
    dealer_check_can_bid(user=user, profile_status=profile.status if profile is not None else None)
    assert profile is not None  # dealer_check_can_bid refuses a dealer without a profile
    return profile


def token_for(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


__all__ = ["token_cache_forget"]  # its home is accounts.authentication; callers know it from here


def token_revoke(*, user: User) -> None:
    """Revoke the user's API token: from the next request on it authenticates nobody."""
    token_cache_forget(user_ids=[user.pk])
    Token.objects.filter(user=user).delete()


def dealer_profiles_lock(*, user_ids) -> dict[int, DealerProfile]:
    """Lock the dealer profiles of `user_ids` FOR UPDATE, in a fixed order (by id) so that two callers locking
    overlapping sets never deadlock; user id -> profile. Callers take these before any auction row."""
    profiles = (DealerProfile.objects.select_for_update(of=("self",)).select_related("user")
                .filter(user_id__in=set(user_ids)).order_by("pk"))
    return {profile.user_id: profile for profile in profiles}



def access_revoke(*, user: User) -> None:
    """End every way `user` is signed in, at once: their browser sessions, their API token, the API keys they
    made, and (once the change commits) their open WebSockets, each closed with 4401 (live.consumers)."""
    user_sockets_close_on_commit(user.pk)
    token_revoke(user=user)
    ApiKey.objects.filter(created_by=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    sessions_end(user_id=user.pk)


def closed_account_name(user_id: int) -> str:
    """The pseudonym a closed account goes by, in its own row and in the audit log's copies."""
    return f"Closed account #{user_id}"


def closed_account_email(user_id: int) -> str:
    """A closed account's address: unique, and reaching nobody (`.invalid` is reserved, RFC 2606)."""
    return f"closed-{user_id}@closed.invalid"


def account_closure_obstacles(*, user: User) -> list[str]:
    """What accounts holds open that a closure would break: an organisation other people still act for."""
    profile = DealerProfile.objects.filter(user=user).first()
    if profile and Membership.objects.filter(organisation=profile).exclude(user=user).exists():
        return [_("Other people are members of your dealer organisation: remove them first (the organisation's "
                  "account closes with its last member).")]
    return []


def personal_data_erase(*, user: User) -> dict:
    """Close the account in accounts (privacy.services.account_close, in its transaction): the name becomes the
    pseudonym, the email a pseudonymous unique address; phone, payout account, region and the dealership's address
    and phone erased; sign-in disabled for good; sessions, the API token and the API keys they made revoked; the
    sign-ins seen and login lockout counters deleted; open invitations they sent, or that were sent to them,
    cancelled; a membership of someone else's organisation ended. The company name and trade licence number stay:
    they are the organisation's (on issued invoices), not the person's."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    old_email = locked.email
    now = timezone.now()
    access_revoke(user=locked)
    locked.full_name = closed_account_name(locked.pk)
    locked.email = closed_account_email(locked.pk)
    locked.phone = locked.payout_account = locked.region = ""
    locked.is_active = False
    locked.closed_at = now
    locked.set_unusable_password()
    locked.save(update_fields=["full_name", "email", "phone", "payout_account", "region", "is_active", "closed_at",
                               "password"])
    token_cache_forget(user_ids=[locked.pk])
    profiles = DealerProfile.objects.filter(user=locked).update(address="", phone="")
    memberships = Membership.objects.filter(user=locked).exclude(organisation__user=locked).delete()[0]
    invitations = Invitation.objects.filter(accepted_at__isnull=True, cancelled_at__isnull=True).filter(
        models.Q(invited_by=locked) | models.Q(email__iexact=old_email)).update(cancelled_at=now)
    sightings = SessionSighting.objects.filter(user=locked).delete()[0]
    lockouts = AccessAttempt.objects.filter(username__iexact=old_email).delete()[0]
    user.refresh_from_db()
    return {"dealer_profiles": profiles, "memberships_ended": memberships, "invitations_cancelled": invitations,
            "session_sightings": sightings, "login_lockouts": lockouts}


def retention_sightings_delete(*, older_than) -> int:
    """Sign-ins last seen before `older_than` (config GAVEL_RETENTION_SESSION_SIGHTINGS_DAYS). How many."""
    return delete_in_batches(SessionSighting.objects.filter(seen_at__lt=older_than))
