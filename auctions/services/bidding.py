"""Placing a bid: one short transaction around the locked auction row, no network inside.

Order inside the transaction: lock the dealer's profile (their bids on other auctions queue here, so
two of them cannot both pass the buying limit), then, in a statement of its own, add up what they have already
committed; only then lock the auction (every bid on one auction queues here), read the database clock, check
the rules and write the bids and the new standing. The hot lock — the auction row — is held only for that last,
short part. Lock order is always dealer profile → auction; nothing takes them the other way round.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery
from django.urls import reverse

from accounts.models import DealerProfile, User
from accounts.services import dealer_check_can_bid, dealer_ensure_can_bid
from auctions.engine import BidRejected, BidTooLow, Standing, resolve_bid
from auctions.events import auction_publish_on_commit
from auctions.models import Auction, Bid, BidderLabel, bidder_label
from auctions.selectors import dealer_committed_minor
from auctions.services.auction_log import log_append_bid_request
from auctions.services.common import (
    AuctionEnded,
    AuctionNotFound,
    AuctionNotLive,
    BuyingLimitExceeded,
    OwnListing,
    lock_auction,
)
from auctions.services.shill import bidder_ensure_independent
from core.clock import db_now, db_now_expression
from core.events import publish_on_commit, user_group
from core.exceptions import ApplicationError
from core.money import Money
from core.notifications import notify_later
from transparency import canonical
from transparency.services import LoggedEntry, receipts_sign


@dataclass(frozen=True)
class BidResult:
    """What a placed bid did: the auction as it stands after it (in memory, as committed), the bid rows it wrote
    (a proxy answer and the dealer's own bid; invisible for a leader raising their own maximum), the bidders'
    label numbers, and whose bid it was. api.py and views.py turn it into their answers. `receipts`: the signed
    transparency-log receipt of each bid entry this request logged (docs/transparency.md), for the bidder only."""

    auction: Auction
    bids: list[Bid]
    labels: dict[int, int]
    dealer_id: int
    receipts: list[dict] = field(default_factory=list)

    @property
    def leading(self) -> bool:
        return self.auction.leader_id == self.dealer_id

    @property
    def my_max_minor(self) -> int | None:
        """The dealer's own maximum now: the leader's private maximum if they lead, else the last one they set."""
        if self.leading:
            return self.auction.leader_max_minor
        return next((b.max_minor for b in reversed(self.bids) if b.dealer_id == self.dealer_id and b.max_minor), None)

    @property
    def visible_bids(self) -> list[Bid]:
        return [bid for bid in self.bids if bid.is_visible]


def money_text(amount_minor: int) -> str:
    """How a dealer reads an amount in a bid's answer: the site's currency, cents only when there are any."""
    return Money.of(amount_minor).format(show_minor=False)


def soft_close_end(*, ends_at: datetime, bid_time: datetime, window: timedelta) -> datetime | None:
    """The new end if a bid at `bid_time` falls in the last `window` (boundary included), else None."""
    if bid_time >= ends_at - window:
        return max(ends_at, bid_time + window)
    return None


def _labels_for(auction: Auction, dealers: set[int]) -> dict[int, int]:
    """dealer id -> label number for `dealers`, giving new bidders the next number (under the auction lock)."""
    existing = dict(BidderLabel.objects.filter(auction=auction).values_list("dealer_id", "number"))
    missing = [d for d in dealers if d not in existing]
    if missing:
        next_number = max(existing.values(), default=0) + 1
        new = [BidderLabel(auction=auction, dealer_id=d, number=next_number + i) for i, d in enumerate(missing)]
        BidderLabel.objects.bulk_create(new)
        existing.update({label.dealer_id: label.number for label in new})
    return existing


@dataclass
class _Bidder:
    """What was learnt about the dealer before the auction lock: their profile or why they can't bid."""

    refusal: ApplicationError | None = None
    profile: DealerProfile | None = None
    limit_minor: int = 0
    committed_minor: int = 0


def _bidder(*, dealer: User, auction_id: int) -> _Bidder:
    """The dealer's profile, locked, then what they have committed outside this auction.

    Two statements on purpose. Under READ COMMITTED a statement reads the snapshot taken when it started: had the
    total been computed in the statement that waits for the profile lock, it would miss what the bid holding
    the lock committed meanwhile (two simultaneous maxima on two cars would both pass the limit). A statement
    started after the lock is granted sees every commitment made under that lock."""
    try:
        profile = dealer_ensure_can_bid(user=dealer, lock=True)
    except ApplicationError as exc:
        return _Bidder(refusal=exc)
    return _Bidder(profile=profile, limit_minor=profile.buying_limit_minor,
                   committed_minor=dealer_committed_minor(dealer=dealer, exclude_auction_id=auction_id))


def _apply(*, auction: Auction, dealer: User, bidder: _Bidder, amount_minor, max_amount_minor,
           now) -> tuple[list[Bid], dict, list[LoggedEntry]]:
    if auction.status != Auction.Status.LIVE:
        raise AuctionNotLive()
    if now >= auction.ends_at:
        raise AuctionEnded()
    bidder_ensure_independent(auction=auction, dealer=dealer, profile=bidder.profile)
    if bidder.refusal is not None:
        raise bidder.refusal

    standing = Standing(auction.price_minor, auction.leader_id, auction.leader_max_minor)
    resolution = resolve_bid(standing, dealer=dealer.pk, starting_price_minor=auction.starting_price_minor,
                             amount_minor=amount_minor, max_amount_minor=max_amount_minor,
                             ladder=settings.GAVEL_BID_INCREMENTS, money=money_text)

    committed_now = max_amount_minor if max_amount_minor is not None else amount_minor
    if bidder.committed_minor + committed_now > bidder.limit_minor:
        raise BuyingLimitExceeded(fields={"max_amount_minor" if max_amount_minor is not None else "amount_minor": [
            f"Your buying limit is {money_text(bidder.limit_minor)}."]})

    previous_leader, ends_at_before, first_bid_number = auction.leader_id, auction.ends_at, auction.bid_count + 1
    sequence = auction.last_sequence
    if resolution.raised_max_only:
        # Kept for the record (staff see it); nothing public changed, so no event and no extension.
        planned = [Bid(auction=auction, dealer=dealer, amount_minor=auction.price_minor, kind=Bid.Kind.PROXY,
                       max_minor=max_amount_minor, sequence=sequence + 1, is_visible=False, created_at=now)]
    else:
        planned = [Bid(auction=auction, dealer_id=p.dealer, amount_minor=p.amount_minor, kind=p.kind,
                       max_minor=p.max_minor, sequence=sequence + i, is_visible=True, created_at=now)
                   for i, p in enumerate(resolution.bids, start=1)]
    Bid.objects.bulk_create(planned)
    auction.last_sequence = planned[-1].sequence
    labels = _labels_for(auction, {b.dealer_id for b in planned})

    new = resolution.standing
    auction.price_minor, auction.leader_id, auction.leader_max_minor = new.price_minor, new.leader, new.leader_max_minor
    update = ["price_minor", "leader", "leader_max_minor", "last_sequence", "updated_at"]
    extended = None
    if not resolution.raised_max_only:
        auction.bid_count += len(planned)
        auction.event_seq += 1
        update += ["bid_count", "event_seq"]
        extended = soft_close_end(ends_at=auction.ends_at, bid_time=now,
                                  window=timedelta(seconds=settings.GAVEL_SOFT_CLOSE_SECONDS))
        if extended is not None:
            auction.ends_at = extended
            update.append("ends_at")
        logged = log_append_bid_request(auction, bids=planned, labels=labels, first_bid_number=first_bid_number,
                                        ends_at_before=ends_at_before, now=now)
        update += ["log_seq", "log_reserve_met"] if logged else []
    else:
        logged = []
    auction.save(update_fields=update)

    if not resolution.raised_max_only:
        # "extension": the bid fell in the soft-close window and moved the end (the snapshot has the new end).
        auction_publish_on_commit(auction, "bid" if extended is None else "extension", new_bids=planned, labels=labels)
        if previous_leader is not None and previous_leader != auction.leader_id:
            _notify_outbid_on_commit(auction, previous_leader)
    return planned, labels, logged


def _notify_outbid_on_commit(auction: Auction, dealer_id: int) -> None:
    listing = auction.listing
    notify_later(user_id=dealer_id, kind="outbid", url=reverse("auctions:detail", args=[auction.pk]),
                 event_key=f"auction:{auction.pk}:outbid:{auction.event_seq}",
                 title=f"You have been outbid on the {listing.display_title}",
                 body=f"The price is now {money_text(auction.price_minor)}. "
                      "Bid again before the auction ends.")


def _refuse_early(*, auction_id: int, dealer: User, amount_minor, max_amount_minor) -> None:
    """Refuse, without taking any lock, a bid that the locked check would refuse the same way.

    In a hot auction most bids arrive one increment too late. A price only ever goes up, so a bid below
    the minimum computed from an unlocked read is below the true minimum too; every other check (live,
    end on the database clock, own car, verified) repeats under the lock. Keeps the hot lock for bids
    that can win."""
    dealer_status = DealerProfile.objects.filter(user_id=dealer.pk).values("status")[:1]
    row = (Auction.objects.filter(pk=auction_id)
           .annotate(open=ExpressionWrapper(Q(ends_at__gt=db_now_expression()), output_field=BooleanField()),
                     dealer_status=Subquery(dealer_status))
           .values("status", "open", "price_minor", "leader_id", "leader_max_minor", "starting_price_minor",
                   "listing__seller_id", "dealer_status").first())
    if row is None:
        raise AuctionNotFound()
    if row["status"] != Auction.Status.LIVE:
        raise AuctionNotLive()
    if not row["open"]:
        raise AuctionEnded()
    if row["listing__seller_id"] == dealer.pk:
        raise OwnListing()
    dealer_check_can_bid(user=dealer, profile_status=row["dealer_status"])
    if row["leader_id"] == dealer.pk:
        return  # raising one's own maximum has rules of its own; leave it to the locked path
    try:
        resolve_bid(Standing(row["price_minor"], row["leader_id"], row["leader_max_minor"]), dealer=dealer.pk,
                    starting_price_minor=row["starting_price_minor"], amount_minor=amount_minor,
                    max_amount_minor=max_amount_minor, ladder=settings.GAVEL_BID_INCREMENTS, money=money_text)
    except BidTooLow:
        raise
    except BidRejected as exc:
        if exc.code == "invalid":
            raise


def bid_place(*, auction_id: int, dealer: User, amount_minor: int | None = None,
              max_amount_minor: int | None = None) -> BidResult:
    """Place a direct bid (`amount_minor`) or set a maximum (`max_amount_minor`); returns what it did.

    Refusals raise ApplicationError (codes: auction_not_live, auction_ended, not_a_dealer, not_verified,
    own_listing, bid_too_low, already_leading, buying_limit_exceeded, invalid). Lock order: the dealer's
    profile, then the auction (see the module)."""
    _refuse_early(auction_id=auction_id, dealer=dealer, amount_minor=amount_minor, max_amount_minor=max_amount_minor)
    with transaction.atomic():
        bidder = _bidder(dealer=dealer, auction_id=auction_id)
        auction = lock_auction(auction_id)
        bids, labels, logged = _apply(auction=auction, dealer=dealer, bidder=bidder, amount_minor=amount_minor,
                                      max_amount_minor=max_amount_minor, now=db_now())
    return BidResult(auction=auction, bids=bids, labels=labels, dealer_id=dealer.pk,
                     receipts=_receipts_send(auction=auction, dealer=dealer, labels=labels, logged=logged))


def _receipts_send(*, auction: Auction, dealer: User, labels: dict[int, int], logged: list[LoggedEntry]) -> list[dict]:
    """The signed receipts of the dealer's own bid entries (signed after the commit: no database needed), also
    sent to the dealer's open pages only (their user group), on commit."""
    own = bidder_label(labels.get(dealer.pk))
    receipts = [r for r in receipts_sign(logged) if canonical.parse_entry(r["entry"].encode())["alias"] == own]
    if receipts:
        publish_on_commit([(user_group(dealer.pk), {"type": "receipt", "auction": auction.pk, "receipts": receipts})])
    return receipts
