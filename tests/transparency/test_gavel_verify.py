"""gavel-verify on exports built the way Gavel's services will build them: valid ones pass, every tampering fails."""

import ast
import http.server
import json
import os
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gavel_verify import cli, formats
from gavel_verify.verify import VerificationFailed, parse_export, parse_receipts, verify
from tests.transparency.auction_log import T0_US, Log, SimulatedAuction, closed_auction, random_hex, reencode
from transparency import canonical
from transparency.signing import LogKey

ROOT = Path(__file__).resolve().parents[2]
S = 1_000_000  # microseconds per second
KEY = LogKey.generate()  # the log key of the property tests' auctions

# Three dealers, proxies answering, two soft-close extensions, reserve met on the way: the story of one car.
STORY = [("a", 10, {"amount": 10_000_00}), ("b", 20, {"max_amount": 13_000_00}), ("c", 30, {"amount": 11_000_00}),
         ("a", 1150, {"max_amount": 14_000_00}), ("c", 1199, {"amount": 15_000_00})]


def failure(data: bytes, *, key: LogKey | None, receipts=(), heads=()) -> str | None:
    """The name of the first failed check, or None when everything passes."""
    try:
        verify(export=parse_export(data), heads_documents=heads, receipts=receipts,
               pinned_keys={key.key_id: key.public_raw} if key is not None else None, say=lambda *_: None)
    except VerificationFailed as exc:
        return exc.check
    return None


@pytest.fixture(scope="module")
def story():
    return closed_auction(bids=STORY)


def run_cli(tmp_path, argv, capsys):
    status = cli.main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return str(path)


# -- a valid export ---------------------------------------------------------------------------------------------

def test_a_closed_auction_export_verifies_and_every_check_is_printed(story, tmp_path, capsys):
    path = write(tmp_path, "auction-7.json", story.export())
    status, out, _ = run_cli(tmp_path, [path, "--public-key", story.log.key.public_json()["public_key"]], capsys)
    assert status == 0, out
    assert "note  public-key: trusting the pinned key " in out
    for check in ("head-signature", "consistency", "inclusion", "sequence", "commitment", "opened",
                  "price-step", "reserve-met", "extension", "close-time"):
        assert f"ok    {check}: " in out, check
    assert "bid 6: Dealer 1 13,100.00 EUR (proxy): beats it" in out
    assert ("reserve-met: announced at 13,100.00 EUR, exactly when the price first reached the reserve "
            "12,000.00 EUR") in out
    assert out.rstrip().splitlines()[-1].startswith("PASSED: ")


def test_the_export_is_canonical_json_with_every_entry_proven_against_the_latest_head(story):
    data = story.export()
    document = json.loads(data)
    assert data == formats.canonical_json(document) + b"\n"
    latest = max(head["tree_size"] for head in document["tree_heads"])
    assert {entry["tree_size"] for entry in document["entries"]} == {latest}
    assert [json.loads(e["entry"])["seq"] for e in document["entries"]] == list(range(1, len(document["entries"]) + 1))
    assert document["opening"]["reserve_minor"] == 12_000_00


