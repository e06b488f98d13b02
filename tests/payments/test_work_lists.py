"""The dealer's dashboard is a work list; the staff overview lists what needs action, with links."""

import pytest
from django.urls import reverse

from auctions import services as auction_services
from auctions.models import Watch
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.factories import make_auction

pytestmark = pytest.mark.django_db


def test_the_dealer_dashboard_lists_what_to_pay_lead_and_watch(make_sale, client_for):
    sale = make_sale(hammer_minor=12_500_00)
    dealer = sale.buyer
    leading, lost, watched = make_auction(), make_auction(), make_auction()
    auction_services.bid_place(auction_id=leading.pk, dealer=dealer, amount_minor=10_000_00)
    auction_services.bid_place(auction_id=lost.pk, dealer=dealer, amount_minor=10_000_00)
    auction_services.bid_place(auction_id=lost.pk, dealer=DealerFactory(verified=True), amount_minor=10_100_00)
    Watch.objects.create(dealer=dealer, auction=watched)

    page = client_for(dealer).get(reverse("accounts:dashboard")).content.decode()
    assert 'data-work="to_pay"' in page and reverse("payments:detail", args=[sale.pk]) in page
    assert "pay €12,799.00 by" in page
    assert f'<a href="/auctions/{lost.pk}/">' in page.split('data-work="outbid"')[1].split("</ul>")[0]
    assert f'<a href="/auctions/{leading.pk}/">' in page.split('data-work="leading"')[1].split("</ul>")[0]
    assert f'<a href="/auctions/{watched.pk}/">' in page.split('data-work="watched_ending"')[1].split("</ul>")[0]
    assert 'data-work="limit"' in page and "left</strong>" in page


def test_the_staff_overview_lists_what_needs_action_with_links(make_sale, client_for):
    from payments import services
    from payments.models import Sale

    DealerFactory()  # waiting for verification
    sale = make_sale()
    Sale.objects.filter(pk=sale.pk).update(payment_deadline=sale.created_at)
    services.sales_mark_overdue()
    page = client_for(StaffFactory()).get(reverse("accounts:dashboard")).content.decode()
    block = page.split("data-staff-work")[1].split("</section>")[0]
    assert "1</strong> overdue payments" in block
    assert reverse("admin:payments_sale_changelist") + "?status__exact=overdue" in block
    assert "dealers waiting for verification" in block and "cars waiting for an inspector" in block
    assert "reports waiting for approval" in block and "open disputes" in block
