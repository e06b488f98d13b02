"""The inspector record: reports checked by a sale, upheld disputes traced to a report line, confirmed flags, the
summary string and the minimum sample."""

import random
from fractions import Fraction

import pytest

from insights.records import INSPECTOR_METHOD, InspectorRecordRules, ReportEvents, UpheldDispute, inspector_record
from tests.insights.examples import DAY, INSPECTOR_AS_OF, at, inspector_example


def test_the_worked_example_reads_reports_upheld_98_percent_of_212():
    record = inspector_record(inspector_example(), as_of=INSPECTOR_AS_OF)
    assert record.method == INSPECTOR_METHOD
    assert record.reports_published == 230
    assert record.reports_checked == 212
    assert record.reports_upheld == 208
    assert record.upheld_share == Fraction(208, 212)
    assert record.summary == "reports upheld: 98% of 212"
    assert (record.odometer_flags, record.odometer_flags_confirmed) == (2, 1)


def test_every_upheld_dispute_is_listed_with_the_report_line_it_traces_to():
    record = inspector_record(inspector_example(), as_of=INSPECTOR_AS_OF)
    assert [(c.report_ref, c.dispute_ref, c.item_key) for c in record.counted_against] == [
        ("R-017", "D-17", "brakes.discs_front"), ("R-058", "D-58", "brakes.discs_front"),
        ("R-120", "D-120", "brakes.discs_front"), ("R-199", "D-199", "brakes.discs_front")]
    assert record.disputes_upheld == 4


def test_a_report_not_yet_tested_by_a_sale_counts_as_published_but_not_as_upheld():
    reports = [ReportEvents(report_ref=f"R{i}", published_at=at(2026, 1, 1) + i * DAY,
                            checked_at=at(2026, 3, 1) if i < 10 else None) for i in range(15)]
    record = inspector_record(reports, as_of=at(2026, 6, 1))
    assert (record.reports_published, record.reports_checked, record.reports_upheld) == (15, 10, 10)
    assert record.summary == "reports upheld: 100% of 10"


def test_an_upheld_dispute_makes_its_report_checked_even_while_the_window_is_open():
    reports = [ReportEvents(report_ref="R", published_at=at(2026, 1, 1),
                            upheld_disputes=(UpheldDispute("D1", "tyres.front_left", at(2026, 2, 1)),
                                             UpheldDispute("D2", "paint.bonnet", at(2026, 2, 3))))]
    record = inspector_record(reports, as_of=at(2026, 6, 1))
    # Two disputes on one report: one report not upheld, both disputes listed.
    assert (record.reports_checked, record.reports_upheld, record.disputes_upheld) == (1, 0, 2)
    assert len(record.counted_against) == 2


def test_below_the_minimum_the_inspector_is_new_and_the_minimum_is_a_parameter():
    reports = [ReportEvents(report_ref=f"R{i}", published_at=at(2026, 1, 1), checked_at=at(2026, 2, 1))
               for i in range(9)]
    record = inspector_record(reports, as_of=at(2026, 6, 1))
    assert record.is_new and record.summary == "New inspector — fewer than 10 reports checked"
    record = inspector_record(reports, as_of=at(2026, 6, 1), rules=InspectorRecordRules(min_reports=5))
    assert record.summary == "reports upheld: 100% of 9"


def test_one_failure_in_many_is_not_rounded_up_to_100_percent():
    reports = [ReportEvents(report_ref=f"R{i}", published_at=at(2025, 1, 1), checked_at=at(2025, 2, 1),
                            upheld_disputes=(UpheldDispute("D", "x", at(2025, 1, 20)),) if i == 0 else ())
               for i in range(300)]
    assert inspector_record(reports, as_of=at(2026, 1, 1)).summary == "reports upheld: 99% of 300"


def test_events_after_the_as_of_moment_are_not_counted():
    report = ReportEvents(report_ref="R", published_at=at(2026, 1, 1), checked_at=at(2026, 3, 1),
                          upheld_disputes=(UpheldDispute("D", "x", at(2026, 2, 15)),), vin_flagged=True,
                          vin_confirmed_at=at(2026, 2, 20))
    early = inspector_record([report], as_of=at(2026, 2, 1))
    assert (early.reports_published, early.reports_checked, early.disputes_upheld, early.vin_flags_confirmed) == (
        1, 0, 0, 0)
    later = inspector_record([report], as_of=at(2026, 3, 2))
    assert (later.reports_checked, later.reports_upheld, later.vin_flags, later.vin_flags_confirmed) == (1, 0, 1, 1)
    assert inspector_record([report], as_of=at(2025, 12, 31)).reports_published == 0


def test_the_record_does_not_depend_on_the_order_of_the_reports():
    reports = inspector_example()
    first = inspector_record(reports, as_of=INSPECTOR_AS_OF)
    random.Random(3).shuffle(reports)
    assert inspector_record(reports, as_of=INSPECTOR_AS_OF) == first


def test_a_flag_confirmed_but_never_raised_is_refused():
    with pytest.raises(ValueError):
        ReportEvents(report_ref="R", published_at=at(2026, 1, 1), odometer_confirmed_at=at(2026, 2, 1))