def test_the_console_script_runs_as_its_own_process_without_django(story, tmp_path):
    """Runs the `gavel-verify` entry point named in pyproject.toml, in a fresh interpreter where importing Django
    fails: the installed script when `make install` put one next to this Python, else the same entry point."""
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["gavel-verify"]
    module, function = entry.split(":")
    export = write(tmp_path, "auction.json", story.export())
    key = story.log.key.public_json()["public_key"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    blocker = ("import sys\nclass NoDjango:\n    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'django' or name.startswith('django.'):\n"
               "            raise ImportError('the verifier must not import Django')\n"
               "sys.meta_path.insert(0, NoDjango())\n")
    code = blocker + f"from {module} import {function}\nsys.argv[0] = 'gavel-verify'\nsys.exit({function}())\n"
    commands = [[sys.executable, "-c", code, export, "--public-key", key]]
    installed = Path(sys.executable).parent / "gavel-verify"
    if installed.exists():
        commands.append([str(installed), export, "--public-key", key])
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok    inclusion: " in result.stdout and "PASSED" in result.stdout
        tampered = write(tmp_path, "tampered.json", story.export().replace(b"1500000,", b"1600000,", 1))
        result = subprocess.run([*command[:-3], tampered, *command[-2:]], capture_output=True, text=True,
                                cwd=tmp_path, env=env, timeout=60)
        assert result.returncode == 1 and "FAILED: inclusion" in result.stdout, result.stdout + result.stderr


def test_the_verifier_imports_only_the_standard_library_and_cryptography():
    allowed = set(sys.stdlib_module_names) | {"cryptography", "gavel_verify", "__future__"}
    for path in (ROOT / "gavel_verify").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_only_the_verifier_is_an_installed_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"] == ["gavel_verify"]
    assert any(dep.startswith("cryptography==") for dep in config["project"]["dependencies"])


# -- named failures ---------------------------------------------------------------------------------------------

def test_a_changed_amount_fails_inclusion(story):
    def change(document):
        entry = json.loads(document["entries"][4]["entry"])
        entry["amount_minor"] += 100
        document["entries"][4]["entry"] = canonical.canonical_json(entry).decode()
    assert failure(reencode(story.export(), change), key=story.log.key) == "inclusion"


def test_a_changed_byte_that_keeps_valid_json_fails_as_not_canonical(story):
    data = story.export()
    assert failure(data.replace(b'{"auction_id":7,', b'{"auction_id": 7,', 1), key=story.log.key) == "format"
    assert failure(data + b"\n", key=story.log.key) == "format"


def test_removed_and_reordered_entries_fail(story):
    def remove(document):
        del document["entries"][3]

    def swap(document):
        entries = document["entries"]
        entries[3], entries[4] = entries[4], entries[3]
    assert failure(reencode(story.export(), remove), key=story.log.key) == "sequence"
    assert failure(reencode(story.export(), swap), key=story.log.key) == "entry-order"


def test_a_head_signed_by_another_key_fails_when_the_key_is_pinned(story):
    forger = LogKey.generate()

    def forge(document):
        head = document["tree_heads"][-1]
        signed = forger.sign_tree_head(tree_size=head["tree_size"], timestamp_us=head["timestamp_us"],
                                       root_hash=bytes.fromhex(random_hex()))
        document["tree_heads"][-1] = signed.as_json()
        document["public_keys"].append(forger.public_json())
    assert failure(reencode(story.export(), forge), key=story.log.key) == "head-signature"


def test_a_head_with_a_changed_root_fails_its_signature(story):
    def change(document):
        document["tree_heads"][-1]["root_hash"] = random_hex()
    assert failure(reencode(story.export(), change), key=story.log.key) == "head-signature"


def test_heads_that_are_not_one_growing_log_fail_consistency(story):
    def drop_proof(document):
        document["consistency_proofs"] = []
    assert failure(reencode(story.export(), drop_proof), key=story.log.key) == "consistency"
    # A re-signed head of another history (the key holder rewriting the past) is caught by the earlier head.
    other = Log(key=story.log.key)
    for body in story.log.bodies:
        other.append(body if b'"amount_minor":1100000' not in body else body.replace(b"1100000", b"1100100"))
    other.sign_head(timestamp_us=story.log.heads[-1].timestamp_us)

    def rewrite(document):
        document["tree_heads"][-1] = other.heads[-1].as_json()
    assert failure(reencode(story.export(), rewrite), key=story.log.key) in ("consistency", "inclusion")


def test_two_heads_of_one_size_with_different_roots_are_a_fork(story):
    fork = story.log.key.sign_tree_head(tree_size=story.log.heads[0].tree_size, timestamp_us=1,
                                        root_hash=bytes.fromhex(random_hex()))

    def add(document):
        document["tree_heads"].append(fork.as_json())
    assert failure(reencode(story.export(), add), key=story.log.key) == "head-fork"


def test_an_entry_dated_after_the_head_that_contains_it_fails():
    auction = closed_auction(bids=STORY[:2], mid_head=False, noise=False)
    auction.log.heads.clear()
    auction.log.sign_head(timestamp_us=T0_US + 15 * S)  # before the close entry's time
    assert failure(auction.export(), key=auction.log.key) == "entry-time"


def _export_of(bodies, *, reserve_minor=12_000_00):
    """An export of hand-written entries, correctly logged and signed: only the auction rules can fail.
    The reserve's opening is in it when a close is."""
    log = Log()
    auction = SimulatedAuction(log=log, reserve_minor=reserve_minor)
    written = bodies(auction)
    for body in written:
        auction._append(body)
    log.sign_head(timestamp_us=T0_US + 86_400 * S)
    return auction.export(opening=any(b'"kind":"closed"' in body for body in written)), log.key


def bid(a, seq, at_s, alias, amount, kind="direct", number=None):
    return canonical.bid(auction_id=a.auction_id, seq=seq, at_us=T0_US + at_s * S, alias=alias, amount_minor=amount,
                         bid_kind=kind, bid_number=number if number is not None else seq - 1)


def closed(a, seq, at_s, price, count, leader, outcome, ends_s=1200):
    return canonical.closed(auction_id=a.auction_id, seq=seq, at_us=T0_US + at_s * S, ends_at_us=T0_US + ends_s * S,
                            price_minor=price, bid_count=count, leader_alias=leader, outcome=outcome)


@pytest.mark.parametrize(("name", "bodies", "check"), [
    ("a raise below the increment", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 10_050_00),
        closed(a, 4, 1200, 10_050_00, 2, "Dealer 2", "awaiting_seller")], "price-step"),
    ("a first bid below the starting price", lambda a: [bid(a, 2, 10, "Dealer 1", 9_999_99)], "price-step"),
    ("a dealer outbidding themself", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 1", 10_100_00)], "price-step"),
    ("a proxy shown above what it needed", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 10_500_00, "proxy")], "price-step"),
    ("an automatic bid out of nowhere", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 10_100_00, "auto")], "price-step"),
    ("an answer more than one step above the bid", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00, "proxy"), bid(a, 3, 20, "Dealer 2", 10_100_00),
        bid(a, 4, 20, "Dealer 1", 10_300_00, "auto")], "price-step"),
    ("a bid after the end", lambda a: [bid(a, 2, 1200, "Dealer 1", 10_000_00)], "close-time"),
    ("a bid in the last two minutes without an extension", lambda a: [
        bid(a, 2, 1100, "Dealer 1", 10_000_00), closed(a, 3, 1200, 10_000_00, 1, "Dealer 1", "awaiting_seller")],
     "extension"),
    ("an extension to the wrong time", lambda a: [
        bid(a, 2, 1100, "Dealer 1", 10_000_00),
        canonical.extension(auction_id=a.auction_id, seq=3, at_us=T0_US + 1100 * S, ends_at_us=T0_US + 1300 * S)],
     "extension"),
    ("a close before the end", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), closed(a, 3, 1199, 10_000_00, 1, "Dealer 1", "awaiting_seller")],
     "close-time"),
    ("a close that names the wrong leader", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), closed(a, 3, 1200, 10_000_00, 1, "Dealer 2", "awaiting_seller")],
     "closed"),
    ("reserve met announced below the reserve", lambda a: [
        bid(a, 2, 10, "Dealer 1", 11_000_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=3, at_us=T0_US + 10 * S, price_minor=11_000_00),
        closed(a, 4, 1200, 11_000_00, 1, "Dealer 1", "sold")], "reserve-met"),
    ("reserve met never announced", lambda a: [
        bid(a, 2, 10, "Dealer 1", 12_500_00), closed(a, 3, 1200, 12_500_00, 1, "Dealer 1", "sold")], "reserve-met"),
    ("a sold outcome below the reserve", lambda a: [
        bid(a, 2, 10, "Dealer 1", 11_000_00), closed(a, 3, 1200, 11_000_00, 1, "Dealer 1", "sold")], "closed"),
    ("a gap in the bid numbers", lambda a: [bid(a, 2, 10, "Dealer 1", 10_000_00, number=2)], "sequence"),
    ("a seller decision after a sale", lambda a: [
        bid(a, 2, 10, "Dealer 1", 12_000_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=3, at_us=T0_US + 10 * S, price_minor=12_000_00),
        closed(a, 4, 1200, 12_000_00, 1, "Dealer 1", "sold"),
        canonical.seller_decision(auction_id=a.auction_id, seq=5, at_us=T0_US + 1300 * S, outcome="unsold",
                                  decided_by="seller")], "seller-decision"),
    ("a second chance offered to the wrong bidder", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 10_100_00),
        bid(a, 4, 30, "Dealer 3", 12_000_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=5, at_us=T0_US + 30 * S, price_minor=12_000_00),
        closed(a, 6, 1200, 12_000_00, 3, "Dealer 3", "sold"),
        canonical.second_chance_offer(auction_id=a.auction_id, seq=7, at_us=T0_US + 9000 * S, alias="Dealer 1",
                                      amount_minor=10_000_00)], "second-chance"),
    ("entries dated backwards", lambda a: [
        bid(a, 2, 20, "Dealer 1", 10_000_00), bid(a, 3, 10, "Dealer 2", 10_100_00)], "time-order"),
])
def test_a_signed_log_that_breaks_a_published_rule_fails_naming_it(name, bodies, check):
    data, key = _export_of(bodies)
    assert failure(data, key=key) == check, name


