"""A car sold on a really published inspection report, walked from the outside (promises 3 and 4).

The inspector publishes the report through the inspection services (findings, a damage-map entry, photos);
staff approve the car and schedule its auction in Django admin; dealers bid through the API; the auction
closes by the database clock; the winner pays through the card webhook; seller and dealer confirm the
handover through the API and the (eager) payout task pays the seller. Nothing sets a sale's snapshot by hand.
"""

from dataclasses import dataclass

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import services as auction_services
from auctions.models import Auction
from inspections import services as inspection_services
from inspections.models import Inspection, InspectionReport
from payments import services as payment_services
from payments.models import Sale
from payments.providers.card import SIGNATURE_HEADER, simulated_card_event
from tests.accounts.factories import DealerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.inspections.factories import ready_inspection, submitted_listing

# What the inspector wrote down: a minor finding on the front brake discs and a major dent on a door.
BRAKES = "brakes.discs_front"
BRAKES_LINE = "Brakes · Front discs — minor: worn"
DOOR_DENT_LINE = "Damage map · Front left door: dent — major: 5 cm crease"
# A line the report passed as OK, which the dealer may rely on.
GEARBOX = "transmission.gearbox_noise"
GEARBOX_LABEL = "Transmission and drivetrain · Gearbox noise"

HAMMER_MINOR = 12_500_00  # above the listing's reserve of €12,345.00


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def admin_action(client: Client, url: str, action: str, pks, **data):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: list(pks), "apply": "1", **data}, follow=True)


def published_car(*, seller=None, findings=None) -> Inspection:
    """Published, revision 1: front discs minor ("worn"), a major dent on the front left door."""
    listing_kwargs = {} if seller is None else {"listing": submitted_listing(seller=seller)}
    inspection = ready_inspection(items={BRAKES: {"status": "minor", "note": "worn"}, **(findings or {})},
                                  **listing_kwargs)
    inspection_services.inspection_damage_add(inspection=inspection, actor=inspection.inspector, panel="door_fl",
                                              type="dent", severity="major", note="5 cm crease")
    inspection_services.inspection_publish(inspection=inspection, actor=inspection.inspector)
    inspection.refresh_from_db()
    return inspection


def approve_and_schedule(staff_client: Client, inspection: Inspection) -> Auction:
    """Staff approve the inspected car and schedule an auction starting now, both in Django admin."""
    admin_action(staff_client, "/admin/inspections/inspection/", "approve_for_auction", [inspection.pk], reason="")
    admin_action(staff_client, "/admin/auctions/approvedlisting/", "schedule_auction", [inspection.listing_id],
                 starts_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"), duration_minutes="20",
                 starting_price=str(HAMMER_MINOR // 100))
    auction = Auction.objects.get(listing_id=inspection.listing_id)
    auction_services.auction_start(auction=auction)
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE
    return auction


def bid(dealer, auction: Auction, amount_minor: int) -> None:
    answer = api_client(dealer).post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount_minor": amount_minor},
                                     format="json")
    assert answer.status_code == 201, answer.content


def close(auction: Auction, capture) -> Sale:
    move_end(auction, seconds_from_now=-1)
    with capture(execute=True):
        payment_services.auction_close_and_settle(auction_id=auction.pk)
    return Sale.objects.get(auction=auction, second_chance_of__isnull=True)


def pay(sale: Sale, capture) -> None:
    started = api_client(sale.buyer).post(f"/api/v1/sales/{sale.pk}/pay/", {"provider": "card"}, format="json")
    assert started.status_code == 201, started.content
    body, headers = simulated_card_event(payment_reference=started.json()["reference"],
                                         amount_minor=sale.amount_due_minor, currency=sale.currency)
    with capture(execute=True):
        answer = APIClient().post("/api/v1/payments/webhooks/card/", data=body, content_type="application/json",
                                  headers={SIGNATURE_HEADER: headers[SIGNATURE_HEADER]})
    assert answer.status_code == 200, answer.content


def hand_over(sale: Sale, capture) -> Sale:
    """Both sides confirm through the API; the payout task (eager in these tests) pays the seller on commit."""
    for user in (sale.seller, sale.buyer):
        with capture(execute=True):
            answer = api_client(user).post(f"/api/v1/sales/{sale.pk}/handover/", {"confirm": True}, format="json")
        assert answer.status_code == 200, answer.content
    sale.refresh_from_db()
    return sale


@dataclass
class SoldCar:
    inspection: Inspection
    report: InspectionReport
    auction: Auction
    sale: Sale
    staff: object


def sold_car(capture, *, paid=True, handed_over=True, seller=None, buyer=None) -> SoldCar:
    """The whole walk: published report → approved → scheduled → bid → closed → paid → handed over."""
    staff = StaffFactory()
    staff_client = page_client(staff)
    inspection = published_car(seller=seller)
    auction = approve_and_schedule(staff_client, inspection)
    bid(buyer or DealerFactory(verified=True), auction, HAMMER_MINOR)
    sale = close(auction, capture)
    if paid:
        pay(sale, capture)
    if paid and handed_over:
        hand_over(sale, capture)
    sale.refresh_from_db()
    return SoldCar(inspection=inspection, report=InspectionReport.objects.get(inspection=inspection, revision=1),
                   auction=auction, sale=sale, staff=staff)
