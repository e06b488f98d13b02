"""The collection deadline (GAVEL_COLLECTION_DAYS after the payment lands), from the outside: stored when the money
arrives, shown to the dealer (work list, sale page) and the seller (timeline), stated on the rules page, counted on
the dealer record (on time, late, not yet collected), and an overdue collection told to the dealer and staff once by
the beat task. Sales paid before the deadline existed get one from their paid time (the data migration)."""

import importlib
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from insights import selectors
from insights.records import CountedKind
from payments import tasks
from payments.models import Sale
from payments.selectors import _when
from tests.accounts.factories import StaffFactory
from tests.nochip.test_adjustments import record
from tests.payments.factories import hand_over, pay_by_bank, set_sale_times

pytestmark = pytest.mark.django_db
DAYS = 5


@pytest.fixture(autouse=True)
def _collection_days(settings):
    settings.GAVEL_COLLECTION_DAYS = DAYS


@pytest.fixture
def paid_sale(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    with django_capture_on_commit_callbacks(execute=True):
        pay_by_bank(sale)
    sale.refresh_from_db()
    return sale


def _local(moment) -> str:
    return _when(moment)  # how the status texts and notifications word a moment


def _collection_overdue(sale: Sale, *, days_ago: int = 1) -> Sale:
    """The payment landed DAYS + days_ago days ago (tests only: real time never goes backwards)."""
    paid_at = timezone.now() - timedelta(days=DAYS + days_ago)
    set_sale_times(sale, paid_at=paid_at, collection_deadline=paid_at + timedelta(days=DAYS))
    return sale


def test_the_payment_landing_stores_the_collection_deadline_by_the_published_rule(paid_sale, settings):
    assert paid_sale.status == Sale.Status.PAID and paid_sale.paid_at is not None
    assert paid_sale.collection_deadline == paid_sale.paid_at + timedelta(days=DAYS)
    assert paid_sale.collection_overdue_at is None


def test_the_days_are_a_setting(make_sale, django_capture_on_commit_callbacks, settings):
    settings.GAVEL_COLLECTION_DAYS = 2
    sale = make_sale()
    pay_by_bank(sale)
    sale.refresh_from_db()
    assert sale.collection_deadline == sale.paid_at + timedelta(days=2)


def test_the_dealer_is_told_the_deadline_with_the_payment(paid_sale):
    told = Notification.objects.get(user=paid_sale.buyer, kind="sale_paid")
    assert f"Collect the car by {_local(paid_sale.collection_deadline)}" in told.body


def test_the_dealer_work_list_shows_the_car_to_collect_with_its_deadline(paid_sale, client_for):
    page = client_for(paid_sale.buyer).get(reverse("accounts:dashboard")).content.decode()
    block = page.split('data-work="to_collect"')[1].split("</ul>")[0]
    deadline = timezone.localtime(paid_sale.collection_deadline).strftime("%-d %b %Y, %H:%M")
    assert reverse("payments:detail", args=[paid_sale.pk]) in block
    assert f"collect by <strong data-collect-by>{deadline}</strong>" in block and "overdue" not in block


def test_the_work_list_marks_a_collection_past_its_deadline(paid_sale, client_for):
    _collection_overdue(paid_sale)
    page = client_for(paid_sale.buyer).get(reverse("accounts:dashboard")).content.decode()
    block = page.split('data-work="to_collect"')[1].split("</ul>")[0]
    assert '<span class="badge badge-err">overdue</span>' in block


def test_the_sale_page_shows_both_sides_the_deadline_and_links_the_rule(paid_sale, client_for):
    deadline = timezone.localtime(paid_sale.collection_deadline).strftime("%-d %b %Y, %H:%M")
    for user in (paid_sale.buyer, paid_sale.seller):
        page = client_for(user).get(reverse("payments:detail", args=[paid_sale.pk])).content.decode()
        assert "Collect by" in page and deadline in page.split("data-collect-by>")[1][:40]
        assert reverse("rules-fees") + "#collection-deadline" in page


def test_the_sellers_timeline_shows_when_the_dealer_collects(paid_sale, client_for):
    page = client_for(paid_sale.seller).get(reverse("marketplace:detail", args=[paid_sale.listing_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert f"The dealer collects by {_local(paid_sale.collection_deadline)}." in text


def test_the_sellers_timeline_says_when_the_collection_is_overdue(paid_sale, client_for):
    _collection_overdue(paid_sale)
    text = client_for(paid_sale.seller).get(reverse("marketplace:detail", args=[paid_sale.listing_id])).content
    assert "overdue: Gavel has told the dealer" in text.decode()


def test_the_api_serves_the_deadline(paid_sale, client_for):
    body = client_for(paid_sale.buyer).get(reverse("api:sale-detail", args=[paid_sale.pk])).json()
    assert body["collection_deadline"] is not None
    assert body["collection_deadline"] == timezone.localtime(paid_sale.collection_deadline).isoformat()


def test_the_rules_page_states_the_rule_and_the_formula(client, settings):
    settings.GAVEL_COLLECTION_DAYS = 4
    text = client.get(reverse("rules-fees")).content.decode()
    assert 'id="collection-deadline"' in text
    assert "collection deadline = the moment the payment arrived in escrow + 4 days" in text
    assert reverse("insights:methods") + "#dealer-record" in text
    methods = " ".join(client.get(reverse("insights:methods")).content.decode().split())
    assert "collection deadline = the moment the payment arrived in escrow + 5 days" in methods


# The dealer record ------------------------------------------------------------------------------------------------


def _record(sale: Sale):
    return selectors.dealer_record_get(dealer_id=sale.buyer_id)


def test_a_collection_by_the_deadline_counts_on_time(paid_sale, django_capture_on_commit_callbacks):
    hand_over(paid_sale, django_capture_on_commit_callbacks)
    mine = _record(paid_sale)
    assert (mine.collected_on_time.count, mine.collected_on_time.out_of) == (1, 1)
    assert mine.collected_on_time.percent == 100
    assert not [e for e in mine.counted_against if e.kind == CountedKind.COLLECTED_LATE]


def test_a_collection_after_the_deadline_counts_late_on_the_record_and_the_dealer_sees_it(
        paid_sale, django_capture_on_commit_callbacks, client_for):
    _collection_overdue(paid_sale, days_ago=2)
    hand_over(paid_sale, django_capture_on_commit_callbacks)
    mine = _record(paid_sale)
    assert (mine.collected_on_time.count, mine.collected_on_time.out_of) == (0, 1)
    [late] = [e for e in mine.counted_against if e.kind == CountedKind.COLLECTED_LATE]
    assert late.sale_ref == f"S-{paid_sale.pk}" and late.points == 20
    assert "after the collection deadline" in late.text
    [line] = mine.sales
    assert line.points == 80
    page = client_for(paid_sale.buyer).get(reverse("auctions:dashboard")).content.decode()
    events = page.split("data-counted-events")[1].split("</table>")[0]
    assert f"S-{paid_sale.pk}" in events and "after the collection deadline" in events and "−20" in events


def test_a_car_not_collected_past_its_deadline_counts_late_until_it_is(paid_sale):
    _collection_overdue(paid_sale)
    mine = _record(paid_sale)
    assert (mine.collected_on_time.count, mine.collected_on_time.out_of) == (0, 1)
    assert [e.kind for e in mine.counted_against] == [CountedKind.NOT_COLLECTED_PAST_DEADLINE]


def test_a_car_not_yet_due_for_collection_counts_neither_way(paid_sale):
    mine = _record(paid_sale)
    assert (mine.collected_on_time.count, mine.collected_on_time.out_of) == (0, 0)
    assert mine.counted_against == ()


def test_the_collection_check_on_time_counts_even_when_the_handover_is_confirmed_later(
        django_capture_on_commit_callbacks):
    from tests.promises.report_sale import sold_car

    sale = sold_car(django_capture_on_commit_callbacks, handed_over=False).sale
    sale.refresh_from_db()
    assert sale.collection_deadline is not None
    record(sale)  # the dealer checks the car at the collection, before the deadline
    # The seller takes their time confirming the handover: both confirm after the deadline.
    set_sale_times(sale, collection_deadline=timezone.now() + timedelta(minutes=1))
    hand_over(sale, django_capture_on_commit_callbacks)
    set_sale_times(sale, handed_over_at=timezone.now() + timedelta(days=1))
    mine = selectors.dealer_record_get(dealer_id=sale.buyer_id, as_of=timezone.now() + timedelta(days=2))
    assert (mine.collected_on_time.count, mine.collected_on_time.out_of) == (1, 1)


# The overdue collection: told once ----------------------------------------------------------------------------------


def test_the_beat_runs_the_overdue_collection_task():
    entry = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values()
             if e["task"] == tasks.sales_collection_overdue_task.name]
    assert len(entry) == 1 and entry[0]["schedule"] == 300.0


def test_an_overdue_collection_is_told_to_the_dealer_and_staff_once(paid_sale, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    _collection_overdue(paid_sale)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sales_collection_overdue_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sales_collection_overdue_task() == 0  # the next beat finds nothing new
    paid_sale.refresh_from_db()
    assert paid_sale.collection_overdue_at is not None
    dealer_told = Notification.objects.filter(user=paid_sale.buyer, kind="sale_collection_overdue")
    staff_told = Notification.objects.filter(user=staff, kind="sale_collection_overdue")
    assert dealer_told.count() == 1 and staff_told.count() == 1
    assert _local(paid_sale.collection_deadline) in dealer_told.get().body
    assert f"Sale {paid_sale.pk}" in staff_told.get().title


def test_a_collection_not_yet_due_or_already_made_is_not_told(paid_sale, make_sale,
                                                              django_capture_on_commit_callbacks):
    StaffFactory()
    collected = make_sale()
    pay_by_bank(collected)
    collected.refresh_from_db()
    hand_over(collected, django_capture_on_commit_callbacks)
    _collection_overdue(collected)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sales_collection_overdue_task() == 0
    assert not Notification.objects.filter(kind="sale_collection_overdue").exists()


# The data migration -----------------------------------------------------------------------------------------------


def test_sales_paid_before_the_rule_get_a_deadline_from_their_paid_time(paid_sale, make_sale):
    unpaid = make_sale()
    paid_at = timezone.now() - timedelta(days=30)
    set_sale_times(paid_sale, paid_at=paid_at, collection_deadline=None)
    migration = importlib.import_module("payments.migrations.0014_sale_collection_deadline")
    state_apps = MigrationExecutor(connection).loader.project_state(
        ("payments", "0014_sale_collection_deadline")).apps

    migration.deadlines_from_paid_time(state_apps, None)
    migration.deadlines_from_paid_time(state_apps, None)  # safe to run twice

    paid_sale.refresh_from_db()
    unpaid.refresh_from_db()
    assert paid_sale.collection_deadline == paid_at + timedelta(days=DAYS)
    assert unpaid.collection_deadline is None