def test_a_log_that_follows_the_rules_by_hand_passes():
    data, key = _export_of(lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00, "proxy"), bid(a, 3, 20, "Dealer 2", 10_100_00),
        bid(a, 4, 20, "Dealer 1", 10_200_00, "auto"), bid(a, 5, 30, "Dealer 1", 12_000_00, "auto", number=4),
        bid(a, 6, 30, "Dealer 2", 12_010_00, number=5),
        canonical.reserve_met(auction_id=a.auction_id, seq=7, at_us=T0_US + 30 * S, price_minor=12_010_00),
        closed(a, 8, 1200, 12_010_00, 5, "Dealer 2", "sold"),
        canonical.second_chance_offer(auction_id=a.auction_id, seq=9, at_us=T0_US + 9000 * S, alias="Dealer 1",
                                      amount_minor=12_000_00)])
    assert failure(data, key=key) is None


def withdrawal(a, seq, at_s, alias, count, price, leader, met, rule="bidder_may_no_longer_buy"):
    return canonical.withdrawal(auction_id=a.auction_id, seq=seq, at_us=T0_US + at_s * S, alias=alias, rule=rule,
                                reason_code="dealer_suspended", bid_count=count, price_minor=price,
                                leader_alias=leader, reserve_met=met)


def sale_void(a, seq, at_s, alias):
    return canonical.sale_void(auction_id=a.auction_id, seq=seq, at_us=T0_US + at_s * S, alias=alias,
                               rule="winner_may_no_longer_buy", reason_code="dealer_suspended")


