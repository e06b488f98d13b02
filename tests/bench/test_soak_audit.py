"""The soak benchmark's bid audit (bench.soak.bid_audit) finds a lost bid, an out-of-order one and a log that differs,
and passes a clean run. Pure: no database, no server."""

from datetime import UTC, datetime, timedelta

from bench.soak import Answer, LoggedBid, StoredBid, bid_audit

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _stored(*amounts: int, auction_id: int = 1) -> list[StoredBid]:
    return [StoredBid(auction_id, n, 100 + n, 10 + n % 2, amount, T0 + timedelta(milliseconds=n))
            for n, amount in enumerate(amounts, start=1)]


def _told(bids: list[StoredBid]) -> list[Answer]:
    return [Answer(b.auction_id, b.sequence, b.dealer_id, b.amount_minor) for b in bids]


def _logged(bids: list[StoredBid]) -> list[LoggedBid]:
    return [LoggedBid(b.auction_id, n + 1, n, b.amount_minor) for n, b in enumerate(bids, start=1)]


def test_a_clean_run_has_no_problems():
    bids = _stored(1_000_00, 1_050_00, 1_100_00)
    assert bid_audit(_told(bids), bids, _logged(bids)) == {"lost": [], "out_of_order": [], "log": [], "untold": []}


def test_an_accepted_bid_missing_from_the_database_is_lost():
    bids = _stored(1_000_00, 1_050_00, 1_100_00)
    told = _told(bids)
    problems = bid_audit(told, bids[:2], _logged(bids[:2]))
    assert problems["lost"] == ["auction 1: bid #3 (110000) accepted but not in the database"]
    assert problems["out_of_order"] == problems["log"] == problems["untold"] == []


def test_an_accepted_bid_stored_with_another_amount_is_lost():
    bids = _stored(1_000_00, 1_050_00)
    told = _told(bids)
    told[1] = Answer(1, 2, told[1].dealer_id, 1_075_00)
    assert len(bid_audit(told, bids, _logged(bids))["lost"]) == 1


def test_amounts_that_do_not_rise_in_acceptance_order_are_out_of_order():
    bids = _stored(1_000_00, 1_100_00, 1_050_00)
    problems = bid_audit(_told(bids), bids, _logged(bids))
    assert problems["out_of_order"] == ["auction 1: bid #3 (105000) not above #2 (110000)"]
    assert problems["lost"] == problems["log"] == []


def test_a_bid_stored_before_the_one_it_follows_is_out_of_order():
    bids = _stored(1_000_00, 1_050_00)
    bids[1] = StoredBid(1, 2, 50, bids[1].dealer_id, 1_050_00, T0 - timedelta(seconds=1))
    assert bid_audit(_told(bids), bids, _logged(bids))["out_of_order"] == [
        "auction 1: bid #2 stored before #1 (id or time goes backwards)"]


def test_a_log_that_holds_other_bids_than_the_database_is_a_mismatch():
    bids = _stored(1_000_00, 1_050_00, 1_100_00)
    swapped = _logged(bids)
    swapped[1], swapped[2] = (LoggedBid(1, 3, 2, 1_100_00), LoggedBid(1, 4, 3, 1_050_00))
    assert bid_audit(_told(bids), bids, swapped)["log"] == [
        "auction 1: the log holds 3 bids, the database 3; first difference at bid 2"]
    assert bid_audit(_told(bids), bids, _logged(bids)[:2])["log"] == [
        "auction 1: the log holds 2 bids, the database 3; first difference at bid 3"]


def test_a_bid_nobody_was_told_of_is_reported():
    bids = _stored(1_000_00, 1_050_00)
    assert bid_audit(_told(bids)[:1], bids, _logged(bids))["untold"] == [
        "auction 1: bid #2 (105000) placed, no client told"]
