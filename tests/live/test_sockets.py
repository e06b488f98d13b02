"""Live bidding against a real uvicorn server and the Redis channel layer, with a real WebSocket client."""

import json
import time
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from websockets.exceptions import ConnectionClosed

from auctions import services
from auctions.models import Auction
from payments import services as payment_services
from tests.accounts.factories import DealerFactory, InspectorFactory, SellerFactory, StaffFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from tests.live.conftest import frames, start_server, stop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESERVE = 12_345_00
MAXIMUM = 15_555_00


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_bid_an_extension_and_a_close_arrive_in_order_with_contiguous_sequence_numbers(asgi_server):
    auction = make_auction(starting_price_minor=10_000_00, reserve_minor=RESERVE)
    first, second, watcher = (DealerFactory(verified=True) for _ in range(3))
    with asgi_server.ws(f"/ws/auctions/{auction.pk}/", watcher) as ws:
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
        [bid] = frames(ws, 1)
        move_end(auction, seconds_from_now=30)
        end_before = auction.ends_at
        services.bid_place(auction_id=auction.pk, dealer=second, amount_minor=10_100_00)
        [extension] = frames(ws, 1)
        move_end(auction, seconds_from_now=-1)
        services.auction_close(auction_id=auction.pk)
        [closed] = frames(ws, 1)

    auction.refresh_from_db()
    assert [f["kind"] for f in (bid, extension, closed)] == ["bid", "extension", "closed"]
    assert [f["event_seq"] for f in (bid, extension, closed)] == [2, 3, 4] == [
        f["coalesced_from"] for f in (bid, extension, closed)]
    assert auction.event_seq == 4
    assert bid["price_minor"] == 10_000_00 and bid["leader_label"] == "Dealer 1" and bid["bid_count"] == 1
    assert extension["price_minor"] == 10_100_00 and extension["leader_label"] == "Dealer 2"
    assert datetime.fromisoformat(extension["ends_at"]) > end_before, "the soft-close extension moves the end"
    assert extension["minimum_next_bid_minor"] == 10_200_00
    assert [b["amount_minor"] for b in extension["new_bids"]] == [10_100_00]
    assert closed["status"] == "closed" and closed["outcome"] == Auction.Outcome.AWAITING_SELLER


def test_the_dashboard_socket_gets_a_summary_of_every_auction_without_bid_history(asgi_server):
    auction = make_auction()
    dealer, watcher = DealerFactory(verified=True), DealerFactory(verified=True)
    with asgi_server.ws("/ws/dashboard/", watcher) as ws:
        services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00)
        [summary] = frames(ws, 1)
    assert summary["type"] == "summary" and summary["auction_id"] == auction.pk
    assert (summary["price_minor"], summary["bid_count"], summary["event_seq"]) == (10_000_00, 1, 2)
    assert "new_bids" not in summary


def test_only_users_who_may_see_the_auction_can_join_its_group(asgi_server):
    auction = make_auction()
    other_seller, inspector = SellerFactory(), InspectorFactory()
    path = f"/ws/auctions/{auction.pk}/"
    assert asgi_server.refused(path, other_seller) == 403
    assert asgi_server.refused(path, inspector) == 403
    assert asgi_server.refused(path, None) == 403
    assert asgi_server.refused(f"/ws/auctions/{auction.pk + 1000}/", DealerFactory(verified=True)) == 403
    assert asgi_server.refused("/ws/dashboard/", auction.listing.seller) == 403
    assert asgi_server.refused("/ws/dashboard/", inspector) == 403
    for allowed in (auction.listing.seller, StaffFactory(), DealerFactory(verified=True), DealerFactory()):
        with asgi_server.ws(path, allowed) as ws:
            ws.ping().wait(10)

    services.auction_cancel(auction_id=auction.pk, actor=StaffFactory(), reason="Seller withdrew")
    assert asgi_server.refused(path, DealerFactory(verified=True)) == 403, "dealers lose cancelled auctions"