def _withdrawn_story(a, *, price=10_100_00, leader="Dealer 3", met=False, rebuilt=None, then=None):
    """Dealer 1 (a maximum), Dealer 2 (12,500) and Dealer 3 (a maximum) push the price past the reserve; Dealer 2
    is withdrawn at 60 s: worked out again, the two maxima give 10,100 to Dealer 3, below the reserve; Dealer 1
    then reaches the reserve again."""
    rebuilt = rebuilt if rebuilt is not None else [
        bid(a, 7, 60, "Dealer 1", 10_000_00, "proxy", number=1),
        bid(a, 8, 60, "Dealer 3", 10_100_00, "proxy", number=2)]
    return [
        bid(a, 2, 10, "Dealer 1", 10_000_00, "proxy"), bid(a, 3, 20, "Dealer 2", 12_500_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=4, at_us=T0_US + 20 * S, price_minor=12_500_00),
        bid(a, 5, 30, "Dealer 3", 12_600_00, "proxy", number=3),
        withdrawal(a, 6, 60, "Dealer 2", len(rebuilt), price, leader, met),
        *rebuilt,
        *(then(a, 7 + len(rebuilt)) if then else []),
    ]


def _rest_of_withdrawn_story(a, seq):
    return [bid(a, seq, 90, "Dealer 1", 12_000_00, number=3),
            canonical.reserve_met(auction_id=a.auction_id, seq=seq + 1, at_us=T0_US + 90 * S, price_minor=12_000_00),
            closed(a, seq + 2, 1200, 12_000_00, 3, "Dealer 1", "sold")]


def test_a_withdrawn_bidder_and_the_auction_worked_out_again_verify():
    data, key = _export_of(lambda a: _withdrawn_story(a, then=_rest_of_withdrawn_story))
    assert failure(data, key=key) is None


def test_a_voided_sale_verifies_and_no_second_chance_follows_it():
    def story(a):
        return [bid(a, 2, 10, "Dealer 1", 12_500_00),
                canonical.reserve_met(auction_id=a.auction_id, seq=3, at_us=T0_US + 10 * S, price_minor=12_500_00),
                closed(a, 4, 1200, 12_500_00, 1, "Dealer 1", "sold"), sale_void(a, 5, 1300, "Dealer 1")]
    data, key = _export_of(story)
    assert failure(data, key=key) is None
    data, key = _export_of(lambda a: [*story(a), sale_void(a, 6, 1400, "Dealer 1")])
    assert failure(data, key=key) == "sale-void"


