"""The whole settlement, from the auction's close to the payout and completion, with the books checked at every step."""

from datetime import timedelta

import pytest
from django.core import mail

from auctions.models import Auction
from core.exceptions import ApplicationError, PermissionRefused
from core.models import AuditLog, Notification
from payments import services
from payments.ledger import account_balance, ledger_account
from payments.models import LedgerAccount, LedgerTransaction, Payment, PayoutTransfer, Sale
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.payments.factories import (
    assert_books_balance,
    close_now,
    hand_over,
    pay_by_bank,
    pay_by_card,
    set_sale_times,
)


def test_a_sold_auction_opens_one_sale_with_fees_and_a_deadline(make_sale):
    sale = make_sale(hammer_minor=12_500_00)
    assert sale.status == Sale.Status.AWAITING_PAYMENT
    assert sale.hammer_price_minor == 12_500_00
    assert sale.buyer_fee_minor == 299_00
    assert sale.amount_due_minor == 12_799_00
    assert sale.seller_fee_minor == 0 and sale.seller_receives_minor == 12_500_00
    assert sale.seller_id == sale.listing.seller_id and sale.buyer_id == sale.auction.winner_id
    assert sale.payment_deadline.weekday() < 5 and sale.payment_deadline > sale.created_at + timedelta(days=1)
    assert Notification.objects.filter(user=sale.buyer, kind="sale_invoice").exists()
    assert Notification.objects.filter(user=sale.seller, kind="sale_opened").exists()
    # Opening it again (a retried task, the beat's safety net) opens nothing new.
    assert services.sales_open_missing() == 0
    assert services.sale_create_for_auction(auction=sale.auction) == (sale, False)
    assert Sale.objects.filter(auction=sale.auction).count() == 1
    assert_books_balance()


def test_a_seller_accepting_a_below_reserve_bid_opens_the_sale(db, django_capture_on_commit_callbacks):
    from tests.payments.factories import sold_auction

    with django_capture_on_commit_callbacks(execute=True):
        auction = sold_auction(hammer_minor=11_000_00, reserve_minor=15_000_00)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.AWAITING_SELLER
    assert not Sale.objects.filter(auction=auction).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.auction_decision_settle(auction_id=auction.pk, seller=auction.listing.seller, accept=True)
    sale = Sale.objects.get(auction=auction)
    assert sale.hammer_price_minor == 11_000_00 and sale.amount_due_minor == 11_299_00


def test_an_unsold_auction_opens_no_sale(db):
    from tests.auctions.factories import make_auction

    auction = make_auction()
    close_now(auction.pk)
    with pytest.raises(ApplicationError) as refused:
        services.sale_create_for_auction(auction=auction)
    assert refused.value.code == "auction_not_sold"


def test_the_whole_flow_from_close_to_completion_keeps_the_books_right(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    assert_books_balance()

    result = pay_by_card(sale, capture=django_capture_on_commit_callbacks)
    assert result.changed
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID and sale.paid_at
    escrow = ledger_account(LedgerAccount.Kind.ESCROW)
    assert account_balance(escrow) == 12_799_00
    assert account_balance(ledger_account(LedgerAccount.Kind.BANK)) == -12_799_00
    assert account_balance(ledger_account(LedgerAccount.Kind.DEALER, sale.buyer)) == 0
    assert Notification.objects.filter(user=sale.seller, kind="sale_paid").exists()
    assert_books_balance()

    services.sale_collection_arrange(sale=sale, actor=sale.seller, place="Hauptstraße 1, Berlin",
                                     doc_registration=True, doc_keys=True, doc_service_book=True)
    assert_books_balance()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.handover_confirm(sale=sale, actor=sale.seller)
    assert not first.changed
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID and sale.seller_confirmed_at and not sale.buyer_confirmed_at
    assert_books_balance()

    sale = hand_over(sale, django_capture_on_commit_callbacks)
    assert sale.status == Sale.Status.PAID_OUT
    assert sale.payout_status == Sale.PayoutStatus.SENT and sale.payout_reference
    assert PayoutTransfer.objects.get().reference == sale.payout_reference
    assert account_balance(escrow) == 0
    assert account_balance(ledger_account(LedgerAccount.Kind.PLATFORM_FEES)) == 299_00
    assert account_balance(ledger_account(LedgerAccount.Kind.SELLER, sale.seller)) == 0
    assert account_balance(ledger_account(LedgerAccount.Kind.BANK)) == -299_00
    assert Notification.objects.filter(user=sale.seller, kind="payout_sent").exists()
    assert any(sale.payout_reference in message.body for message in mail.outbox)
    assert_books_balance()

    # Within the dispute window nothing completes; after it, the beat job does.
    assert services.sales_complete_due() == 0
    set_sale_times(sale, handed_over_at=sale.handed_over_at - timedelta(days=8))
    assert services.sales_complete_due() == 1
    assert services.sales_complete_due() == 0
    sale.refresh_from_db()
    assert sale.status == Sale.Status.COMPLETED
    changes = AuditLog.objects.for_object(sale).filter(action=AuditLog.Action.STATUS_CHANGE)
    statuses = list(changes.filter(field="status").values_list("to_state", flat=True))
    assert statuses == ["paid", "handed_over", "paid_out", "completed"]
    assert list(changes.filter(field="payout_status").values_list("from_state", "to_state")) == [
        ("pending", "sending"), ("sending", "sent")]
    assert_books_balance()


def test_staff_confirm_a_bank_transfer_and_a_second_confirmation_moves_nothing(make_sale):
    sale = make_sale()
    staff = StaffFactory()
    started = services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="bank_transfer")
    assert started.payment.reference.startswith(f"GVL-{sale.pk}-")
    assert started.provider_payment.instructions["iban"]
    assert pay_by_bank(sale, staff=staff).changed
    assert not pay_by_bank(sale, staff=staff).changed
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYMENT_RECEIVED).count() == 1
    assert Payment.objects.get().confirmed_by == staff
    assert_books_balance()


