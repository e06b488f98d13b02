"""Build transparency logs and auction exports in memory, the way Gavel's services will write them.

`Log` is the global log (entries of many auctions, one Merkle tree, the log key). `SimulatedAuction` runs
one auction through Gavel's own rules — auctions.engine.resolve_bid for every bid, soft_close_end for the
soft close, Auction.reserve_met for the reserve — and appends the entries the services will append.
So a verified export here is the engine's behaviour checked by the verifier's independent replay.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings

from auctions.engine import BidRejected, Standing, resolve_bid
from auctions.models import Auction
from auctions.services.bidding import soft_close_end
from transparency import canonical
from transparency.commitment import SealedReserve
from transparency.export import auction_export, heads_document
from transparency.merkle import MerkleTree, leaf_hash
from transparency.signing import LogKey, SignedTreeHead

T0_US = 1_767_225_600_000_000  # 2026-01-01 00:00:00 UTC
REPORT_FINGERPRINT = "3f" * 32
FEE_SCHEDULE_VERSION = "2026-01"


def to_datetime(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


class Log:
    """The global log: bodies by index, the tree, signed heads."""

    def __init__(self, key: LogKey | None = None):
        self.key = key or LogKey.generate()
        self.bodies: list[bytes] = []
        self.tree = MerkleTree()
        self.heads: list[SignedTreeHead] = []

    def append(self, body: bytes) -> int:
        self.bodies.append(body)
        return self.tree.append(leaf_hash(body))

    def noise(self, count: int = 1, *, at_us: int = T0_US) -> None:
        """Entries of other auctions, so an auction's indices are not contiguous."""
        for _ in range(count):
            self.append(canonical.extension(auction_id=999_999, seq=len(self.bodies) + 2, at_us=at_us,
                                            ends_at_us=at_us + 1))

    def sign_head(self, *, timestamp_us: int) -> SignedTreeHead:
        head = self.key.sign_tree_head(tree_size=self.tree.size, timestamp_us=timestamp_us,
                                       root_hash=self.tree.root())
        self.heads.append(head)
        return head

    def heads_document(self) -> dict:
        return heads_document(tree=self.tree, heads=self.heads, public_keys=[self.key.public_json()])