@pytest.mark.parametrize(("name", "bodies", "check"), [
    ("a withdrawal claiming a price the remaining bids do not give",
     lambda a: _withdrawn_story(a, price=10_200_00), "withdrawal"),
    ("a withdrawal naming the wrong leader", lambda a: _withdrawn_story(a, leader="Dealer 1"), "withdrawal"),
    ("the withdrawn bidder among the bids worked out again", lambda a: _withdrawn_story(a, rebuilt=[
        bid(a, 7, 60, "Dealer 1", 10_000_00, "proxy", number=1),
        bid(a, 8, 60, "Dealer 2", 10_100_00, "proxy", number=2)], leader="Dealer 2"), "withdrawal"),
    ("fewer bids worked out again than announced", lambda a: _withdrawn_story(a, rebuilt=[
        bid(a, 7, 60, "Dealer 1", 10_000_00, "proxy", number=1)])[:-1], "withdrawal"),
    ("a rebuilt bid that breaks the increment", lambda a: _withdrawn_story(a, rebuilt=[
        bid(a, 7, 60, "Dealer 1", 10_000_00, "proxy", number=1),
        bid(a, 8, 60, "Dealer 3", 10_050_00, "proxy", number=2)], price=10_050_00), "price-step"),
    ("a direct bid worked out again that its bidder never made", lambda a: _withdrawn_story(a, rebuilt=[
        bid(a, 7, 60, "Dealer 1", 10_000_00, "proxy", number=1), bid(a, 8, 60, "Dealer 3", 10_100_00, number=2)]),
     "withdrawal"),
    ("the reserve still said met after the price fell below it",
     lambda a: _withdrawn_story(a, met=True, then=lambda a, seq: [
         closed(a, seq, 1200, 10_100_00, 2, "Dealer 3", "sold")]), "reserve-met"),
    ("the reserve reached again and not announced", lambda a: _withdrawn_story(a, then=lambda a, seq: [
        bid(a, seq, 90, "Dealer 1", 12_000_00, number=3), closed(a, seq + 1, 1200, 12_000_00, 3, "Dealer 1", "sold")]),
     "reserve-met"),
    ("a withdrawal of an alias that never bid", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), withdrawal(a, 3, 60, "Dealer 2", 0, None, None, False)], "withdrawal"),
    ("a withdrawal after the close", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), closed(a, 3, 1200, 10_000_00, 1, "Dealer 1", "awaiting_seller"),
        withdrawal(a, 4, 1300, "Dealer 1", 0, None, None, False)], "withdrawal"),
    ("a sale void without a sale", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), closed(a, 3, 1200, 10_000_00, 1, "Dealer 1", "awaiting_seller"),
        sale_void(a, 4, 1300, "Dealer 1")], "sale-void"),
    ("a sale void naming another bidder", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 12_100_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=4, at_us=T0_US + 20 * S, price_minor=12_100_00),
        closed(a, 5, 1200, 12_100_00, 2, "Dealer 2", "sold"), sale_void(a, 6, 1300, "Dealer 1")], "sale-void"),
    ("a second chance after a voided sale", lambda a: [
        bid(a, 2, 10, "Dealer 1", 10_000_00), bid(a, 3, 20, "Dealer 2", 12_100_00),
        canonical.reserve_met(auction_id=a.auction_id, seq=4, at_us=T0_US + 20 * S, price_minor=12_100_00),
        closed(a, 5, 1200, 12_100_00, 2, "Dealer 2", "sold"), sale_void(a, 6, 1300, "Dealer 2"),
        canonical.second_chance_offer(auction_id=a.auction_id, seq=7, at_us=T0_US + 1400 * S, alias="Dealer 1",
                                      amount_minor=10_000_00)], "second-chance"),
])
def test_a_signed_withdrawal_or_void_that_breaks_the_rules_fails_naming_it(name, bodies, check):
    data, key = _export_of(bodies)
    assert failure(data, key=key) == check, name


def test_an_unknown_withdrawal_rule_is_not_an_entry():
    with pytest.raises(formats.FormatError, match="rule"):
        canonical.withdrawal(auction_id=7, seq=2, at_us=T0_US, alias="Dealer 1", rule="because_we_said_so",
                             reason_code="dealer_suspended", bid_count=0, price_minor=None, leader_alias=None,
                             reserve_met=False)


