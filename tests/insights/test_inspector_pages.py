"""The inspector record: in full for staff (each upheld dispute traced to its report line), and in summary on every
published report."""

import pytest
from django.urls import reverse

from payments import services
from tests.accounts.factories import DealerFactory, InspectorFactory, StaffFactory
from tests.payments.factories import dispute_findings
from tests.promises.report_sale import GEARBOX, sold_car

pytestmark = pytest.mark.django_db


def test_an_upheld_dispute_on_a_report_line_counts_against_its_inspector(django_capture_on_commit_callbacks,
                                                                        client, page_client):
    car = sold_car(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_open(findings=dispute_findings(),
                                        sale=car.sale, dealer=car.sale.buyer, reason="The gearbox whines.")
        services.dispute_resolve(dispute=dispute, actor=car.staff, outcome="partial", amount_minor=500_00,
                                 resolution="The report passed the gearbox.", cause="inspection_missed")
    staff = StaffFactory()
    page = page_client(staff).get(reverse("insights:inspectors"))
    text = page.content.decode()
    assert page.status_code == 200 and f'data-inspector="{car.inspection.inspector_id}"' in text
    assert "data-inspector-counted" in text and GEARBOX in text and f"D-{dispute.pk}" in text
    assert "New inspector — fewer than 10 reports checked" in text

    # The summary line on the report, for a dealer reading it.
    report_page = page_client(DealerFactory(verified=True)).get(
        reverse("inspection_report", args=[car.inspection.listing_id]))
    assert "data-inspector-record" in report_page.content.decode()
    assert "The inspector's record: New inspector — fewer than 10 reports checked" in report_page.content.decode()


def test_only_staff_see_the_inspector_records(page_client):
    assert page_client(InspectorFactory()).get(reverse("insights:inspectors")).status_code == 403
    assert page_client(DealerFactory(verified=True)).get(reverse("insights:inspectors")).status_code == 403
