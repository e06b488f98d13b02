"""A dealer who may no longer buy leaves every live auction.

Their standing bids and maxima are withdrawn and each auction is worked out again from everyone else's bids,
through the same engine (`auctions.engine.resolve_bid`), as if the withdrawn bids had never been placed: every
remaining bid or maximum is replayed in its original order. The price may go down. Watchers get a "repriced"
live event, the auction page says that a bidder was withdrawn (never who, never why), and the change is audited.

A replay also leaves out the bids of anyone else who may no longer buy or whose maximum would now take them over
their buying limit (they may have committed elsewhere since they were outbid here), and a bid the rules refuse
in the new order (a leader may not outbid themselves). When the replay ends exactly where the bids already stand,
only the withdrawn bids change; otherwise every standing bid is marked replaced and the replay's bids are written
after them (with the times of the bids they come from), so the history everyone sees always adds up.

Locks, in the one order used everywhere: dealer profiles (all of the auction's bidders, by id), then the auction.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import DealerProfile, User
from accounts.services import dealer_profiles_lock
from auctions.bid_gate import bid_gate_hold
from auctions.engine import BidRejected, Standing, resolve_bid
from auctions.events import auction_publish_on_commit
from auctions.models import Auction, Bid
from auctions.selectors import auction_labels, dealer_committed_minor
from auctions.services.auction_log import auction_log_withdrawal
from auctions.services.bidding import money_text
from auctions.services.common import auction_dealer_notify_later, lock_auction
from core.audit import audit_record
from core.clock import db_now
from core.i18n import money_whole, translatable
from core.models import AuditLog
from core.notifications import notify_later
from core.transitions import transition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repricing:
    auction_id: int
    price_before_minor: int | None
    price_after_minor: int | None
    leader_before_id: int | None
    leader_after_id: int | None
    withdrawn_bids: int
    skipped_sequences: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    dealer_id: int
    amount_minor: int
    kind: str
    max_minor: int | None
    is_visible: bool

    @classmethod
    def of(cls, bid: Bid) -> "_Row":
        return cls(bid.dealer_id, bid.amount_minor, bid.kind, bid.max_minor, bid.is_visible)


def live_auction_ids_with_bids_of(*, dealer_id: int) -> list[int]:
    return list(Auction.objects.filter(status=Auction.Status.LIVE, bids__dealer_id=dealer_id,
                                       bids__state=Bid.State.STANDING).distinct().order_by("pk")
                .values_list("pk", flat=True))


def auction_bidder_ids(*, auction_ids) -> set[int]:
    """Everyone with a standing bid in these auctions (whose profiles a withdrawal locks first)."""
    return set(Bid.objects.filter(auction_id__in=list(auction_ids), state=Bid.State.STANDING)
               .values_list("dealer_id", flat=True).distinct())


def _replay(auction: Auction, actions: list[Bid], *,
            may_bid: Callable[[int, int], bool]) -> tuple[list[tuple[_Row, datetime]], Standing[int], list[int]]:
    """Run `actions` (each dealer's own bids and maxima, in their order) through the engine from an empty auction.
    `may_bid(dealer_id, offered_minor)` leaves out those who may not bid that much now."""
    standing: Standing[int] = Standing()
    rows: list[tuple[_Row, datetime]] = []
    skipped: list[int] = []
    for action in actions:
        amount = action.amount_minor if action.kind == Bid.Kind.DIRECT else None
        maximum = action.max_minor if action.kind == Bid.Kind.PROXY else None
        offered = amount if amount is not None else maximum
        assert offered is not None  # a direct bid has its amount, a proxy bid its maximum
        if not may_bid(action.dealer_id, offered):
            skipped.append(action.sequence)
            continue
        try:
            resolution = resolve_bid(standing, dealer=action.dealer_id,
                                     starting_price_minor=auction.starting_price_minor, amount_minor=amount,
                                     max_amount_minor=maximum, ladder=settings.GAVEL_BID_INCREMENTS, money=money_text)
        except BidRejected:
            skipped.append(action.sequence)
            continue
        if resolution.raised_max_only:
            assert standing.price_minor is not None  # the dealer leads, so there is a price
            rows.append((_Row(action.dealer_id, standing.price_minor, Bid.Kind.PROXY, maximum, False),
                         action.created_at))
        else:
            rows += [(_Row(p.dealer, p.amount_minor, p.kind, p.max_minor, True), action.created_at)
                     for p in resolution.bids]
        standing = resolution.standing
    return rows, standing, skipped


def auction_bids_withdraw(*, auction_id: int, dealer_id: int, actor: User | None, reason: str, reason_code: str,
                          profiles: dict[int, DealerProfile]) -> Repricing | None:
    """Withdraw `dealer_id`'s standing bids on one live auction and work it out again from the rest; the withdrawal
    and the replay's visible bids go into the transparency log (`withdrawal`, with `reason_code`).

    `profiles` are the auction's bidders' profiles, already locked by the caller (before this auction's lock);
    a bidder who is not among them (they bid after the caller looked) is judged on an unlocked read."""
    auction = lock_auction(auction_id)
    if auction.status != Auction.Status.LIVE:
        return None
    standing_bids = list(auction.bids.filter(state=Bid.State.STANDING).order_by("sequence"))
    withdrawn = [bid for bid in standing_bids if bid.dealer_id == dealer_id]
    if not withdrawn:
        return None
    kept = [bid for bid in standing_bids if bid.dealer_id != dealer_id]
    unlocked = {bid.dealer_id for bid in kept} - set(profiles)
    known = {**profiles, **{p.user_id: p for p in DealerProfile.objects.select_related("user")
                           .filter(user_id__in=unlocked)}}
    committed: dict[int, int] = {}

    def may_bid(bidder_id: int, offered_minor: int) -> bool:
        profile = known.get(bidder_id)
        if bidder_id == dealer_id or profile is None or not profile.can_bid:
            return False
        if bidder_id not in committed:
            committed[bidder_id] = dealer_committed_minor(dealer=profile.user, exclude_auction_id=auction.pk)
        return committed[bidder_id] + offered_minor <= profile.buying_limit_minor

    actions = [bid for bid in kept if bid.kind in (Bid.Kind.DIRECT, Bid.Kind.PROXY)]
    rows, new, skipped = _replay(auction, actions, may_bid=may_bid)

    now = db_now()
    before = (auction.price_minor, auction.leader_id)
    for bid in withdrawn:
        transition(bid, Bid.State.WITHDRAWN, field="state", actor=actor, updates={"withdrawn_at": now},
                   reason=f"The dealer may no longer buy: {reason}")
    if [_Row.of(bid) for bid in kept] != [row for row, _ in rows]:
        for bid in kept:
            transition(bid, Bid.State.REPLACED, field="state", actor=actor, updates={"withdrawn_at": now},
                       reason="The auction was worked out again without a withdrawn bidder")
        Bid.objects.bulk_create([
            Bid(auction=auction, dealer_id=row.dealer_id, amount_minor=row.amount_minor, kind=row.kind,
                max_minor=row.max_minor, is_visible=row.is_visible, sequence=auction.last_sequence + i,
                created_at=created_at)
            for i, (row, created_at) in enumerate(rows, start=1)])
        auction.last_sequence += len(rows)
    auction.price_minor, auction.leader_id, auction.leader_max_minor = new.price_minor, new.leader, new.leader_max_minor
    auction.bid_count = sum(1 for row, _ in rows if row.is_visible)
    auction.event_seq += 1
    auction_log_withdrawal(auction, dealer_id=dealer_id, reason_code=reason_code, now=now,
                           rebuilt=[Bid(dealer_id=row.dealer_id, amount_minor=row.amount_minor, kind=row.kind)
                                    for row, _ in rows if row.is_visible])
    auction.save(update_fields=["price_minor", "leader", "leader_max_minor", "bid_count", "last_sequence",
                                "event_seq", "log_seq", "log_reserve_met", "updated_at"])
    # The price may go down: before this commits, no older copy of the minimum may refuse a bid (auctions.bid_gate).
    bid_gate_hold(auction_id=auction.pk, event_seq=auction.event_seq)

    repricing = Repricing(auction_id=auction.pk, price_before_minor=before[0], price_after_minor=new.price_minor,
                          leader_before_id=before[1], leader_after_id=new.leader, withdrawn_bids=len(withdrawn),
                          skipped_sequences=skipped)
    audit_record(obj=auction, action=AuditLog.Action.UPDATE, actor=actor,
                 reason=f"Bids of a dealer who may no longer buy withdrawn: {reason}",
                 data={"kind": "repriced", "dealer_id": dealer_id,
                       "withdrawn_sequences": [b.sequence for b in withdrawn], "skipped_sequences": skipped,
                       "price_before_minor": before[0], "price_after_minor": new.price_minor,
                       "leader_before_id": before[1], "leader_after_id": new.leader})
    auction_publish_on_commit(auction, "repriced", labels=auction_labels(auction=auction))
    _tell_repriced(auction, repricing, withdrawn_dealer_id=dealer_id)
    logger.info("auction %s repriced after withdrawing dealer %s: %s -> %s", auction.pk, dealer_id, before[0],
                new.price_minor)
    return repricing


def _tell_repriced(auction: Auction, repricing: Repricing, *, withdrawn_dealer_id: int) -> None:
    listing, key = auction.listing, f"auction:{auction.pk}:repriced:{auction.event_seq}"
    car = listing.display_title
    url = reverse("auctions:detail", args=[auction.pk])
    price = money_whole(repricing.price_after_minor) if repricing.price_after_minor else None
    now_text = translatable("The price is now {price}.", price=price) if price else translatable("No bids stand now.")
    notify_later(user_id=listing.seller_id, kind="auction_repriced", url=url, event_key=key,
                 title=translatable("A bidder on your {car} was withdrawn", car=car),
                 body=translatable("A dealer who may no longer buy on Gavel was withdrawn, and the auction was worked "
                                   "out again from the remaining bids. {now}", now=now_text))
    new_leader, old_leader = repricing.leader_after_id, repricing.leader_before_id
    if new_leader is not None and new_leader != old_leader:
        auction_dealer_notify_later(
            auction_id=auction.pk, dealer_id=new_leader, kind="auction_repriced", url=url, event_key=key,
            title=translatable("You are now the highest bidder on the {car}", car=car),
            body=translatable("A bidder was withdrawn and the auction was worked out again from the remaining bids. "
                              "You are the highest bidder at {price}.", price=price))
    if old_leader not in (None, new_leader, withdrawn_dealer_id):
        auction_dealer_notify_later(
            auction_id=auction.pk, dealer_id=old_leader, kind="outbid", url=url, event_key=key,
            title=translatable("You no longer lead on the {car}", car=car),
            body=translatable("A bidder was withdrawn and the auction was worked out again from the remaining bids. "
                              "{now} Bid again before the auction ends.", now=now_text))


def dealer_bids_withdraw(*, dealer_id: int, actor: User | None, reason: str, reason_code: str) -> list[Repricing]:
    """Withdraw a dealer's bids from every live auction, each worked out again from the rest.

    Call inside the transaction that made the dealer unable to buy, holding their profile lock (so no bid of
    theirs lands meanwhile). Locks the other bidders' profiles (by id), then each auction."""
    repricings = []
    with transaction.atomic():
        auction_ids = live_auction_ids_with_bids_of(dealer_id=dealer_id)
        profiles = dealer_profiles_lock(user_ids=auction_bidder_ids(auction_ids=auction_ids) | {dealer_id})
        for auction_id in auction_ids:
            repricing = auction_bids_withdraw(auction_id=auction_id, dealer_id=dealer_id, actor=actor, reason=reason,
                                              reason_code=reason_code, profiles=profiles)
            if repricing is not None:
                repricings.append(repricing)
    return repricings
