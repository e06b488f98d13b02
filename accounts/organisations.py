"""Dealer organisations: members with roles, invitations, and who acts for whom.

The organisation is the dealer profile (accounts.models.Organisation): its account (`DealerProfile.user`, the
founding owner) is what bids, sales, the deposit and invoices are keyed to, so the limit and everything counted
against it stay in one place. A member acts for the organisation: a page or API view asks `dealer_acting_for`
for the account to act as, and `member_can` whether the member's role allows the action. What each role may do
is ROLE_CAPABILITIES, the one table of it; API keys carry a subset of the same capabilities (accounts.apikeys).
"""

import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import MANAGE, REFUSALS, member_role, membership_facts
from accounts.models import Invitation, Membership, Organisation, User
from accounts.services import EMAIL_TAKEN, _clean_email, access_revoke, token_cache_forget, user_create
from core.audit import audit_record
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import in_language_of
from core.models import AuditLog


class InvitationInvalid(ApplicationError):
    code = "invitation_invalid"
    status_code = 400

    def default_message(self):
        return _("This invitation link is not valid. Ask the organisation's owner for a new one.")


class InvitationExpired(ApplicationError):
    code = "invitation_expired"
    status_code = 400

    def default_message(self):
        return _("This invitation has expired. Ask the organisation's owner to invite you again.")


def organisation_for(user) -> Organisation | None:
    """The organisation `user` is a member of (any role), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = Membership.objects.select_related("organisation__user").filter(user_id=user.pk).first()
    return membership.organisation if membership is not None else None


def dealer_acting_for(user: User) -> User:
    """The account `user` acts as: their organisation's account for a member, themselves for anyone else."""
    if not getattr(user, "is_authenticated", False) or user.role != User.Role.DEALER:
        return user
    facts = membership_facts(user)
    account_id = facts.account_id if facts is not None else None
    if account_id is None or account_id == user.pk:
        return user
    return User.objects.select_related("dealer_profile").get(pk=account_id)


def organisation_members(*, org: Organisation):
    return Membership.objects.filter(organisation=org).select_related("user").order_by("created_at", "pk")


def organisation_invitations_open(*, org: Organisation):
    return Invitation.objects.filter(organisation=org, accepted_at__isnull=True, cancelled_at__isnull=True,
                                     expires_at__gt=timezone.now()).order_by("-created_at")


def _owner_ensure(*, actor: User, org: Organisation) -> None:
    if member_role(actor, org) != Membership.Role.OWNER:
        raise PermissionRefused(str(REFUSALS[MANAGE]), code="role_refused")