def test_a_wrong_opening_of_the_commitment_fails(story):
    for field, value in (("reserve_minor", 11_000_00), ("salt", random_hex()), ("report_fingerprint", random_hex()),
                         ("fee_schedule_version", "2025-12")):
        def change(document, field=field, value=value):
            document["opening"][field] = value
        assert failure(reencode(story.export(), change), key=story.log.key) == "commitment", field

    def drop(document):
        document["opening"] = None
    assert failure(reencode(story.export(), drop), key=story.log.key) == "commitment"


def test_an_open_auction_exports_without_the_opening_and_keeps_the_reserve_sealed():
    log = Log()
    auction = SimulatedAuction(log=log)
    auction.bid("a", at_us=T0_US + 10 * S, amount=12_500_00)
    log.sign_head(timestamp_us=T0_US + 11 * S)
    lines = []
    verify(export=parse_export(auction.export()), pinned_keys={log.key.key_id: log.key.public_raw},
           say=lambda status, check, detail: lines.append(f"{check}: {detail}"))
    assert "commitment: the auction has not closed: the reserve is still sealed" in lines
    assert any("reserve is still sealed: not checked" in line for line in lines)
    assert failure(auction.export(opening=True), key=log.key) == "commitment"


# -- receipts and heads from elsewhere ----------------------------------------------------------------------------

def test_receipts_verify_alone_and_against_the_export(story, tmp_path, capsys):
    receipts = write(tmp_path, "receipts.json", story.receipts)
    one = write(tmp_path, "one.json", story.receipts[0])
    key = story.log.key.public_json()["public_key"]
    status, out, _ = run_cli(tmp_path, ["--receipt", one, "--public-key", key], capsys)
    assert status == 0 and "Gavel signed that it accepted bid 1 on auction 7, Dealer 1" in out
    export = write(tmp_path, "export.json", story.export())
    status, out, _ = run_cli(tmp_path, [export, "--receipt", receipts, "--public-key", key], capsys)
    assert status == 0 and out.count("ok    receipt-in-export: ") == len(story.receipts)


def test_a_receipt_for_a_bid_missing_from_the_export_fails(story):
    """The dealer's case: "my bid was ignored". The export leaves it out; the signed receipt proves it was accepted."""
    log = Log()
    auction = SimulatedAuction(log=log)
    auction.bid("a", at_us=T0_US + 10 * S, amount=10_000_00)
    kept = auction.receipts[-1]
    log.sign_head(timestamp_us=T0_US + 11 * S)
    stranger = SimulatedAuction(log=Log(key=log.key))  # another history, signed with the same key
    stranger.log.sign_head(timestamp_us=T0_US + 11 * S)
    receipts = parse_receipts(json.dumps(kept).encode(), "receipt.json")
    assert failure(stranger.export(opening=False), key=log.key, receipts=receipts) == "receipt-in-export"
    assert failure(auction.export(opening=False), key=log.key, receipts=receipts) is None


def test_a_forged_receipt_fails(story):
    receipt = dict(story.receipts[2])
    entry = json.loads(receipt["entry"])
    entry["amount_minor"] += 50_00
    receipt["entry"] = canonical.canonical_json(entry).decode()
    receipts = parse_receipts(json.dumps(receipt).encode(), "receipt.json")
    assert failure(story.export(), key=story.log.key, receipts=receipts) == "receipt-signature"
    late = dict(story.receipts[2], server_time_us=story.receipts[2]["server_time_us"] + 1)
    assert failure(story.export(), key=story.log.key,
                   receipts=parse_receipts(json.dumps(late).encode(), "late.json")) == "receipt-signature"


