"""An accepted bid decided in one database round trip (auctions/sql/bid_place_v2.sql): the statement appends the
request's transparency-log entries itself — the same entries, byte for byte, as the ORM path's
`log_append_bid_request` — and returns the shill rules' facts; no health check runs before it, and a connection found
dead by it is replaced and the bid placed once."""

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from auctions import services
from auctions.engine import BidTooLow
from auctions.models import Auction, Bid
from auctions.services import bidding
from auctions.services.shill import LinkedToSeller
from core import outbox
from core.exceptions import ApplicationError
from integrations import services as webhook_services
from integrations.models import EventType, WebhookEndpoint, WebhookEvent
from tests.accounts.factories import DealerFactory
from tests.auctions.conftest import move_end
from tests.auctions.factories import make_auction
from transparency import canonical
from transparency.models import LogEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _entries(auction: Auction) -> list[dict]:
    """The auction's log entries after its opening, without what differs between two auctions (id, time)."""
    out = []
    for body in LogEntry.objects.filter(auction_id=auction.pk).order_by("index").values_list("body", flat=True):
        assert canonical.canonical_json(json.loads(body)) == body.encode("utf-8")  # canonical bytes
        entry = canonical.parse_entry(body.encode("utf-8"))
        out.append({key: value for key, value in entry.items() if key not in ("auction_id", "at_us", "ends_at_us")})
    return out[1:]


def _script(auction: Auction, dealers, *, late: bool):
    """One sequence: a first bid, a maximum over it, a bid its proxy answers, the leader raising their maximum, a
    bid that beats the maximum, a tie, and (if `late`) a bid in the soft-close window; refusals on the way."""
    a, b, c = dealers
    outcomes: list[tuple] = []

    def bid(dealer, **amounts):
        try:
            result = services.bid_place(auction_id=auction.pk, dealer=dealer, **amounts)
            outcomes.append(("placed", [(bid.amount_minor, bid.kind, bid.is_visible) for bid in result.bids],
                             [json.loads(r["entry"])["seq"] for r in result.receipts]))
        except ApplicationError as exc:
            outcomes.append(("refused", exc.code))

    bid(a, amount_minor=10_000_00)
    bid(b, max_amount_minor=11_500_00)
    bid(c, amount_minor=11_000_00)
    bid(b, max_amount_minor=12_500_00)
    bid(c, amount_minor=11_900_00)
    bid(a, amount_minor=13_000_00)
    bid(b, max_amount_minor=13_100_00)
    bid(c, max_amount_minor=13_250_00)
    if late:
        move_end(auction, seconds_from_now=30)
        bid(a, amount_minor=13_600_00)
    return outcomes


@pytest.mark.parametrize("late", [False, True])
def test_the_function_logs_the_same_entries_as_the_orm_path(monkeypatch, late):
    in_function = make_auction()
    in_orm = make_auction()
    dealers = [DealerFactory(verified=True) for _ in range(3)]

    by_function = _script(in_function, dealers, late=late)
    monkeypatch.setattr(bidding, "bid_in_one_statement", lambda: False)
    by_orm = _script(in_orm, dealers, late=late)

    assert by_function == by_orm
    assert _entries(in_function) == _entries(in_orm)
    kinds = [entry["kind"] for entry in _entries(in_function)]
    assert kinds.count("reserve_met") == 1 and kinds.count("extension") == (1 if late else 0)
    in_function.refresh_from_db()
    in_orm.refresh_from_db()
    assert (in_function.log_seq, in_function.log_reserve_met) == (in_orm.log_seq, in_orm.log_reserve_met)
    assert in_function.log_seq == 1 + len(kinds)


def _round_trips(trace: Path) -> int:
    """What a libpq protocol trace shows: the server's ReadyForQuery ends each round trip."""
    return sum("\tReadyForQuery" in line for line in trace.read_text().splitlines())


def test_an_accepted_bid_is_one_statement_in_three_round_trips_and_a_stale_one_none(settings, redis, tmp_path):
    settings.GAVEL_OUTBOX = True  # the after-commit effects leave through Redis, not the database
    auction = make_auction()
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
    services.bid_place(auction_id=auction.pk, dealer=first, max_amount_minor=12_000_00)

    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out, CaptureQueriesContext(connection) as accepted:
        connection.connection.pgconn.trace(out.fileno())
        try:
            result = services.bid_place(auction_id=auction.pk, dealer=second, max_amount_minor=13_000_00)
        finally:
            connection.connection.pgconn.untrace()
    # BEGIN, the decision (the log entries and the shill facts included), COMMIT; nothing after the commit: whether
    # the outbid dealer has webhook endpoints, and whom in their organisation to tell, the outbox worker looks up.
    statements = [query["sql"].split("(")[0] for query in accepted.captured_queries]
    assert statements == ["BEGIN", "SELECT gavel_bid_place", "COMMIT"]
    assert _round_trips(trace) == 3
    assert [(bid.amount_minor, bid.kind) for bid in result.bids] == [(12_000_00, "auto"), (12_100_00, "proxy")]
    assert len(result.receipts) == 1 and json.loads(result.receipts[0]["entry"])["amount_minor"] == 12_100_00

    # A stale bid (the minimum already moved) is refused from the bid gate's copy in Redis, without PostgreSQL.
    with CaptureQueriesContext(connection) as refused, pytest.raises(ApplicationError) as too_low:
        services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=12_100_00)
    assert isinstance(too_low.value, BidTooLow) and too_low.value.minimum_minor == 12_200_00
    assert refused.captured_queries == []


