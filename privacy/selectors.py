"""A person's data export (issue 19, "Personal data"): everything Gavel holds about them, as one JSON document.
Each app describes what it owns (its `personal_data` selector); this module only composes them — it comes last in
the app order, so it may read them all. Only named fields are exported: never a secret (password hash, API token,
API key digest, webhook signing secret, push keys), never another person's data."""

from django.utils import timezone

from accounts import selectors as accounts_selectors
from accounts.models import DealerProfile, User
from auctions import selectors as auctions_selectors
from core import selectors as core_selectors
from inspections import selectors as inspections_selectors
from integrations import selectors as integrations_selectors
from marketplace import selectors as marketplace_selectors
from payments import selectors as payments_selectors

EXPORT_FORMAT = "gavel-personal-data/1"


def personal_data_export(*, user: User) -> dict:
    user = User.objects.get(pk=user.pk)  # the row itself (a request hands a lazy object)
    profile = DealerProfile.objects.filter(user=user).first()
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "user_id": user.pk,
        "account": accounts_selectors.personal_data(user=user),
        "cars": marketplace_selectors.personal_data(user=user),
        "inspections": inspections_selectors.personal_data(user=user),
        "auctions": auctions_selectors.personal_data(user=user),
        "payments": payments_selectors.personal_data(user=user),
        "integrations": integrations_selectors.personal_data(user=user),
        "notifications_and_audit": core_selectors.personal_data(user=user, audit_objects=[profile] if profile else []),
    }


def personal_data_filename(*, user: User) -> str:
    return f"gavel-personal-data-{user.pk}-{timezone.localdate().isoformat()}.json"
