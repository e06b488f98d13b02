"""The outbox (core.outbox): a bid's after-commit effects leave in one Redis write and the outbox worker delivers
them — to real WebSocket clients of a real uvicorn server — at least once, with one notification per event."""

import json
import threading

import pytest
from django.db import connection

from auctions import services
from auctions.bid_gate import bid_gate_read
from core import outbox
from core.models import Notification
from tests.accounts.factories import DealerFactory
from tests.auctions.factories import make_auction
from tests.live.conftest import frames

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the outbox serves the bid function")]


@pytest.fixture
def outbox_on(settings, redis):
    settings.GAVEL_OUTBOX = True
    return redis


@pytest.fixture
def outbox_worker(outbox_on):
    """The worker's own loop (core.outbox.outbox_run) on a thread, as `manage.py outbox_worker` runs it."""
    stop = threading.Event()
    thread = threading.Thread(target=outbox.outbox_run, kwargs={"stop": stop, "block_ms": 100}, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


def _outbid(auction):
    dana, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_000_00)
    result = services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
    return dana, rival, result


def test_a_bids_frames_notice_and_receipt_reach_their_sockets_through_the_outbox_worker(asgi_server, outbox_worker):
    auction = make_auction()
    dana, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_000_00)
    with asgi_server.ws(f"/ws/auctions/{auction.pk}/", dana) as page, asgi_server.ws("/ws/user/", dana) as mine, \
            asgi_server.ws("/ws/user/", rival) as theirs:
        result = services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
        [state] = frames(page, 1)
        [note] = frames(mine, 1)
        [receipt] = frames(theirs, 1)
    assert state["kind"] == "bid" and state["price_minor"] == 10_100_00 and state["leader_label"] == "Dealer 2"
    assert note["type"] == "notification" and note["kind"] == "outbid" and note["url"] == f"/auctions/{auction.pk}/"
    assert receipt == {"type": "receipt", "auction": auction.pk, "receipts": result.receipts}
    assert Notification.objects.filter(user=dana, kind="outbid").count() == 1


def test_one_stream_entry_per_bid_with_the_gate_copy_written_in_the_same_pipeline(outbox_on):
    auction = make_auction()
    dana, rival, _ = _outbid(auction)
    stream = outbox.outbox_stream()
    entries = outbox_on.xrange(stream)
    assert len(entries) == 2  # one per accepted bid; nothing delivered yet (no worker)
    second = json.loads(entries[1][1][b"m"])
    assert [group for group, _ in second["frames"]] == [f"auction.{auction.pk}", "dashboard", f"user.{rival.pk}"]
    # Who in the outbid organisation is told, and whether its systems listen, is the worker's to look up.
    assert second["notify"] == []
    assert [(name, kwargs["dealer_id" if name == "auction_dealer_notify" else "user_id"])
            for name, kwargs in second["effects"]] == [("webhook_emit", dana.pk), ("auction_dealer_notify", dana.pk)]
    assert {kwargs["event_key"] for _, kwargs in second["effects"]} == {f"auction:{auction.pk}:outbid:3"}
    copy = bid_gate_read(auction.pk)
    assert copy is not None and copy.minimum_minor == 10_200_00 and copy.event_seq == 3
    assert not Notification.objects.filter(user=dana).exists()


def test_an_entry_a_dead_worker_read_is_delivered_by_another_and_a_redelivery_notifies_once(outbox_on):
    auction = make_auction()
    dana, rival, _ = _outbid(auction)
    client, stream = outbox_on, outbox.outbox_stream()
    assert outbox.outbox_consume(consumer="first", block_ms=10) == 2
    assert Notification.objects.filter(user=dana, kind="outbid").count() == 1
    # Dana bids again and outbids the rival; a worker reads that entry and dies before acknowledging it.
    services.bid_place(auction_id=auction.pk, dealer=dana, amount_minor=10_200_00)
    [(_, read)] = client.xreadgroup(outbox.GROUP, "dead", {stream: ">"}, count=10)
    assert len(read) == 1 and not Notification.objects.filter(user=rival).exists()
    assert outbox.outbox_consume(consumer="live", block_ms=10, claim_idle_ms=60_000) == 0  # not idle long enough
    assert outbox.outbox_consume(consumer="live", block_ms=10, claim_idle_ms=0) == 1
    assert Notification.objects.filter(user=rival, kind="outbid").count() == 1

    # The same entry delivered again (a worker that died after delivering, before acknowledging): no second notice.
    client.xadd(stream, read[0][1])
    assert outbox.outbox_consume(consumer="live", block_ms=10) == 1
    assert Notification.objects.filter(user=rival, kind="outbid").count() == 1
    assert client.xlen(stream) == 0 and client.xpending(stream, outbox.GROUP)["pending"] == 0


def test_a_delivery_that_fails_stays_pending_and_is_retried(outbox_on, monkeypatch):
    auction = make_auction()
    dana, _, _ = _outbid(auction)
    monkeypatch.setattr(outbox, "send_to_groups", lambda messages: False)  # the channel layer refuses
    assert outbox.outbox_consume(consumer="w", block_ms=10) == 0
    assert outbox_on.xpending(outbox.outbox_stream(), outbox.GROUP)["pending"] == 2
    monkeypatch.undo()
    assert outbox.outbox_consume(consumer="w", block_ms=10, claim_idle_ms=0) == 2
    assert Notification.objects.filter(user=dana, kind="outbid").count() == 1


def test_redis_away_at_write_time_the_bid_stands_and_the_notice_is_written_in_process(outbox_on, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"],
                                                      "LOCATION": "redis://127.0.0.1:1/0"}}
    auction = make_auction()
    dana, _, result = _outbid(auction)
    assert result.auction.price_minor == 10_100_00
    assert Notification.objects.filter(user=dana, kind="outbid").count() == 1
