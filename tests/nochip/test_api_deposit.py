"""The deposit API: what the deposit page shows and does, through the same selector and services."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from payments.models import DepositTopUp, DepositWithdrawal
from payments.selectors import deposit_balance_minor
from payments.services import deposits
from tests.accounts.factories import SellerFactory, StaffFactory
from tests.nochip.test_deposits import deposit_dealer
from tests.payments.factories import assert_books_balance

pytestmark = pytest.mark.django_db


def client_for(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_a_dealer_reads_balance_limit_pending_and_history():
    dealer = deposit_dealer(5_000_00)
    body = client_for(dealer).get(reverse("api:deposit")).json()
    assert (body["currency"], body["balance_minor"], body["buying_limit_minor"], body["deposit_limit_minor"]) == (
        "EUR",
        5_000_00,
        50_000_00,
        50_000_00,
    )
    assert body["individual_limit_minor"] is None and body["owed_minor"] == 0
    assert body["can_withdraw"] is True and body["pending"] == {"open_sales": 0, "committed_minor": 0, "sentences": []}
    assert [(row["kind"], row["amount_minor"]) for row in body["history"]] == [("deposit_topup", 5_000_00)]


def test_a_top_up_request_gives_the_reference_and_bank_details_and_counts_once_confirmed():
    dealer = deposit_dealer(0)
    answer = client_for(dealer).post(reverse("api:deposit-topups"), {"amount_minor": 2_000_00}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    topup = DepositTopUp.objects.get(pk=body["id"])
    assert (body["status"], body["amount_minor"], body["reference"]) == ("pending", 2_000_00, topup.reference)
    assert body["iban"] and body["account_name"]
    assert deposit_balance_minor(dealer) == 0
    assert [t["reference"] for t in client_for(dealer).get(reverse("api:deposit")).json()["topups"]] == [
        topup.reference
    ]
    deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory())
    assert client_for(dealer).get(reverse("api:deposit")).json()["balance_minor"] == 2_000_00


@pytest.mark.parametrize(
    "payload", [{"amount_minor": 0}, {"amount_minor": -5}, {"amount_minor": "ten"}, {}, {"amount_minor": 10**15}]
)
def test_a_bad_amount_is_a_field_error_and_nothing_is_written(payload):
    dealer = deposit_dealer(1_000_00)
    for name in ("api:deposit-topups", "api:deposit-withdrawals"):
        answer = client_for(dealer).post(reverse(name), payload, format="json")
        assert answer.status_code == 400, answer.content
        assert "amount_minor" in answer.json()["fields"]
    assert DepositTopUp.objects.filter(dealer=dealer, status="pending").count() == 0
    assert not DepositWithdrawal.objects.exists()


def test_a_withdrawal_sends_the_money_back_when_nothing_is_pending():
    dealer = deposit_dealer(3_000_00)
    answer = client_for(dealer).post(reverse("api:deposit-withdrawals"), {"amount_minor": 1_000_00}, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["payout_reference"]
    assert deposit_balance_minor(dealer) == 2_000_00
    too_much = client_for(dealer).post(reverse("api:deposit-withdrawals"), {"amount_minor": 2_000_01}, format="json")
    assert too_much.status_code == 400
    assert deposit_balance_minor(dealer) == 2_000_00
    assert_books_balance()


def test_a_withdrawal_while_a_purchase_is_open_is_refused_with_the_reason(make_sale):
    dealer = deposit_dealer(5_000_00)
    make_sale(hammer_minor=12_500_00, buyer=dealer)
    body = client_for(dealer).get(reverse("api:deposit")).json()
    assert body["can_withdraw"] is False and body["pending"]["open_sales"] == 1 and body["pending"]["sentences"]
    answer = client_for(dealer).post(reverse("api:deposit-withdrawals"), {"amount_minor": 1_00}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "deposit_pending"
    assert deposit_balance_minor(dealer) == 5_000_00


@pytest.mark.parametrize("who", ["anonymous", "seller", "staff"])
def test_only_dealers_have_a_deposit(who):
    user = {"anonymous": None, "seller": SellerFactory, "staff": StaffFactory}[who]
    api = client_for(user() if user else None)
    assert api.get(reverse("api:deposit")).status_code in (401, 403)
    assert api.post(reverse("api:deposit-topups"), {"amount_minor": 100_00}, format="json").status_code in (401, 403)
    assert not DepositTopUp.objects.exists()