def _role_clean(role: str) -> str:
    if role not in Membership.Role.values:
        raise ValidationFailed(fields={"role": [_("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Membership.Role.values)}]})
    return role


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, org: Organisation, actor: User, email: str, role: str) -> tuple[Invitation, str]:
    """An owner invites someone by email; returns the invitation and the token for the emailed link (sent on
    commit; stored only as its digest)."""
    _owner_ensure(actor=actor, org=org)
    role = _role_clean(role)
    email = (email or "").strip().lower()
    try:
        email = _clean_email(email)
    except ValidationFailed as exc:
        if str(EMAIL_TAKEN) not in exc.fields.get("email", []):
            raise
        # Someone with an account may join if they belong to no organisation; accepting checks it again.
        if Membership.objects.filter(user__email__iexact=email).exists():
            raise ValidationFailed(fields={"email": [_("This person already belongs to a dealer organisation.")]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=org, email=email, role=role, token_hash=invitation_token_hash(token), invited_by=actor,
            expires_at=timezone.now() + settings.GAVEL_INVITATION_TTL)
        audit_record(obj=org, action=AuditLog.Action.CREATE, actor=actor, reason="Member invited",
                     data={"invitation": invitation.pk, "email": email, "role": role})
        transaction.on_commit(lambda: _invitation_email_later(invitation_id=invitation.pk, token=token))
    return invitation, token


def _invitation_email_later(*, invitation_id: int, token: str) -> None:
    """After commit, through Celery (no SMTP round trip in a request); in-process when notifications are."""
    if not settings.GAVEL_NOTIFY_ASYNC:
        invitation_email_send(invitation_id=invitation_id, token=token)
        return
    from accounts.tasks import invitation_email_send_task  # accounts.tasks imports this module

    invitation_email_send_task.delay(invitation_id=invitation_id, token=token)


def invitation_email_send(*, invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None:
        return
    link = f"{settings.GAVEL_SITE_URL.rstrip('/')}/accounts/invitations/{token}/"
    # In the invited person's language when they have an account already, else in the inviting owner's.
    reader = User.objects.filter(email__iexact=invitation.email).first() or invitation.invited_by
    company = invitation.organisation.company_name
    with in_language_of(reader):
        subject = _("You are invited to %(company)s on Gavel") % {"company": company}
        body = _("%(company)s invites you to join them on Gavel as %(role)s.\n\nAccept before %(expires)s UTC:\n"
                 "%(link)s\n") % {"company": company, "role": invitation.role_in_sentence,
                                   "expires": f"{invitation.expires_at:%Y-%m-%d %H:%M}", "link": link}
    send_mail(subject, body, None, [invitation.email])


def invitation_get(*, token: str) -> Invitation:
    """The open invitation behind `token`; raises InvitationInvalid or InvitationExpired."""
    invitation = (Invitation.objects.select_related("organisation")
                  .filter(token_hash=invitation_token_hash(token or "")).first())
    if invitation is None or invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise InvitationInvalid()
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired()
    return invitation


def invitation_accept(*, token: str, user: User | None = None, full_name: str = "", password: str = "") -> User:
    """Accept an invitation: as the signed-in `user` whose email it was sent to, or with a new account made from
    `full_name` and `password` for that email. Returns the member."""
    with transaction.atomic():
        invitation = invitation_get(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None or invitation.cancelled_at is not None:
            raise InvitationInvalid()
        if user is not None and user.is_authenticated:
            if user.email.lower() != invitation.email.lower():
                raise PermissionRefused(_("This invitation was sent to another email address."),
                                        code="invitation_other_email")
            if user.role != User.Role.DEALER:
                raise ValidationFailed(_("Only a dealer account can join a dealer organisation; sign up with "
                                         "another email address."), code="invitation_wrong_role")
            member = user
        else:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationFailed(_("An account with this email address exists: sign in with it, then open "
                                         "the link again."), code="invitation_sign_in")
            # The invitation link reached this mailbox: the address is verified.
            member = user_create(email=invitation.email, password=password, full_name=full_name,
                                 role=User.Role.DEALER, email_verified=True)
        try:
            with transaction.atomic():
                Membership.objects.create(organisation=invitation.organisation, user=member, role=invitation.role,
                                          invited_by=invitation.invited_by)
        except IntegrityError:
            raise ValidationFailed(_("You already belong to a dealer organisation."), code="already_member")
        _membership_forget(member.pk)
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now(), accepted_by=member)
        audit_record(obj=invitation.organisation, action=AuditLog.Action.UPDATE, actor=member,
                     reason="Invitation accepted", data={"invitation": invitation.pk, "role": invitation.role})
    return member


def invitation_cancel(*, invitation: Invitation, actor: User) -> None:
    _owner_ensure(actor=actor, org=invitation.organisation)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(cancelled_at=timezone.now())


def member_set_role(*, membership: Membership, actor: User, role: str) -> Membership:
    org = membership.organisation
    _owner_ensure(actor=actor, org=org)
    role = _role_clean(role)
    if membership.user_id == org.user_id and role != Membership.Role.OWNER:
        raise ValidationFailed(fields={"role": [_("The organisation's account holder stays an owner.")]})
    before = membership.role
    Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role
    _membership_forget(membership.user_id)
    audit_record(obj=org, action=AuditLog.Action.UPDATE, actor=actor, reason="Member role changed",
                 field="role", from_state=before, to_state=role, data={"member": membership.user_id})
    return membership


def _membership_forget(user_id: int) -> None:
    """The member's API requests see their new membership at once: the token cache holds it (accounts.authentication)
    and forgets it now, and again once the change commits (a request in between may have cached the old one)."""
    token_cache_forget(user_ids=[user_id])
    transaction.on_commit(lambda: token_cache_forget(user_ids=[user_id]))


def member_access_revoke(*, user: User) -> None:
    """End every way `user` is signed in, at once: their browser sessions, their API token, the API keys they
    made and their open WebSockets (accounts.services.access_revoke)."""
    access_revoke(user=user)


def member_remove(*, membership: Membership, actor: User) -> None:
    """An owner removes a member: the membership goes, and so does every session, token and API key of theirs."""
    org = membership.organisation
    _owner_ensure(actor=actor, org=org)
    if membership.user_id == org.user_id:
        raise ValidationFailed(_("The organisation's account holder cannot be removed."), code="account_holder")
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).delete()
        member_access_revoke(user=membership.user)
        audit_record(obj=org, action=AuditLog.Action.UPDATE, actor=actor, reason="Member removed",
                     data={"member": membership.user_id, "role": membership.role})


# Who in an organisation is told of an event that happened to it (the notification's `kind`). Events are keyed to
# the organisation's account; these are the people behind it:
# - BIDDING: an auction's course and its car (outbid, won, a counter- or second-chance offer, collection): the
#   owners and the member who placed the organisation's bid on that auction;
# - PAYING: money (an invoice, a payment arrived or returned, a payment overdue, a fee owed, the deposit): the
#   owners and the accounts members;
# - anything else (the organisation's own affairs: a suspension, a webhook endpoint switched off): the owners.
BIDDING, PAYING, MANAGING = "bidding", "paying", "managing"
AUDIENCE_BY_KIND: dict[str, str] = {
    **{kind: BIDDING for kind in (
        "outbid", "auction_won", "proxy_bid_receipt", "auction_declined", "auction_repriced", "counter_offer",
        "second_chance_offer", "buy_now_open", "collection_changed", "handover_confirm_needed",
        "adjustment_decided", "dispute_resolved", "sale_cancelled")},
    **{kind: PAYING for kind in (
        "sale_invoice", "sale_paid", "payment_returned", "sale_overdue", "fee_owed", "deposit_topup")},
}
_AUDIENCE_ROLES: dict[str, frozenset[str]] = {
    BIDDING: frozenset({Membership.Role.OWNER}),
    PAYING: frozenset({Membership.Role.OWNER, Membership.Role.ACCOUNTS}),
    MANAGING: frozenset({Membership.Role.OWNER}),
}


def notification_audience(kind: str) -> str:
    return AUDIENCE_BY_KIND.get(kind, MANAGING)


def organisation_recipient_ids(*, account_id: int, kind: str, placed_by_id: int | None = None) -> list[int]:
    """The people told of `kind` happening to the organisation whose account is `account_id` (AUDIENCE_BY_KIND):
    the account holder first, then the other members the audience names; for bidding events also
    `placed_by_id`, the member who placed the bid, while they are still a member. Anyone who is no organisation's
    account (a seller, staff) is told alone. One query."""
    audience = notification_audience(kind)
    roles = _AUDIENCE_ROLES[audience]
    members = list(Membership.objects.filter(organisation__user_id=account_id).order_by("created_at", "pk")
                   .values_list("user_id", "role"))
    if not members:
        return [account_id]
    chosen = [user_id for user_id, role in members
              if role in roles or (audience == BIDDING and placed_by_id is not None and user_id == placed_by_id)]
    return [account_id, *[user_id for user_id in chosen if user_id != account_id]]
