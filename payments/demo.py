"""Demo settlement for `make run` (idempotent): the sold Ford from the auctions demo paid by card, handed over
and paid out; one more car sold at auction whose invoice is waiting for the dealer's payment; the inspection
guarantee funded with an opening balance.

DEMO ONLY: the second car's auction gets its times moved into the past before closing, as auctions.demo does.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from auctions import services as auction_services
from auctions.demo import _approved_demo_listing, _bid
from auctions.models import Auction
from payments import services
from payments.models import DepositTopUp, Sale
from payments.providers.card import simulated_card_event
from payments.services import deposits

PAID_OUT_VIN = "WF0XXXGCDX8000505"  # the Ford Focus auctions.demo closes as sold
AWAITING_VIN = "TMBJG7NE0J0000507"


def _sale_for(vin: str) -> Sale | None:
    auction = Auction.objects.filter(listing__vin=vin, outcome=Auction.Outcome.SOLD).order_by("-id").first()
    return services.sale_create_for_auction(auction=auction)[0] if auction else None


def _pay_by_card(sale: Sale) -> None:
    payment = services.sale_pay_initiate(sale=sale, dealer=sale.buyer, provider="card").payment
    body, headers = simulated_card_event(payment_reference=payment.reference, amount_minor=payment.amount_minor,
                                         currency=payment.currency)
    services.card_webhook_receive(headers=headers, body=body)


def _awaiting_car(admin: User) -> None:
    seller = User.objects.get(email__iexact="seller@gavel.test")
    if Auction.objects.filter(listing__vin=AWAITING_VIN).exists():
        return
    listing = _approved_demo_listing(seller=seller, admin=admin, vin=AWAITING_VIN, colour=(40, 110, 60), fields={
        "registration_plate": "B-GV 507", "make": "Škoda", "model": "Octavia", "variant": "Combi 1.5 TSI",
        "first_registration_year": 2018, "mileage_km": 91_000, "body_type": "estate", "colour": "Green",
        "postcode": "10437", "city": "Berlin", "reserve_minor": 11_000_00})
    now = timezone.now()
    auction = auction_services.auction_schedule(listing=listing, actor=admin, starts_at=now, duration_minutes=20,
                                                starting_price_minor=10_000_00)
    _bid(auction, "dealer3@gavel.test", "amount", 10_000_00)
    _bid(auction, "dealer2@gavel.test", "amount", 11_200_00)
    with transaction.atomic():
        Auction.objects.filter(pk=auction.pk).update(starts_at=now - timedelta(hours=3),
                                                     ends_at=now - timedelta(hours=2, minutes=40))
    services.auction_close_and_settle(auction_id=auction.pk)


def _guarantee_funded(admin: User) -> None:
    """The inspection guarantee starts with €5,000 from Gavel's own account (once: the token is fixed)."""
    services.guarantee_fund(actor=admin, amount_minor=5_000_00, source="bank", memo="Opening balance (demo)",
                            token="demo-opening-balance")


DEMO_DEPOSITS = {"dealer@gavel.test": 10_000_00, "dealer2@gavel.test": 5_000_00, "dealer3@gavel.test": 5_000_00}


def demo_deposits_ensure() -> None:
    """Each verified demo dealer has a deposit (topped up by bank transfer, confirmed by the demo admin): it gives
    their buying limit. Once: a dealer with a confirmed top-up keeps what they have."""
    admin = User.objects.get(email__iexact="admin@gavel.test")
    for email, amount_minor in DEMO_DEPOSITS.items():
        dealer = User.objects.get(email__iexact=email)
        if DepositTopUp.objects.filter(dealer=dealer, status=DepositTopUp.Status.CONFIRMED).exists():
            continue
        topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=amount_minor)
        deposits.deposit_topup_confirm(topup=topup, actor=admin)


def demo_sales_ensure() -> list[Sale]:
    admin = User.objects.get(email__iexact="admin@gavel.test")
    _guarantee_funded(admin)
    services.sales_open_missing()  # the demo's sold auctions (auctions.demo), as the beat's safety net would
    sales = []
    sale = _sale_for(PAID_OUT_VIN)
    if sale is not None:
        if sale.status in Sale.UNPAID_STATUSES:
            _pay_by_card(sale)
            services.sale_collection_arrange(
                sale=sale, actor=sale.seller, proposed_at=timezone.now() - timedelta(hours=1),
                place="Tal 12, 80331 München", doc_registration=True, doc_keys=True, doc_service_book=True)
            services.handover_confirm(sale=sale, actor=sale.seller)
            services.handover_confirm(sale=sale, actor=sale.buyer)
        # Pay out now rather than waiting for a worker; the queued task finds it done.
        sale = services.payout_release(sale_id=sale.pk)
        sales.append(sale)
    _awaiting_car(admin)
    sale = _sale_for(AWAITING_VIN)
    if sale is not None:
        sales.append(sale)
    return sales