def test_published_heads_from_a_file_or_a_url_extend_the_chain(tmp_path, capsys):
    log = Log()
    log.noise(5)
    log.sign_head(timestamp_us=T0_US)  # published before the auction
    auction = SimulatedAuction(log=log)
    for n, (dealer, seconds, offer) in enumerate(STORY):
        auction.bid(dealer, at_us=T0_US + seconds * S, **offer)
        if n == 2:
            log.sign_head(timestamp_us=T0_US + seconds * S)
    auction.close()
    log.sign_head(timestamp_us=auction.ends_at_us + S)
    published = log.heads_document()
    log.noise(4, at_us=auction.ends_at_us + 2 * S)
    log.sign_head(timestamp_us=auction.ends_at_us + 60 * S)  # published after the export was made
    export = auction.export()
    later = log.heads_document()
    key = log.key.public_json()["public_key"]
    export_path, heads_path = write(tmp_path, "export.json", export), write(tmp_path, "heads.json", later)
    status, out, _ = run_cli(tmp_path, [export_path, "--heads", heads_path, "--public-key", key], capsys)
    assert status == 0, out
    assert out.count("ok    consistency: ") == len(log.heads) - 1
    # A witness keeping tree heads checks a heads document alone.
    status, out, _ = run_cli(tmp_path, ["--heads", heads_path, "--public-key", key], capsys)
    assert status == 0 and f"ok    head-signature: {len(log.heads)} signed tree head(s)" in out, out

    # The same document served over HTTP (loopback), as Gavel's /transparency/log/ will serve it.
    body = json.dumps(published).encode()

    class Heads(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Heads)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/transparency/log/heads.json"
        status, out, _ = run_cli(tmp_path, [export_path, "--heads", url, "--public-key", key], capsys)
    finally:
        server.shutdown()
        server.server_close()
    assert status == 0, out

    # A published head that the export's history does not extend: the log forked.
    forked = dict(published)
    forked["tree_heads"] = [log.key.sign_tree_head(tree_size=published["tree_heads"][1]["tree_size"], timestamp_us=1,
                                                   root_hash=bytes.fromhex(random_hex())).as_json()]
    forked["consistency_proofs"] = []
    status, out, _ = run_cli(tmp_path, [export_path, "--heads", write(tmp_path, "fork.json", forked),
                                        "--public-key", key], capsys)
    assert status == 1 and "FAILED: head-fork" in out


def test_unreadable_inputs_exit_2_and_say_why(tmp_path, capsys):
    status, _, err = run_cli(tmp_path, [str(tmp_path / "missing.json")], capsys)
    assert status == 2 and "could not read" in err
    status, _, err = run_cli(tmp_path, [], capsys)
    assert status == 2
    status, _, err = run_cli(tmp_path, ["--receipt", str(tmp_path / "r.json"), "--heads", "http://127.0.0.1:9/x"],
                             capsys)
    assert status == 2


def test_without_a_pinned_key_the_trusted_key_is_printed_for_comparison(story, tmp_path, capsys):
    status, out, _ = run_cli(tmp_path, [write(tmp_path, "e.json", story.export())], capsys)
    assert status == 0
    assert f"trusting key {story.log.key.key_id} as named in the documents" in out
    other = LogKey.generate().public_json()["public_key"]
    status, out, _ = run_cli(tmp_path, [write(tmp_path, "e.json", story.export()), "--public-key", other], capsys)
    assert status == 1 and "FAILED: head-signature" in out


# -- properties ---------------------------------------------------------------------------------------------------

DEALERS = ["a", "b", "c", "d"]


@st.composite
def auctions(draw):
    """An auction driven through Gavel's engine by random requests (refused ones leave no trace), then closed,
    maybe decided by the seller and offered to the runner-up."""
    start = draw(st.sampled_from([1_000_00, 4_900_00, 10_000_00, 19_800_00]))
    reserve = draw(st.one_of(st.none(), st.integers(start, start + 3_000_00)))
    log = Log(key=KEY)
    log.noise(draw(st.integers(0, 3)))
    auction = SimulatedAuction(log=log, starting_price_minor=start, reserve_minor=reserve,
                               duration_us=draw(st.integers(60, 900)) * S,
                               soft_close_seconds=draw(st.sampled_from([0, 30, 120])))
    at = T0_US
    for _ in range(draw(st.integers(0, 14))):
        at += draw(st.integers(0, 120)) * S + draw(st.integers(0, 999_999))
        if at >= auction.ends_at_us:
            break
        dealer = draw(st.sampled_from(DEALERS))
        minimum = (auction.standing.price_minor or start) + (0 if auction.standing.price_minor is None else 100_00)
        amount = max(1, minimum + draw(st.integers(-100_00, 1_500_00)))
        if draw(st.booleans()):
            auction.bid(dealer, at_us=at, max_amount=amount)
        else:
            auction.bid(dealer, at_us=at, amount=amount)
        if draw(st.integers(0, 4)) == 0:
            log.noise(1, at_us=at)
        if draw(st.integers(0, 5)) == 0:
            log.sign_head(timestamp_us=at)
    auction.close(at_us=auction.ends_at_us + draw(st.integers(0, 5)) * S)
    end = auction.ends_at_us + 3600 * S
    if auction.outcome == "awaiting_seller" and draw(st.booleans()):
        accept = draw(st.booleans())
        auction.decide(at_us=end, accept=accept, decided_by=draw(st.sampled_from(["seller", "deadline"])))
        if accept:
            auction.outcome = "sold"
    if auction.outcome == "sold" and draw(st.booleans()):
        runner_up = _runner_up(auction)
        if runner_up is not None:
            auction.offer_second_chance(at_us=end + S, alias=runner_up[0], amount_minor=runner_up[1])
    log.sign_head(timestamp_us=end + 2 * S)
    return auction


