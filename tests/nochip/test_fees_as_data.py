"""Fees as data: every sale (its invoice) names the fee schedule version it used and is recomputed from it; the
all-in price stands next to bid amounts and in the bid confirmation; /rules/fees/ renders the schedule; a fee
is never lower because of an adjustment."""

import json

import pytest
from django.urls import reverse

from auctions import services as auction_services
from core.money import Money
from payments import fee_schedule
from payments.fee_schedule import CURRENT_VERSION, all_in_price, fee_schedule_load, sale_amounts
from payments.services.sales import sale_fees_recompute
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db
SCHEDULE = fee_schedule_load()
EUR = Money.of


@pytest.mark.parametrize("hammer", [1_500_00, 5_000_00, 5_000_01, 15_000_00, 30_000_01, 40_000_00])
def test_every_sale_names_its_schedule_and_recomputes_to_its_invoice(make_sale, client, hammer):
    sale = make_sale(hammer_minor=hammer, reserve_minor=1_000_00)
    assert sale.fee_schedule_version == SCHEDULE.version
    again = sale_fees_recompute(sale)
    assert (again.buyer_fee.amount_minor, again.seller_fee.amount_minor, again.dealer_pays.amount_minor,
            again.seller_receives.amount_minor) == (sale.buyer_fee_minor, sale.seller_fee_minor,
                                                    sale.amount_due_minor, sale.seller_receives_minor)
    client.force_login(sale.buyer)
    invoice = client.get(reverse("payments:invoice", args=[sale.pk])).content.decode()
    assert f'data-fee-schedule>{SCHEDULE.version}<' in invoice


@pytest.mark.parametrize("adjustment", [0, 1_00, 5_000_00, 12_000_00])
def test_a_fee_is_never_lower_because_of_an_adjustment(adjustment):
    plain = sale_amounts(EUR(12_000_00), SCHEDULE)
    adjusted = sale_amounts(EUR(12_000_00), SCHEDULE, adjustment=EUR(adjustment))
    assert adjusted.buyer_fee == plain.buyer_fee and adjusted.seller_fee <= plain.seller_fee
    assert adjusted.dealer_pays == adjusted.seller_receives + adjusted.platform_keeps


def test_the_auction_page_shows_the_all_in_price_next_to_bid_amounts_and_in_the_bid_confirmation(client):
    auction = make_auction(starting_price_minor=14_900_00, reserve_minor=10_000_00)
    rival, dealer = DealerFactory(verified=True), DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=15_000_00)
    client.force_login(dealer)
    page = client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()
    assert "€15,299 all in" in page  # the current price, €15,000 + the €299 fee of its band
    answer = client.post(reverse("auctions:bid", args=[auction.pk]), {"max_amount": "40000"}, follow=True)
    text = answer.content.decode()
    assert "Your maximum is set" in text
    assert f"Your maximum €40,000: {all_in_price(EUR(40_000_00), SCHEDULE).format(show_minor=False)} all in." in text


def test_the_public_fee_page_renders_the_schedule(client):
    page = client.get(reverse("rules-fees"))
    text = page.content.decode()
    assert page.status_code == 200
    assert SCHEDULE.version in text
    for figure in ("€199.00", "€299.00", "€399.00", "1.5 %", "€300.00", "€500.00", "€150.00", "€50.00",
                   "1000 km", "€50,000.00"):
        assert figure in text, figure
    assert "up to €5,000.00" in text and "€5,000.01 to €15,000.00" in text and "over €30,000.00" in text


def test_the_public_fee_page_renders_a_schedule_of_one_open_band(client, tmp_path, monkeypatch):
    """The loader accepts a schedule whose one band is open (every hammer price pays the same rule): the page
    says so instead of failing on the missing upper bound."""
    doc = json.loads((fee_schedule.SCHEDULE_DIR / f"{CURRENT_VERSION}.json").read_text())
    doc["currencies"]["EUR"]["buyer_fee_bands"] = [{"up_to_minor": None, "bps": 200}]
    (tmp_path / f"{CURRENT_VERSION}.json").write_text(json.dumps(doc))
    monkeypatch.setattr(fee_schedule, "SCHEDULE_DIR", tmp_path)
    fee_schedule_load.cache_clear()
    try:
        page = client.get(reverse("rules-fees"))
    finally:
        fee_schedule_load.cache_clear()
    text = page.content.decode()
    assert page.status_code == 200
    assert "any hammer price" in text and "2 % of the hammer price" in text
