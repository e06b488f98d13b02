"""API token authentication with the lookup cached in Redis: a bid request asks PostgreSQL nothing to know who
sends it.

The cache maps a digest of the token (never the token itself) to the user as loaded with it and their membership of
a dealer organisation (accounts.capabilities.MembershipFacts: the role the capability check reads, the account they
act as), for GAVEL_TOKEN_CACHE_SECONDS. Everything that can make a cached answer wrong forgets it at once, by an
explicit call: revoking the token (accounts.services.token_revoke: the admin's token delete goes through it), any
change to the user in the admin (deactivation, role) or their deletion, and joining an organisation or a change of
role in it (accounts.services.token_cache_forget). A Redis outage falls back to the database lookup.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext
from redis.exceptions import RedisError
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.capabilities import CARRIED_FACTS, MembershipFacts, membership_facts_read, request_capability_check

logger = logging.getLogger(__name__)


def token_cache_key(key: str) -> str:
    return "authtoken:" + hashlib.sha256(key.encode()).hexdigest()


def token_cache_forget(*, user_ids) -> None:
    """Forget the cached token lookups of these users, at once: call it whenever a user changes in a way their API
    requests must see (deactivated, another role, their email address confirmed) or is deleted."""
    keys = [token_cache_key(key) for key in Token.objects.filter(user_id__in=list(user_ids))
            .values_list("key", flat=True)]
    if keys:
        cache.delete_many(keys)


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:
            request_capability_check(request, found[0])
        return found

    def authenticate_credentials(self, key):
        cache_key = token_cache_key(key)
        try:
            cached = cache.get(cache_key)
        except RedisError as exc:
            logger.warning("token cache unavailable: %s", exc)
            return super().authenticate_credentials(key)
        if not (isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[1], MembershipFacts)):
            user, token = super().authenticate_credentials(key)
            facts = membership_facts_read(user.pk)
            try:
                cache.set(cache_key, (user, facts), settings.GAVEL_TOKEN_CACHE_SECONDS)
            except RedisError as exc:
                logger.warning("token cache unavailable: %s", exc)
            setattr(user, CARRIED_FACTS, facts)
            return user, token
        user, facts = cached
        if not user.is_active:
            raise AuthenticationFailed(gettext("User inactive or deleted."))
        setattr(user, CARRIED_FACTS, facts)
        return user, Token(key=key, user=user)


class MemberSessionAuthentication(SessionAuthentication):
    """The browser's session, with the organisation role check every API request gets (accounts.apikeys)."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:
            request_capability_check(request, found[0])
        return found