def _runner_up(auction):
    """The next-highest bidder and their highest bid, from the log (earlier first on equal amounts)."""
    best: dict = {}
    for index in auction.indices:
        entry = json.loads(auction.log.bodies[index])
        if entry["kind"] == "bid" and (entry["alias"] not in best or entry["amount_minor"] > best[entry["alias"]][0]):
            best[entry["alias"]] = (entry["amount_minor"], entry["bid_number"])
    winner = auction.labels[auction.standing.leader]
    others = sorted((alias for alias in best if alias != winner), key=lambda a: (-best[a][0], best[a][1]))
    return (others[0], best[others[0]][0]) if others else None


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(auction=auctions())
def test_every_auction_the_engine_runs_verifies(auction):
    """The verifier's independent replay accepts whatever Gavel's engine does (no false alarms)."""
    receipts = parse_receipts(json.dumps(auction.receipts).encode(), "receipts") if auction.receipts else []
    assert failure(auction.export(), key=KEY, receipts=receipts) is None


@PROPERTY
@given(auction=auctions(), data=st.data())
def test_any_changed_byte_of_an_export_fails(auction, data):
    export = auction.export()
    position = data.draw(st.integers(0, len(export) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != export[position]))
    tampered = export[:position] + bytes([byte]) + export[position + 1:]
    assert failure(tampered, key=KEY) is not None


@PROPERTY
@given(auction=auctions(), data=st.data())
def test_a_changed_amount_fails(auction, data):
    document = json.loads(auction.export())
    amounts = [i for i, e in enumerate(document["entries"]) if "amount_minor" in json.loads(e["entry"])
               or "price_minor" in json.loads(e["entry"]) and json.loads(e["entry"])["price_minor"] is not None]
    assume(amounts)
    target = data.draw(st.sampled_from(amounts))
    delta = data.draw(st.integers(-5_000_00, 5_000_00).filter(bool))

    def change(document):
        entry = json.loads(document["entries"][target]["entry"])
        field = "amount_minor" if "amount_minor" in entry else "price_minor"
        entry[field] = max(0, entry[field] + delta)
        assume(entry[field] != json.loads(document["entries"][target]["entry"])[field])
        document["entries"][target]["entry"] = canonical.canonical_json(entry).decode()
    assert failure(reencode(auction.export(), change), key=KEY) is not None


@PROPERTY
@given(auction=auctions(), data=st.data())
def test_reordered_or_removed_entries_fail(auction, data):
    count = len(json.loads(auction.export())["entries"])
    if data.draw(st.booleans()):
        i = data.draw(st.integers(0, count - 2))
        j = data.draw(st.integers(i + 1, count - 1))

        def change(document):
            entries = document["entries"]
            entries[i], entries[j] = entries[j], entries[i]
    else:
        i = data.draw(st.integers(0, count - 1))

        def change(document):
            del document["entries"][i]
    assert failure(reencode(auction.export(), change), key=KEY) is not None


@PROPERTY
@given(auction=auctions(), data=st.data())
def test_a_forged_head_fails(auction, data):
    forger = LogKey.generate()
    document = json.loads(auction.export())
    target = data.draw(st.integers(0, len(document["tree_heads"]) - 1))
    how = data.draw(st.sampled_from(["other key", "root", "size", "time"]))

    def change(document):
        head = document["tree_heads"][target]
        if how == "other key":
            forged = forger.sign_tree_head(tree_size=head["tree_size"], timestamp_us=head["timestamp_us"],
                                           root_hash=bytes.fromhex(head["root_hash"]))
            document["tree_heads"][target] = forged.as_json()
            document["public_keys"].append(forger.public_json())
        elif how == "root":
            head["root_hash"] = random_hex()
        elif how == "size":
            head["tree_size"] += 1
        else:
            head["timestamp_us"] += 1
    assert failure(reencode(auction.export(), change), key=KEY) is not None
