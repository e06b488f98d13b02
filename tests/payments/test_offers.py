"""Unpaid past the deadline: overdue, then staff cancel and offer the car to the next-highest bidder."""

from datetime import timedelta

import pytest

from accounts.models import DealerProfile
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.models import Notification
from payments import services
from payments.models import Sale, SecondChanceOffer
from payments.tasks import sales_mark_overdue_task, second_chance_expire_task
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.payments.factories import assert_books_balance, pay_by_card, set_sale_times


@pytest.fixture
def bidders(db):
    return [DealerFactory(verified=True) for _ in range(3)]


@pytest.fixture
def overdue_sale(make_sale, bidders, django_capture_on_commit_callbacks):
    """Bids: A 10,000, B 10,500, C 11,000, A 11,500; the winner bids 12,500 and does not pay."""
    a, b, c = bidders
    # Every runner-up bid meets the reserve here; below it the seller is asked first (tests/promises/test_reserve.py).
    sale = make_sale(hammer_minor=12_500_00, reserve_minor=10_000_00,
                     others=[(a, 10_000_00), (b, 10_500_00), (c, 11_000_00), (a, 11_500_00)])
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_mark_overdue_task.apply().get() == 1
    sale.refresh_from_db()
    return sale


def test_an_unpaid_sale_past_its_deadline_becomes_overdue_and_both_sides_are_told(overdue_sale):
    assert overdue_sale.status == Sale.Status.OVERDUE and overdue_sale.overdue_at
    assert Notification.objects.filter(user=overdue_sale.buyer, kind="sale_overdue").exists()
    assert Notification.objects.filter(user=overdue_sale.seller, kind="sale_overdue").exists()
    assert services.sales_mark_overdue() == 0


def test_a_sale_within_its_deadline_stays_awaiting_payment(make_sale):
    sale = make_sale()
    assert services.sales_mark_overdue() == 0
    sale.refresh_from_db()
    assert sale.status == Sale.Status.AWAITING_PAYMENT


def test_an_overdue_sale_can_still_be_paid(overdue_sale):
    pay_by_card(overdue_sale)
    overdue_sale.refresh_from_db()
    assert overdue_sale.status == Sale.Status.PAID
    assert_books_balance()


def test_only_staff_cancel_only_overdue_sales_and_they_give_a_reason(overdue_sale, make_sale):
    with pytest.raises(PermissionRefused):
        services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=overdue_sale.seller, reason="x")
    with pytest.raises(ValidationFailed):
        services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(), reason=" ")
    with pytest.raises(ApplicationError) as refused:
        services.sale_cancel_and_offer_second_chance(sale=make_sale(), actor=StaffFactory(), reason="No payment")
    assert refused.value.code == "not_overdue"


def test_cancelling_offers_the_car_to_the_next_highest_bidder_at_their_last_bid(overdue_sale, bidders,
                                                                                 django_capture_on_commit_callbacks):
    a, b, c = bidders
    with django_capture_on_commit_callbacks(execute=True):
        offer = services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(),
                                                             reason="No payment after two reminders")
    overdue_sale.refresh_from_db()
    assert overdue_sale.status == Sale.Status.CANCELLED
    assert (offer.dealer, offer.amount_minor, offer.status) == (a, 11_500_00, SecondChanceOffer.Status.PENDING)
    assert Notification.objects.filter(user=a, kind="second_chance_offer").exists()
    assert Notification.objects.filter(user=overdue_sale.buyer, kind="sale_cancelled").exists()

    new_sale = services.second_chance_accept(offer=offer, dealer=a)
    assert new_sale.second_chance_of == overdue_sale and new_sale.buyer == a
    assert (new_sale.hammer_price_minor, new_sale.buyer_fee_minor, new_sale.status) == (
        11_500_00, 299_00, Sale.Status.AWAITING_PAYMENT)
    assert services.second_chance_accept(offer=offer, dealer=a) == new_sale
    pay_by_card(new_sale)
    assert_books_balance()


def test_a_declined_offer_moves_on_to_the_next_bidder_and_then_to_nobody(overdue_sale, bidders):
    a, b, c = bidders
    offer = services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(), reason="Unpaid")
    with pytest.raises(PermissionRefused):
        services.second_chance_decline(offer=offer, dealer=b)
    services.second_chance_decline(offer=offer, dealer=a)
    offers = list(SecondChanceOffer.objects.filter(sale=overdue_sale).order_by("id"))
    assert [(o.dealer, o.amount_minor, o.status) for o in offers] == [
        (a, 11_500_00, "declined"), (c, 11_000_00, "pending")]
    services.second_chance_decline(offer=offers[1], dealer=c)
    last = SecondChanceOffer.objects.get(sale=overdue_sale, status="pending")
    assert (last.dealer, last.amount_minor) == (b, 10_500_00)
    services.second_chance_decline(offer=last, dealer=b)
    assert not SecondChanceOffer.objects.filter(status="pending").exists()


def test_an_unanswered_offer_expires_and_the_next_bidder_gets_one(overdue_sale, bidders):
    a, b, c = bidders
    offer = services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(), reason="Unpaid")
    assert second_chance_expire_task.apply().get() == 0
    SecondChanceOffer.objects.filter(pk=offer.pk).update(expires_at=db_now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as refused:
        services.second_chance_accept(offer=offer, dealer=a)
    assert refused.value.code == "offer_expired"
    assert second_chance_expire_task.apply().get() == 1
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.EXPIRED
    assert SecondChanceOffer.objects.get(status="pending").dealer == c


def test_a_suspended_bidder_is_skipped(overdue_sale, bidders):
    a, b, c = bidders
    DealerProfile.objects.filter(user=a).update(status=DealerProfile.Status.SUSPENDED)
    offer = services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(), reason="Unpaid")
    assert offer.dealer == c


def test_with_no_other_bidder_the_sale_is_cancelled_without_an_offer(make_sale):
    sale = make_sale()
    set_sale_times(sale, payment_deadline=db_now() - timedelta(minutes=1))
    services.sales_mark_overdue()
    sale.refresh_from_db()
    assert services.sale_cancel_and_offer_second_chance(sale=sale, actor=StaffFactory(), reason="Unpaid") is None
    sale.refresh_from_db()
    assert sale.status == Sale.Status.CANCELLED


def test_a_late_payment_for_a_cancelled_sale_is_sent_back(overdue_sale):
    started = services.sale_pay_initiate(sale=overdue_sale, dealer=overdue_sale.buyer, provider="card")
    services.sale_cancel_and_offer_second_chance(sale=overdue_sale, actor=StaffFactory(), reason="Unpaid")
    from payments.providers.card import simulated_card_event

    body, headers = simulated_card_event(payment_reference=started.payment.reference,
                                         amount_minor=started.payment.amount_minor, currency="EUR")
    result = services.card_webhook_receive(headers=headers, body=body)
    assert result.payment.status == "duplicate_refunded"
    assert_books_balance()
