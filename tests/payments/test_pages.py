"""Sale pages: the list, the sale page per party, the invoice, the simulated card page, forms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.models import Payment, Sale
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory
from tests.payments.factories import GEARBOX, hand_over, page_dispute_payload, pay_by_card


@pytest.fixture
def sale(make_sale):
    return make_sale()


@pytest.fixture
def client_for():
    """A logged-in Django test client: form posts, like a browser (the suite's client_for speaks JSON)."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_anonymous_visitors_are_sent_to_log_in(client, sale):
    for url in ("/sales/", f"/sales/{sale.pk}/", f"/sales/{sale.pk}/invoice/"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_strangers_get_404_for_someone_elses_sale(client_for, sale):
    for user in (DealerFactory(verified=True), SellerFactory(), InspectorFactory()):
        client = client_for(user)
        for url in (f"/sales/{sale.pk}/", f"/sales/{sale.pk}/invoice/"):
            assert client.get(url).status_code == 404
        assert client.post(f"/sales/{sale.pk}/handover/").status_code == 404
        assert sale.listing.vin not in client.get("/sales/").content.decode()


def test_the_dealer_sees_the_invoice_bank_details_and_a_card_button(client_for, sale):
    page = client_for(sale.buyer).get(f"/sales/{sale.pk}/").content.decode()
    assert "€12,799.00" in page and f"GVL-{sale.pk}-" in page and "data-pay-card" in page
    assert "Seller receives" not in page
    listing = client_for(sale.buyer).get("/sales/").content.decode()
    assert f"/sales/{sale.pk}/" in listing and "Sales</a>" in listing


def test_the_seller_sees_what_they_receive_and_no_pay_buttons(client_for, sale):
    page = client_for(sale.seller).get(f"/sales/{sale.pk}/").content.decode()
    assert "€12,500.00" in page and "data-pay-card" not in page and "IBAN" not in page
    assert "Buyer's fee" not in page and client_for(sale.seller).get(f"/sales/{sale.pk}/invoice/").status_code == 404
    assert "Sales</a>" in client_for(sale.seller).get("/sales/").content.decode()


def test_the_invoice_is_printable_html_without_inline_script(client_for, sale):
    answer = client_for(sale.buyer).get(f"/sales/{sale.pk}/invoice/")
    html = answer.content.decode()
    assert answer.status_code == 200 and "Invoice" in html and "invoice.css" in html
    assert "<script" not in html and f"GVL-{sale.pk}-" in html and "€12,799.00" in html
    assert client_for(StaffFactory()).get(f"/sales/{sale.pk}/invoice/").status_code == 200


def test_the_dealer_pays_on_the_simulated_card_page(client_for, sale):
    client = client_for(sale.buyer)
    start = client.post(f"/sales/{sale.pk}/pay/", {"provider": "card"})
    payment = Payment.objects.get(sale=sale)
    assert start.status_code == 302 and start["Location"] == f"/sales/card/{payment.reference}/"
    assert client_for(sale.seller).get(start["Location"]).status_code == 404
    assert "data-card-pay" in client.get(start["Location"]).content.decode()
    done = client.post(start["Location"])
    assert done.status_code == 302 and done["Location"] == f"/sales/{sale.pk}/"
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID
    assert "Payment received" in client.get(done["Location"]).content.decode()


def test_collection_and_handover_forms_work_and_show_refusals(client_for, sale, django_capture_on_commit_callbacks):
    seller = client_for(sale.seller)
    early = seller.post(f"/sales/{sale.pk}/handover/", follow=True)
    assert "once the dealer" in early.content.decode()
    in_four_days = timezone.localtime() + timedelta(days=4)
    seller.post(f"/sales/{sale.pk}/collection/", {"proposed_at": in_four_days.strftime("%Y-%m-%dT%H:%M"),
                                                  "place": "Tal 12, München", "doc_keys": "on"})
    sale.refresh_from_db()
    assert sale.collection_place == "Tal 12, München" and sale.doc_keys and not sale.doc_registration
    bad = seller.post(f"/sales/{sale.pk}/collection/", {"proposed_at": "not a date"}, follow=True)
    assert "valid date" in bad.content.decode()
    pay_by_card(sale)
    seller.post(f"/sales/{sale.pk}/handover/")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(sale.buyer).post(f"/sales/{sale.pk}/handover/")
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT
    page = seller.get(f"/sales/{sale.pk}/").content.decode()
    assert sale.payout_reference in page and 'data-payout-status="sent"' in page


def test_the_dealer_opens_a_dispute_from_the_sale_page(client_for, sale, django_capture_on_commit_callbacks):
    pay_by_card(sale)
    hand_over(sale, django_capture_on_commit_callbacks)
    client = client_for(sale.buyer)
    assert "Open a dispute" in client.get(f"/sales/{sale.pk}/").content.decode()
    reason = "The gearbox whines; the report said nothing."
    refused = client.post(f"/sales/{sale.pk}/dispute/", {"reason": reason})
    assert refused.status_code == 400 and "Record at least one finding" in refused.content.decode()
    client.post(f"/sales/{sale.pk}/dispute/", page_dispute_payload(reason, (GEARBOX, "major")))
    sale.refresh_from_db()
    assert sale.status == Sale.Status.DISPUTED
    assert sale.disputes.get().item_keys == [GEARBOX]
