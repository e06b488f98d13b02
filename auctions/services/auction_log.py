"""The auction's entries in the transparency log (docs/transparency.md), each appended inside the transaction that
decided the event, on the locked auction row, which keeps the auction's entry counter (`Auction.log_seq`).

An auction is in the log from its opening (`opened`, seq 1, with the sealed reserve); one that went live before the
log existed has log_seq 0 and logs nothing. Maxima, identities and the reserve never appear in an entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from auctions.models import Auction, Bid, BidderLabel, bidder_label
from auctions.services.common import AuctionNotFound
from core.exceptions import ApplicationError, PermissionRefused
from transparency import canonical
from transparency.services import (
    LoggedEntry,
    auction_entries,
    auction_export_build,
    log_append,
    receipts_sign,
    reserve_seal,
    tree_head_publish_on_commit,
)

# An auction scheduled without a published report (only in tests and old data) commits to no report.
NO_REPORT_FINGERPRINT = "0" * 64


def _next(auction: Auction, kind: str, *, now: datetime, **fields) -> LoggedEntry:
    auction.log_seq += 1
    return log_append(kind=kind, auction_id=auction.pk, seq=auction.log_seq, at_us=canonical.to_us(now), **fields)


def auction_log_opened(auction: Auction, *, now: datetime) -> LoggedEntry:
    """The opening: the end, the starting price, the published rules, and the sealed reserve's commitment.
    The caller saves `log_seq`."""
    sealed = reserve_seal(auction_id=auction.pk, reserve_minor=auction.reserve_minor,
                          report_fingerprint=(auction.report.fingerprint if auction.report is not None
                                              else NO_REPORT_FINGERPRINT),
                          fee_schedule_version=settings.GAVEL_FEE_SCHEDULE_VERSION)
    rules = canonical.rules_object(increment_ladder=settings.GAVEL_BID_INCREMENTS,
                                   soft_close_seconds=settings.GAVEL_SOFT_CLOSE_SECONDS)
    auction.log_seq = 1
    return log_append(kind="opened", auction_id=auction.pk, seq=1, at_us=canonical.to_us(now),
                      ends_at_us=canonical.to_us(auction.ends_at), starting_price_minor=auction.starting_price_minor,
                      currency=settings.GAVEL_CURRENCY, commitment=sealed.commitment(), rules=rules)


def log_append_bid_request(auction: Auction, *, bids: Sequence[Bid], labels: dict[int, int], first_bid_number: int,
                           extended: bool, now: datetime) -> list[LoggedEntry]:
    """One accepted bid request's entries, all at `now`: its visible bids in the engine's order, `reserve_met` if
    the price first reached the reserve, `extension` if the end moved. The auction holds the new standing; the
    caller saves `log_seq` and `log_reserve_met` with it."""
    if not auction.log_seq:
        return []
    logged = [_next(auction, "bid", now=now, alias=bidder_label(labels[bid.dealer_id]), amount_minor=bid.amount_minor,
                    bid_kind=bid.kind, bid_number=first_bid_number + n) for n, bid in enumerate(bids)]
    if auction.reserve_met and not auction.log_reserve_met:
        auction.log_reserve_met = True
        logged.append(_next(auction, "reserve_met", now=now, price_minor=auction.price_minor))
    if extended:
        logged.append(_next(auction, "extension", now=now, ends_at_us=canonical.to_us(auction.ends_at)))
    return logged


# Why a bidder or a winner was taken out (the log's reason codes, gavel_verify.formats.REASON_CODES).
REASON_DEALER_SUSPENDED = "dealer_suspended"


def auction_log_withdrawal(auction: Auction, *, dealer_id: int, rebuilt: Sequence[Bid], reason_code: str,
                           now: datetime) -> list[LoggedEntry]:
    """A bidder who may no longer buy taken out of a live auction, and the auction worked out again from everyone
    else's bids: the `withdrawal` entry (the new standing, whether the reserve is met now), then `rebuilt` — the
    visible bids of the replay, in order — as bid entries numbered from 1, all at `now`. The auction holds the new
    standing; the caller saves `log_seq` and `log_reserve_met` with it."""
    if not auction.log_seq:
        return []
    labels = dict(BidderLabel.objects.filter(auction=auction).values_list("dealer_id", "number"))
    leader = bidder_label(labels[auction.leader_id]) if auction.leader_id is not None else None
    auction.log_reserve_met = auction.reserve_met
    logged = [_next(auction, "withdrawal", now=now, alias=bidder_label(labels[dealer_id]),
                    rule="bidder_may_no_longer_buy", reason_code=reason_code, bid_count=len(rebuilt),
                    price_minor=auction.price_minor, leader_alias=leader, reserve_met=auction.log_reserve_met)]
    logged += [_next(auction, "bid", now=now, alias=bidder_label(labels[bid.dealer_id]), amount_minor=bid.amount_minor,
                     bid_kind=bid.kind, bid_number=number) for number, bid in enumerate(rebuilt, start=1)]
    return logged


def auction_log_sale_void(auction: Auction, *, winner_id: int, reason_code: str, now: datetime) -> LoggedEntry | None:
    """A sold car's sale voided before it opened (its winner may no longer buy). The caller saves `log_seq`."""
    if not auction.log_seq:
        return None
    number = BidderLabel.objects.filter(auction=auction, dealer_id=winner_id).values_list("number", flat=True).get()
    return _next(auction, "sale_void", now=now, alias=bidder_label(number), rule="winner_may_no_longer_buy",
                 reason_code=reason_code)


