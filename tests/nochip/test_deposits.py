"""Dealer deposits: a top-up by bank transfer that staff confirm, the buying limit it gives (the published
multiple; staff may set an individual limit, audited), fees taken from it, a withdrawal when nothing is
pending; every movement in the ledger and ledger_check clean."""

import pytest
from django.urls import reverse

from accounts.models import DealerProfile
from accounts.services import dealer_set_buying_limit
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.models import AuditLog
from core.money import Money
from payments.fee_schedule import break_fee, fee_schedule_load
from payments.models import DepositTopUp, DepositWithdrawal, LedgerTransaction, PayoutTransfer
from payments.selectors import deposit_balance_minor
from payments.services import deposits
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.payments.factories import assert_books_balance

pytestmark = pytest.mark.django_db
SCHEDULE = fee_schedule_load()


def deposit_dealer(amount_minor=5_000_00, **kwargs):
    """A verified dealer without an individual limit, whose deposit holds `amount_minor`."""
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=0, profile__individual_limit_minor=None,
                           **kwargs)
    if amount_minor:
        topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=amount_minor)
        deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory())
    return dealer


def profile(dealer) -> DealerProfile:
    return DealerProfile.objects.get(user=dealer)


def test_a_confirmed_top_up_fills_the_deposit_and_gives_the_published_multiple_as_buying_limit():
    dealer = deposit_dealer(0)
    assert profile(dealer).buying_limit_minor == 0
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=5_000_00)
    assert topup.reference.startswith(f"GVL-D-{topup.pk}-") and topup.status == DepositTopUp.Status.PENDING
    assert deposit_balance_minor(dealer) == 0  # announced is not received
    deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory())
    assert deposit_balance_minor(dealer) == 5_000_00
    assert profile(dealer).buying_limit_minor == 5_000_00 * SCHEDULE.deposit_limit_multiple == 50_000_00
    deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory())  # twice: once in the books
    assert deposit_balance_minor(dealer) == 5_000_00
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DEPOSIT_TOPUP).count() == 1
    assert_books_balance()


def test_staff_confirm_the_amount_that_arrived_not_the_one_announced():
    dealer = deposit_dealer(0)
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=5_000_00)
    deposits.deposit_topup_confirm(topup=topup, actor=StaffFactory(), received_minor=4_000_00)
    assert deposit_balance_minor(dealer) == 4_000_00 and profile(dealer).buying_limit_minor == 40_000_00


def test_only_staff_confirm_a_top_up():
    dealer = deposit_dealer(0)
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=5_000_00)
    with pytest.raises(PermissionRefused):
        deposits.deposit_topup_confirm(topup=topup, actor=dealer)
    assert deposit_balance_minor(dealer) == 0


@pytest.mark.parametrize("amount", [0, -1, True, "500", 10**15])
def test_a_top_up_of_nothing_a_negative_or_absurd_amount_is_refused_and_nothing_written(amount):
    dealer = deposit_dealer(0)
    with pytest.raises(ValidationFailed) as refused:
        deposits.deposit_topup_request(dealer=dealer, amount_minor=amount)
    assert "amount_minor" in refused.value.fields
    assert not DepositTopUp.objects.exists()


def test_a_seller_holds_no_deposit():
    with pytest.raises(PermissionRefused):
        deposits.deposit_topup_request(dealer=SellerFactory(), amount_minor=100_00)


def test_an_individual_limit_overrides_the_deposit_and_is_audited_and_can_be_lifted():
    dealer, staff = deposit_dealer(5_000_00), StaffFactory()
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=80_000_00, actor=staff, reason="Long-standing")
    assert profile(dealer).buying_limit_minor == 80_000_00
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=1_000_00)
    deposits.deposit_topup_confirm(topup=topup, actor=staff)
    assert (profile(dealer).buying_limit_minor, profile(dealer).deposit_limit_minor) == (80_000_00, 60_000_00)
    dealer_set_buying_limit(profile=profile(dealer), limit_minor=None, actor=staff, reason="Back to the rule")
    assert profile(dealer).buying_limit_minor == 60_000_00
    rows = AuditLog.objects.filter(field="buying_limit_minor", object_id=profile(dealer).pk, actor=staff)
    assert sorted((r.from_state, r.to_state) for r in rows) == [("5000000", "8000000"), ("8000000", "6000000")]


