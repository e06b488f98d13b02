"""Issued documents: the dealer's invoice when a sale opens, a credit note for every refund, the seller's statement
when the payout is sent.

- Numbers are gapless and sequential per series and calendar year (INV-2026-000001, CN-…, ST-…): the series'
  counter row is locked by the transaction that inserts the document, so a rolled-back issue gives its number back
  and two issues at once take consecutive numbers.
- A document never changes once issued (a PostgreSQL trigger refuses it; migration payments 0011); a refund is a
  credit note against the invoice, never an edited invoice. Each event issues at most one document (`issue_key`).
- Money is exact, in minor units. The car is sold by a private seller: no VAT on the price, and the invoice says
  so. Gavel's fees are published VAT included (the amounts on the fee rules page are what people pay); a document
  shows each fee's net amount and VAT at GAVEL_VAT_RATE, the VAT rounded half up to the minor unit.
- The PDF (WeasyPrint, from payments/document_pdf.html) is rendered once and stored through Django's storage API;
  a stored PDF is never replaced (document_pdf_ensure). Beat renders every issued document within a minute
  (documents_pdf_render_pending: rendering takes a fraction of a second, not for the issuing transaction to wait
  on), and a download renders it first if beat has not yet."""

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import ImageFile

from accounts.models import User
from core.clock import db_now
from core.i18n import in_language_of
from payments.models import Document, DocumentCounter, Sale
from payments.references import bank_reference
from payments.services.common import car

SERIES: dict[str, tuple[str, str]] = {
    Document.Kind.INVOICE: ("IN", "INV"),
    Document.Kind.CREDIT_NOTE: ("CN", "CN"),
    Document.Kind.STATEMENT: ("ST", "ST"),
}
PRIVATE_SALE_NOTE = gettext_noop("Sold by a private person: the price carries no VAT.")