def test_a_foreign_origin_is_refused(asgi_server):
    auction = make_auction()
    dealer = DealerFactory(verified=True)
    assert asgi_server.refused(f"/ws/auctions/{auction.pk}/", dealer, origin="https://evil.example") == 403
    with asgi_server.ws(f"/ws/auctions/{auction.pk}/", dealer) as ws:
        ws.ping().wait(10)


def _assert_dealer_safe(raw: list[str], *, dealers, seller) -> None:
    text = "\n".join(raw)
    for forbidden in (str(RESERVE), str(MAXIMUM), "reserve_minor", "max_minor", "leader_id", "winner",
                      "dealer_id", "email", "full_name", "company_name"):
        assert forbidden not in text, forbidden
    for person in (*dealers, seller):
        assert person.email not in text and person.full_name not in text
    for frame in map(json.loads, raw):
        assert set(frame) <= {"type", "kind", "auction_id", "event_seq", "coalesced_from", "status", "outcome",
                              "price_minor", "bid_count", "reserve_met", "minimum_next_bid_minor", "ends_at",
                              "leader_label", "new_bids"}
        for bid in frame.get("new_bids", []):
            assert set(bid) == {"sequence", "label", "amount_minor", "kind", "created_at"}


def test_a_dealers_frames_never_carry_the_reserve_a_maximum_or_an_identity_on_any_event_type(asgi_server):
    staff = StaffFactory()
    rich, rival, watcher = (DealerFactory(verified=True) for _ in range(3))
    sold = make_auction(starts_at=timezone.now() + timedelta(hours=1), reserve_minor=RESERVE)
    cancelled = make_auction(reserve_minor=RESERVE)
    raw = []
    with asgi_server.ws(f"/ws/auctions/{sold.pk}/", watcher) as ws, \
            asgi_server.ws(f"/ws/auctions/{cancelled.pk}/", watcher) as ws_cancelled:
        Auction.objects.filter(pk=sold.pk).update(starts_at=timezone.now() - timedelta(seconds=1))
        services.auction_start(auction=sold)
        raw.append(ws.recv(timeout=10))
        services.bid_place(auction_id=sold.pk, dealer=rich, max_amount_minor=MAXIMUM)
        raw.append(ws.recv(timeout=10))
        move_end(sold, seconds_from_now=30)
        services.bid_place(auction_id=sold.pk, dealer=rival, amount_minor=11_000_00)
        raw.append(ws.recv(timeout=10))
        move_end(sold, seconds_from_now=-1)
        payment_services.auction_close_and_settle(auction_id=sold.pk)
        raw.append(ws.recv(timeout=10))
        payment_services.auction_decision_settle(auction_id=sold.pk, seller=sold.listing.seller, accept=True)
        raw.append(ws.recv(timeout=10))
        services.auction_cancel(auction_id=cancelled.pk, actor=staff, reason="Seller withdrew")
        raw.append(ws_cancelled.recv(timeout=10))

    assert [json.loads(f)["kind"] for f in raw] == ["started", "bid", "extension", "closed", "decided", "cancelled"]
    assert json.loads(raw[2])["price_minor"] == 11_100_00, "the proxy answered; its maximum stays secret"
    assert json.loads(raw[4])["outcome"] == Auction.Outcome.SOLD
    _assert_dealer_safe(raw, dealers=(rich, rival, watcher), seller=sold.listing.seller)


def test_a_rolled_back_bid_is_never_announced(asgi_server):
    auction = make_auction()
    dealer, other = DealerFactory(verified=True), DealerFactory(verified=True)
    with asgi_server.ws(f"/ws/auctions/{auction.pk}/", DealerFactory(verified=True)) as ws:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=14_000_00)
            raise RuntimeError("the surrounding work failed")
        services.bid_place(auction_id=auction.pk, dealer=other, amount_minor=10_000_00)
        [frame] = frames(ws, 1)
    assert (frame["price_minor"], frame["event_seq"], frame["bid_count"]) == (10_000_00, 2, 1)
    assert [b["amount_minor"] for b in frame["new_bids"]] == [10_000_00]


