"""A won car counts against the dealer's buying limit until it is paid into escrow."""

import pytest

from accounts.models import DealerProfile
from auctions.selectors import dealer_committed_minor
from tests.accounts.factories import DealerFactory
from tests.payments.factories import pay_by_card

pytestmark = pytest.mark.django_db


def test_an_unpaid_won_car_counts_against_the_limit_and_stops_counting_once_paid(make_sale,
                                                                                 django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    DealerProfile.objects.filter(user=dealer).update(buying_limit_minor=100_000_00)
    sale = make_sale(hammer_minor=12_500_00, buyer=dealer)

    assert dealer_committed_minor(dealer=dealer) == 12_500_00
    pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    sale.refresh_from_db()
    assert sale.status == "paid"
    assert dealer_committed_minor(dealer=dealer) == 0