def vat_included(gross_minor: int, rate: Decimal) -> tuple[int, int]:
    """(net, VAT) of an amount published VAT included, exact: net + VAT == gross."""
    net = int((Decimal(gross_minor) / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return net, gross_minor - net


def _vat_rate() -> Decimal:
    return Decimal(settings.GAVEL_VAT_RATE)


def _line(description: str, gross_minor: int, *, part: str, taxed: bool) -> dict:
    rate = _vat_rate() if taxed else Decimal(0)
    net, vat = vat_included(gross_minor, rate) if taxed else (gross_minor, 0)
    return {
        "description": description,
        "part": part,
        "net_minor": net,
        "vat_rate": str(rate),
        "vat_percent": f"{(rate * 100).normalize():f}",
        "vat_minor": vat,
        "gross_minor": gross_minor,
        "vat_note": "" if taxed else _(PRIVATE_SALE_NOTE),
    }


def _issuer() -> dict:
    return {
        "name": settings.GAVEL_ISSUER_NAME,
        "address": settings.GAVEL_ISSUER_ADDRESS,
        "vat_id": settings.GAVEL_ISSUER_VAT_ID,
    }


def _recipient(user: User) -> dict:
    profile = getattr(user, "dealer_profile", None)
    return {
        "name": profile.company_name if profile else user.full_name,
        "attention": user.full_name if profile else "",
        "address": profile.address if profile else "",
        "email": user.email,
    }


def _vehicle(sale: Sale) -> dict:
    listing = sale.listing
    return {
        "title": car(sale),
        "year": listing.first_registration_year,
        "vin": listing.vin,
        "plate": listing.registration_plate,
        "auction_id": sale.auction_id,
    }


def _number_take(kind: str, year: int) -> tuple[str, int, str]:
    """The next number of the series, under the counter's row lock (held until the caller's transaction ends)."""
    series, prefix = SERIES[kind]
    DocumentCounter.objects.bulk_create([DocumentCounter(series=series, year=year)], ignore_conflicts=True)
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return series, counter.last, f"{prefix}-{year}-{counter.last:06d}"


@dataclass(frozen=True)
class _Draft:
    kind: str
    sale: Sale
    recipient: User
    lines: list[dict]
    parties: dict
    credits: Document | None = None


def _issue(draft: _Draft, *, key: str) -> Document:
    with transaction.atomic():
        existing = Document.objects.filter(issue_key=key).first()
        if existing is not None:
            return existing
        now = db_now()
        year = timezone.localtime(now).year
        series, sequence, number = _number_take(draft.kind, year)
        # Another issue of the same event may have committed while this one waited for the counter.
        existing = Document.objects.filter(issue_key=key).first()
        if existing is not None:
            transaction.set_rollback(True)
            return existing
        net = sum(line["net_minor"] for line in draft.lines)
        vat = sum(line["vat_minor"] for line in draft.lines)
        document = Document.objects.create(
            kind=draft.kind,
            number=number,
            series=series,
            year=year,
            sequence=sequence,
            sale=draft.sale,
            recipient=draft.recipient,
            credits=draft.credits,
            issued_at=now,
            currency=draft.sale.currency,
            parties=draft.parties,
            lines=draft.lines,
            net_minor=net,
            vat_minor=vat,
            total_minor=net + vat,
            issue_key=key,
        )
    return document


def invoice_issue(*, sale: Sale) -> Document:
    """The dealer's invoice for the sale: the car's price (no VAT, a private seller's) and the buyer's fee. Its
    lines are written in the dealer's language, as issued (a document never changes)."""
    with in_language_of(sale.buyer):
        lines = [
            _line(
                _("Vehicle: %(car)s, hammer price at auction %(auction)s") % {"car": car(sale),
                                                                             "auction": sale.auction_id},
                sale.hammer_price_minor,
                part="vehicle",
                taxed=False,
            )
        ]
        if sale.buyer_fee_minor:
            lines.append(
                _line(
                    _("Buyer's fee (fee schedule %(version)s)") % {"version": sale.fee_schedule_version},
                    sale.buyer_fee_minor,
                    part="buyer_fee",
                    taxed=True,
                )
            )
    parties = {
        "issuer": _issuer(),
        "recipient": _recipient(sale.buyer),
        "vehicle": _vehicle(sale),
        "reference": bank_reference(sale.pk),
        "due": sale.payment_deadline.isoformat(),
    }
    return _issue(_Draft(Document.Kind.INVOICE, sale, sale.buyer, lines, parties), key=f"invoice:sale:{sale.pk}")


def sale_invoice(*, sale: Sale) -> Document:
    """The sale's invoice, issued now if the sale predates issued documents."""
    found = Document.objects.filter(sale=sale, kind=Document.Kind.INVOICE).first()
    return found if found is not None else invoice_issue(sale=sale)


def credit_note_issue(*, sale: Sale, amount_minor: int, reason: str, key: str) -> Document | None:
    """A credit note for a refund of `amount_minor` to the dealer, against the sale's invoice: the price first,
    then the buyer's fee (with its share of VAT) — a full refund credits both lines in full."""
    if amount_minor <= 0:
        return None
    invoice = sale_invoice(sale=sale)
    credited = {"vehicle": 0, "buyer_fee": 0}
    for note in Document.objects.filter(credits=invoice).exclude(issue_key=f"credit:{key}"):
        for line in note.lines:
            credited[line["part"]] += -line["gross_minor"]
    lines, left = [], amount_minor
    for line in invoice.lines:
        open_minor = line["gross_minor"] - credited[line["part"]]
        take = min(left, open_minor)
        if take > 0:
            with in_language_of(sale.buyer):
                credit = _line(
                    _("Refund of: %(line)s") % {"line": line["description"]},
                    take,
                    part=line["part"],
                    taxed=line["vat_minor"] != 0 or Decimal(line["vat_rate"]) != 0,
                )
            lines.append(
                {**credit, "net_minor": -credit["net_minor"], "vat_minor": -credit["vat_minor"], "gross_minor": -take}
            )
            left -= take
    parties = {
        "issuer": _issuer(),
        "recipient": _recipient(sale.buyer),
        "vehicle": _vehicle(sale),
        "reference": bank_reference(sale.pk),
        "reason": reason,
        "credits": invoice.number,
    }
    return _issue(
        _Draft(Document.Kind.CREDIT_NOTE, sale, sale.buyer, lines, parties, credits=invoice), key=f"credit:{key}"
    )


def statement_issue(*, sale: Sale, seller_share_refunded_minor: int, to_bank_minor: int) -> Document:
    """The seller's statement when the payout is sent: the price, Gavel's fee (VAT included, shown), what refunds
    took from the seller's share, what was set off against earlier debts, and what went to the bank. In the
    seller's language, as issued."""
    with in_language_of(sale.seller):
        return _statement_issue(sale=sale, seller_share_refunded_minor=seller_share_refunded_minor,
                                to_bank_minor=to_bank_minor)


def _statement_issue(*, sale: Sale, seller_share_refunded_minor: int, to_bank_minor: int) -> Document:
    lines = [
        _line(
            _("Vehicle sold: %(car)s, hammer price at auction %(auction)s") % {"car": car(sale),
                                                                              "auction": sale.auction_id},
            sale.hammer_price_minor,
            part="vehicle",
            taxed=False,
        )
    ]
    if sale.seller_fee_minor:
        fee = _line(_("Gavel's seller fee"), sale.seller_fee_minor, part="seller_fee", taxed=True)
        lines.append(
            {
                **fee,
                "net_minor": -fee["net_minor"],
                "vat_minor": -fee["vat_minor"],
                "gross_minor": -sale.seller_fee_minor,
            }
        )
    for part, description, amount in (
        ("refunds", _("Refunds to the buyer taken from your share"), -seller_share_refunded_minor),
        ("set_off", _("Set off against what you owed Gavel from earlier sales"), -sale.set_off_minor),
        ("debited", _("Refunds charged to your account instead of this share"), sale.seller_debited_minor),
    ):
        if amount:
            lines.append(
                {
                    "description": description,
                    "part": part,
                    "net_minor": amount,
                    "vat_rate": "0",
                    "vat_percent": "0",
                    "vat_minor": 0,
                    "gross_minor": amount,
                    "vat_note": "",
                }
            )
    assert sum(line["gross_minor"] for line in lines) == to_bank_minor, "statement lines must add up to the payout"
    parties = {
        "issuer": _issuer(),
        "recipient": _recipient(sale.seller),
        "vehicle": _vehicle(sale),
        "reference": sale.payout_reference,
    }
    return _issue(_Draft(Document.Kind.STATEMENT, sale, sale.seller, lines, parties), key=f"statement:sale:{sale.pk}")


def _weasyprint_html():
    """WeasyPrint's HTML class, loaded where a PDF is made (it brings pango). Importing WeasyPrint turns Pillow's
    LOAD_TRUNCATED_IMAGES on for the whole process, which would let a truncated photo upload pass the marketplace's
    check (a clear error for a damaged photo): put it back."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML


def document_pdf_render(document: Document) -> bytes:
    HTML = _weasyprint_html()

    with in_language_of(document.recipient):  # the language its lines were issued in
        html = render_to_string(
            "payments/document_pdf.html",
            {"document": document, "site_name": settings.GAVEL_SITE_NAME,
             "issued": timezone.localtime(document.issued_at)},
        )
    return HTML(string=html).write_pdf()


def document_pdf_ensure(*, document_id: int) -> Document:
    """The document with its PDF stored: rendered and saved once; a stored PDF is never replaced."""
    document = Document.objects.get(pk=document_id)
    if document.pdf:
        return document
    pdf = document_pdf_render(document)
    name = default_storage.save(f"documents/{document.year}/{document.number}.pdf", ContentFile(pdf))
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        if Document.objects.filter(pk=document_id, pdf="").update(pdf=name, pdf_sha256=digest) == 0:
            default_storage.delete(name)  # another render stored it first: keep that one
    document.refresh_from_db()
    return document


def documents_pdf_render_pending(*, batch: int = 50) -> int:
    """Render and store the PDFs of issued documents that have none yet, oldest first; how many were stored."""
    pending = list(Document.objects.filter(pdf="").order_by("pk").values_list("pk", flat=True)[:batch])
    for document_id in pending:
        document_pdf_ensure(document_id=document_id)
    return len(pending)


def documents_visible_to(*, sale: Sale, party: str):
    """The documents a party of the sale may download: the buyer their invoice and credit notes, the seller their
    statement, staff all of them."""
    documents = Document.objects.filter(sale=sale)
    if party == "staff":
        return documents
    if party == "buyer":
        return documents.filter(kind__in=[Document.Kind.INVOICE, Document.Kind.CREDIT_NOTE])
    if party == "seller":
        return documents.filter(kind=Document.Kind.STATEMENT)
    return documents.none()
