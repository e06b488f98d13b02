"""Properties of the no-chip rules over any sequence of claims on a sale: the collection check (the seller accepts
or refuses), then disputes (upheld or rejected). Whatever happens, the seller's final amount is at least
hammer − Σ table cost of the undisclosed findings of accepted claims − deductible (the issue's bound), in fact
at least hammer − max(0, Σ − deductible); an adjustment never lowers a fee; a refusal costs the seller nothing."""

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import Money
from inspections.repair_cost import severity_rank
from payments.fee_schedule import break_fee, buyer_fee, sale_amounts
from payments.nochip import ClaimWindow, Decision, Finding, Outcome, claim_compute, disclosures_merge
from tests.nochip.rules import OPENS, SCHEDULE, TABLE, WINDOW

KEYS = sorted(TABLE.entries)
GROUPS = sorted({entry.group for entry in TABLE.entries.values()})
DEDUCTIBLE = SCHEDULE.for_currency("EUR").deductible_minor
HANDOVER = OPENS + timedelta(hours=2)
DISPUTE_WINDOW = ClaimWindow(HANDOVER, HANDOVER + timedelta(days=7))

severities = st.sampled_from(["minor", "major"])


@st.composite
def key_pools(draw):
    """A few items for one sale, so that the report, the collection and the disputes meet on the same items:
    some at random and every item of one repair group (a panel with its damage-map entries, the front brakes…)."""
    group = draw(st.sampled_from(GROUPS))
    pool = draw(st.lists(st.sampled_from(KEYS), max_size=2))
    return sorted({*pool, *(key for key, entry in TABLE.entries.items() if entry.group == group),
                   "engine.flux_capacitor"})


@st.composite
def findings(draw, window, pool):
    span = int((window.closes_at - window.opens_at).total_seconds())
    return draw(st.lists(st.builds(
        Finding, key=st.sampled_from(pool), severity=severities, photos=st.integers(0, 2),
        # Mostly inside the window, sometimes up to an hour either side of it.
        recorded_at=st.one_of(st.integers(0, span), st.integers(-3600, span + 3600)).map(
            lambda s: window.opens_at + timedelta(seconds=s))),
        max_size=6))


@dataclass
class Round:
    window: ClaimWindow
    findings: list
    accepted: bool


@st.composite
def sales(draw):
    hammer = Money(draw(st.integers(min_value=1, max_value=100_000_00)), "EUR")
    pool = draw(key_pools())
    disclosed = draw(st.dictionaries(st.sampled_from([k for k in pool if k in TABLE.entries]), severities))
    rounds = [Round(WINDOW, draw(findings(WINDOW, pool)), draw(st.booleans()))]
    for _ in range(draw(st.integers(0, 3))):
        rounds.append(Round(DISPUTE_WINDOW, draw(findings(DISPUTE_WINDOW, pool)), draw(st.booleans())))
    return hammer, disclosed, rounds


def undisclosed_costs(findings, report, window):
    """The table cost of each finding the report did not disclose (at that severity) and that could count at all
    (a priced item, in the window, with a photo), with its repair group."""
    for f in findings:
        entry = TABLE.entry(f.key)
        if entry is None or not entry.claimable or f.photos < 1 or not window.contains(f.recorded_at):
            continue
        if f.key in report and severity_rank(report[f.key]) >= severity_rank(f.severity):
            continue
        yield f.key, entry.group, entry.cost(f.severity, "EUR").amount_minor


@settings(max_examples=500, deadline=None)
@given(sales())
def test_the_seller_keeps_at_least_the_hammer_less_the_table_cost_of_undisclosed_accepted_findings(sale):
    hammer, report, rounds = sale
    disclosed, adjusted, used, cancelled = dict(report), 0, 0, False
    by_item: dict[str, int] = {}  # the worst accepted undisclosed finding of each item
    by_group: dict[str, int] = {}  # … of each repair group
    for number, claim in enumerate(rounds):
        result = claim_compute(hammer=hammer, disclosed=disclosed, findings=claim.findings, window=claim.window,
                               table=TABLE, schedule=SCHEDULE, earlier_adjustments_minor=adjusted,
                               deductible_used_minor=used)
        # Each finding claims at most its table cost, and only a claimable one claims anything.
        for decided in result.findings:
            assert 0 <= decided.amount_minor <= (decided.table_cost_minor or 0)
            assert decided.amount_minor == 0 or decided.decision == Decision.CLAIMABLE
        assert 0 <= result.amount_minor <= result.cap_minor == hammer.amount_minor - adjusted
        assert result.amount_minor in (0, result.computed_minor)
        if result.outcome != Outcome.CLAIM:
            continue
        if not claim.accepted:
            if number == 0:
                # The seller refuses the adjustment: the sale is cancelled at no cost to the seller; the dealer
                # pays the published break fee.
                cancelled = True
                assert break_fee("EUR", SCHEDULE) == Money(30_000, "EUR")
                break
            continue  # a dispute rejected: nothing changes
        adjusted += result.amount_minor
        used += result.deductible_applied_minor
        disclosed = disclosures_merge(disclosed, result.claimed())
        for key, group, cost in undisclosed_costs(claim.findings, report, claim.window):
            by_item[key] = max(by_item.get(key, 0), cost)
            by_group[group] = max(by_group.get(group, 0), cost)

    assert used <= DEDUCTIBLE
    if cancelled:
        return
    sigma = sum(by_item.values())
    seller_final = hammer.amount_minor - adjusted
    assert seller_final >= hammer.amount_minor - sigma - DEDUCTIBLE  # the bound
    # Tighter: a repair is paid once per group, and the dealer bears the deductible once per sale.
    assert adjusted <= max(0, sum(by_group.values()) - DEDUCTIBLE)
    assert 0 <= seller_final <= hammer.amount_minor
    amounts = sale_amounts(hammer, SCHEDULE, adjustment=Money(adjusted, "EUR"))
    assert amounts.buyer_fee == buyer_fee(hammer, SCHEDULE)  # never lower because of an adjustment
    assert amounts.seller_receives == Money(seller_final, "EUR")  # fees-v1 has no seller fee
    assert amounts.dealer_pays == amounts.seller_receives + amounts.platform_keeps


@settings(max_examples=200, deadline=None)
@given(sales(), st.randoms(use_true_random=False))
def test_the_order_of_the_findings_does_not_change_the_amount(sale, random):
    hammer, report, rounds = sale
    found = rounds[0].findings
    shuffled = list(found)
    random.shuffle(shuffled)
    first, second = (claim_compute(hammer=hammer, disclosed=report, findings=f, window=WINDOW, table=TABLE,
                                   schedule=SCHEDULE) for f in (found, shuffled))
    assert (first.subtotal_minor, first.amount_minor, first.outcome) == (
        second.subtotal_minor, second.amount_minor, second.outcome)


@settings(max_examples=200, deadline=None)
@given(sales())
def test_a_finding_the_report_disclosed_at_that_severity_or_worse_never_claims(sale):
    hammer, report, rounds = sale
    result = claim_compute(hammer=hammer, disclosed=report, findings=rounds[0].findings, window=WINDOW, table=TABLE,
                           schedule=SCHEDULE)
    for decided in result.findings:
        if decided.key in report and severity_rank(report[decided.key]) >= severity_rank(decided.severity):
            assert decided.decision != Decision.CLAIMABLE and decided.amount_minor == 0
