"""The payout, payment and bid statuses change only through core.transitions.transition(): each move is checked
against its table (Sale.PAYOUT_STATUS_TRANSITIONS, Payment.TRANSITIONS, Bid.STATE_TRANSITIONS) and writes exactly
one audit row, with who and why."""

import pytest

from auctions import services as auction_services
from auctions.models import Bid
from core.exceptions import InvalidTransition
from core.models import AuditLog
from core.transitions import transition
from payments import services
from payments.models import Dispute, Payment, PayoutTransfer, Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction
from tests.payments.factories import dispute_findings, hand_over, pay_by_bank, pay_by_card, set_sale_times

P = Sale.PayoutStatus


def changes(obj, field):
    """(from, to) of every audited change of `field` on `obj`, in order."""
    return list(AuditLog.objects.for_object(obj).filter(action=AuditLog.Action.STATUS_CHANGE, field=field)
                .values_list("from_state", "to_state"))


@pytest.fixture
def bank_down(settings):
    settings.GAVEL_PAYOUT_PROVIDER = "tests.payments.doubles.BankDownPayoutProvider"
    return settings


# Payout --------------------------------------------------------------------------------------------------------

def test_a_payout_writes_one_row_for_the_attempt_and_one_for_the_transfer(make_sale,
                                                                           django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)

    assert changes(sale, "payout_status") == [(P.PENDING, P.SENDING), (P.SENDING, P.SENT)]
    sent = AuditLog.objects.for_object(sale).get(field="payout_status", to_state=P.SENT)
    assert sent.reason == "Payout sent" and sent.data["reference"] == sale.payout_reference
    assert sent.data["amount_minor"] == PayoutTransfer.objects.get().amount_minor
    attempt = AuditLog.objects.for_object(sale).get(field="payout_status", to_state=P.SENDING)
    assert attempt.data["attempt"] == 1


