"""The selectors read Gavel's records into the methods' inputs, in a number of queries that does not grow with the
history: checked with django_assert_num_queries at two sizes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights import selectors
from insights.records import CancelReason, CountedKind, DisputeOutcome
from payments import services
from payments.models import Sale
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.payments.factories import dispute_findings, hand_over, pay_by_bank, set_sale_times

pytestmark = pytest.mark.django_db

LATER = timedelta(days=20)


def _sales(make_sale, dealer, n, *, paid=False, **fields):
    """n sales won by `dealer`; paid (by bank) as they are made when `paid`, so the buying limit never binds."""
    sales = []
    for i in range(n):
        sales.append(make_sale(buyer=dealer, hammer_minor=12_500_00 + i * 100_00, **fields))
        if paid:
            pay_by_bank(sales[-1])
    return sales


@pytest.mark.parametrize("n", [1, 4])
def test_dealer_records_read_sales_disputes_and_adjustments_in_three_queries_whatever_the_history(
        make_sale, n, django_assert_num_queries):
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    _sales(make_sale, dealer, n, paid=True)
    _sales(make_sale, other, 1)
    with django_assert_num_queries(3):  # the sales, then each source (disputes, adjustment requests)
        records = selectors.dealer_records(dealer_ids=[dealer.pk, other.pk], as_of=timezone.now() + LATER)
    assert records[dealer.pk].sales_won == n and records[other.pk].sales_won == 1


def test_a_dealer_without_sales_costs_one_query_and_is_new(django_assert_num_queries):
    dealer = DealerFactory(verified=True)
    with django_assert_num_queries(1):
        record = selectors.dealer_record_get(dealer_id=dealer.pk)
    assert record.is_new and record.sales_won == 0 and record.summary == "New dealer — fewer than 10 sales"


def test_sales_map_to_events_payment_cancellation_and_dispute(make_sale, django_capture_on_commit_callbacks):
    dealer = DealerFactory(verified=True)
    paid, late, unpaid = _sales(make_sale, dealer, 3)
    pay_by_bank(paid)
    # Paid three days after its deadline.
    set_sale_times(late, payment_deadline=timezone.now() - timedelta(days=3))
    pay_by_bank(late)
    # Never paid: marked overdue by the sweep, then cancelled by staff.
    set_sale_times(unpaid, payment_deadline=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.sales_mark_overdue()
        services.sale_cancel_and_offer_second_chance(sale=unpaid, actor=StaffFactory(), reason="Not paid")
    paid = hand_over(paid, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_open(findings=dispute_findings(),
                                        sale=paid, dealer=dealer, reason="The gearbox whines.")
        services.dispute_resolve(dispute=dispute, actor=StaffFactory(), outcome="reject", resolution="As described.")

    events = {e.sale_ref: e for e in selectors.dealer_sale_events(
        dealer_ids=[dealer.pk], as_of=timezone.localtime() + LATER)[dealer.pk]}
    assert events[f"S-{unpaid.pk}"].cancel_reason == CancelReason.UNPAID
    assert events[f"S-{late.pk}"].paid_at > events[f"S-{late.pk}"].payment_deadline
    assert [d.outcome for d in events[f"S-{paid.pk}"].disputes] == [DisputeOutcome.REJECTED]
    assert events[f"S-{paid.pk}"].hammer_at == timezone.localtime(paid.auction.closed_at)

    record = selectors.dealer_record_get(dealer_id=dealer.pk, as_of=timezone.now() + LATER)
    kinds = sorted(e.kind for e in record.counted_against)
    # The late payer has not collected either: twenty days on, that is past its collection deadline too.
    assert kinds == sorted([CountedKind.PAID_LATE, CountedKind.CANCELLED_UNPAID, CountedKind.DISPUTE_REJECTED,
                            CountedKind.NOT_COLLECTED_PAST_DEADLINE])
    assert record.paid_on_time.count == 1 and record.cancelled_unpaid.count == 1
    assert (record.collected_on_time.count, record.collected_on_time.out_of) == (1, 2)
    late.refresh_from_db()
    assert events[f"S-{late.pk}"].collection_deadline == timezone.localtime(late.collection_deadline)


def test_a_new_source_plugs_in_without_touching_the_selector(make_sale):
    dealer = DealerFactory(verified=True)
    (sale,) = _sales(make_sale, dealer, 1)
    deadline = timezone.localtime() + timedelta(days=1)

    def collection_source(sale_ids):
        return {sale_id: {"collection_deadline": deadline} for sale_id in sale_ids}

    events = selectors.dealer_sale_events(dealer_ids=[dealer.pk], as_of=timezone.localtime(),
                                          sources=(*selectors.DEALER_SALE_SOURCES, collection_source))
    assert events[dealer.pk][0].collection_deadline == deadline


@pytest.mark.parametrize("n", [5, 8])
def test_guidance_reads_comparables_in_one_query_and_the_listing_grade_in_one_more(make_sale, n,
                                                                                 django_assert_num_queries):
    for i in range(n):
        make_sale(hammer_minor=12_000_00 + i * 200_00, mileage_km=60_000 + i * 5_000,
                  first_registration_year=2018 + i % 2)
    make_sale(hammer_minor=30_000_00, make="BMW", model="3er")
    listing = Sale.objects.filter(listing__make="Volkswagen").first().listing
    with django_assert_num_queries(2):
        guidance = selectors.guidance_for_listing(listing)
    assert guidance.enough and len(guidance.comparables) == n


def test_comparables_match_make_and_model_as_the_method_does_case_and_spaces_ignored(make_sale):
    for _ in range(2):
        make_sale(make="Volkswagen", model="Golf  Plus")
    make_sale(make="Volkswagen", model="Golf")
    found = selectors.comparable_sales(make="  volkswagen ", model="golf plus", as_of=timezone.localdate())
    assert len(found) == 2


def test_too_few_comparables_says_so(make_sale):
    make_sale()
    guidance = selectors.guidance_for_listing(Sale.objects.get().listing)
    assert not guidance.enough and guidance.message == "Not enough comparable sales" and not guidance.comparables


@pytest.mark.parametrize("n", [1, 3])
def test_market_results_are_read_in_one_query(make_sale, n, django_assert_num_queries):
    for i in range(n):
        make_sale(hammer_minor=12_500_00 + i)
    with django_assert_num_queries(1):
        results = selectors.market_results()
    assert len(results) == n and all(r.sold for r in results)


@pytest.mark.parametrize("n", [1, 3])
def test_inspector_records_read_reports_disputes_handovers_and_collection_checks_in_four_queries(
        n, django_assert_num_queries):
    from tests.accounts.factories import InspectorFactory
    from tests.inspections.factories import published_inspection

    inspector = InspectorFactory()
    for _ in range(n):
        published_inspection(inspector=inspector)
    with django_assert_num_queries(4):  # the reports, then each source (upheld disputes, handovers, flags confirmed)
        record = selectors.inspector_records(inspector_ids=[inspector.pk])[inspector.pk]
    assert record.reports_published == n and record.reports_checked == 0
    assert record.summary == "New inspector — fewer than 10 reports checked"


NAME_VARIANTS = [("Volkswagen", "Golf"), ("volkswagen", "GOLF"), ("  Volkswagen ", "Golf  Plus"),
                 ("VOLKSWAGEN", "golf plus"), ("Volkswagen", "Golf\tPlus"), ("Škoda", "Octavia"),
                 ("ŠKODA", "octavia"), ("škoda", "Octavia  Combi"), ("BMW", "3er"), ("bmw", "3ER"),
                 ("BMW", "3er Touring"), ("Volkswagen", "Golfplus")]


def test_comparables_by_name_keys_are_exactly_those_the_regex_found(make_sale):
    from bench.insights import regex_comparables  # the query the name keys replaced, also the bench's reference

    for make, model in NAME_VARIANTS:
        make_sale(make=make, model=model)
    as_of = timezone.localdate()
    for make, model in [*NAME_VARIANTS, (" volkswagen", "golf   plus"), ("skoda", "octavia"), ("Opel", "Astra")]:
        new = [row["id"] for row in selectors._comparables_query([(make, model)], as_of=as_of,
                                                                  rules=selectors.GUIDANCE_RULES)]
        old = [row["id"] for row in regex_comparables(make, model, as_of=as_of)]
        assert new == old, (make, model)
    # And what the price guide is built from, asked for several cars at once.
    golf = selectors.comparable_sales(make="VOLKSWAGEN", model=" golf  PLUS ", as_of=as_of)
    assert len(golf) == 3 and {(s.car.make.strip(), s.car.model) for s in golf} == {
        ("Volkswagen", "Golf  Plus"), ("VOLKSWAGEN", "golf plus"), ("Volkswagen", "Golf\tPlus")}


def test_the_comparables_query_is_an_index_lookup_on_the_name_keys(make_sale):
    from django.db import connection

    make_sale(make="Volkswagen", model="Golf")
    query = selectors._comparables_query([("Volkswagen", "Golf")], as_of=timezone.localdate(),
                                         rules=selectors.GUIDANCE_RULES)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show what it can use
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "listing_name_keys_year" in plan
