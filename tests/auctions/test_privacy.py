"""Nothing a dealer can see carries the reserve, another dealer's maximum, or another dealer's identity."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from auctions import services
from core.models import Notification
from tests.accounts.factories import DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction

RESERVE = 12_345_67
OTHER_MAX = 17_777_00


def spellings(minor: int) -> list[str]:
    whole, cents = divmod(minor, 100)
    return [str(minor), f"{whole}.{cents:02d}", f"{whole:,}", f"{whole:,}.{cents:02d}", str(whole)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_dealer_visible_payload_reveals_the_reserve_or_other_dealers(client_for, redis, settings):
    settings.GAVEL_BID_RATE = "1000/min"
    viewer = DealerFactory(verified=True, full_name="Vera Viewer")
    other = DealerFactory(verified=True, full_name="Otto Otherdealer", profile__company_name="Otto Autos Secret")
    auction = make_auction(reserve_minor=RESERVE, starting_price_minor=10_000_00)
    client = client_for(viewer)
    payloads = []

    def grab(response):
        assert response.status_code in (200, 201), response.content[:300]
        payloads.append(response.content.decode())
        return response

    grab(client.post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": 10_000_00}, format="json"))
    services.bid_place(auction_id=auction.pk, dealer=other, max_amount_minor=OTHER_MAX)
    grab(client.post(reverse("api:auction-bids", args=[auction.pk]), {"amount_minor": 12_400_00}, format="json"))
    services.watch_add(auction=auction, dealer=viewer)

    def read_everything():
        grab(client.get(reverse("api:auction-list")))
        for tab in ("watchlist", "my_bids", "won"):
            grab(client.get(reverse("api:auction-list"), {"tab": tab}))
            grab(client.get(reverse("auctions:dashboard"), {"tab": tab}))
        grab(client.get(reverse("api:auction-list"), {"status": "closed"}))
        grab(client.get(reverse("api:auction-detail", args=[auction.pk])))
        grab(client.get(reverse("api:auction-bids", args=[auction.pk])))
        grab(client.get(reverse("auctions:dashboard")))
        grab(client.get(reverse("auctions:detail", args=[auction.pk])))

    read_everything()
    move_end(auction, seconds_from_now=-1)
    services.auction_close(auction_id=auction.pk)  # the other dealer's proxy reached the reserve: sold to them
    auction.refresh_from_db()
    assert auction.outcome == "sold" and auction.winner_id == other.pk
    read_everything()
    payloads.extend(json.dumps([n.title, n.body, n.url]) for n in Notification.objects.filter(user=viewer))
    payloads.extend(f"{m.subject}\n{m.body}" for m in mail.outbox if viewer.email in m.to)
    assert Notification.objects.filter(user=viewer, kind="outbid").exists()

    forbidden = [*spellings(RESERVE), *spellings(OTHER_MAX), other.email, other.full_name, "Otto Autos Secret",
                 auction.listing.seller.email,
                 *(f'"{key}"' for key in ("reserve_minor", "leader_max_minor", "max_minor", "leader_id", "winner_id",
                                          "dealer_id", "dealer_email", "seller_id", "winner"))]
    for text in payloads:
        for needle in forbidden:
            assert needle not in text, f"{needle!r} leaked into a dealer-visible payload"
    assert any('"reserve_met": true' in text or '"reserve_met":true' in text for text in payloads)
