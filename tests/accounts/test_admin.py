import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import DealerProfile, User
from core.models import AuditLog
from tests.accounts.factories import DealerFactory, SellerFactory, accepted_trade_licence

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_dealerprofile_changelist")


def _act(client, action, profiles, reason=None):
    data = {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in profiles]}
    if reason is not None:
        data.update(apply="1", reason=reason)
    return client.post(CHANGELIST, data, follow=True)


def test_staff_verify_a_dealer_with_a_reason_and_the_audit_log_records_it(client, staff):
    profile = DealerFactory().dealer_profile
    accepted_trade_licence(profile, staff=staff)
    client.force_login(staff)

    confirm = _act(client, "verify_dealers", [profile])
    assert "Reason" in confirm.content.decode()  # the intermediate page asks first
    profile.refresh_from_db()
    assert profile.status == "pending"

    _act(client, "verify_dealers", [profile], reason="Licence checked with the register")
    profile.refresh_from_db()
    assert profile.status == "verified" and profile.verified_by == staff and profile.verified_at
    row = AuditLog.objects.for_object(profile).get()
    assert (row.actor, row.from_state, row.to_state, row.reason) == (
        staff, "pending", "verified", "Licence checked with the register")


def test_suspending_needs_a_reason_that_the_dealer_then_sees(client, staff):
    profile = DealerFactory(verified=True).dealer_profile
    client.force_login(staff)

    response = _act(client, "suspend_dealers", [profile], reason="  ")
    assert "A reason is required" in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == "verified"

    _act(client, "suspend_dealers", [profile], reason="Unpaid invoices")
    profile.refresh_from_db()
    assert profile.status == "suspended" and profile.status_reason == "Unpaid invoices"
    assert not profile.can_bid
    assert AuditLog.objects.for_object(profile).get().actor == staff

    client.force_login(profile.user)
    assert "Unpaid invoices" in client.get(reverse("accounts:profile")).content.decode()


def test_verifying_an_already_verified_dealer_changes_nothing_and_says_so(client, staff):
    profile = DealerFactory(verified=True).dealer_profile
    client.force_login(staff)
    response = _act(client, "verify_dealers", [profile], reason="again")
    assert "Nothing to change." in response.content.decode()
    assert not AuditLog.objects.for_object(profile).exists()


def test_admin_filters_users_by_role_and_searches_by_company(client, staff):
    dealer = DealerFactory(profile__company_name="Findme Motors")
    seller = SellerFactory()
    client.force_login(staff)
    by_role = client.get(reverse("admin:accounts_user_changelist"), {"role__exact": "seller"})
    assert seller.email in by_role.content.decode() and dealer.email not in by_role.content.decode()
    found = client.get(reverse("admin:accounts_user_changelist"), {"q": "Findme"})
    assert dealer.email in found.content.decode()
    pending = client.get(CHANGELIST, {"status__exact": "pending"})
    assert "Findme Motors" in pending.content.decode()


def test_staff_create_an_inspector_in_admin(client, staff):
    client.force_login(staff)
    response = client.post(reverse("admin:accounts_user_add"), {
        "email": "New.Inspector@gavel.test", "full_name": "New Inspector", "phone": "", "role": "inspector",
        "region": "Hamburg", "password": "inspect-all-the-cars-1"}, follow=True)
    assert response.status_code == 200
    user = User.objects.get(email="new.inspector@gavel.test")
    assert user.role == "inspector" and user.region == "Hamburg" and user.check_password("inspect-all-the-cars-1")
    assert AuditLog.objects.for_object(user).get().actor == staff


def test_creating_a_user_in_admin_with_a_weak_password_or_taken_email_shows_errors(client, staff):
    SellerFactory(email="taken@gavel.test")
    client.force_login(staff)
    weak = client.post(reverse("admin:accounts_user_add"), {
        "email": "x@gavel.test", "full_name": "X", "role": "inspector", "password": "123"})
    taken = client.post(reverse("admin:accounts_user_add"), {
        "email": "TAKEN@gavel.test", "full_name": "X", "role": "inspector", "password": "inspect-all-the-cars-1"})
    assert weak.status_code == 200 and "password" in weak.context["adminform"].form.errors
    assert taken.status_code == 200 and "email" in taken.context["adminform"].form.errors
    assert User.objects.count() == 2


def test_changing_the_buying_limit_in_admin_is_audited(client, staff):
    profile = DealerFactory(verified=True).dealer_profile
    client.force_login(staff)
    url = reverse("admin:accounts_dealerprofile_change", args=[profile.pk])
    client.post(url, {"company_name": profile.company_name, "trade_licence_number": profile.trade_licence_number,
                      "address": profile.address, "phone": profile.phone, "buying_limit_minor": "80,000.00"})
    profile.refresh_from_db()
    assert profile.buying_limit_minor == 80_000_00
    row = AuditLog.objects.for_object(profile).get()
    assert (row.field, row.from_state, row.to_state, row.actor) == ("buying_limit_minor", "5000000", "8000000", staff)


@pytest.mark.parametrize("role_factory", [SellerFactory, DealerFactory])
def test_non_staff_cannot_reach_the_admin(client, role_factory):
    client.force_login(role_factory())
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_audit_log_is_read_only_in_admin(client, staff):
    profile = DealerFactory(suspended=True).dealer_profile
    from accounts.services import dealer_verify

    dealer_verify(profile=profile, actor=staff)
    row = AuditLog.objects.get()
    client.force_login(staff)
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert client.post(reverse("admin:core_auditlog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AuditLog.objects.count() == 1
    assert DealerProfile.objects.get().status == "verified"
