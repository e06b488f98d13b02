"""Fees larger than the deposit, and the unpaid-sale fee when the seller cancels because the buyer was suspended.

- A published fee the deposit cannot cover: the deposit pays what it holds, the rest is owed (a DealerReceivable,
  the dealer's ledger account negative by exactly that), the buying limit is nothing until it is paid (no bid,
  whatever limit staff set), the deposit page and API say so, and the next top-up pays it first.
- The seller cancels an unpaid sale whose buyer was suspended: the dealer did not pay, so the published unpaid-sale
  fee applies, by the page and by the API alike (one service), once.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DealerProfile
from accounts.services import dealer_set_buying_limit
from auctions.services import bid_place
from core.exceptions import ApplicationError
from core.money import Money
from payments.fee_schedule import break_fee, fee_schedule_load, unpaid_sale_fee
from payments.ledger import account_balance, ledger_account
from payments.models import DealerReceivable, LedgerAccount, LedgerTransaction, Sale
from payments.selectors import dealer_owed_minor, deposit_balance_minor
from payments.services import dealer_suspend_and_withdraw, deposits
from tests.accounts.factories import StaffFactory
from tests.auctions.factories import make_auction
from tests.nochip.test_deposits import deposit_dealer, profile
from tests.payments.factories import assert_books_balance

pytestmark = pytest.mark.django_db
SCHEDULE = fee_schedule_load()
BREAK_FEE = break_fee("EUR", SCHEDULE)  # €300.00
UNPAID_FEE = unpaid_sale_fee("EUR", SCHEDULE)  # €500.00


def bought(make_sale, deposit_minor, hammer_minor=1_500_00):
    """A dealer whose deposit holds `deposit_minor` and who bought a car (staff let them buy beyond what so small a
    deposit gives, then took the individual limit back)."""
    dealer = deposit_dealer(deposit_minor)
    staff = StaffFactory()
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=50_000_00, actor=staff, reason="One car")
    sale = make_sale(hammer_minor=hammer_minor, buyer=dealer, reserve_minor=1_000_00)
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=None, actor=staff, reason="Back to the deposit")
    return dealer, sale


def charge_break_fee(dealer, sale):
    return deposits.deposit_charge(
        dealer=dealer,
        kind=LedgerTransaction.Kind.BREAK_FEE,
        fee=BREAK_FEE,
        sale=sale,
        memo=f"Break fee: sale {sale.pk}",
    )


def top_up(dealer, amount_minor):
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=amount_minor)
    return deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory())


def test_a_fee_larger_than_the_deposit_takes_what_it_holds_and_the_rest_is_owed(make_sale):
    dealer, sale = bought(make_sale, 120_00)
    charged = charge_break_fee(dealer, sale)
    assert (charged.fee_minor, charged.taken_minor, charged.owed_minor) == (300_00, 120_00, 180_00)
    receivable = DealerReceivable.objects.get(dealer=dealer)
    assert (receivable.sale_id, receivable.kind, receivable.amount_minor, receivable.status) == (
        sale.pk,
        "break_fee",
        180_00,
        DealerReceivable.Status.OPEN,
    )
    assert deposit_balance_minor(dealer) == 0
    assert account_balance(ledger_account(LedgerAccount.Kind.DEALER, dealer)) == -180_00
    assert dealer_owed_minor(dealer=dealer) == 180_00 and profile(dealer).owed_minor == 180_00
    again = charge_break_fee(dealer, sale)  # the same fee for the same sale: once
    assert (again.taken_minor, again.owed_minor) == (120_00, 180_00)
    assert DealerReceivable.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.FEE_OWED).count() == 1
    assert_books_balance()


def test_while_a_fee_is_owed_the_buying_limit_is_nothing_even_with_an_individual_limit(make_sale):
    dealer, sale = bought(make_sale, 100_00)
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=90_000_00, actor=StaffFactory(), reason="Trusted")
    charge_break_fee(dealer, sale)
    assert profile(dealer).buying_limit_minor == 0
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=95_000_00, actor=StaffFactory(), reason="Again")
    assert profile(dealer).buying_limit_minor == 0, "an individual limit does not lift what is owed"
    auction = make_auction(starting_price_minor=1_000_00)
    with pytest.raises(ApplicationError):
        bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=1_000_00)
    assert not auction.bids.exists()


def test_the_next_top_up_pays_what_is_owed_first_and_bidding_opens_again(make_sale):
    dealer, sale = bought(make_sale, 100_00)
    charge_break_fee(dealer, sale)  # €100.00 taken, €200.00 owed
    top_up(dealer, 150_00)  # pays €150.00 of it
    receivable = DealerReceivable.objects.get(dealer=dealer)
    assert (receivable.settled_minor, receivable.status) == (150_00, DealerReceivable.Status.OPEN)
    assert deposit_balance_minor(dealer) == 0 and profile(dealer).buying_limit_minor == 0
    top_up(dealer, 1_050_00)  # the last €50.00, then €1,000.00 in the deposit
    receivable.refresh_from_db()
    assert (receivable.settled_minor, receivable.status) == (200_00, DealerReceivable.Status.SETTLED)
    assert deposit_balance_minor(dealer) == 1_000_00
    assert profile(dealer).owed_minor == 0 and profile(dealer).buying_limit_minor == 10_000_00
    assert account_balance(ledger_account(LedgerAccount.Kind.DEALER, dealer)) == 0
    assert_books_balance()


def test_the_deposit_page_and_api_show_what_is_owed(client, make_sale):
    dealer, sale = bought(make_sale, 0)
    charge_break_fee(dealer, sale)
    client.force_login(dealer)
    text = client.get(reverse("payments:deposit")).content.decode()
    assert "data-owed-blocked" in text and Money(300_00, "EUR").format() in text
    assert "You cannot bid or buy until it is paid" in text
    api = APIClient()
    api.force_authenticate(dealer)
    body = api.get(reverse("api:deposit")).json()
    assert (body["owed_minor"], body["buying_limit_minor"]) == (300_00, 0)
    assert [(r["kind"], r["amount_minor"], r["status"]) for r in body["receivables"]] == [("break_fee", 300_00, "open")]


# ---------------------------------------------------------------------------------------------------------------
# The unpaid-sale fee when the seller cancels because the buyer may no longer buy


def suspend(dealer):
    dealer_suspend_and_withdraw(
        profile=DealerProfile.objects.get(user=dealer), actor=StaffFactory(), reason="Licence revoked"
    )


@pytest.mark.parametrize("path", ["page", "api"])
def test_the_seller_cancelling_a_suspended_buyers_sale_charges_the_unpaid_sale_fee(client, make_sale, path):
    dealer = deposit_dealer(2_000_00)
    sale = make_sale(hammer_minor=12_500_00, buyer=dealer)
    suspend(dealer)
    if path == "page":
        client.force_login(sale.seller)
        answer = client.post(reverse("payments:cancel", args=[sale.pk]), {"reason": ""})
        assert answer.status_code == 302
    else:
        api = APIClient()
        api.force_authenticate(sale.seller)
        answer = api.post(reverse("api:sale-cancel", args=[sale.pk]), {}, format="json")
        assert answer.status_code == 200, answer.content
    sale.refresh_from_db()
    assert sale.status == Sale.Status.CANCELLED
    fee = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.UNPAID_SALE_FEE)
    assert fee.sale_id == sale.pk
    assert deposit_balance_minor(dealer) == 2_000_00 - UNPAID_FEE.amount_minor
    assert not DealerReceivable.objects.exists()
    # Asking again changes nothing: the sale is cancelled once, the fee taken once.
    client.force_login(sale.seller)
    client.post(reverse("payments:cancel", args=[sale.pk]), {"reason": ""})
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.UNPAID_SALE_FEE).count() == 1
    assert_books_balance()


def test_an_unpaid_sale_fee_beyond_the_suspended_buyers_deposit_is_owed(make_sale):
    from payments.services import sale_seller_cancel

    dealer, sale = bought(make_sale, 200_00, hammer_minor=12_500_00)
    suspend(dealer)
    sale_seller_cancel(sale=sale, seller=sale.seller)
    assert deposit_balance_minor(dealer) == 0
    assert DealerReceivable.objects.get(dealer=dealer).amount_minor == UNPAID_FEE.amount_minor - 200_00
    assert_books_balance()


def test_the_seller_cannot_cancel_while_the_buyer_may_still_buy_and_no_fee_moves(make_sale):
    from payments.services import sale_seller_cancel

    dealer = deposit_dealer(2_000_00)
    sale = make_sale(hammer_minor=12_500_00, buyer=dealer)
    with pytest.raises(ApplicationError) as refused:
        sale_seller_cancel(sale=sale, seller=sale.seller)
    assert refused.value.code == "buyer_eligible"
    assert deposit_balance_minor(dealer) == 2_000_00
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.UNPAID_SALE_FEE).exists()
