"""Placing a bid: one short transaction around the locked auction row, no network inside.

On PostgreSQL the whole decision is one statement, `SELECT gavel_bid_place(...)` (auctions/sql/bid_place_v3.sql):
it decides, writes the bids, appends the request's transparency-log entries and returns the shill rules' facts, so
an accepted bid costs BEGIN, that statement and COMMIT (no per-request health check: core.db); the hot lock is held
only while the database decides and writes, the answer is built after the commit, and the after-commit effects leave
in one Redis write (core.outbox).
Its reference model is the pure engine (auctions/engine.py), held to it by a differential test. SQLite (the embedded
first-run database) has no PL/pgSQL; there the engine runs over the ORM, in the same order:

Order inside the transaction: lock the dealer's profile (their bids on other auctions queue here, so
two of them cannot both pass the buying limit), then, in a statement of its own, add up what they have already
committed; only then lock the auction (every bid on one auction queues here), read the database clock, check
the rules and write the bids and the new standing. The hot lock — the auction row — is held only for that last,
short part. Lock order is always dealer profile → auction; nothing takes them the other way round.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import DealerProfile, User
from accounts.services import (
    NotVerified,
    dealer_check_can_bid,
    dealer_ensure_can_bid,
    email_verified_ensure,
    not_a_dealer_refusal,
)
from auctions.bid_gate import BidGateCopy, bid_gate_queue, bid_gate_read, bid_gate_refusal
from auctions.engine import (
    AlreadyLeading,
    BidRejected,
    BidTooLow,
    Standing,
    already_leading_refusal,
    amount_or_maximum_refusal,
    amount_range_refusal,
    bid_too_low,
    own_maximum_too_low,
    resolve_bid,
)
from auctions.events import auction_event, auction_publish_on_commit
from auctions.models import Auction, Bid, BidderLabel, bidder_label
from auctions.selectors import dealer_committed_minor
from auctions.services.auction_log import log_append_bid_request
from auctions.services.common import (
    AuctionEnded,
    AuctionNotFound,
    AuctionNotLive,
    BuyingLimitExceeded,
    IdempotencyKeyReused,
    OwnListing,
    auction_dealer_notify_later,
    lock_auction,
)
from auctions.services.idempotency import idempotency_lock_id
from auctions.services.shill import bidder_ensure_independent, independence_ensure
from core.clock import db_now, db_now_expression
from core.db import first_statement, reconnecting
from core.events import publish_on_commit, user_group
from core.exceptions import ApplicationError
from core.i18n import money_whole, translatable
from core.money import AMOUNT_MAX_MINOR, Money
from core.outbox import outbox_enabled, outbox_send_on_commit
from integrations.models import EventType
from integrations.services import webhook_emit_on_commit
from marketplace.models import Listing
from transparency import canonical
from transparency.services import LoggedEntry, receipts_sign


@dataclass(frozen=True)
class BidResult:
    """What a placed bid did: the auction as it stands after it (in memory, as committed), the bid rows it wrote
    (a proxy answer and the dealer's own bid; invisible for a leader raising their own maximum), the bidders'
    label numbers, and whose bid it was. api.py and views.py turn it into their answers."""

    auction: Auction
    bids: list[Bid]
    labels: dict[int, int]
    dealer_id: int
    replayed: bool = False  # an idempotent retry: the first decision, nothing placed now
    receipts: list[dict] = field(default_factory=list)  # the bidder's signed log receipts of this request

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
           now, placed_by: User | None = None) -> tuple[list[Bid], dict, list[LoggedEntry]]:
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
        raise _over_limit(bidder.limit_minor, field="max_amount_minor" if max_amount_minor is not None
                          else "amount_minor")

    previous_leader, ends_at_before, first_bid_number = auction.leader_id, auction.ends_at, auction.bid_count + 1
    sequence = auction.last_sequence
    if resolution.raised_max_only:
        # Kept for the record (staff see it); nothing public changed, so no event and no extension.
        assert auction.price_minor is not None  # the dealer leads, so there is a price
        planned = [Bid(auction=auction, dealer=dealer, amount_minor=auction.price_minor, kind=Bid.Kind.PROXY,
                       max_minor=max_amount_minor, sequence=sequence + 1, is_visible=False, created_at=now,
                       placed_by=placed_by)]
    else:
        planned = [Bid(auction=auction, dealer_id=p.dealer, amount_minor=p.amount_minor, kind=p.kind,
                       max_minor=p.max_minor, sequence=sequence + i, is_visible=True, created_at=now,
                       placed_by=placed_by if p.dealer == dealer.pk else None)
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
                                        extended=auction.ends_at > ends_at_before, now=now)
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


def _over_limit(limit_minor: int, *, field: str) -> BuyingLimitExceeded:
    limit = money_text(limit_minor)
    return BuyingLimitExceeded(fields={field: [_("Your buying limit is %(amount)s.") % {"amount": limit}]})


def _outbid_notice(auction: Auction, dealer_id: int) -> dict:
    """The outbid notification's arguments (auctions.services.common.auction_dealer_notify: the organisation's
    owners and the member whose bid it was), once per event (`event_key`)."""
    listing = auction.listing
    assert auction.price_minor is not None  # someone outbid the dealer
    return {"auction_id": auction.pk, "dealer_id": dealer_id, "kind": "outbid",
            "url": reverse("auctions:detail", args=[auction.pk]),
            "event_key": f"auction:{auction.pk}:outbid:{auction.event_seq}",
            "title": translatable("You have been outbid on the {car}", car=listing.display_title),
            "body": translatable("The price is now {price}. Bid again before the auction ends.",
                                 price=money_whole(auction.price_minor))}


def _notify_outbid_on_commit(auction: Auction, dealer_id: int) -> None:
    auction_dealer_notify_later(**_outbid_notice(auction, dealer_id))


def _outbid_webhook(auction: Auction, dealer_id: int) -> dict:
    """The outbid dealer's systems are told too (integrations: signed webhooks), once per event: the
    `webhook_emit` arguments."""
    return {"user_id": dealer_id, "event_type": EventType.AUCTION_OUTBID, "resource": "auction",
            "resource_id": auction.pk, "event_key": f"auction:{auction.pk}:outbid:{auction.event_seq}"}


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


def bid_in_one_statement() -> bool:
    """Whether bids are decided by the database function (PostgreSQL) rather than the engine over the ORM."""
    return connection.vendor == "postgresql"


# The HTTP status each refusal the function may store with an idempotency key answers with (the exception
# classes are its one home; the function only copies it into the stored record).
_REFUSAL_STATUS = json.dumps({cls.code: cls.status_code for cls in (
    AuctionNotFound, AuctionNotLive, AuctionEnded, OwnListing, NotVerified, BidRejected, AlreadyLeading, BidTooLow,
    BuyingLimitExceeded)} | {"not_a_dealer": not_a_dealer_refusal().status_code})


def _refusal(decision: dict) -> ApplicationError:
    """The domain error a refusal from the bid function stands for, worded where its wording lives."""
    code = decision["refusal"]
    if code == "bid_too_low":
        if decision.get("own_maximum"):
            return own_maximum_too_low(decision["minimum"], money=money_text)
        return bid_too_low(decision["minimum"], field=decision["field"], money=money_text)
    if code == "invalid":
        return amount_range_refusal(decision["field"]) if decision["reason"] == "amount_range" \
            else amount_or_maximum_refusal()
    if code == "buying_limit_exceeded":
        return _over_limit(decision["limit"], field=decision["field"])
    if code == "already_leading":
        return already_leading_refusal()
    if code == "not_a_dealer":
        return not_a_dealer_refusal()
    return {"not_found": AuctionNotFound, "auction_not_live": AuctionNotLive, "auction_ended": AuctionEnded,
            "own_listing": OwnListing, "not_verified": NotVerified,
            "idempotency_key_reused": IdempotencyKeyReused}[code]()


def _row(model, data: dict):
    """A model instance from a row the function returned as JSON (column names), as if loaded from the database."""
    fields = model._meta.concrete_fields
    return model.from_db("default", [f.attname for f in fields], [f.to_python(data[f.column]) for f in fields])


def _result(decision: dict, *, dealer_id: int) -> BidResult:
    auction = _row(Auction, decision["auction"])
    auction.listing = _row(Listing, decision["listing"])
    auction.server_time = Auction._meta.get_field("created_at").to_python(decision["now"])
    bids = []
    for data in decision["bids"]:
        bid = _row(Bid, {"auction_id": auction.pk, "state": Bid.State.STANDING, "withdrawn_at": None,
                         "placed_by_id": None, **data})
        bid.auction = auction
        bids.append(bid)
    labels = {int(dealer): number for dealer, number in decision["labels"].items()}
    return BidResult(auction=auction, bids=bids, labels=labels, dealer_id=dealer_id,
                     replayed=bool(decision.get("replayed")))


def _bid_place_in_one_statement(*, auction_id: int, dealer: User, amount_minor, max_amount_minor,
                                idempotency_key: str | None, request_hash: str | None,
                                placed_by: User | None = None) -> BidResult:
    """The decision is one statement, which also appends an accepted request's transparency-log entries on the
    locked row, records the member who placed the bid (`placed_by`), and returns the facts of the shill rules;
    those rules run here, and a refusal rolls it all back."""
    ladder = settings.GAVEL_BID_INCREMENTS
    arguments = [auction_id, dealer.pk, amount_minor, max_amount_minor, [upper for upper, _ in ladder],
                 [step for _, step in ladder], settings.GAVEL_SOFT_CLOSE_SECONDS, AMOUNT_MAX_MINOR, idempotency_key,
                 idempotency_lock_id(dealer_id=dealer.pk, key=idempotency_key) if idempotency_key else None,
                 request_hash, _REFUSAL_STATUS, placed_by.pk if placed_by is not None else None]

    def decide() -> tuple[dict, BidResult | None, list[LoggedEntry]]:
        with transaction.atomic():
            decision = first_statement("SELECT gavel_bid_place(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                                       "%s::jsonb, %s)", arguments)[0]
            if isinstance(decision, str):
                decision = json.loads(decision)
            result = None if "refusal" in decision else _result(decision, dealer_id=dealer.pk)
            if result is None and idempotency_key is None:
                # A refusal without a key wrote nothing to keep (at most it locked the dealer's profile): rolled
                # back, its end waits for no WAL flush, as a commit of the profile's lock would.
                transaction.set_rollback(True)
            logged: list[LoggedEntry] = []
            if result is not None and not result.replayed:
                # Who may bid on this car (shill rules) is asked only of a bid the rules accepted: refusing it rolls
                # the bid and its log entries back; a bid refused on price or time is refused anyway.
                independence_ensure(seller_id=result.auction.listing.seller_id, dealer=dealer,
                                    facts=decision["independence"])
                logged = [LoggedEntry(index=entry["index"], body=entry["body"].encode("utf-8"))
                          for entry in decision["logged"]]
        return decision, result, logged

    # No per-request health check before the statement: a dead connection is found by the statement itself, and the
    # transaction runs again on a new one (core.db).
    decision, result, logged = reconnecting(decide)
    if result is None:
        # Raised after the transaction's end: a refusal stored with an idempotency key must stay stored.
        refusal = _refusal(decision)
        refusal.replayed = bool(decision.get("replayed"))
        raise refusal
    auction = result.auction
    changed = not result.replayed and not decision["raised_max_only"]
    kind = "extension" if decision["extended"] else "bid"
    previous_leader = decision["previous_leader"]
    outbid = changed and previous_leader is not None and previous_leader != auction.leader_id
    if not outbox_enabled():
        if outbid:
            webhook_emit_on_commit(**_outbid_webhook(auction, previous_leader))
        if changed:
            auction_publish_on_commit(auction, kind, new_bids=result.bids, labels=result.labels)
        if outbid:
            _notify_outbid_on_commit(auction, previous_leader)
        return replace(result, receipts=_receipts_send(auction=auction, dealer=dealer, labels=result.labels,
                                                       logged=logged))
    # The after-commit effects in one pipelined Redis write (core.outbox): the live frames, the bidder's receipts
    # and the bid gate's copy; and, for the outbox worker to work out with its own queries (none in this request),
    # who in the outbid organisation is told and whether its systems listen (webhook endpoints).
    messages: list = []
    copy = None
    if changed:
        messages, copy = auction_event(auction, kind, new_bids=result.bids, labels=result.labels)
    by_dealer = _receipts_by_dealer(labels=result.labels, logged=logged)
    messages.extend(_receipts_messages(auction=auction, by_dealer=by_dealer))
    effects = [("webhook_emit", _outbid_webhook(auction, previous_leader)),
               ("auction_dealer_notify", _outbid_notice(auction, previous_leader))] if outbid else []
    effects += [("auction_dealer_notify", notice)
                for notice in _proxy_answered_notices(auction=auction, dealer=dealer, by_dealer=by_dealer)]
    if messages or effects:
        outbox_send_on_commit(messages=messages, effects=effects,
                              also=None if copy is None else lambda pipeline: bid_gate_queue(pipeline, **copy))
    return replace(result, receipts=by_dealer.get(dealer.pk, []))


class _GateUnread:
    """bid_place's default `gate`: no copy read yet, so it reads one."""