def test_an_outbid_dealer_hears_it_and_the_bidder_gets_their_receipt_on_their_own_channels(asgi_server):
    auction = make_auction()
    dana, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_000_00)
    with asgi_server.ws("/ws/user/", dana) as mine, asgi_server.ws("/ws/user/", rival) as theirs:
        result = services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
        [note] = frames(mine, 1)
        [receipt] = frames(theirs, 1)  # the bidder's own signed receipt, on their own channel only
        with pytest.raises(TimeoutError):
            theirs.recv(timeout=1)
        with pytest.raises(TimeoutError):
            mine.recv(timeout=1)
    assert receipt == {"type": "receipt", "auction": auction.pk, "receipts": result.receipts}
    assert json.loads(receipt["receipts"][0]["entry"])["alias"] == "Dealer 2"
    assert note["type"] == "notification" and note["kind"] == "outbid"
    assert note["title"].startswith("You have been outbid on the 2018 Volkswagen Golf")
    assert note["url"] == f"/auctions/{auction.pk}/"
    assert asgi_server.refused("/ws/user/", None) == 403


def test_a_maximum_answering_for_its_dealer_sends_them_the_receipt_on_their_own_channel(asgi_server):
    auction = make_auction()
    proxy, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=proxy, max_amount_minor=13_000_00)
    with asgi_server.ws("/ws/user/", proxy) as mine, asgi_server.ws("/ws/user/", rival) as theirs:
        result = services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
        received = frames(mine, 2)  # the receipt of the bid the maximum placed, and its notification
        [rivals] = frames(theirs, 1)
    [receipt] = [frame for frame in received if frame["type"] == "receipt"]
    [note] = [frame for frame in received if frame["type"] == "notification"]
    entry = json.loads(receipt["receipts"][0]["entry"])
    assert (entry["alias"], entry["bid_kind"], entry["amount_minor"]) == ("Dealer 1", "auto", 10_200_00)
    assert note["kind"] == "proxy_bid_receipt" and note["url"] == f"/auctions/{auction.pk}/"
    assert rivals == {"type": "receipt", "auction": auction.pk, "receipts": result.receipts}
    assert [json.loads(r["entry"])["alias"] for r in result.receipts] == ["Dealer 2"]


def test_bids_are_accepted_while_redis_is_down_and_clients_reconnect_and_resync_after_it_restarts(
        private_redis, settings, transactional_db):
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {
        **settings.CHANNEL_LAYERS["default"]["CONFIG"], "hosts": [{"address": private_redis.url,
                                                                   "socket_timeout": None}]}}}
    server = start_server(redis_url=private_redis.url)
    try:
        auction = make_auction()
        a, b, watcher = (DealerFactory(verified=True) for _ in range(3))
        path = f"/ws/auctions/{auction.pk}/"
        with server.ws(path, watcher) as ws:
            services.bid_place(auction_id=auction.pk, dealer=a, amount_minor=10_000_00)
            [seen] = frames(ws, 1)
            private_redis.kill()
            # The server notices its feed is broken and closes the socket so the page shows "Reconnecting…".
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
        assert closed.value.rcvd.code == 4503
        # Bids are accepted regardless; their events cannot be published.
        services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=10_100_00)
        services.bid_place(auction_id=auction.pk, dealer=a, amount_minor=10_200_00)
        with pytest.raises(Exception):  # noqa: B017  (refused handshake or connection error while Redis is down)
            with server.ws(path, watcher):
                pass

        private_redis.start()
        with _reconnect(server, path, watcher) as ws:
            # The client resyncs over REST before trusting live frames again …
            state = server.get_json(f"/api/v1/auctions/{auction.pk}/", watcher)
            assert state["event_seq"] == seen["event_seq"] + 2 and state["price_minor"] == 10_200_00
            # … and the next live frame follows the resynced state without a gap.
            services.bid_place(auction_id=auction.pk, dealer=b, amount_minor=10_300_00)
            [frame] = frames(ws, 1)
        assert frame["coalesced_from"] == state["event_seq"] + 1 and frame["price_minor"] == 10_300_00
    finally:
        stop(server.proc)


def _reconnect(server, path, user, attempts: int = 100):
    """The client's backoff loop, compressed: retry the handshake until the server can subscribe again."""
    for _ in range(attempts):
        try:
            return server.ws(path, user)
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
    pytest.fail("could not reconnect after Redis came back")
