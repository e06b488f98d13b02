from accounts.models import DealerProfile, User


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
