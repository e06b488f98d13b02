"""The auction rules, replayed from the log alone: a second, independent implementation.

Gavel's engine (auctions/engine.py) decides each bid from private numbers (the leader's maximum). The log
shows only what was public: every visible bid (alias, amount, kind), extensions, "reserve met", the close.
This module checks that the public record is one the published rules could have produced, without the
private numbers. It never imports Gavel's code; it follows the published rules:

- The increment ladder: the step at price p is the step of the first band whose upper bound is above p
  (the last band has none). The minimum next bid is the starting price before any bid, p + step(p) after.
- A bid is direct (a typed amount), proxy (a maximum: the bid shown is what the maximum needs), or auto (a
  standing maximum answering). A leader never outbids themself; raising one's own maximum shows nothing.
- One accepted request logs one of three shapes, all at one server time:
  1. a lone direct or proxy bid by a new leader. Direct: at least the minimum. Proxy: exactly the
     minimum (exactly the starting price when first) — nobody's maximum stood above the price;
  2. a direct or proxy bid at least the minimum, answered at once by the leader's maximum ("auto", same
     leader as before): at least the bid (equal only when the two maxima tie: the earlier leads) and at
     most the bid plus its step;
  3. the leader's maximum bid up to itself ("auto", above the price), then beaten by a new leader's bid.
     Direct: above the auto amount and at least the old minimum. Proxy: above the auto amount, at most the
     auto amount plus its step, and either exactly that or at least the old minimum.
  After shape 1 or 3 the new bidder leads; after shape 2 the old leader does. So the leader is always the
  alias of the last bid, and the shapes are told apart by who made an auto bid.
- Soft close: a request at server time t ends the auction at t + window if that is later than the current
  end ("extension" entry with the new end). A bid must come before the current end.
- "reserve met" comes right after the bids of the request whose price first reached the reserve (with no
  reserve: the first bid), with that price; never twice.
- Closing: not before the end; the closed entry repeats the end, the price, the number of bids, the leader,
  and the outcome (no bids; sold when the reserve was met; otherwise the seller decides).
- After the close: at most one seller decision, only when the seller had to decide; second-chance offers
  only for a sold car, to the other bidders in order of their highest bid (earlier first on equal amounts),
  each at that bidder's highest bid.
- A bidder who may no longer buy is withdrawn from a live auction (a "withdrawal" entry naming a bidder with
  standing bids), and the auction is worked out again from everyone else's bids in their original order: the
  entry is followed, at the same server time, by exactly its bid_count bids numbered from 1, none by the
  withdrawn bidder, each request one of the three shapes above starting from no bid (no end or extension
  applies: nothing new was bid), every direct bid among them one its bidder made before (maxima are
  private). They must end at the entry's price and leader, and "reserve met" from then on is the entry's
  flag (checked against the reserve once it is opened).
- A sale void comes only after a sale (by the close or the seller's decision), names the winner, once; the
  car is then not sold and no second-chance offer follows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Final, Literal, cast


class _Sealed(Enum):
    RESERVE = "sealed"


UNKNOWN: Final = _Sealed.RESERVE  # the reserve before the commitment is opened
Reserve = int | None | Literal[_Sealed.RESERVE]  # the reserve in minor units, None (no reserve) or UNKNOWN

ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "HUF"}


def increment_for(price_minor: int, ladder: Sequence[Sequence[int | None]]) -> int:
    for upper, step in ladder:
        if upper is None or price_minor < upper:
            return cast(int, step)  # formats.py admits only a positive integer step
    raise ValueError("the ladder has no open-ended last band")


def money(amount_minor: int | None, currency: str) -> str:
    if amount_minor is None:
        return "none"
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount_minor:,} {currency}"
    return f"{amount_minor // 100:,}.{amount_minor % 100:02d} {currency}"


def when(us: int) -> str:
    return datetime.fromtimestamp(us // 1_000_000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S") + f".{us % 1_000_000:06d}Z"


class RuleBroken(Exception):
    def __init__(self, check: str, detail: str):
        super().__init__(f"{check}: {detail}")
        self.check, self.detail = check, detail


@dataclass
class _State:
    ladder: list
    window_us: int
    starting_price_minor: int
    ends_at_us: int
    currency: str
    reserve_minor: Reserve
    price_minor: int | None = None
    leader: str | None = None
    bid_count: int = 0
    reserve_met: bool = False
    closed: dict | None = None
    winner: str | None = None
    decision: dict | None = None
    highest: dict = field(default_factory=dict)  # alias -> (amount, bid_number of the first bid at it)
    offers: list = field(default_factory=list)
    voided: bool = False
    directs: set = field(default_factory=set)  # (alias, amount) of every direct bid: a rebuild replays only these

    def minimum(self) -> int:
        if self.price_minor is None:
            return self.starting_price_minor
        return self.price_minor + increment_for(self.price_minor, self.ladder)

    def step(self, price: int) -> int:
        return increment_for(price, self.ladder)


def replay(entries: Sequence[dict], *, reserve_minor: Reserve, say: Callable[[str, str], None]) -> None:
    """Replay one auction's entries (parsed, in log order, sequence already checked); raise RuleBroken.

    `reserve_minor` is the opened commitment's reserve (None: no reserve) or UNKNOWN (not opened yet).
    `say(check, detail)` reports each passed check."""
    opened = entries[0]
    rules = opened["rules"]
    s = _State(ladder=rules["increment_ladder"], window_us=rules["soft_close_us"],
               starting_price_minor=opened["starting_price_minor"], ends_at_us=opened["ends_at_us"],
               currency=opened["currency"], reserve_minor=reserve_minor)
    m = lambda amount: money(amount, s.currency)  # noqa: E731
    if opened["starting_price_minor"] <= 0:
        raise RuleBroken("opened", "the starting price must be positive")
    if opened["ends_at_us"] <= opened["at_us"]:
        raise RuleBroken("opened", "the auction ends before it opens")
    ladder_text = ", ".join(f"{m(step)} below {m(upper)}" if upper is not None else f"{m(step)} above"
                            for upper, step in s.ladder)
    say("opened", f"at {when(opened['at_us'])}, ends {when(opened['ends_at_us'])}, starting price "
                  f"{m(opened['starting_price_minor'])}; increments {ladder_text}; soft close "
                  f"{s.window_us / 1_000_000:g} s")

    i = 1
    while i < len(entries):
        entry = entries[i]
        kind = entry["kind"]
        if kind == "bid":
            i = _request(entries, i, s, say, m)
        elif kind in ("reserve_met", "extension"):
            raise RuleBroken(kind.replace("_", "-"), f"entry {entry['seq']} does not follow the bids of a request")
        elif kind == "closed":
            _close(entry, s, say, m)
            i += 1
        elif kind == "seller_decision":
            _decision(entry, s, say)
            i += 1
        elif kind == "second_chance_offer":
            _offer(entry, s, say, m)
            i += 1
        elif kind == "withdrawal":
            i = _withdrawal(entries, i, s, say, m)
        elif kind == "sale_void":
            _sale_void(entry, s, say)
            i += 1
        else:  # "opened" again
            raise RuleBroken("sequence", f"entry {entry['seq']}: an auction opens once")


def _bid_line(bid: dict, m) -> str:
    return f"bid {bid['bid_number']}: {bid['alias']} {m(bid['amount_minor'])} ({bid['bid_kind']})"


def _request(entries: Sequence[dict], i: int, s: _State, say, m, *, rebuild: bool = False) -> int:
    """Check the request whose first bid is entries[i]; return the index after its entries. `rebuild`: a bid of
    an auction worked out again after a withdrawal (no end, extension or reserve announcement applies)."""
    first = entries[i]
    after = entries[i + 1] if i + 1 < len(entries) else None
    t = first["at_us"]
    if s.closed is not None:
        raise RuleBroken("close-time", f"{_bid_line(first, m)} comes after the close entry")
    if first["bid_kind"] == "auto":
        shape = "overtaken"
        if s.price_minor is None:
            raise RuleBroken("price-step", f"{_bid_line(first, m)}: an automatic bid needs a standing maximum, "
                                           "and there was no bid yet")
        if first["alias"] != s.leader:
            raise RuleBroken("price-step", f"{_bid_line(first, m)}: an automatic bid that opens a request must be "
                                           f"the leader's ({s.leader})")
        if (after is None or after["kind"] != "bid" or after["bid_kind"] == "auto" or after["alias"] == first["alias"]
                or after["at_us"] != t):
            raise RuleBroken("price-step", f"{_bid_line(first, m)}: a leader's maximum bids up to itself only when "
                                           "another dealer's bid beats it at the same moment, and none follows")
        bids = [first, after]
    elif (after is not None and after["kind"] == "bid" and after["bid_kind"] == "auto"
          and after["alias"] != first["alias"]):
        shape = "answered"
        if after["at_us"] != t:
            raise RuleBroken("price-step", f"{_bid_line(after, m)}: a maximum answers at the same moment as the bid")
        bids = [first, after]
    else:
        shape = "lone"
        bids = [first]

    # Before the end as it stood when the request came in.
    if t >= s.ends_at_us and not rebuild:
        raise RuleBroken("close-time", f"{_bid_line(first, m)} at {when(t)} is not before the end "
                                       f"{when(s.ends_at_us)}")
    for offset, bid in enumerate(bids, start=1):
        if bid["bid_number"] != s.bid_count + offset:
            raise RuleBroken("sequence", f"{_bid_line(bid, m)}: expected bid number {s.bid_count + offset}")
        if bid["amount_minor"] <= 0:
            raise RuleBroken("price-step", f"{_bid_line(bid, m)}: amounts are positive")

    minimum, price, leader = s.minimum(), s.price_minor, s.leader
    if shape == "lone":
        bid = first
        if bid["alias"] == leader:
            raise RuleBroken("price-step", f"{_bid_line(bid, m)}: the leader cannot outbid themself")
        if bid["bid_kind"] == "direct" and bid["amount_minor"] < minimum:
            raise RuleBroken("price-step", f"{_bid_line(bid, m)} is below the minimum {m(minimum)}")
        if bid["bid_kind"] == "proxy" and bid["amount_minor"] != minimum:
            raise RuleBroken("price-step", f"{_bid_line(bid, m)}: a maximum nobody answers shows exactly the "
                                           f"minimum {m(minimum)}")
        why = f"at least the minimum {m(minimum)}" if bid["bid_kind"] == "direct" else f"the minimum {m(minimum)}"
        new_price, new_leader = bid["amount_minor"], bid["alias"]
        say("price-step", f"{_bid_line(bid, m)} at {when(t)}: {why}")
    elif shape == "answered":
        bid, auto = bids
        if leader is None or auto["alias"] != leader:
            raise RuleBroken("price-step", f"{_bid_line(auto, m)}: only the leader's ({leader}) maximum answers")
        if bid["amount_minor"] < minimum:
            raise RuleBroken("price-step", f"{_bid_line(bid, m)} is below the minimum {m(minimum)}")
        top = bid["amount_minor"] + s.step(bid["amount_minor"])
        if not bid["amount_minor"] <= auto["amount_minor"] <= top:
            raise RuleBroken("price-step", f"{_bid_line(auto, m)}: an answering maximum bids between "
                                           f"{m(bid['amount_minor'])} and {m(top)}")
        new_price, new_leader = auto["amount_minor"], leader
        say("price-step", f"{_bid_line(bid, m)} at {when(t)}: at least the minimum {m(minimum)}")
        say("price-step", f"{_bid_line(auto, m)}: {leader}'s maximum answers within one step")
    else:
        auto, bid = bids
        x = auto["amount_minor"]
        if x <= price:
            raise RuleBroken("price-step", f"{_bid_line(auto, m)}: a maximum bidding up to itself goes above the "
                                           f"price {m(price)}")
        if bid["bid_kind"] == "direct":
            if bid["amount_minor"] <= x or bid["amount_minor"] < minimum:
                raise RuleBroken("price-step", f"{_bid_line(bid, m)}: must beat {m(x)} and reach the minimum "
                                               f"{m(minimum)}")
        else:
            top = x + s.step(x)
            if not x < bid["amount_minor"] <= top or (bid["amount_minor"] != top and bid["amount_minor"] < minimum):
                raise RuleBroken("price-step", f"{_bid_line(bid, m)}: a maximum beating {m(x)} shows at most "
                                               f"{m(top)}, and at least the minimum {m(minimum)}")
        new_price, new_leader = bid["amount_minor"], bid["alias"]
        say("price-step", f"{_bid_line(auto, m)} at {when(t)}: {leader}'s maximum bids up to itself")
        say("price-step", f"{_bid_line(bid, m)}: beats it")

    for bid in bids:
        if bid["bid_kind"] == "direct":
            if rebuild and (bid["alias"], bid["amount_minor"]) not in s.directs:
                raise RuleBroken("withdrawal", f"{_bid_line(bid, m)}: a direct bid worked out again must be one its "
                                               "bidder made before")
            s.directs.add((bid["alias"], bid["amount_minor"]))
        best = s.highest.get(bid["alias"])
        if best is None or bid["amount_minor"] > best[0]:
            s.highest[bid["alias"]] = (bid["amount_minor"], bid["bid_number"])
    s.price_minor, s.leader, s.bid_count = new_price, new_leader, s.bid_count + len(bids)
    j = i + len(bids)
    if rebuild:
        return j

    # "reserve met" right after the bids that first reached the reserve.
    follows = entries[j] if j < len(entries) else None
    logged_met = follows is not None and follows["kind"] == "reserve_met" and follows["at_us"] == t
    if logged_met:
        assert follows is not None  # logged_met says so
        if s.reserve_met:
            raise RuleBroken("reserve-met", f"entry {follows['seq']}: the reserve was already met")
        if follows["price_minor"] != s.price_minor:
            raise RuleBroken("reserve-met", f"entry {follows['seq']} says {m(follows['price_minor'])}; the price is "
                                            f"{m(s.price_minor)}")
    if s.reserve_minor is UNKNOWN:
        if logged_met:
            say("reserve-met", f"announced at {m(s.price_minor)} (the reserve is still sealed: not checked)")
    else:
        reached = s.reserve_minor is None or s.price_minor >= s.reserve_minor
        if reached and not s.reserve_met and not logged_met:
            raise RuleBroken("reserve-met", f"the price {m(s.price_minor)} reached the reserve "
                                            f"{m(s.reserve_minor)} and no 'reserve met' followed")
        if logged_met and not reached:
            raise RuleBroken("reserve-met", f"'reserve met' announced at {m(s.price_minor)}, below the reserve "
                                            f"{m(s.reserve_minor)}")
        if logged_met:
            say("reserve-met", f"announced at {m(s.price_minor)}, exactly when the price first reached the reserve "
                               f"{m(s.reserve_minor)}")
    if logged_met:
        s.reserve_met = True
        j += 1

    # Soft close.
    follows = entries[j] if j < len(entries) else None
    logged_ext = follows is not None and follows["kind"] == "extension" and follows["at_us"] == t
    moves = t + s.window_us > s.ends_at_us
    if moves and not logged_ext:
        raise RuleBroken("extension", f"the request at {when(t)} fell in the last {s.window_us / 1e6:g} s before "
                                      f"{when(s.ends_at_us)} and no extension followed")
    if logged_ext:
        assert follows is not None  # logged_ext says so
        if not moves:
            raise RuleBroken("extension", f"entry {follows['seq']}: the request at {when(t)} was not in the "
                                          "soft-close window")
        if follows["ends_at_us"] != t + s.window_us:
            raise RuleBroken("extension", f"entry {follows['seq']}: the new end should be "
                                          f"{when(t + s.window_us)}, not {when(follows['ends_at_us'])}")
        say("extension", f"end moved from {when(s.ends_at_us)} to {when(follows['ends_at_us'])}")
        s.ends_at_us = follows["ends_at_us"]
        j += 1
    return j


def _withdrawal(entries: Sequence[dict], i: int, s: _State, say, m) -> int:
    """Check a withdrawal and the bids of the auction worked out again that follow it; return the index after."""
    entry = entries[i]
    seq, alias, t, count = entry["seq"], entry["alias"], entry["at_us"], entry["bid_count"]
    if s.closed is not None:
        raise RuleBroken("withdrawal", f"entry {seq}: a bidder is withdrawn only while the auction is live")
    if alias not in s.highest:
        raise RuleBroken("withdrawal", f"entry {seq}: {alias} has no standing bid to withdraw")
    rebuilt = entries[i + 1:i + 1 + count]
    if len(rebuilt) != count or any(e["kind"] != "bid" or e["at_us"] != t for e in rebuilt):
        raise RuleBroken("withdrawal", f"entry {seq}: {count} bid(s) worked out again must follow it at the same "
                                       "server time")
    if any(e["alias"] == alias for e in rebuilt):
        raise RuleBroken("withdrawal", f"entry {seq}: a bid of the withdrawn {alias} is among those worked out again")
    say("withdrawal", f"{alias} withdrawn at {when(t)} ({entry['rule']}: {entry['reason_code']}); the auction is "
                      f"worked out again from {count} remaining bid(s)")
    s.price_minor, s.leader, s.bid_count, s.highest = None, None, 0, {}
    j = i + 1
    while j < i + 1 + count:
        j = _request(entries, j, s, say, m, rebuild=True)
    if j != i + 1 + count:
        raise RuleBroken("withdrawal", f"entry {seq}: the bids worked out again run past its {count} bid(s)")
    if (entry["price_minor"], entry["leader_alias"]) != (s.price_minor, s.leader):
        raise RuleBroken("withdrawal", f"entry {seq} says price {m(entry['price_minor'])}, leader "
                                       f"{entry['leader_alias']}; the bids worked out again give {m(s.price_minor)}, "
                                       f"{s.leader}")
    met = entry["reserve_met"]
    if s.reserve_minor is not UNKNOWN:
        reached = s.price_minor is not None and (s.reserve_minor is None or s.price_minor >= s.reserve_minor)
        if met != reached:
            raise RuleBroken("reserve-met", f"entry {seq} says the reserve is {'' if met else 'not '}met at "
                                            f"{m(s.price_minor)}; the reserve is {m(s.reserve_minor)}")
    elif met and s.price_minor is None:
        raise RuleBroken("reserve-met", f"entry {seq}: no bid stands, so no reserve can be met")
    s.reserve_met = met
    say("withdrawal", f"worked out again: price {m(s.price_minor)}, leader {s.leader}, reserve "
                      f"{'met' if met else 'not met'}")
    return j


def _sale_void(entry: dict, s: _State, say) -> None:
    if s.winner is None or s.voided:
        raise RuleBroken("sale-void", f"entry {entry['seq']}: a sale is voided only after the car was sold, once")
    if entry["alias"] != s.winner:
        raise RuleBroken("sale-void", f"entry {entry['seq']}: the winner was {s.winner}, not {entry['alias']}")
    s.voided, s.winner = True, None
    say("sale-void", f"the sale to {entry['alias']} voided at {when(entry['at_us'])} ({entry['rule']}: "
                     f"{entry['reason_code']}): not sold")


def _close(entry: dict, s: _State, say, m) -> None:
    if s.closed is not None:
        raise RuleBroken("closed", f"entry {entry['seq']}: an auction closes once")
    if entry["at_us"] < s.ends_at_us:
        raise RuleBroken("close-time", f"closed at {when(entry['at_us'])}, before the end {when(s.ends_at_us)}")
    expected = {"ends_at_us": s.ends_at_us, "price_minor": s.price_minor, "bid_count": s.bid_count,
                "leader_alias": s.leader}
    for name, value in expected.items():
        if entry[name] != value:
            raise RuleBroken("closed", f"the close entry says {name} = {entry[name]!r}; the bids give {value!r}")
    if s.bid_count == 0:
        outcome = "no_bids"
    elif s.reserve_met:
        outcome = "sold"
    else:
        outcome = "awaiting_seller"
    if entry["outcome"] != outcome:
        raise RuleBroken("closed", f"the outcome is {entry['outcome']!r}; the bids and the reserve give {outcome!r}")
    s.closed = entry
    s.winner = s.leader if outcome == "sold" else None
    say("close-time", f"closed at {when(entry['at_us'])} server time, at or after the end {when(s.ends_at_us)}; "
                      f"{s.bid_count} bid(s), price {m(s.price_minor)}, outcome {outcome}")


def _decision(entry: dict, s: _State, say) -> None:
    if s.closed is None or s.closed["outcome"] != "awaiting_seller":
        raise RuleBroken("seller-decision", f"entry {entry['seq']}: a seller decides only after a close below the "
                                            "reserve")
    if s.decision is not None:
        raise RuleBroken("seller-decision", f"entry {entry['seq']}: the seller decides once")
    s.decision = entry
    if entry["outcome"] == "sold":
        s.winner = s.leader
    say("seller-decision", f"{entry['outcome']} (decided by the {entry['decided_by']}) at {when(entry['at_us'])}")


def _offer(entry: dict, s: _State, say, m) -> None:
    if s.winner is None:
        raise RuleBroken("second-chance", f"entry {entry['seq']}: a second-chance offer follows only a sale")
    ranked = sorted((alias for alias in s.highest if alias != s.winner),
                    key=lambda alias: (-s.highest[alias][0], s.highest[alias][1]))
    if len(s.offers) >= len(ranked):
        raise RuleBroken("second-chance", f"entry {entry['seq']}: no other bidder is left to offer the car to")
    expected = ranked[len(s.offers)]
    if entry["alias"] != expected:
        raise RuleBroken("second-chance", f"entry {entry['seq']}: the offer goes to {expected}, the next-highest "
                                          f"bidder, not {entry['alias']}")
    if entry["amount_minor"] != s.highest[expected][0]:
        raise RuleBroken("second-chance", f"entry {entry['seq']}: {expected}'s highest bid was "
                                          f"{m(s.highest[expected][0])}, not {m(entry['amount_minor'])}")
    s.offers.append(entry)
    say("second-chance", f"offered to {expected} at their highest bid {m(entry['amount_minor'])}")
