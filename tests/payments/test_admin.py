"""Admin actions go through the services and leave audit rows; ledger rows are read-only."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from core.models import AuditLog
from payments.models import Dispute, LedgerTransaction, Sale
from tests.accounts.factories import StaffFactory
from tests.payments.factories import assert_books_balance, dispute_findings, hand_over, pay_by_card


@pytest.fixture
def admin_client(db, client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


def _action(client, url, action, pks, **data):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: pks, "apply": "1", **data}, follow=True)


def test_staff_confirm_a_bank_transfer_with_amount_and_reference(admin_client, make_sale):
    sale = make_sale()
    url = "/admin/payments/sale/"
    form = admin_client.post(url, {"action": "confirm_bank_transfer", ACTION_CHECKBOX_NAME: [sale.pk]})
    assert form.status_code == 200 and b"Bank reference" in form.content
    wrong = _action(admin_client, url, "confirm_bank_transfer", [sale.pk], amount="12.00", bank_reference="BX-1")
    assert "does not match" in wrong.content.decode()
    bad = _action(admin_client, url, "confirm_bank_transfer", [sale.pk], amount="twelve", bank_reference="BX-1")
    assert "An amount like" in bad.content.decode()
    _action(admin_client, url, "confirm_bank_transfer", [sale.pk], amount="12799.00", bank_reference="BX-1")
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID
    assert AuditLog.objects.for_object(sale).filter(actor=admin_client.staff, to_state="paid").exists()
    assert LedgerTransaction.objects.get().provider_reference == "BX-1"
    assert_books_balance()


def test_staff_confirm_the_handover_and_cancel_an_overdue_sale(admin_client, make_sale,
                                                               django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, "/admin/payments/sale/", "confirm_handover", [sale.pk], reason="Seen at the depot")
    sale.refresh_from_db()
    assert sale.status == Sale.Status.PAID_OUT
    refused = _action(admin_client, "/admin/payments/sale/", "cancel_and_offer_second_chance", [sale.pk],
                      reason="Unpaid")
    assert "Only an overdue sale" in refused.content.decode()


def test_staff_resolve_a_dispute_with_a_partial_refund(admin_client, make_sale, django_capture_on_commit_callbacks):
    from payments import services

    sale = make_sale()
    pay_by_card(sale)
    hand_over(sale, django_capture_on_commit_callbacks)
    dispute = services.dispute_open(findings=dispute_findings(),
                                    sale=sale, dealer=sale.buyer, reason="Clutch slips, not in the report.")
    url = "/admin/payments/dispute/"
    missing = _action(admin_client, url, "resolve", [dispute.pk], outcome="partial", amount="", resolution="")
    assert "An amount like" in missing.content.decode()
    _action(admin_client, url, "resolve", [dispute.pk], outcome="partial", amount="500.00",
            resolution="Clutch repair, the seller knew.",
            cause="seller_misrepresented", cause_reason="The seller knew the clutch slipped.")
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED and dispute.refund_minor == 500_00
    assert AuditLog.objects.for_object(dispute).filter(actor=admin_client.staff).exists()
    assert_books_balance()


def test_ledger_and_sale_pages_render_read_only(admin_client, make_sale, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    hand_over(sale, django_capture_on_commit_callbacks)
    txn = LedgerTransaction.objects.first()
    for url in ("/admin/payments/sale/", f"/admin/payments/sale/{sale.pk}/change/",
                "/admin/payments/ledgertransaction/",
                f"/admin/payments/ledgertransaction/{txn.pk}/change/", "/admin/payments/ledgerentry/",
                "/admin/payments/ledgeraccount/", "/admin/payments/payouttransfer/", "/admin/payments/dispute/",
                "/admin/payments/secondchanceoffer/", "/admin/payments/sale/?status__exact=paid_out"):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(f"/admin/payments/ledgertransaction/{txn.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/payments/ledgerentry/add/").status_code == 403
    page = admin_client.get(f"/admin/payments/sale/{sale.pk}/change/").content.decode()
    assert "ledger_transactions-TOTAL_FORMS" in page and "Payment received into escrow" in page
