"""What a member of a dealer organisation, or an API key, may do: the one table of it and the one check.

Each role has capabilities (ROLE_CAPABILITIES); an API key holds scopes, a subset of the same names
(accounts.apikeys). A request needs its view's `organisation_capabilities` for the method ({"POST": "bid"}), else
"read" for a safe method. A key must hold that scope (an undeclared write, or "manage", is never open to keys); a
member signed in as a person must have it in their role. The check runs in the API's authentication classes, so no
view's own permission classes can skip it; pages call `member_ensure`.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiKey, Membership, Organisation
from core.exceptions import PermissionRefused

READ, BID, PAY, WEBHOOKS, MANAGE = "read", "bid", "pay", "webhooks", "manage"

# What each role may do. `manage`: members, invitations, API keys, webhooks and the deposit.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Membership.Role.OWNER: frozenset({READ, BID, PAY, WEBHOOKS, MANAGE}),
    Membership.Role.BUYER: frozenset({READ, BID}),
    Membership.Role.ACCOUNTS: frozenset({READ, PAY}),
}


def member_role(user, org: Organisation) -> str | None:
    """`user`'s role in `org` ("owner", "buyer", "accounts"), or None if they are not a member of it."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user_id=user.pk, organisation=org).values_list("role", flat=True).first()


@dataclass(frozen=True)
class MembershipFacts:
    """Where a user stands in a dealer organisation: their role (None for no organisation's member) and the
    organisation's account, which they act as (accounts.organisations.dealer_acting_for)."""

    role: str | None
    account_id: int | None


# The attribute under which a user loaded from the token cache carries the facts cached with it
# (accounts.authentication): a bid request asks PostgreSQL nothing about who sends it.
CARRIED_FACTS = "_gavel_membership_facts"


def membership_facts_read(user_id: int) -> MembershipFacts:
    """`user_id`'s membership, from the database (one query: a person belongs to at most one organisation)."""
    row = Membership.objects.filter(user_id=user_id).order_by().values_list("role", "organisation__user_id").first()
    return MembershipFacts(*row) if row is not None else MembershipFacts(None, None)


def membership_facts(user) -> MembershipFacts | None:
    """`user`'s membership: carried by a user the token authentication loaded from its cache (whose every change
    forgets it: accounts.authentication.token_cache_forget), else read now; None for the anonymous."""
    if not getattr(user, "is_authenticated", False):
        return None
    carried = getattr(user, CARRIED_FACTS, None)
    return carried if isinstance(carried, MembershipFacts) else membership_facts_read(user.pk)


def member_capabilities(user) -> frozenset[str] | None:
    """What `user` may do as a member; None for someone who is no organisation's member (a seller, staff, a
    dealer removed from their organisation), whose access the rest of Gavel decides as before."""
    facts = membership_facts(user)
    if facts is None or facts.role is None:
        return None
    return ROLE_CAPABILITIES[facts.role]


def member_can(user, capability: str) -> bool:
    """Whether `user` may do `capability` for their organisation; True for anyone who is not a member."""
    capabilities = member_capabilities(user)
    return capabilities is None or capability in capabilities


def member_ensure(user, capability: str) -> None:
    if not member_can(user, capability):
        raise PermissionRefused(str(REFUSALS[capability]), code="role_refused")


REFUSALS = {
    READ: gettext_lazy("Your role in your organisation cannot see this."),
    BID: gettext_lazy("Only your organisation's buyers and owners may bid."),
    PAY: gettext_lazy("Only your organisation's accounts members and owners may pay and see invoices."),
    WEBHOOKS: gettext_lazy("Only your organisation's owners may manage webhooks."),
    MANAGE: gettext_lazy("Only your organisation's owners may manage members, API keys and the deposit."),
}


def view_capability(view, method: str) -> str | None:
    """The capability a request to `view` with `method` needs; None for a write the view opened to no key."""
    declared = getattr(view, "organisation_capabilities", None) or {}
    if method in declared:
        return declared[method]
    return READ if method in SAFE_METHODS else None


def request_capability_check(request, user, key: ApiKey | None = None) -> None:
    """Refuse (403) what this request may not do for an organisation: by the key's scopes when it came with a key,
    and by the member's role when the user is an organisation member. Anyone else passes (the view decides)."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    capability = view_capability(view, request.method) if view is not None else None
    if key is not None:
        if capability is None or capability == MANAGE:
            raise exceptions.PermissionDenied(_("API keys cannot do this; sign in as a person."))
        if capability not in key.scopes:
            raise exceptions.PermissionDenied(_("This API key lacks the “%(scope)s” scope.") % {"scope": capability})
    if capability is None or capability == READ:
        return  # every role reads; an undeclared write is the view's own business
    capabilities = member_capabilities(user)
    if capabilities is not None and capability not in capabilities:
        raise exceptions.PermissionDenied(_("Your role in your organisation does not allow “%(capability)s”.") % {
            "capability": capability})