GATE_UNREAD = _GateUnread()


def bid_place(*, auction_id: int, dealer: User, amount_minor: int | None = None,
              max_amount_minor: int | None = None, idempotency_key: str | None = None,
              request_hash: str | None = None, placed_by: User | None = None,
              gate: BidGateCopy | None | _GateUnread = GATE_UNREAD) -> BidResult:
    """Place a direct bid (`amount_minor`) or set a maximum (`max_amount_minor`); returns what it did.

    Refusals raise ApplicationError (codes: auction_not_live, auction_ended, not_a_dealer, not_verified,
    own_listing, bid_too_low, already_leading, buying_limit_exceeded, invalid). Lock order: the dealer's
    profile, then the auction (see the module).

    With `idempotency_key` (PostgreSQL; `request_hash` names the request) the decision is stored with the bid in
    the same statement: a retry gets the first decision back (`BidResult.replayed`, or the refusal raised with
    `replayed = True`), and the same key on another request raises IdempotencyKeyReused.

    `dealer` is the organisation's account the bid is for; `placed_by` the member who placed it (recorded on the
    request's own bids; the engine's automatic bids for other organisations have none).

    `gate`: the bid gate's copy of the auction if the caller read it already (auctions.bid_policy reads it in the
    rate limit's round trip; None: there is none); by default it is read here."""
    if getattr(dealer, "role", None) == User.Role.DEALER:
        # Whoever bids has confirmed their email address: the organisation's account and the member placing it.
        # (The database function reads the profile's status, not this; a verification only ever turns it on.)
        for person in (dealer, placed_by):
            if person is not None:
                email_verified_ensure(user=person, doing="bid")
    # Only for a dealer (read from the user in memory): anyone else is refused for who they are, as before.
    if idempotency_key is None and getattr(dealer, "role", None) == User.Role.DEALER \
            and (amount_minor is None) != (max_amount_minor is None):
        copy = bid_gate_read(auction_id) if isinstance(gate, _GateUnread) else gate
        refused = bid_gate_refusal(copy, dealer_id=dealer.pk,
                                   offered_minor=amount_minor if amount_minor is not None else max_amount_minor)
        if refused is not None:
            code, minimum = refused
            if code == "bid_too_low":
                assert minimum is not None  # a "bid too low" comes with the minimum
                raise bid_too_low(minimum, field="amount_minor" if amount_minor is not None else "max_amount_minor",
                                  money=money_text)
            raise AuctionNotLive()
    if bid_in_one_statement():
        return _bid_place_in_one_statement(auction_id=auction_id, dealer=dealer, amount_minor=amount_minor,
                                           max_amount_minor=max_amount_minor, idempotency_key=idempotency_key,
                                           request_hash=request_hash, placed_by=placed_by)
    if idempotency_key is not None:
        raise ValueError("Idempotency keys go through bid_place only on PostgreSQL; see auctions.bid_policy.")
    _refuse_early(auction_id=auction_id, dealer=dealer, amount_minor=amount_minor, max_amount_minor=max_amount_minor)
    with transaction.atomic():
        bidder = _bidder(dealer=dealer, auction_id=auction_id)
        auction = lock_auction(auction_id)
        bids, labels, logged = _apply(auction=auction, dealer=dealer, bidder=bidder, amount_minor=amount_minor,
                                      max_amount_minor=max_amount_minor, now=db_now(), placed_by=placed_by)
    return BidResult(auction=auction, bids=bids, labels=labels, dealer_id=dealer.pk,
                     receipts=_receipts_send(auction=auction, dealer=dealer, labels=labels, logged=logged))


