"""Demo people for `make run`: one of each role, with known passwords. Idempotent."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services
from accounts.models import DealerProfile, User

DEMO_PASSWORD = "gavel-demo-2026"

# A one-page PDF standing for a demo dealer's trade licence (core.documents sniffs a PDF by its header and trailer).
DEMO_LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

DEMO_USERS: list[dict[str, Any]] = [
    {"email": "admin@gavel.test", "full_name": "Ada Admin", "role": User.Role.STAFF},
    {"email": "seller@gavel.test", "full_name": "Sam Seller", "role": User.Role.SELLER, "phone": "+49 30 1234567",
     "payout_account": "DE89370400440532013000"},
    {"email": "seller2@gavel.test", "full_name": "Sofia Second", "role": User.Role.SELLER,
     "payout_account": "DE02120300000000202051"},
    {"email": "inspector@gavel.test", "full_name": "Ingo Inspector", "role": User.Role.INSPECTOR, "region": "Berlin"},
    {"email": "dealer@gavel.test", "full_name": "Dana Dealer", "role": User.Role.DEALER,
     "company": ("Autohaus Dana GmbH", "HRB-100001", "Karl-Marx-Allee 1, 10178 Berlin", "+49 30 5550001"),
     "verified": True},
    {"email": "dealer2@gavel.test", "full_name": "Dieter Zwei", "role": User.Role.DEALER,
     "company": ("Zwei Cars KG", "HRB-100002", "Hauptstraße 2, 10827 Berlin", "+49 30 5550002"), "verified": True},
    {"email": "dealer3@gavel.test", "full_name": "Doris Drei", "role": User.Role.DEALER,
     "company": ("Drei Motors", "HRB-100003", "Sonnenallee 3, 12045 Berlin", "+49 30 5550003"), "verified": True},
    {"email": "pending@gavel.test", "full_name": "Paul Pending", "role": User.Role.DEALER,
     "company": ("Pending Autos", "HRB-100004", "Ringstraße 4, 12105 Berlin", "+49 30 5550004"), "verified": False},
]


def demo_users_ensure() -> list[tuple[User, str]]:
    created = []
    admin: User | None = None
    for spec in DEMO_USERS:
        user = User.objects.filter(email__iexact=spec["email"]).first()
        if user is None:
            if spec["role"] == User.Role.DEALER:
                company, licence, address, phone = spec["company"]
                user = services.dealer_register(email=spec["email"], password=DEMO_PASSWORD,
                                                full_name=spec["full_name"], company_name=company,
                                                trade_licence_number=licence, address=address, phone=phone,
                                                email_verified=True)
            else:
                user = services.user_create(email=spec["email"], password=DEMO_PASSWORD,
                                            full_name=spec["full_name"], role=spec["role"],
                                            phone=spec.get("phone", ""), region=spec.get("region", ""),
                                            email_verified=True)
                if spec["role"] == User.Role.STAFF and not user.is_superuser:
                    user.is_superuser = True
                    user.save(update_fields=["is_superuser"])
        if spec.get("payout_account") and not user.payout_account:
            # Seed data: the demo sellers' payout accounts (a person changes theirs on the payout account page).
            User.objects.filter(pk=user.pk).update(payout_account=spec["payout_account"])
            user.payout_account = spec["payout_account"]
        if spec["role"] == User.Role.STAFF:
            admin = user
        if spec.get("verified"):
            profile = DealerProfile.objects.get(user=user)
            if profile.status == DealerProfile.Status.PENDING:
                assert admin is not None  # the staff user comes first in DEMO_USERS
                licence = services.dealer_document_upload(
                    profile=profile, actor=user,
                    upload=SimpleUploadedFile("trade-licence.pdf", DEMO_LICENCE_PDF, "application/pdf"))
                services.dealer_document_review(document=licence, actor=admin, accept=True,
                                                reason="Demo data: licence checked")
                services.dealer_verify(profile=profile, actor=admin, reason="Demo data: licence checked")
        created.append((user, DEMO_PASSWORD))
    return created
