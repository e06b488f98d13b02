"""Sales made the real way: an auction scheduled, bid on, closed and settled (payments opens the sale)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from auctions import services as auction_services
from payments import services
from payments.ledger import ledger_check_invariants
from payments.models import Payment, Sale
from payments.providers.card import simulated_card_event
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.marketplace.images import jpeg_bytes

# A finding no factory report discloses: the table's major gearbox repair (€2,500.00), €2,350.00 after the deductible.
GEARBOX = "transmission.gearbox_noise"
GEARBOX_REFUND_MINOR = 2_500_00 - 150_00


def finding_photo(name="finding.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(320, 240), content_type="image/jpeg")


def dispute_payload(reason: str, *pairs, photos=1) -> dict:
    """A dispute as the API takes it (multipart): the reason, the findings as JSON naming their file fields."""
    import json

    pairs = pairs or ((GEARBOX, "major"),)
    payload: dict = {"reason": reason, "findings": json.dumps([
        {"key": key, "severity": severity, "photos": [f"photo-{i}-{n}" for n in range(photos)]}
        for i, (key, severity) in enumerate(pairs)])}
    for i in range(len(pairs)):
        for n in range(photos):
            payload[f"photo-{i}-{n}"] = finding_photo(f"finding-{i}-{n}.jpg")
    return payload


def page_dispute_payload(reason: str, *pairs, photos=1) -> dict:
    """A dispute as the sale page's form posts it: the reason and numbered finding rows."""
    pairs = pairs or ((GEARBOX, "major"),)
    payload: dict = {"reason": reason}
    for i, (key, severity) in enumerate(pairs):
        payload[f"findings-{i}-key"], payload[f"findings-{i}-severity"] = key, severity
        if photos:
            payload[f"findings-{i}-photos"] = [finding_photo(f"finding-{i}-{n}.jpg") for n in range(photos)]
    return payload


def dispute_findings(*pairs, photos=1) -> list:
    """Findings as a dealer records them (item, severity, photos); by default the gearbox, major, one photo."""
    from payments.services.adjustments import FindingInput

    return [FindingInput(key=key, severity=severity, photos=tuple(finding_photo() for _ in range(photos)))
            for key, severity in (pairs or ((GEARBOX, "major"),))]


def close_now(auction_id: int) -> None:
    from auctions.models import Auction

    move_end(Auction.objects.get(pk=auction_id), seconds_from_now=-1)
    services.auction_close_and_settle(auction_id=auction_id)


def sold_auction(*, hammer_minor=12_500_00, buyer=None, others=(), reserve_minor=12_000_00, **listing_fields):
    """A closed, sold auction: each of `others` bids (dealer, amount) first, then `buyer` bids `hammer_minor`.
    On-commit callbacks must run for the sale to open (use the make_sale fixture, or transactional tests)."""
    buyer = buyer or DealerFactory(verified=True)
    start = min([hammer_minor, *(amount for _, amount in others)])
    auction = make_auction(starting_price_minor=start, reserve_minor=reserve_minor, **listing_fields)
    for dealer, amount in others:
        auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=amount)
    auction_services.bid_place(auction_id=auction.pk, dealer=buyer, amount_minor=hammer_minor)
    close_now(auction.pk)
    return auction


class SaleMaker:
    def __init__(self, capture):
        self.capture = capture

    def __call__(self, **kwargs) -> Sale:
        with self.capture(execute=True):
            auction = sold_auction(**kwargs)
        return Sale.objects.get(auction=auction, second_chance_of__isnull=True)


def pay_by_card(sale: Sale, *, capture=None):
    started = services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card")
    body, headers = simulated_card_event(payment_reference=started.payment.reference,
                                         amount_minor=started.payment.amount_minor, currency=sale.currency)
    if capture is None:
        return services.card_webhook_receive(headers=headers, body=body)
    with capture(execute=True):
        return services.card_webhook_receive(headers=headers, body=body)


def pay_by_bank(sale: Sale, *, staff=None, bank_reference_text=None):
    return services.bank_transfer_confirm(sale=sale, actor=staff or StaffFactory(), amount_minor=sale.amount_due_minor,
                                          bank_reference_text=bank_reference_text or f"BANK-{sale.pk}")


def hand_over(sale: Sale, capture):
    """Both sides confirm; with on-commit callbacks run, the (eager) payout task releases the payout."""
    with capture(execute=True):
        services.handover_confirm(sale=sale, actor=sale.seller)
        services.handover_confirm(sale=sale, actor=sale.buyer)
    sale.refresh_from_db()
    return sale


def assert_books_balance():
    assert ledger_check_invariants() == []


def set_sale_times(sale: Sale, **fields):
    """Move a sale's deadlines or timestamps (tests only: real time never goes backwards)."""
    Sale.objects.filter(pk=sale.pk).update(**fields)
    sale.refresh_from_db()


__all__ = ["Payment", "SaleMaker", "assert_books_balance", "hand_over", "pay_by_bank", "pay_by_card",
           "set_sale_times", "sold_auction"]