def _receipts_by_dealer(*, labels: dict[int, int], logged: list[LoggedEntry]) -> dict[int, list[dict]]:
    """The signed receipts of the request's bid entries (signed after the commit: no database needed), by the dealer
    each bid is for: the bidder's own, and those of a standing maximum that answered for its dealer ("auto")."""
    dealers = {bidder_label(number): dealer_id for dealer_id, number in labels.items()}
    by_dealer: dict[int, list[dict]] = {}
    for receipt in receipts_sign(logged):
        owner = dealers.get(canonical.parse_entry(receipt["entry"].encode())["alias"])
        if owner is not None:
            by_dealer.setdefault(owner, []).append(receipt)
    return by_dealer


def _receipts_messages(*, auction: Auction, by_dealer: dict[int, list[dict]]) -> list[tuple[str, dict]]:
    """Each dealer's receipts, for their own open pages only (their user group)."""
    return [(user_group(owner), {"type": "receipt", "auction": auction.pk, "receipts": receipts})
            for owner, receipts in by_dealer.items()]


def _proxy_answered_notices(*, auction: Auction, dealer: User, by_dealer: dict[int, list[dict]]) -> list[dict]:
    """A notification (auctions.services.common.auction_dealer_notify arguments: the organisation's owners and the
    member who set the maximum) to each dealer whose maximum bid for them in this request (the receipts stay listed
    with all their others: auction_receipts_for)."""
    notices = []
    for owner, receipts in by_dealer.items():
        if owner == dealer.pk:
            continue
        entry = canonical.parse_entry(receipts[-1]["entry"].encode())
        notices.append({
            "auction_id": auction.pk, "dealer_id": owner, "kind": "proxy_bid_receipt", "email": False,
            "url": reverse("auctions:detail", args=[auction.pk]),
            "event_key": f"auction:{auction.pk}:receipt:{receipts[-1]['leaf_index']}",
            "title": translatable("Your maximum placed a bid of {amount} for you on the {car}",
                                  amount=money_whole(entry["amount_minor"]), car=auction.listing.display_title),
            "body": translatable("Gavel signed a receipt for this bid; download it with your other receipts from the "
                                 "auction page.")})
    return notices


def _receipts_send(*, auction: Auction, dealer: User, labels: dict[int, int], logged: list[LoggedEntry]) -> list[dict]:
    """Without the outbox: each dealer's receipts published to their pages on commit, the proxy notices queued; the
    bidder's own come back in the answer."""
    by_dealer = _receipts_by_dealer(labels=labels, logged=logged)
    if by_dealer:
        publish_on_commit(_receipts_messages(auction=auction, by_dealer=by_dealer))
    for notice in _proxy_answered_notices(auction=auction, dealer=dealer, by_dealer=by_dealer):
        auction_dealer_notify_later(**notice)
    return by_dealer.get(dealer.pk, [])