def test_the_outbox_worker_tells_the_outbid_dealers_webhook_endpoint_of_the_bid(settings, redis, monkeypatch):
    settings.GAVEL_OUTBOX = True
    auction = make_auction()
    first, second = DealerFactory(verified=True), DealerFactory(verified=True)
    endpoint = WebhookEndpoint.objects.create(owner=first, url="https://hooks.example.test/gavel",
                                              events=[EventType.AUCTION_OUTBID])
    services.bid_place(auction_id=auction.pk, dealer=first, amount_minor=10_000_00)
    services.bid_place(auction_id=auction.pk, dealer=second, amount_minor=10_100_00)
    assert not WebhookEvent.objects.exists()  # nothing was looked up in the bids' requests

    tried: list[int] = []  # the delivery's first try, not sent from this test
    monkeypatch.setattr(webhook_services, "webhook_delivery_attempt", lambda delivery_id: tried.append(delivery_id))
    assert outbox.outbox_consume(consumer="w", block_ms=10) == 2
    [event] = WebhookEvent.objects.all()
    assert (event.owner_id, event.type, event.event_key) == (first.pk, EventType.AUCTION_OUTBID,
                                                             f"auction:{auction.pk}:outbid:3")
    assert list(event.deliveries.values_list("endpoint_id", flat=True)) == [endpoint.pk]
    assert tried == list(event.deliveries.values_list("pk", flat=True))


def test_a_bidder_linked_to_the_seller_is_refused_and_nothing_is_written():
    auction = make_auction()
    seller = auction.listing.seller
    seller.phone = "+49 170 1234567"
    seller.save(update_fields=["phone"])
    cousin = DealerFactory(verified=True, phone="0170 1234567")
    log_size = LogEntry.objects.count()

    with pytest.raises(LinkedToSeller):
        services.bid_place(auction_id=auction.pk, dealer=cousin, amount_minor=10_000_00)
    auction.refresh_from_db()
    assert (auction.bid_count, auction.price_minor, auction.log_seq) == (0, None, 1)
    assert not Bid.objects.filter(auction=auction).exists() and LogEntry.objects.count() == log_size


def test_no_health_check_before_the_bid_and_a_dead_connection_is_replaced_with_the_bid_placed_once(monkeypatch):
    auction = make_auction()
    dealer, rival = DealerFactory(verified=True), DealerFactory(verified=True)
    wrapper: Any = connections["default"]  # Django's health-check attributes, which django-stubs leave out
    wrapper.ensure_connection()
    # A persistent connection at the start of a request, as with CONN_MAX_AGE and CONN_HEALTH_CHECKS.
    wrapper.health_check_enabled, wrapper.health_check_done = True, False
    checks: list[int] = []
    real_is_usable = wrapper.is_usable

    def is_usable() -> bool:
        checks.append(1)
        return real_is_usable()

    monkeypatch.setattr(wrapper, "is_usable", is_usable)

    services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=10_000_00)
    assert checks == []

    # The server ends the session behind the connection's back (a restart, a dropped idle connection).
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(host=settings_dict["HOST"], port=settings_dict["PORT"] or 5432, user=settings_dict["USER"],
                         password=settings_dict["PASSWORD"] or None, dbname=settings_dict["NAME"],
                         autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    wrapper.health_check_done = False

    result = services.bid_place(auction_id=auction.pk, dealer=rival, amount_minor=10_100_00)
    assert connection.connection.info.backend_pid != pid and checks == []  # replaced without a health check
    assert result.auction.price_minor == 10_100_00
    auction.refresh_from_db()
    assert auction.bid_count == 2 and Bid.objects.filter(auction=auction, amount_minor=10_100_00).count() == 1


def test_a_refusal_without_a_key_is_rolled_back_and_one_with_a_key_kept(monkeypatch, redis):
    """A refusal without an idempotency key wrote nothing to keep (the profile's lock at most): its transaction is
    rolled back, which waits for no WAL flush; with a key the stored refusal is committed and comes back."""
    auction = make_auction()
    dealer = DealerFactory(verified=True, profile__buying_limit_minor=5_000_00)
    ends: list[str] = []
    real_commit, real_rollback = connection.commit, connection.rollback

    def commit():
        ends.append("commit")
        real_commit()

    def rollback():
        ends.append("rollback")
        real_rollback()

    monkeypatch.setattr(connection, "commit", commit)
    monkeypatch.setattr(connection, "rollback", rollback)
    amount = 10_000_00  # over the buying limit: refused after the profile's lock
    with pytest.raises(ApplicationError) as refused:
        services.bid_place(auction_id=auction.pk, dealer=dealer, amount_minor=amount)
    assert refused.value.code == "buying_limit_exceeded" and ends == ["rollback"]
    ends.clear()
    for replay in (False, True):
        with pytest.raises(ApplicationError) as refused:
            services.bid_place(auction_id=auction.pk, dealer=dealer, idempotency_key="k-1", request_hash="h",
                               amount_minor=amount)
        assert refused.value.code == "buying_limit_exceeded" and getattr(refused.value, "replayed") is replay  # noqa: B009
    assert ends == ["commit", "commit"]
    assert not Bid.objects.filter(auction=auction).exists()
