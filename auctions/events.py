"""What an auction's open pages are told, and the one function that tells them (through core.events).

The snapshot is the dealer-safe public state: no reserve, no maxima, no identities (bidders are "Dealer N"),
so the same frame serves every audience of the auction page; seller-only data (reserve, identities once sold)
stays behind the REST API. Every frame carries the auction's `event_seq`; a client that sees a gap resyncs.
"""

from collections.abc import Iterable

from django.db import transaction
from rest_framework import serializers

from auctions.bid_gate import bid_gate_write
from auctions.models import Auction, Bid, bidder_label
from auctions.selectors import auction_minimum_next_bid
from core.events import DASHBOARD, auction_group, publish_on_commit

# What a dashboard card needs; the auction page also gets `new_bids` (labels and amounts, never identities).
SUMMARY_FIELDS = ("auction_id", "event_seq", "status", "outcome", "price_minor", "bid_count", "reserve_met",
                  "minimum_next_bid_minor", "ends_at", "leader_label")


def _time(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def auction_public_snapshot(auction: Auction, *, new_bids: Iterable[Bid] = (), labels: dict | None = None) -> dict:
    """The dealer-safe state sent with every live event."""
    labels = labels or {}
    return {
        "auction_id": auction.pk,
        "event_seq": auction.event_seq,
        "status": auction.status,
        "outcome": auction.outcome,
        "price_minor": auction.price_minor,
        "bid_count": auction.bid_count,
        "reserve_met": auction.reserve_met,
        "minimum_next_bid_minor": auction_minimum_next_bid(auction),
        "ends_at": _time(auction.ends_at),
        "leader_label": bidder_label(labels.get(auction.leader_id)),
        "new_bids": [
            {"sequence": b.sequence, "label": bidder_label(labels.get(b.dealer_id)), "amount_minor": b.amount_minor,
             "kind": b.kind, "created_at": _time(b.created_at)}
            for b in new_bids if b.is_visible
        ],
    }


def auction_frames(*, kind: str, snapshot: dict) -> tuple[dict, dict]:
    """The auction-page frame and the dashboard summary for one event. `coalesced_from` is the first event a
    frame covers (live.consumers.FrameSender merges frames that wait)."""
    state = {"type": "state", "kind": kind, **snapshot, "coalesced_from": snapshot["event_seq"]}
    summary = {"type": "summary", "kind": kind, **{key: snapshot[key] for key in SUMMARY_FIELDS},
               "coalesced_from": snapshot["event_seq"]}
    return state, summary


def auction_event(auction: Auction, kind: str, *, new_bids: Iterable[Bid] = (),
                  labels: dict | None = None) -> tuple[list[tuple[str, dict]], dict]:
    """One event's frames (the auction's page, every dashboard) and the bid gate's copy (auctions.bid_gate), from a
    snapshot taken now, under the auction's row lock."""
    snapshot = auction_public_snapshot(auction, new_bids=new_bids, labels=labels)
    state, summary = auction_frames(kind=kind, snapshot=snapshot)
    copy = {"auction_id": auction.pk, "event_seq": auction.event_seq, "status": auction.status,
            "minimum_minor": snapshot["minimum_next_bid_minor"], "leader_id": auction.leader_id,
            "ends_at_ms": int(auction.ends_at.timestamp() * 1000)}
    return [(auction_group(auction.pk), state), (DASHBOARD, summary)], copy


def auction_publish_on_commit(auction: Auction, kind: str, *, new_bids: Iterable[Bid] = (),
                              labels: dict | None = None) -> None:
    """Tell the auction's page and every dashboard, once the transaction commits, what changed (`auction_event`).
    The auction's copy for the bid gate is written at the same moment."""
    messages, copy = auction_event(auction, kind, new_bids=new_bids, labels=labels)
    transaction.on_commit(lambda: bid_gate_write(**copy))
    publish_on_commit(messages)
