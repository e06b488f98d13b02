"""One world for the security tests: a user of every role and a car at each stage of its journey.

`seller` owns the cars; `dealer` (verified) bids, bought the sold car and holds the second-chance offer;
`inspector` is assigned to the inspection; the others own nothing here.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import apikeys
from accounts.models import Membership
from auctions import services as auction_services
from auctions.models import SavedSearch
from inspections import services as inspection_services
from integrations.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from marketplace import services as listing_services
from payments import services as payment_services
from payments.models import Sale
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory, member_of
from tests.auctions.factories import make_auction
from tests.inspections.factories import published_inspection, submitted_listing
from tests.marketplace.factories import ListingFactory
from tests.marketplace.images import jpeg_bytes, upload
from tests.payments.factories import set_sale_times, sold_auction

ROLES = ["anonymous", "seller", "other_seller", "dealer", "unverified_dealer", "suspended_dealer", "inspector",
         "other_inspector", "staff", "org_buyer", "org_accounts"]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    return build_world(django_capture_on_commit_callbacks)


def build_world(django_capture_on_commit_callbacks):
    """The world (see `world`); the on-commit capture may be Django's TestCase.captureOnCommitCallbacks, for a
    world built once for a module (tests/promises/test_no_input_crashes.py)."""
    people = {
        "seller": SellerFactory(), "other_seller": SellerFactory(), "dealer": DealerFactory(verified=True),
        "unverified_dealer": DealerFactory(), "suspended_dealer": DealerFactory(suspended=True),
        "inspector": InspectorFactory(), "other_inspector": InspectorFactory(), "staff": StaffFactory(),
    }
    seller, dealer, staff = people["seller"], people["dealer"], people["staff"]
    # Members of `dealer`'s organisation (`dealer` is its owner and account holder); `spare` is the member the
    # owners' member routes act on (removed by the matrix's DELETE).
    people["org_buyer"] = member_of(dealer, Membership.Role.BUYER)
    people["org_accounts"] = member_of(dealer, Membership.Role.ACCOUNTS)
    spare = member_of(dealer, Membership.Role.BUYER)
    key, _raw = apikeys.api_key_create(org=dealer.dealer_profile, actor=dealer, name="matrix", scopes=["read"])
    runner_up = DealerFactory(verified=True)

    draft = ListingFactory(seller=seller)
    [photo] = listing_services.listing_photos_add(listing=draft, actor=seller, uploads=[upload(jpeg_bytes())])

    inspection, report = published_inspection(inspector=people["inspector"],
                                              listing=submitted_listing(seller=seller), staff=staff)
    inspection_services.inspection_listing_approve(inspection=inspection, actor=staff, reason="ok")
    auction = make_auction(listing=inspection.listing, staff=staff)
    auction_services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=auction.starting_price_minor)

    with django_capture_on_commit_callbacks(execute=True):
        sold = sold_auction(buyer=dealer, seller=seller)
        passed_over = sold_auction(buyer=runner_up, others=[(dealer, 10_000_00)], seller=seller,
                                   hammer_minor=12_500_00)
    sale = Sale.objects.get(auction=sold)
    card = payment_services.sale_pay_initiate(sale=sale, dealer=dealer, provider="card")
    overdue = Sale.objects.get(auction=passed_over)
    set_sale_times(overdue, payment_deadline=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        payment_services.sales_mark_overdue()
        overdue.refresh_from_db()
        offer = payment_services.sale_cancel_and_offer_second_chance(sale=overdue, actor=staff, reason="unpaid")
        # The runner-up's bid is below the reserve: the offer reaches the dealer after the seller's yes.
        payment_services.seller_consent_decide(consent_id=offer.consent_id, seller=seller, accept=True)

    # The dealer's saved searches and webhook endpoints (each with a delivery): one set for the pages, one for the
    # API, since each removes its own.
    searches = [SavedSearch.objects.create(dealer=dealer, name=f"Golfs {n}", make="Volkswagen") for n in range(2)]
    endpoints = [WebhookEndpoint.objects.create(owner=dealer, url="https://93.184.215.14/hook",
                                                events=[EventType.AUCTION_OUTBID]) for _ in range(2)]
    event = WebhookEvent.objects.create(owner=dealer, type=EventType.AUCTION_OUTBID, data={}, event_key="matrix")
    deliveries = [WebhookDelivery.objects.create(event=event, endpoint=e) for e in endpoints]

    ids = {
        "search_id": searches[0].pk, "saved_search_id": searches[1].pk,
        "endpoint_id": endpoints[0].pk, "webhook_endpoint_id": endpoints[1].pk,
        "delivery_id": deliveries[0].pk, "webhook_delivery_id": deliveries[1].pk,
        "listing_id": draft.pk, "step": 1, "photo_id": photo.pk, "action": "cover",
        "auction_id": auction.pk, "inspection_id": inspection.pk, "entry_id": "unknown",
        "sale_id": sale.pk, "reference": card.payment.reference, "offer_id": offer.pk, "consent_id": offer.consent_id,
        "uidb64": "MQ", "token": "set-password", "path": photo.thumb.name, "member_id": spare.pk, "key_id": key.pk,
        "document_id": sale.documents.get(kind="invoice").pk,  # the buyer's invoice, issued when the sale opened
    }
    # Routes whose listing is the inspected car in auction rather than the draft.
    report_listing = {"inspection_report": inspection.listing_id, "api:listing-report": inspection.listing_id}
    return people, ids, report_listing