def test_the_deposit_is_withdrawn_when_nothing_is_pending():
    dealer = deposit_dealer(5_000_00)
    withdrawal = deposits.deposit_withdraw(dealer=dealer, amount_minor=2_000_00)
    assert deposit_balance_minor(dealer) == 3_000_00 and profile(dealer).buying_limit_minor == 30_000_00
    assert PayoutTransfer.objects.get(reference=withdrawal.payout_reference).amount_minor == 2_000_00
    with pytest.raises(ValidationFailed) as refused:
        deposits.deposit_withdraw(dealer=dealer, amount_minor=3_000_01)
    assert "amount_minor" in refused.value.fields
    assert DepositWithdrawal.objects.count() == 1
    assert_books_balance()


def test_the_deposit_is_not_withdrawn_while_a_purchase_is_open(make_sale):
    dealer = deposit_dealer(5_000_00)
    make_sale(hammer_minor=12_500_00, buyer=dealer)
    with pytest.raises(ApplicationError) as refused:
        deposits.deposit_withdraw(dealer=dealer, amount_minor=1_00)
    assert refused.value.code == "deposit_pending"
    assert deposit_balance_minor(dealer) == 5_000_00 and not DepositWithdrawal.objects.exists()


def test_a_fee_comes_from_the_deposit_once_and_never_takes_it_below_nothing(make_sale):
    dealer = deposit_dealer(200_00)
    sale = make_sale(hammer_minor=1_500_00, buyer=dealer, reserve_minor=1_000_00)
    fee = break_fee("EUR", SCHEDULE)
    charged = deposits.deposit_charge(dealer=dealer, kind=LedgerTransaction.Kind.BREAK_FEE, fee=fee, sale=sale,
                                      memo="Break fee")
    again = deposits.deposit_charge(dealer=dealer, kind=LedgerTransaction.Kind.BREAK_FEE, fee=fee, sale=sale,
                                    memo="Break fee")
    assert (charged.fee_minor, charged.taken_minor, again.taken_minor) == (300_00, 200_00, 200_00)
    assert deposit_balance_minor(dealer) == 0 and profile(dealer).buying_limit_minor == 0
    assert_books_balance()


def test_the_deposit_page_shows_balance_limit_and_history_and_refuses_bad_amounts(client):
    dealer = deposit_dealer(5_000_00)
    client.force_login(dealer)
    page = client.get(reverse("payments:deposit"))
    text = page.content.decode()
    assert page.status_code == 200
    assert Money(5_000_00, "EUR").format() in text and Money(50_000_00, "EUR").format() in text
    assert "Deposit topped up" in text
    answer = client.post(reverse("payments:deposit-topup"), {"topup-amount_minor": "-5"})
    assert answer.status_code == 400 and "At least" in answer.content.decode()
    answer = client.post(reverse("payments:deposit-withdraw"), {"withdraw-amount_minor": "9,000.00"})
    assert answer.status_code == 400 and "at most" in answer.content.decode()
    answer = client.post(reverse("payments:deposit-topup"), {"topup-amount_minor": "1,000.00"})
    assert answer.status_code == 302
    assert "GVL-D-" in client.get(reverse("payments:deposit")).content.decode()
    client.force_login(SellerFactory())
    assert client.get(reverse("payments:deposit")).status_code == 404


def test_staff_confirm_a_top_up_in_admin(client):
    dealer, staff = deposit_dealer(0), StaffFactory()
    topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=2_500_00)
    client.force_login(staff)
    url = reverse("admin:payments_deposittopup_changelist")
    answer = client.post(url, {"action": "confirm_received", "_selected_action": [topup.pk], "apply": "1",
                               "amount": ""})
    assert answer.status_code == 302
    assert deposit_balance_minor(dealer) == 2_500_00 and profile(dealer).buying_limit_minor == 25_000_00


def test_staff_cancelling_an_unpaid_sale_take_the_unpaid_sale_fee_from_the_deposit(make_sale):
    from datetime import timedelta

    from core.clock import db_now
    from payments import services
    from tests.payments.factories import set_sale_times

    dealer = deposit_dealer(2_000_00)
    sale = make_sale(hammer_minor=12_500_00, buyer=dealer)
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    services.sales_mark_overdue()
    sale.refresh_from_db()
    services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(), reason="No payment")
    assert deposit_balance_minor(dealer) == 2_000_00 - 500_00 and profile(dealer).buying_limit_minor == 15_000_00
    assert LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.UNPAID_SALE_FEE).sale_id == sale.pk
    assert_books_balance()