def test_a_failed_payout_and_its_retry_each_write_their_rows(make_sale, bank_down,
                                                              django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    # The task's first run and its two quick retries: each attempt, each failure.
    assert changes(sale, "payout_status") == [(P.PENDING, P.SENDING), (P.SENDING, P.FAILED)] + [
        (P.FAILED, P.SENDING), (P.SENDING, P.FAILED)] * 2
    failed = AuditLog.objects.for_object(sale).filter(field="payout_status", to_state=P.FAILED).last()
    assert failed.reason == "Payout failed" and "unreachable" in failed.data["error"]

    bank_down.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"
    staff = StaffFactory()
    services.payout_retry(sale=sale, actor=staff, reason="Bank is back")
    assert changes(sale, "payout_status")[-2:] == [(P.FAILED, P.SENDING), (P.SENDING, P.SENT)]
    assert changes(sale, "status")[-1] == (Sale.Status.HANDED_OVER, Sale.Status.PAID_OUT)


def test_a_payout_left_sending_by_a_dead_worker_is_attempted_again_without_a_status_change(
        make_sale, bank_down, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    transition(sale, P.SENDING, field="payout_status", reason="a worker took it and died")
    rows_before = len(changes(sale, "payout_status"))
    bank_down.GAVEL_PAYOUT_PROVIDER = "payments.providers.bank.BankPayoutProvider"

    sale = services.payout_release(sale_id=sale.pk)

    assert sale.payout_status == P.SENT and sale.payout_attempts == 4
    assert changes(sale, "payout_status")[rows_before:] == [(P.SENDING, P.SENT)]


def test_a_full_refund_before_the_payout_makes_it_not_due_with_one_row(make_sale, bank_down,
                                                                        django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    dispute = services.dispute_open(findings=dispute_findings(),
                                    sale=sale, dealer=sale.buyer, reason="The gearbox slips in third gear.")
    staff = StaffFactory()

    services.dispute_resolve(dispute=dispute, actor=staff, outcome="refund",
                             cause=Dispute.Cause.SELLER_MISREPRESENTED, cause_reason="Repaired before the sale.",
                             resolution="A full refund: the gearbox was repaired before the sale.")

    [row] = AuditLog.objects.for_object(sale).filter(field="payout_status", to_state=P.NOT_DUE)
    assert (row.from_state, row.actor) == (P.FAILED, staff)
    assert changes(sale, "status")[-1] == (Sale.Status.DISPUTED, Sale.Status.REFUNDED)
    dispute.refresh_from_db()
    assert dispute.outcome == Dispute.Outcome.REFUND
    assert AuditLog.objects.for_object(dispute).get(to_state="resolved").data["outcome"] == "refund"


def test_a_payout_that_refunds_took_all_of_is_marked_not_due_by_the_release(make_sale, bank_down,
                                                                            django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    set_sale_times(sale, refunded_minor=sale.amount_due_minor)  # as a refund charged to the sale leaves it

    sale = services.payout_release(sale_id=sale.pk)

    assert sale.payout_status == P.NOT_DUE
    [row] = AuditLog.objects.for_object(sale).filter(field="payout_status", to_state=P.NOT_DUE)
    assert row.from_state == P.FAILED


@pytest.mark.parametrize("start, to", [
    (P.PENDING, P.SENT),  # never without recording the attempt first
    (P.PENDING, P.FAILED),
    (P.SENT, P.SENDING),  # paid out is paid out
    (P.SENT, P.FAILED),
    (P.NOT_DUE, P.SENDING),
    (P.SENDING, P.PENDING),
])
def test_an_illegal_payout_status_change_is_refused_and_writes_nothing(make_sale, start, to):
    sale = make_sale()
    set_sale_times(sale, payout_status=start)  # the state under test, set up directly

    with pytest.raises(InvalidTransition) as refused:
        transition(sale, to, field="payout_status", reason="test")

    assert "payout_status" in refused.value.fields
    sale.refresh_from_db()
    assert sale.payout_status == start
    assert changes(sale, "payout_status") == []


def test_a_payout_status_carried_along_a_sale_status_change_is_checked_too(make_sale):
    sale = make_sale()
    with pytest.raises(InvalidTransition) as refused:
        transition(sale, Sale.Status.OVERDUE, updates={"payout_status": P.SENT})
    assert "payout_status" in refused.value.fields
    sale.refresh_from_db()
    assert (sale.status, sale.payout_status) == (Sale.Status.AWAITING_PAYMENT, P.PENDING)


# Payment --------------------------------------------------------------------------------------------------------

def test_a_confirmed_payment_writes_one_row(make_sale):
    sale = make_sale()
    pay_by_card(sale)

    payment = Payment.objects.get(sale=sale)
    assert payment.status == Payment.Status.CONFIRMED
    [row] = AuditLog.objects.for_object(payment)
    assert (row.field, row.from_state, row.to_state) == ("status", "pending", "confirmed")
    assert row.data["provider_reference"] == payment.provider_reference
    staff = StaffFactory()
    pay_by_bank(sale, staff=staff)  # the dealer also transferred the money: it goes back
    second = Payment.objects.filter(sale=sale).exclude(pk=payment.pk).get()
    assert second.status == Payment.Status.DUPLICATE_REFUNDED
    [returned] = AuditLog.objects.for_object(second)
    assert (returned.from_state, returned.to_state, returned.actor) == ("pending", "duplicate_refunded", staff)
    assert returned.data["refund_reference"] == second.refund_reference


def test_a_confirmed_payment_cannot_be_confirmed_again_or_marked_returned(make_sale):
    sale = make_sale()
    pay_by_card(sale)
    payment = Payment.objects.get(sale=sale)
    with pytest.raises(InvalidTransition):
        transition(payment, Payment.Status.DUPLICATE_REFUNDED)
    with pytest.raises(InvalidTransition):
        transition(payment, Payment.Status.PENDING)


# Bids ----------------------------------------------------------------------------------------------------------

def test_withdrawing_a_suspended_dealers_bids_writes_a_row_per_bid(db):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=12_000_00)
    runner_up, leader = DealerFactory(verified=True), DealerFactory(verified=True)
    auction_services.bid_place(auction_id=auction.pk, dealer=runner_up, max_amount_minor=12_500_00)
    auction_services.bid_place(auction_id=auction.pk, dealer=leader, max_amount_minor=14_000_00)
    staff = StaffFactory()

    services.dealer_suspend_and_withdraw(profile=leader.dealer_profile, actor=staff, reason="Licence revoked")

    for bid in Bid.objects.filter(auction=auction, dealer=leader):
        [row] = AuditLog.objects.for_object(bid)
        assert (row.field, row.from_state, row.to_state, row.actor) == ("state", "standing", "withdrawn", staff)
        assert "Licence revoked" in row.reason
    replaced = Bid.objects.filter(auction=auction, state=Bid.State.REPLACED)
    assert replaced.exists()
    for bid in replaced:
        assert changes(bid, "state") == [("standing", "replaced")]
    for bid in Bid.objects.filter(auction=auction, state=Bid.State.STANDING):
        assert changes(bid, "state") == []