def auction_log_closed(auction: Auction, *, outcome: str, now: datetime) -> LoggedEntry | None:
    """The close, with a signed tree head that contains it published on commit. The caller saves `log_seq`."""
    if not auction.log_seq:
        return None
    leader = None
    if auction.leader_id is not None:
        leader = bidder_label(BidderLabel.objects.filter(auction=auction, dealer_id=auction.leader_id)
                              .values_list("number", flat=True).first())
    entry = _next(auction, "closed", now=now, ends_at_us=canonical.to_us(auction.ends_at),
                  price_minor=auction.price_minor if auction.bid_count else None, bid_count=auction.bid_count,
                  leader_alias=leader if auction.bid_count else None, outcome=outcome)
    tree_head_publish_on_commit()
    return entry


def auction_log_seller_decision(auction: Auction, *, sold: bool, by_seller: bool, now: datetime) -> LoggedEntry | None:
    if not auction.log_seq:
        return None
    entry = _next(auction, "seller_decision", now=now, outcome="sold" if sold else "unsold",
                  decided_by="seller" if by_seller else "deadline")
    Auction.objects.filter(pk=auction.pk).update(log_seq=auction.log_seq)
    return entry


def auction_log_second_chance_offer(*, auction_id: int, dealer_id: int, amount_minor: int,
                                    now: datetime) -> LoggedEntry | None:
    """A second-chance offer made to a dealer. Takes the auction row's lock with the counter's update (the caller
    holds the sale's)."""
    seq = (Auction.objects.filter(pk=auction_id, log_seq__gt=0).update(log_seq=F("log_seq") + 1)
           and Auction.objects.filter(pk=auction_id).values_list("log_seq", flat=True).get())
    if not seq:
        return None
    number = BidderLabel.objects.filter(auction_id=auction_id, dealer_id=dealer_id).values_list("number", flat=True)
    return log_append(kind="second_chance_offer", auction_id=auction_id, seq=seq, at_us=canonical.to_us(now),
                      alias=bidder_label(number.first()), amount_minor=amount_minor)


class RecordNotReady(ApplicationError):
    code = "record_not_ready"
    status_code = 409

    def default_message(self):
        return _("The auction's record can be downloaded once the auction has closed.")


class RecordNotLogged(ApplicationError):
    code = "not_logged"
    status_code = 404

    def default_message(self):
        return _("This auction opened before the transparency log existed: it has no verifiable record.")


def _seller_or_bidder(auction_id: int, user) -> Mapping[str, Any]:
    row = Auction.objects.filter(pk=auction_id).values("status", "listing__seller_id", "log_seq").first()
    if row is None:
        raise AuctionNotFound()
    user_id = getattr(user, "pk", None)
    if row["listing__seller_id"] != user_id and not BidderLabel.objects.filter(auction_id=auction_id,
                                                                               dealer_id=user_id).exists():
        raise PermissionRefused(_("Only the car's seller and the auction's bidders may download its record."))
    return row


def auction_record_export(*, auction_id: int, user) -> bytes:
    """The auction's verifiable record (docs/transparency.md export, with the reserve's opening) for its seller
    or one of its bidders, after the close."""
    row = _seller_or_bidder(auction_id, user)
    if row["status"] != Auction.Status.CLOSED:
        raise RecordNotReady()
    if not row["log_seq"]:
        raise RecordNotLogged()
    return auction_export_build(auction_id=auction_id, with_opening=True)


def auction_receipts_for(*, auction_id: int, dealer) -> list[dict]:
    """The signed receipts of every bid of `dealer` in the log of this auction (only the dealer's own)."""
    number = BidderLabel.objects.filter(auction_id=auction_id, dealer_id=getattr(dealer, "pk", None)) \
        .values_list("number", flat=True).first()
    if number is None:
        return []
    own = bidder_label(number)
    return receipts_sign([entry for entry in auction_entries(auction_id=auction_id)
                          if entry.kind == "bid" and canonical.parse_entry(entry.body)["alias"] == own])
