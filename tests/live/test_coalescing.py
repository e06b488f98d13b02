"""The coalescing rule of live.consumers.FrameSender: latest state wins, history is kept when contiguous,
the final state is always delivered, notifications are never merged."""

import asyncio
import json

from live.consumers import FrameSender, merge_frames


def state(seq: int, *, price: int, kind: str = "bid", bids=(), auction_id: int = 7, coalesced_from=None) -> dict:
    return {"type": "state", "kind": kind, "auction_id": auction_id, "event_seq": seq, "price_minor": price,
            "coalesced_from": seq if coalesced_from is None else coalesced_from,
            "new_bids": [{"sequence": s, "amount_minor": a} for s, a in bids]}


def run_sender(pushes, *, interval: float) -> list[dict]:
    """Push frames back to back (much faster than `interval`, letting the sender run between pushes), then let
    it drain; what the socket got."""
    sent = []

    async def scenario():
        async def send(text_data):
            sent.append(json.loads(text_data))

        sender = FrameSender(send, interval)
        for frame in pushes:
            sender.push(frame)
            await asyncio.sleep(0)
        while sender.pending or (sender.task and not sender.task.done()):
            await asyncio.sleep(interval / 4)

    asyncio.run(scenario())
    return sent


def test_frames_faster_than_the_interval_are_merged_into_the_latest_state_with_the_whole_history():
    sent = run_sender([
        state(2, price=100, bids=[(1, 100)]),
        state(3, price=110, bids=[(2, 110)]),
        state(4, price=120, bids=[(3, 120)]),
        state(5, price=120, kind="closed"),
    ], interval=0.05)
    assert [(f["coalesced_from"], f["event_seq"], f["price_minor"]) for f in sent] == [(2, 2, 100), (3, 5, 120)]
    assert sent[-1]["kind"] == "closed", "the final state is never dropped"
    assert [b["sequence"] for b in sent[1]["new_bids"]] == [2, 3]


def test_a_gap_inside_the_waiting_frames_is_not_papered_over():
    merged = merge_frames(state(3, price=110, bids=[(2, 110)]), state(5, price=130, bids=[(4, 130)]))
    assert (merged["coalesced_from"], merged["event_seq"]) == (5, 5), "the client sees the gap and refetches"
    assert [b["sequence"] for b in merged["new_bids"]] == [4]


def test_a_frame_published_out_of_order_never_replaces_a_newer_state():
    merged = merge_frames(state(6, price=150, coalesced_from=5), state(4, price=130))
    assert (merged["event_seq"], merged["price_minor"]) == (6, 150)


def test_auctions_are_coalesced_separately_and_notifications_are_never_merged():
    note = {"type": "notification", "id": 1, "kind": "outbid", "title": "You have been outbid"}
    sent = run_sender([
        state(2, price=100, auction_id=1), state(2, price=200, auction_id=2), note, dict(note, id=2),
        state(3, price=110, auction_id=1),
    ], interval=0.05)
    assert [(f.get("auction_id"), f.get("id"), f.get("event_seq")) for f in sent] == [
        (1, None, 2), (2, None, 2), (None, 1, None), (None, 2, None), (1, None, 3)]
