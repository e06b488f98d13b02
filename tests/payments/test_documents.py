"""Issued documents (payments.services.documents): the dealer's invoice when the sale opens, a credit note for every
refund, the seller's statement when the payout is sent. Numbers gapless per series and year, under concurrency too;
exact money with VAT only on Gavel's fees; never edited once issued; PDFs to the party they are for."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from payments import services
from payments.models import Document, Sale
from payments.services.documents import (
    PRIVATE_SALE_NOTE,
    credit_note_issue,
    document_pdf_ensure,
    documents_pdf_render_pending,
    vat_included,
)
from tests.accounts.factories import DealerFactory, SellerFactory, StaffFactory
from tests.payments.factories import (
    dispute_findings,
    hand_over,
    pay_by_card,
    set_sale_times,
    sold_auction,
)
from tests.payments.test_disputes import SELLER_KNEW

YEAR = timezone.localtime().year


@pytest.fixture(autouse=True)
def _fees(settings):
    settings.GAVEL_VAT_RATE = "0.19"
    settings.GAVEL_ISSUER_NAME = "Gavel Test GmbH"
    settings.GAVEL_ISSUER_VAT_ID = "DE123456789"


@given(
    gross=st.integers(min_value=0, max_value=10**13),
    rate=st.sampled_from([Decimal("0"), Decimal("0.07"), Decimal("0.19"), Decimal("0.2"), Decimal("0.255")]),
)
def test_vat_out_of_an_amount_published_vat_included_is_exact(gross, rate):
    net, vat = vat_included(gross, rate)
    assert net + vat == gross and vat >= 0
    # The VAT is the rate of the net, to within half a minor unit of the gross.
    assert abs(Decimal(net) * (1 + rate) - gross) <= (1 + rate) / 2


def test_the_invoice_is_issued_when_the_sale_opens_with_the_car_free_of_vat_and_the_fee_with_it(make_sale):
    sale = make_sale(hammer_minor=12_500_00)
    invoice = sale.documents.get()
    assert invoice.kind == Document.Kind.INVOICE and invoice.recipient == sale.buyer
    assert invoice.number == f"INV-{invoice.year}-{invoice.sequence:06d}" and invoice.year == YEAR
    vehicle, fee = invoice.lines
    assert (vehicle["gross_minor"], vehicle["vat_minor"], vehicle["vat_note"]) == (12_500_00, 0, PRIVATE_SALE_NOTE)
    assert fee["gross_minor"] == sale.buyer_fee_minor
    assert fee["net_minor"] + fee["vat_minor"] == sale.buyer_fee_minor and fee["vat_percent"] == "19"
    assert invoice.total_minor == sale.amount_due_minor == invoice.net_minor + invoice.vat_minor
    assert invoice.vat_minor == fee["vat_minor"]
    assert invoice.parties["issuer"] == {
        "name": "Gavel Test GmbH",
        "address": invoice.parties["issuer"]["address"],
        "vat_id": "DE123456789",
    }
    assert invoice.parties["recipient"]["name"] == sale.buyer.dealer_profile.company_name


def test_invoice_numbers_follow_each_other_without_gaps(make_sale):
    invoices = [make_sale(hammer_minor=12_500_00 + n * 100_00).documents.get() for n in range(3)]
    sequences = [invoice.sequence for invoice in invoices]
    assert sequences == list(range(sequences[0], sequences[0] + 3))


def test_a_rolled_back_issue_gives_its_number_back(make_sale):
    sale = make_sale()
    pay_by_card(sale)
    with pytest.raises(RuntimeError), transaction.atomic():
        note = credit_note_issue(sale=sale, amount_minor=100_00, reason="test", key="rolled-back")
        assert note is not None
        taken = note.sequence
        raise RuntimeError("the refund failed after the credit note was numbered")
    again = credit_note_issue(sale=sale, amount_minor=100_00, reason="test", key="second")
    assert again is not None and again.sequence == taken
    assert credit_note_issue(sale=sale, amount_minor=100_00, reason="test", key="second") == again  # once per event


@pytest.mark.postgres
def test_an_issued_document_never_changes_and_is_never_deleted(make_sale):
    invoice = make_sale().documents.get()
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Document.objects.filter(pk=invoice.pk).update(total_minor=1)
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Document.objects.filter(pk=invoice.pk).update(lines=[])
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Document.objects.filter(pk=invoice.pk)._raw_delete(Document.objects.db)
    stored = document_pdf_ensure(document_id=invoice.pk)  # storing the PDF the first time is the one update
    assert stored.pdf and len(stored.pdf_sha256) == 64
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Document.objects.filter(pk=invoice.pk).update(pdf="documents/other.pdf")


def test_the_pdf_is_rendered_once_and_never_replaced(make_sale):
    sale = make_sale()
    invoice = sale.documents.get()
    assert documents_pdf_render_pending() >= 1
    invoice.refresh_from_db()
    with invoice.pdf.open("rb") as pdf:
        first = pdf.read()
    assert first.startswith(b"%PDF-") and invoice.pdf.name.endswith(f"{invoice.number}.pdf")
    name, digest = invoice.pdf.name, invoice.pdf_sha256
    assert documents_pdf_render_pending() == 0
    again = document_pdf_ensure(document_id=invoice.pk)
    assert (again.pdf.name, again.pdf_sha256) == (name, digest)


def _disputed(make_sale, capture):
    sale = make_sale(hammer_minor=12_500_00)
    pay_by_card(sale)
    sale = hand_over(sale, capture)
    return sale, services.dispute_open(
        sale=sale,
        dealer=sale.buyer,
        findings=dispute_findings(),
        reason="The gearbox slips in third gear; the report said it was fine.",
    )


def test_a_full_refund_is_a_credit_note_that_cancels_the_invoice_line_by_line(
    make_sale, django_capture_on_commit_callbacks
):
    sale, dispute = _disputed(make_sale, django_capture_on_commit_callbacks)
    services.dispute_resolve(dispute=dispute, actor=StaffFactory(), outcome="refund", **SELLER_KNEW)
    invoice = sale.documents.get(kind=Document.Kind.INVOICE)
    note = sale.documents.get(kind=Document.Kind.CREDIT_NOTE)
    assert note.kind == Document.Kind.CREDIT_NOTE and note.credits == invoice and note.recipient == sale.buyer
    assert note.number.startswith(f"CN-{YEAR}-")
    assert [line["gross_minor"] for line in note.lines] == [-line["gross_minor"] for line in invoice.lines]
    assert [line["vat_minor"] for line in note.lines] == [-line["vat_minor"] for line in invoice.lines]
    assert note.total_minor == -invoice.total_minor
    assert invoice.total_minor == sale.amount_due_minor  # the invoice itself is unchanged


def test_partial_refunds_credit_the_price_first_and_never_more_than_was_invoiced(
    make_sale, django_capture_on_commit_callbacks
):
    sale, dispute = _disputed(make_sale, django_capture_on_commit_callbacks)
    services.dispute_resolve(
        dispute=dispute,
        actor=StaffFactory(),
        outcome="partial",
        amount_minor=750_00,
        **SELLER_KNEW,
    )
    note = sale.documents.get(kind=Document.Kind.CREDIT_NOTE)
    assert note.total_minor == -750_00 and note.vat_minor == 0
    assert [line["part"] for line in note.lines] == ["vehicle"]


def test_the_seller_statement_adds_up_to_the_payout(make_sale, django_capture_on_commit_callbacks):
    sale = make_sale(hammer_minor=12_500_00)
    # A fee schedule with a seller's fee of €119.00 (VAT included); the published v1 schedule has none.
    set_sale_times(sale, seller_fee_minor=119_00, seller_receives_minor=12_500_00 - 119_00)
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    assert sale.payout_status == Sale.PayoutStatus.SENT
    statement = sale.documents.get(kind=Document.Kind.STATEMENT)
    assert statement.recipient == sale.seller and statement.number.startswith(f"ST-{YEAR}-")
    assert statement.total_minor == sale.seller_receives_minor == 12_500_00 - 119_00
    fee = next(line for line in statement.lines if line["part"] == "seller_fee")
    assert (fee["gross_minor"], fee["net_minor"], fee["vat_minor"]) == (-119_00, -100_00, -19_00)
    assert statement.parties["reference"] == sale.payout_reference


def _download(client, document):
    return client.get(f"/sales/{document.sale_id}/documents/{document.pk}.pdf")


def test_each_party_downloads_only_its_own_documents(make_sale, client_for, client, django_capture_on_commit_callbacks):
    sale = make_sale()
    pay_by_card(sale)
    sale = hand_over(sale, django_capture_on_commit_callbacks)
    invoice = sale.documents.get(kind=Document.Kind.INVOICE)
    statement = sale.documents.get(kind=Document.Kind.STATEMENT)
    answer = _download(client_for(sale.buyer), invoice)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF-")
    assert f'filename="{invoice.number}.pdf"' in answer["Content-Disposition"]
    assert _download(client_for(sale.seller), statement).status_code == 200
    staff = client_for(StaffFactory())
    assert _download(staff, invoice).status_code == 200 and _download(staff, statement).status_code == 200
    # The seller never sees the buyer's invoice (it carries the buyer's fee), nor the buyer the seller's statement.
    assert _download(client_for(sale.seller), invoice).status_code == 404
    assert _download(client_for(sale.buyer), statement).status_code == 404
    for outsider in (DealerFactory(verified=True), SellerFactory()):
        assert _download(client_for(outsider), invoice).status_code == 404
    anonymous = _download(client, invoice)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    page = client_for(sale.buyer).get(f"/sales/{sale.pk}/")
    assert invoice.number in page.content.decode() and statement.number not in page.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_credit_notes_issued_at_once_take_consecutive_numbers_and_a_failed_one_leaves_no_gap():
    sales = [Sale.objects.get(auction=sold_auction(hammer_minor=12_500_00 + n * 100_00)) for n in range(3)]
    barrier = threading.Barrier(7)
    errors: list[BaseException] = []

    def issue(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                credit_note_issue(sale=sales[n % 3], amount_minor=10_00, reason="concurrent", key=f"race-{n}")
                if n == 3:
                    raise RuntimeError("this refund fails: its number goes back")
        except RuntimeError:
            pass
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    notes = Document.objects.filter(kind=Document.Kind.CREDIT_NOTE, year=YEAR).order_by("sequence")
    assert [note.sequence for note in notes] == list(range(1, 7))
    assert len({note.number for note in notes}) == 6
    invoices = Document.objects.filter(kind=Document.Kind.INVOICE).order_by("sequence")
    assert [invoice.sequence for invoice in invoices] == [1, 2, 3]
