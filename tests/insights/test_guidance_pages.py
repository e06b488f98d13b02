"""Price guidance where the price is decided: the reserve step of the listing wizard and the staff's scheduling
screen; `manage.py price_backtest` over the recorded history."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from auctions.models import Auction
from insights import selectors
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import ApprovedListingFactory
from tests.marketplace.factories import ListingFactory
from tests.payments.factories import pay_by_bank

pytestmark = pytest.mark.django_db


def _golfs(make_sale, n, *, model="Golf"):
    """n sold Golfs (2018, around 85,000 km, as the target below), each dealer paying so no buying limit binds."""
    dealer = DealerFactory(verified=True)
    for i in range(n):
        pay_by_bank(make_sale(buyer=dealer, hammer_minor=12_000_00 + i * 250_00, model=model,
                              mileage_km=70_000 + i * 6_000, first_registration_year=2017 + i % 3))


def test_the_reserve_step_shows_the_range_comparables_adjustments_and_width(make_sale, page_client):
    _golfs(make_sale, 6)
    draft = ListingFactory()
    page = page_client(draft.seller).get(reverse("marketplace:edit", args=[draft.pk, 3]))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-enough="1"' in text
    guidance = page.context["guidance"]
    assert guidance.enough and len(guidance.comparables) == 6
    assert re.search(r"Comparable cars sold for <strong>€[\d,]+ to €[\d,]+</strong>", text)
    assert "wide (" in text and "per 10,000 km" in text and "data-guidance-comparables" in text
    # Anonymised: no make, model, VIN, seller or buyer of a comparable on the page beyond the seller's own car.
    assert text.count("WVWZZZ1KZBW") == 0


def test_the_reserve_step_says_not_enough_comparable_sales_and_shows_none(make_sale, page_client):
    _golfs(make_sale, 4)
    draft = ListingFactory()
    text = page_client(draft.seller).get(reverse("marketplace:edit", args=[draft.pk, 3])).content.decode()
    assert "Not enough comparable sales" in text and "data-guidance-comparables" not in text
    # The other steps show no guide.
    assert "data-price-guidance" not in page_client(draft.seller).get(
        reverse("marketplace:edit", args=[draft.pk, 2])).content.decode()


@pytest.mark.parametrize("models", [["Golf"], ["Golf", "Polo", "Passat"]])
def test_guidance_for_several_listings_costs_two_queries(make_sale, models, django_assert_num_queries):
    _golfs(make_sale, 5)
    listings = [ListingFactory(model=model) for model in models]
    with django_assert_num_queries(2):
        found = selectors.guidance_for_listings(listings)
    assert found[listings[0].pk].enough and all(not found[x.pk].enough for x in listings[1:])


def test_the_staff_scheduling_screen_shows_each_cars_guide(make_sale, client):
    _golfs(make_sale, 5)
    staff = StaffFactory()
    client.force_login(staff)
    cars = [ApprovedListingFactory(), ApprovedListingFactory(model="Up")]
    page = client.post(reverse("admin:auctions_approvedlisting_changelist"),
                       {"action": "schedule_auction", ACTION_CHECKBOX_NAME: [car.pk for car in cars]})
    text = page.content.decode()
    assert page.status_code == 200 and text.count("data-price-guidance") == 2
    assert 'data-enough="1"' in text and "Not enough comparable sales" in text


def test_price_backtest_replays_the_months_and_prints_its_figures(make_sale):
    _golfs(make_sale, 6)
    # Spread the sales over two past months (tests only: real closes never move).
    now = timezone.now()
    for index, auction in enumerate(Auction.objects.order_by("id")):
        Auction.objects.filter(pk=auction.pk).update(closed_at=now - timedelta(days=62 if index < 5 else 31))
    out = io.StringIO()
    call_command("price_backtest", "--months", stdout=out)
    text = out.getvalue()
    assert "6 sales" in text and "with a guide:                  1" in text
    assert "not enough comparable sales:   5" in text
    assert re.search(r"median absolute % error:\s+\d+\.\d%", text)
    assert re.search(r"hammer inside the shown range: [01] of 1", text)
