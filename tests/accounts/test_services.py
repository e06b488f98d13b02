import pytest

from accounts import services
from accounts.services import NotVerified
from core.exceptions import PermissionRefused, ValidationFailed
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_verified_active_dealer_may_bid():
    dealer = DealerFactory(verified=True)
    assert services.dealer_ensure_can_bid(user=dealer) == dealer.dealer_profile


@pytest.mark.parametrize("dealer_kwargs", [{}, {"suspended": True}, {"verified": True, "is_active": False}])
def test_unverified_suspended_or_inactive_dealers_are_refused_where_bidding_happens(dealer_kwargs):
    dealer = DealerFactory(**dealer_kwargs)
    with pytest.raises(NotVerified) as refused:
        services.dealer_ensure_can_bid(user=dealer)
    assert refused.value.code == "not_verified" and refused.value.status_code == 403


@pytest.mark.parametrize("factory", [SellerFactory, InspectorFactory, StaffFactory])
def test_only_dealers_may_bid(factory):
    with pytest.raises(PermissionRefused) as refused:
        services.dealer_ensure_can_bid(user=factory())
    assert refused.value.code == "not_a_dealer"


def test_a_suspended_dealer_can_be_verified_again_and_bid():
    staff = StaffFactory()
    profile = DealerFactory(suspended=True).dealer_profile
    services.dealer_verify(profile=profile, actor=staff, reason="Invoices paid")
    assert services.dealer_ensure_can_bid(user=profile.user)


def test_suspending_without_a_reason_is_refused():
    profile = DealerFactory(verified=True).dealer_profile
    with pytest.raises(ValidationFailed) as refused:
        services.dealer_suspend(profile=profile, actor=StaffFactory(), reason=" ")
    assert "reason" in refused.value.fields
    profile.refresh_from_db()
    assert profile.status == "verified"


@pytest.mark.parametrize("limit", [-1, 10.5, "100", True])
def test_a_buying_limit_must_be_a_whole_non_negative_amount(limit):
    profile = DealerFactory(verified=True).dealer_profile
    with pytest.raises(ValidationFailed):
        services.dealer_set_buying_limit(profile=profile, limit_minor=limit, actor=StaffFactory())


def test_an_unknown_role_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        services.user_create(email="a@b.test", password="a-long-passphrase-7", full_name="A", role="admin")
    assert "role" in refused.value.fields
