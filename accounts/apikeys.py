"""Organisation API keys, and the one check of what a request may do for an organisation.

A key is `gvk_<prefix>_<secret>`: shown once when made, stored as the SHA-256 of the whole key. A request
sends it as `Authorization: Api-Key <key>` and acts as the owner who made it, limited to the key's scopes; it is
counted against GAVEL_API_KEY_RATE per key (in Redis, core.ratelimit).

What a request needs is its view's `organisation_capabilities` for the method ({"POST": "bid"}), else "read"
for a safe method. A key must hold that scope (an undeclared write, or "manage", is never open to keys); a member
signed in as a person must have it in their role (accounts.organisations.ROLE_CAPABILITIES). The check runs in
the authentication classes, so no view's own permission classes can skip it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from accounts.capabilities import ROLE_CAPABILITIES, member_role, request_capability_check
from accounts.models import ApiKey, Membership, Organisation, User
from core.audit import audit_record
from core.exceptions import PermissionRefused, ValidationFailed
from core.models import AuditLog
from core.ratelimit import rate_limit_hit

KEY_PREFIX = "gvk_"
SCOPES = tuple(ApiKey.Scope.values)
# last_used_at is written at most this often per key: a busy key must not write a row on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(*, org: Organisation, actor: User, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """An owner makes a named key with `scopes`; returns it and the key itself, which is never shown again."""
    if member_role(actor, org) != Membership.Role.OWNER:
        raise PermissionRefused(gettext("Only your organisation's owners may manage API keys."), code="role_refused")
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [gettext("Give the key a name, e.g. the system that will use it.")]
    elif len(name) > 100:
        errors["name"] = [gettext("At most 100 characters.")]
    clean = sorted(set(scopes or []))
    if not clean:
        errors["scopes"] = [gettext("Choose at least one scope.")]
    elif any(scope not in SCOPES for scope in clean):
        errors["scopes"] = [gettext("Scopes are: %(scopes)s.") % {"scopes": ", ".join(SCOPES)}]
    if errors:
        raise ValidationFailed(fields=errors)
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(organisation=org, name=name, prefix=f"{KEY_PREFIX}{prefix}",
                                    key_hash=api_key_hash(raw), scopes=clean, created_by=actor)
        audit_record(obj=key, action=AuditLog.Action.CREATE, actor=actor, data={"scopes": clean})
    return key, raw


def api_key_revoke(*, key: ApiKey, actor: User) -> None:
    """Staff, or an owner of the key's organisation, revoke it: from the next request on it authenticates nobody."""
    if not actor.is_staff_member and member_role(actor, key.organisation) != Membership.Role.OWNER:
        raise PermissionRefused(gettext("Only your organisation's owners may manage API keys."), code="role_refused")
    with transaction.atomic():
        if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(),
                                                                            revoked_by=actor):
            audit_record(obj=key, action=AuditLog.Action.UPDATE, actor=actor, reason="API key revoked")
    key.refresh_from_db()


def api_keys_of(*, org: Organisation):
    return ApiKey.objects.filter(organisation=org).select_related("created_by").order_by("-created_at")


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        raw = raw.strip()
        if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
            raise exceptions.AuthenticationFailed(gettext("Invalid API key."))
        key = (ApiKey.objects.select_related("created_by", "organisation")
               .filter(key_hash=api_key_hash(raw), revoked_at__isnull=True).first())
        if key is None or not key.created_by.is_active:
            raise exceptions.AuthenticationFailed(gettext("Invalid API key."))
        # A key acts as its maker, and only while they are an owner of the key's organisation (a removed member's
        # keys are revoked with them; this also covers a demoted owner).
        if ROLE_CAPABILITIES.get(member_role(key.created_by, key.organisation) or "") != \
                ROLE_CAPABILITIES[Membership.Role.OWNER]:
            raise exceptions.AuthenticationFailed(gettext("Invalid API key."))
        hit = rate_limit_hit(scope="api_key", ident=key.pk, rate=settings.GAVEL_API_KEY_RATE)
        if not hit.allowed:
            raise exceptions.Throttled(wait=hit.retry_after_seconds)
        request_capability_check(request, key.created_by, key)
        now = timezone.now()
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.created_by, key

    def authenticate_header(self, request):
        return self.keyword
