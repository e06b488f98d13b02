from rest_framework.authtoken.models import Token

from accounts.models import ApiKey, DealerProfile, Invitation, SessionSighting, User
from core.selectors import record


def dealer_profile_get(*, user: User) -> DealerProfile | None:
    if user.role != User.Role.DEALER:
        return None
    return DealerProfile.objects.filter(user=user).select_related("verified_by").first()


def staff_overview() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from core.models import AuditLog

    since = timezone.now() - timedelta(days=1)
    return {
        "pending_dealers": DealerProfile.objects.filter(status=DealerProfile.Status.PENDING).count(),
        "inspectors": User.objects.filter(role=User.Role.INSPECTOR, is_active=True).count(),
        "audit_today": AuditLog.objects.filter(created_at__gte=since).count(),
    }


def personal_data(*, user: User) -> dict:
    """What accounts holds about the person, for their data export (privacy.selectors.personal_data_export): the
    profile, the dealership and membership, invitations they sent, API keys they made (metadata: never the digest),
    whether an API token exists (never the token) and the sign-ins seen (address, device hash)."""
    profile = DealerProfile.objects.filter(user=user).first()
    membership = getattr(user, "membership", None)
    return {
        "profile": record(user, ("id", "email", "full_name", "phone", "payout_account", "role", "region",
                                 "is_active", "date_joined", "last_login", "closed_at")),
        "dealer_profile": record(profile, ("company_name", "trade_licence_number", "address", "phone", "status",
                                           "status_reason", "verified_at", "buying_limit_minor",
                                           "individual_limit_minor", "owed_minor", "created_at"))
        if profile else None,
        "membership": {"organisation_id": membership.organisation_id, "role": membership.role,
                       "since": record(membership, ("created_at",))["created_at"]} if membership else None,
        "invitations_sent": [record(i, ("organisation", "email", "role", "created_at", "expires_at", "accepted_at",
                                        "cancelled_at"))
                             for i in Invitation.objects.filter(invited_by=user).order_by("created_at")],
        "api_keys_created": [record(k, ("organisation", "name", "prefix", "scopes", "created_at", "last_used_at",
                                        "revoked_at"))
                             for k in ApiKey.objects.filter(created_by=user).order_by("created_at")],
        "api_token": {"exists": Token.objects.filter(user=user).exists()},
        "session_sightings": [record(s, ("ip", "device", "seen_at"))
                              for s in SessionSighting.objects.filter(user=user).order_by("seen_at")],
    }
