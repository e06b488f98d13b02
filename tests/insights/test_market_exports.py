"""Open market data on /market/ and /api/v1/market/ (JSON and CSV): every published row, in every export, holds at
least k sales, k taken from the setting; what is not published is counted, not shown."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import close_now, pay_by_bank

pytestmark = pytest.mark.django_db

HISTORY = [("Volkswagen", "Golf", 2018, 85_000)] * 4 + [("Volkswagen", "Polo", 2019, 40_000)] * 2 + [
    ("BMW", "320d", 2017, 120_000)] * 3 + [("Skoda", "Octavia", 2016, 210_000)]


@pytest.fixture
def history(make_sale, django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    for i, (make, model, year, km) in enumerate(HISTORY):
        pay_by_bank(make_sale(buyer=dealer, hammer_minor=12_000_00 + i * 100_00, make=make, model=model,
                              first_registration_year=year, mileage_km=km))
    with django_capture_on_commit_callbacks(execute=True):
        close_now(make_auction(make="Volkswagen", model="Golf").pk)  # no bids: an auction, not a sale
    return len(HISTORY)


def _exports(client) -> dict[str, list[int]]:
    """Sales per published row, as each export shows them."""
    page = client.get(reverse("insights:market")).content.decode()
    document = json.loads(client.get(reverse("api:market")).content)
    answer = client.get(reverse("api:market"), {"format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    return {"page": [int(n) for n in re.findall(r'data-market-row data-sales="(\d+)"', page)],
            "json": [cell["sales"] for cell in document["cells"]],
            "csv": [int(row["sales"]) for row in rows],
            "json_k": [document["k"]], "totals": [document["sales_published"], document["sales_suppressed"]]}


@pytest.mark.parametrize("k", [2, 3, 5])
def test_every_published_row_in_every_export_has_at_least_k_sales(history, client, settings, k):
    settings.GAVEL_MARKET_K = k
    found = _exports(client)
    assert found["json_k"] == [k]
    assert found["page"] == found["json"] == found["csv"]
    assert all(sales >= k for sales in found["json"])
    published, suppressed = found["totals"]
    assert sum(found["json"]) == published and published + suppressed == history


def test_the_json_carries_exact_decimals_and_the_unsold_auction(history, client, settings):
    settings.GAVEL_MARKET_K = 2
    document = json.loads(client.get(reverse("api:market")).content)
    golf = next(cell for cell in document["cells"] if cell["model"] == "Golf")
    assert golf["sales"] == 4 and golf["auctions"] == 5 and golf["sell_through_percent"] == "80.0"
    assert isinstance(golf["hammer_median"], str) and golf["hammer_median_minor"] == 12_150_00
    assert "Skoda" not in json.dumps(document["cells"])  # one sale: suppressed at every level


def test_csv_by_accept_header_and_an_unknown_format_is_a_400(history, client):
    assert client.get(reverse("api:market"), HTTP_ACCEPT="text/csv")["Content-Type"].startswith("text/csv")
    answer = client.get(reverse("api:market"), {"format": "xml"})
    assert answer.status_code == 400 and "format" in answer.json()["fields"]