@dataclass
class SimulatedAuction:
    log: Log
    auction_id: int = 7
    starting_price_minor: int = 10_000_00
    reserve_minor: int | None = 12_000_00
    opened_at_us: int = T0_US
    duration_us: int = 20 * 60 * 1_000_000
    soft_close_seconds: int = 120
    ladder: tuple = field(default_factory=lambda: tuple(settings.GAVEL_BID_INCREMENTS))
    currency: str = "EUR"
    sealed: SealedReserve = None
    standing: Standing = field(default_factory=Standing)
    ends_at_us: int = 0
    indices: list[int] = field(default_factory=list)  # this auction's leaf indices, in order
    labels: dict = field(default_factory=dict)
    bid_count: int = 0
    met: bool = False
    closed: bool = False
    outcome: str | None = None
    receipts: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.sealed = SealedReserve.seal(reserve_minor=self.reserve_minor, report_fingerprint=REPORT_FINGERPRINT,
                                         fee_schedule_version=FEE_SCHEDULE_VERSION)
        self.ends_at_us = self.opened_at_us + self.duration_us
        rules = canonical.rules_object(increment_ladder=self.ladder, soft_close_seconds=self.soft_close_seconds)
        self._append(canonical.opened(auction_id=self.auction_id, at_us=self.opened_at_us,
                                      ends_at_us=self.ends_at_us, starting_price_minor=self.starting_price_minor,
                                      currency=self.currency, commitment=self.sealed.commitment(), rules=rules))

    @property
    def seq(self) -> int:
        return len(self.indices) + 1

    def _append(self, body: bytes) -> int:
        index = self.log.append(body)
        self.indices.append(index)
        return index

    def bid(self, dealer: str, *, at_us: int, amount: int | None = None, max_amount: int | None = None) -> bool:
        """Place a bid as bid_place will; False when Gavel would refuse it (nothing is logged then)."""
        if self.closed or at_us >= self.ends_at_us:
            return False
        try:
            resolution = resolve_bid(self.standing, dealer=dealer, starting_price_minor=self.starting_price_minor,
                                     money=str, amount_minor=amount, max_amount_minor=max_amount, ladder=self.ladder)
        except BidRejected:
            return False
        self.standing = resolution.standing
        if resolution.raised_max_only:
            return True
        for planned in resolution.bids:
            alias = self.labels.setdefault(planned.dealer, f"Dealer {len(self.labels) + 1}")
            self.bid_count += 1
            body = canonical.bid(auction_id=self.auction_id, seq=self.seq, at_us=at_us, alias=alias,
                                 amount_minor=planned.amount_minor, bid_kind=planned.kind, bid_number=self.bid_count)
            index = self._append(body)
            self.receipts.append(self.log.key.receipt(entry_body=body, leaf_index=index))
        reached = Auction(price_minor=self.standing.price_minor, reserve_minor=self.reserve_minor).reserve_met
        if reached and not self.met:
            self.met = True
            self._append(canonical.reserve_met(auction_id=self.auction_id, seq=self.seq, at_us=at_us,
                                               price_minor=self.standing.price_minor))
        moved = soft_close_end(ends_at=to_datetime(self.ends_at_us), bid_time=to_datetime(at_us),
                               window=timedelta(seconds=self.soft_close_seconds))
        if moved is not None and canonical.to_us(moved) > self.ends_at_us:
            self.ends_at_us = canonical.to_us(moved)
            self._append(canonical.extension(auction_id=self.auction_id, seq=self.seq, at_us=at_us,
                                             ends_at_us=self.ends_at_us))
        return True

    def close(self, *, at_us: int | None = None) -> None:
        at_us = self.ends_at_us if at_us is None else at_us
        assert at_us >= self.ends_at_us
        if self.bid_count == 0:
            self.outcome = "no_bids"
        elif self.met:
            self.outcome = "sold"
        else:
            self.outcome = "awaiting_seller"
        leader = self.labels.get(self.standing.leader) if self.standing.leader is not None else None
        self._append(canonical.closed(auction_id=self.auction_id, seq=self.seq, at_us=at_us,
                                      ends_at_us=self.ends_at_us, price_minor=self.standing.price_minor,
                                      bid_count=self.bid_count, leader_alias=leader, outcome=self.outcome))
        self.closed = True

    def decide(self, *, at_us: int, accept: bool, decided_by: str = "seller") -> None:
        self._append(canonical.seller_decision(auction_id=self.auction_id, seq=self.seq, at_us=at_us,
                                               outcome="sold" if accept else "unsold", decided_by=decided_by))

    def offer_second_chance(self, *, at_us: int, alias: str, amount_minor: int) -> None:
        self._append(canonical.second_chance_offer(auction_id=self.auction_id, seq=self.seq, at_us=at_us,
                                                   alias=alias, amount_minor=amount_minor))

    def export(self, *, opening: bool | None = None) -> bytes:
        """The export against the log's heads (sign one first); the opening once closed."""
        if opening is None:
            opening = self.closed
        return auction_export(auction_id=self.auction_id,
                              entries=[(i, self.log.bodies[i]) for i in self.indices], tree=self.log.tree,
                              heads=self.log.heads, key=self.log.key, public_keys=[self.log.key.public_json()],
                              opening=self.sealed.opening() if opening else None)


def closed_auction(*, bids: list[tuple], reserve_minor: int | None = 12_000_00, noise: bool = True,
                   mid_head: bool = True, **kwargs) -> SimulatedAuction:
    """An auction with `bids` = [(dealer, seconds after opening, {"amount": …} or {"max_amount": …}), …],
    closed at its end, with a head signed mid-auction and one after the close."""
    log = Log()
    if noise:
        log.noise(3)
    auction = SimulatedAuction(log=log, reserve_minor=reserve_minor, **kwargs)
    for n, (dealer, seconds, offer) in enumerate(bids):
        auction.bid(dealer, at_us=auction.opened_at_us + int(seconds * 1_000_000), **offer)
        if noise and n % 2:
            log.noise(1, at_us=auction.opened_at_us + int(seconds * 1_000_000))
        if mid_head and n == len(bids) // 2:
            log.sign_head(timestamp_us=auction.opened_at_us + int(seconds * 1_000_000) + 1)
    auction.close()
    if noise:
        log.noise(2, at_us=auction.ends_at_us)
    log.sign_head(timestamp_us=auction.ends_at_us + 1_000_000)
    return auction


def reencode(export: bytes, change) -> bytes:
    """Parse an export, let `change(document)` edit it, and write it back canonically (as a tamperer would)."""
    document = json.loads(export)
    change(document)
    return canonical.canonical_json(document) + b"\n"


def random_hex() -> str:
    return secrets.token_hex(32)
