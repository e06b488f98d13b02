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


def _graded_golfs_like_the_unsold_one(make_sale, n):
    """n inspected Golfs sold at auction, around the relisted car of tests.auctions.test_relisting (2016,
    100,000 km, graded): a graded car is compared with graded sales only."""
    from inspections import services as inspection_services
    from tests.inspections.factories import published_inspection, submitted_listing

    dealer, staff = DealerFactory(verified=True), StaffFactory()
    for i in range(n):
        inspection, _ = published_inspection(listing=submitted_listing(mileage_km=88_000 + i * 6_000))
        inspection_services.inspection_listing_approve(inspection=inspection, actor=staff)
        pay_by_bank(make_sale(listing=inspection.listing, buyer=dealer, hammer_minor=12_500_00 + i * 250_00))


def test_the_relist_form_shows_what_cars_like_this_sold_for_with_the_method_link(make_sale, page_client):
    from tests.auctions.test_relisting import unsold_inspected_car

    _graded_golfs_like_the_unsold_one(make_sale, 6)
    listing, _ = unsold_inspected_car()
    page = page_client(listing.seller).get(reverse("marketplace:detail", args=[listing.pk]))
    text = page.content.decode()
    assert "data-relist-form" in text and "data-relist-guidance" in text
    assert page.context["relist_guidance"].enough and len(page.context["relist_guidance"].comparables) == 6
    assert "What cars like yours sold for" in text and 'href="#relist-guidance"' in text
    assert re.search(r"Comparable cars sold for <strong>€[\d,]+ to €[\d,]+</strong>", text)
    assert reverse("insights:methods") + "#price-guidance" in text

    # Once the seller has asked to relist, the form and its guide make way for the pending request.
    page_client(listing.seller).post(reverse("marketplace:relist", args=[listing.pk]),
                                     {"reserve": "13000", "starting_price": "11000"})
    text = page_client(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "data-relist-pending" in text and "data-relist-guidance" not in text


def test_the_relist_guide_says_when_there_are_too_few_sales_and_staff_looking_see_no_form(make_sale, page_client):
    from tests.auctions.test_relisting import unsold_inspected_car

    _graded_golfs_like_the_unsold_one(make_sale, 2)
    listing, _ = unsold_inspected_car()
    text = page_client(listing.seller).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "data-relist-guidance" in text and "Not enough comparable sales" in text
    staff_view = page_client(StaffFactory()).get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    assert "data-relist-form" not in staff_view and "data-relist-guidance" not in staff_view