def test_a_wrong_amount_is_refused_and_nothing_is_written(make_sale):
    sale = make_sale()
    with pytest.raises(ApplicationError) as refused:
        services.bank_transfer_confirm(sale=sale, actor=StaffFactory(), amount_minor=sale.amount_due_minor - 1,
                                       bank_reference_text="B-1")
    assert refused.value.code == "amount_mismatch"
    sale.refresh_from_db()
    assert sale.status == Sale.Status.AWAITING_PAYMENT
    assert not LedgerTransaction.objects.exists()


def test_a_second_payment_by_another_method_is_recorded_and_sent_back(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        result = pay_by_bank(sale)
    assert result.payment.status == Payment.Status.DUPLICATE_REFUNDED and result.payment.refund_reference
    assert account_balance(ledger_account(LedgerAccount.Kind.ESCROW)) == sale.amount_due_minor
    assert account_balance(ledger_account(LedgerAccount.Kind.BANK)) == -sale.amount_due_minor
    assert Notification.objects.filter(user=sale.buyer, kind="payment_returned").exists()
    assert_books_balance()


def test_only_the_buyer_pays_and_only_while_unpaid(make_sale):
    sale = make_sale()
    for stranger in (sale.seller, DealerFactory(verified=True)):
        with pytest.raises(PermissionRefused):
            services.sale_pay_initiate(sale=sale, dealer=stranger, provider="card")
    pay_by_card(sale)
    with pytest.raises(ApplicationError) as refused:
        services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card")
    assert refused.value.code == "sale_not_payable"


def test_an_unknown_payment_method_is_refused(make_sale, settings):
    sale = make_sale()
    with pytest.raises(ApplicationError) as refused:
        services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="cash")
    assert refused.value.code == "unknown_provider"
    settings.GAVEL_SIMULATED_CARD_ENABLED = False
    with pytest.raises(ApplicationError):
        services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card")


def test_the_handover_waits_for_the_payment_and_for_both_sides(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale()
    with pytest.raises(ApplicationError) as refused:
        services.handover_confirm(sale=sale, actor=sale.buyer)
    assert refused.value.code == "not_paid"
    pay_by_card(sale)
    for stranger in (SellerFactory(), DealerFactory(verified=True)):
        with pytest.raises(PermissionRefused):
            services.handover_confirm(sale=sale, actor=stranger)
    services.handover_confirm(sale=sale, actor=sale.buyer)
    # Changing the arrangement after a confirmation asks both to confirm again.
    services.sale_collection_arrange(sale=sale, actor=sale.seller, place="Another place 2")
    sale.refresh_from_db()
    assert sale.buyer_confirmed_at is None
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    assert sale.status == Sale.Status.PAID_OUT
    assert not services.handover_confirm(sale=sale, actor=sale.buyer).changed


def test_staff_confirm_the_handover_for_both_sides(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.handover_confirm(sale=sale, actor=StaffFactory())
    assert result.changed
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT and sale.buyer_confirmed_at and sale.seller_confirmed_at
    assert_books_balance()


@pytest.fixture
def schedule_with_seller_fee(settings, tmp_path, monkeypatch):
    """A schedule version like fees-v1 but with a €100 seller fee, in force for new sales."""
    import json

    from payments import fee_schedule

    doc = json.loads((fee_schedule.SCHEDULE_DIR / "fees-v1.json").read_text())
    doc["version"], doc["currencies"]["EUR"]["seller_fee_minor"] = "fees-test-seller", 100_00
    (tmp_path / "fees-test-seller.json").write_text(json.dumps(doc))
    monkeypatch.setattr(fee_schedule, "SCHEDULE_DIR", tmp_path)
    settings.GAVEL_FEE_SCHEDULE_VERSION = "fees-test-seller"
    fee_schedule.fee_schedule_load.cache_clear()
    yield
    fee_schedule.fee_schedule_load.cache_clear()


def test_a_seller_fee_is_kept_by_the_platform(make_sale, schedule_with_seller_fee, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    assert sale.fee_schedule_version == "fees-test-seller"
    assert sale.seller_receives_minor == 12_400_00
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    assert PayoutTransfer.objects.get().amount_minor == 12_400_00
    assert account_balance(ledger_account(LedgerAccount.Kind.PLATFORM_FEES)) == 399_00
    assert_books_balance()
