"""The no-chip rules, table-driven: what a finding may claim (disclosed / undisclosed × severity × window ×
evidence), the amount (table cost − deductible once per sale, floored at nothing, capped at the hammer price,
nothing below the minimum), one repair per group, and the collection check's VIN and odometer rules."""

import json
from datetime import datetime, timedelta

import pytest

from core.money import Money
from payments.nochip import (
    ClaimWindow,
    Decision,
    Finding,
    Outcome,
    Reason,
    collection_check_compute,
    disclosures_merge,
)
from tests.nochip.rules import CLOSES, DURING, HAMMER, OPENS, SCHEDULE, TABLE, WINDOW, compute, finding

C, N, R = Decision.CLAIMABLE, Decision.NOT_CLAIMABLE, Decision.REFUSED
MICROSECOND = timedelta(microseconds=1)

# engine.turbo is priced 200.00 (minor) and 1,800.00 (major), a group of its own. The deductible is 150.00 and
# the minimum claim 50.00 (fees-v1).
TURBO = "engine.turbo"
ELIGIBILITY = [
    # report says, found, photos -> decision, reason, finding's amount, outcome of the claim, amount claimed
    (None, "minor", 1, C, Reason.UNDISCLOSED, 200_00, Outcome.CLAIM, 50_00),
    (None, "major", 1, C, Reason.UNDISCLOSED, 1_800_00, Outcome.CLAIM, 1_650_00),
    (None, "minor", 0, R, Reason.NO_PHOTO, 0, Outcome.NOTHING_TO_CLAIM, 0),
    (None, "major", 0, R, Reason.NO_PHOTO, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("minor", "minor", 1, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("minor", "minor", 0, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("minor", "major", 1, C, Reason.WORSE_THAN_DISCLOSED, 1_600_00, Outcome.CLAIM, 1_450_00),
    ("minor", "major", 0, R, Reason.NO_PHOTO, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("major", "minor", 1, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("major", "minor", 0, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("major", "major", 1, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ("major", "major", 0, N, Reason.DISCLOSED, 0, Outcome.NOTHING_TO_CLAIM, 0),
]
INSIDE = {"during": DURING, "as the window opens": OPENS, "as the window closes": CLOSES}
OUTSIDE = {"just before": OPENS - MICROSECOND, "just after": CLOSES + MICROSECOND,
           "a week later": CLOSES + timedelta(days=7)}


@pytest.mark.parametrize("when", INSIDE)
@pytest.mark.parametrize(("reported", "found", "photos", "decision", "reason", "amount", "outcome", "claimed"),
                         ELIGIBILITY)
def test_eligibility_and_amount_inside_the_window(when, reported, found, photos, decision, reason, amount, outcome,
                                                  claimed):
    result = compute([finding(TURBO, found, photos=photos, at=INSIDE[when])], {TURBO: reported} if reported else {})
    (decided,) = result.findings
    assert (decided.decision, decided.reason, decided.amount_minor) == (decision, reason, amount)
    assert (result.outcome, result.amount_minor) == (outcome, claimed)
    assert decided.detail


@pytest.mark.parametrize("when", OUTSIDE)
@pytest.mark.parametrize(("reported", "found", "photos"), [row[:3] for row in ELIGIBILITY])
def test_outside_the_window_every_finding_is_refused(when, reported, found, photos):
    result = compute([finding(TURBO, found, photos=photos, at=OUTSIDE[when])], {TURBO: reported} if reported else {})
    (decided,) = result.findings
    assert (decided.decision, decided.reason, decided.amount_minor) == (R, Reason.OUTSIDE_WINDOW, 0)
    assert (result.outcome, result.amount_minor) == (Outcome.NOTHING_TO_CLAIM, 0)


# The amount for the sale. Table figures: turbo 200/1,800, front pads 120/180, windscreen 100/850.
AMOUNTS = [
    # findings, hammer, earlier adjustments, deductible already used
    #   -> subtotal, deductible applied, computed, outcome, amount claimed
    ([], HAMMER, 0, 0, 0, 0, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ([("brakes.pads_front", "minor")], HAMMER, 0, 0, 120_00, 120_00, 0, Outcome.NOTHING_TO_CLAIM, 0),
    ([("engine.turbo", "minor")], HAMMER, 0, 0, 200_00, 150_00, 50_00, Outcome.CLAIM, 50_00),
    ([("brakes.pads_front", "major")], HAMMER, 0, 0, 180_00, 150_00, 30_00, Outcome.BELOW_MINIMUM, 0),
    ([("engine.turbo", "major"), ("glass_lights.windscreen", "major")], HAMMER, 0, 0,
     2_650_00, 150_00, 2_500_00, Outcome.CLAIM, 2_500_00),
    # Never above the hammer price.
    ([("engine.turbo", "major"), ("glass_lights.windscreen", "major")], Money(2_000_00, "EUR"), 0, 0,
     2_650_00, 150_00, 2_000_00, Outcome.CLAIM, 2_000_00),
    # A later claim on the same sale: the deductible is not applied again; the cap is what is left of the price.
    ([("engine.turbo", "minor")], HAMMER, 500_00, 150_00, 200_00, 0, 200_00, Outcome.CLAIM, 200_00),
    ([("engine.turbo", "minor")], HAMMER, 500_00, 100_00, 200_00, 50_00, 150_00, Outcome.CLAIM, 150_00),
    ([("engine.turbo", "minor")], Money(2_000_00, "EUR"), 1_900_00, 150_00, 200_00, 0, 100_00, Outcome.CLAIM,
     100_00),
    ([("engine.turbo", "minor")], Money(2_000_00, "EUR"), 1_970_00, 150_00, 200_00, 0, 30_00,
     Outcome.BELOW_MINIMUM, 0),
    ([("engine.turbo", "minor")], Money(2_000_00, "EUR"), 2_000_00, 150_00, 200_00, 0, 0,
     Outcome.NOTHING_TO_CLAIM, 0),
]


@pytest.mark.parametrize(("findings", "hammer", "earlier", "used", "subtotal", "applied", "computed", "outcome",
                          "claimed"), AMOUNTS)
def test_the_amount_is_table_cost_less_the_deductible_once_per_sale_capped_at_the_price(
        findings, hammer, earlier, used, subtotal, applied, computed, outcome, claimed):
    result = compute([finding(k, s) for k, s in findings], hammer=hammer, earlier_adjustments_minor=earlier,
                     deductible_used_minor=used)
    assert (result.subtotal_minor, result.deductible_applied_minor, result.computed_minor) == (
        subtotal, applied, computed)
    assert (result.outcome, result.amount_minor) == (outcome, claimed)
    assert result.amount == Money(claimed, "EUR")
    assert result.cap_minor == hammer.amount_minor - earlier
    assert (result.deductible_minor, result.minimum_minor) == (150_00, 50_00)


# --- one repair per group, and disclosure within a group --------------------------------------------------------

def test_a_panels_verdict_and_its_damage_map_entry_are_one_repair_counted_at_the_dearer():
    result = compute([finding("exterior_panels.door_fl"), finding("damage.door_fl.dent")])
    verdict, dent = result.findings
    assert (verdict.decision, verdict.reason, verdict.amount_minor) == (N, Reason.SAME_REPAIR, 0)
    assert "Front left door: dent" in verdict.detail
    assert (dent.decision, dent.amount_minor) == (C, 850_00)
    assert result.subtotal_minor == 850_00


def test_the_same_item_twice_counts_once_and_on_a_tie_the_earlier_one_counts():
    first, second = compute([finding(TURBO), finding(TURBO, photos=3)]).findings
    assert (first.decision, first.amount_minor, second.reason) == (C, 1_800_00, Reason.SAME_REPAIR)


def test_separate_groups_add_up():
    result = compute([finding("damage.door_fl.dent", "minor"), finding("damage.door_fr.dent", "minor")])
    assert result.subtotal_minor == 400_00 and {f.decision for f in result.findings} == {C}


def test_a_disclosed_repair_of_the_group_covers_a_cheaper_finding_and_is_deducted_from_a_dearer_one():
    disclosed = {"brakes.discs_front": "minor"}  # 200.00: pads cleaned up with it
    pads, braking = compute([finding("brakes.pads_front", "major"), finding("test_drive.braking_straight")],
                            disclosed).findings
    assert (pads.decision, pads.reason, pads.credit_minor, pads.amount_minor) == (
        N, Reason.COVERED_BY_DISCLOSED, 200_00, 0)
    assert (braking.decision, braking.reason, braking.amount_minor) == (C, Reason.WORSE_THAN_DISCLOSED, 450_00 - 200_00)


def test_a_disclosed_damage_map_entry_covers_the_panels_verdict():
    (verdict,) = compute([finding("exterior_panels.bonnet")], {"damage.bonnet.dent": "major"}).findings
    assert (verdict.decision, verdict.reason) == (N, Reason.COVERED_BY_DISCLOSED)


def test_an_item_the_table_does_not_price_is_not_claimable_with_the_tables_reason():
    (decided,) = compute([finding("documents.registration_match")]).findings
    assert (decided.decision, decided.reason) == (N, Reason.NOT_CLAIMABLE_ITEM)
    assert decided.detail == TABLE.entry("documents.registration_match").not_claimable


def test_an_unknown_item_is_refused():
    (decided,) = compute([finding("engine.flux_capacitor", at=CLOSES + timedelta(1))]).findings
    assert (decided.decision, decided.reason, decided.label) == (R, Reason.UNKNOWN_ITEM, "engine.flux_capacitor")


@pytest.mark.parametrize(("disclosed", "found", "reason"), [
    ({TURBO: "major"}, finding(TURBO, photos=0, at=CLOSES + MICROSECOND), Reason.OUTSIDE_WINDOW),
    ({TURBO: "major"}, finding(TURBO, photos=0), Reason.DISCLOSED),
    ({"brakes.discs_front": "major"}, finding("brakes.pads_front", photos=0), Reason.COVERED_BY_DISCLOSED),
    ({}, finding("paint.thickness", photos=0), Reason.NOT_CLAIMABLE_ITEM),
    ({}, finding(TURBO, photos=0), Reason.NO_PHOTO),
])
def test_the_first_reason_that_applies_is_the_one_given(disclosed, found, reason):
    assert compute([found], disclosed).findings[0].reason == reason


def test_a_later_claim_treats_what_an_accepted_claim_paid_for_as_disclosed():
    report = {"damage.door_fl.dent": "minor"}
    collection = compute([finding("damage.door_fl.dent", "major"), finding(TURBO, "minor")], report)
    assert collection.outcome == Outcome.CLAIM
    assert collection.claimed() == {"damage.door_fl.dent": "major", TURBO: "minor"}
    disclosed = disclosures_merge(report, collection.claimed())
    dispute = compute([finding("exterior_panels.door_fl"), finding(TURBO, "major")], disclosed,
                      earlier_adjustments_minor=collection.amount_minor,
                      deductible_used_minor=collection.deductible_applied_minor)
    door, turbo = dispute.findings
    assert (door.reason, turbo.reason, turbo.amount_minor) == (
        Reason.COVERED_BY_DISCLOSED, Reason.WORSE_THAN_DISCLOSED, 1_600_00)
    assert (dispute.deductible_applied_minor, dispute.amount_minor) == (0, 1_600_00)


def test_nothing_is_claimed_unless_the_outcome_is_a_claim():
    assert compute([finding("brakes.pads_front", "major")]).claimed() == {}


def test_disclosures_merge_keeps_the_worse_severity():
    assert disclosures_merge({"a": "major", "b": "minor"}, {"a": "minor", "b": "major", "c": "minor"}) == {
        "a": "major", "b": "major", "c": "minor"}


# --- the collection check: VIN and odometer ----------------------------------------------------------------------

VIN = "WVWZZZ1KZAW000017"


def collection(*, vin_on_car=VIN, reported=80_000, reading=80_500, findings=None):
    return collection_check_compute(
        hammer=HAMMER, disclosed={}, findings=findings if findings is not None else [finding(TURBO)], window=WINDOW,
        table=TABLE, schedule=SCHEDULE, expected_vin=VIN, vin_on_car=vin_on_car, reported_odometer_km=reported,
        odometer_km=reading)


def test_a_matching_vin_and_odometer_within_the_margin_leave_the_claim_to_the_findings():
    result = collection(vin_on_car="wvw-zzz 1kzaw000017")
    assert (result.outcome, result.amount_minor) == (Outcome.CLAIM, 1_650_00)
    assert result.vin.matches and not result.odometer.beyond_margin


@pytest.mark.parametrize(("reading", "beyond"), [
    (81_000, False), (79_000, False), (81_001, True), (78_999, True), (80_000, False), (0, True),
])
def test_the_odometer_may_differ_from_the_report_by_the_margin_either_way(reading, beyond):
    result = collection(reading=reading)
    assert result.odometer.margin_km == SCHEDULE.odometer_margin_km == 1_000
    assert result.odometer.beyond_margin is beyond
    assert result.outcome == (Outcome.CANCEL_ODOMETER if beyond else Outcome.CLAIM)


def test_a_vin_that_does_not_match_cancels_without_fee_before_the_odometer_is_considered():
    result = collection(vin_on_car="WVWZZZ1KZAW000018", reading=95_000)
    assert (result.outcome, result.amount_minor) == (Outcome.CANCEL_VIN_MISMATCH, 0)
    # The findings are still decided and the computation kept, for the page.
    assert result.findings[0].decision == C and result.computed_minor == 1_650_00
    assert result.claimed() == {}


def test_a_cancelled_collection_claims_nothing_even_with_claimable_findings():
    result = collection(reading=90_000)
    assert (result.outcome, result.amount_minor, result.computed_minor) == (Outcome.CANCEL_ODOMETER, 0, 1_650_00)


# --- inputs that cannot be right are refused, and the result is data -------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Finding(TURBO, "severe", 1, DURING),
    lambda: Finding(TURBO, "ok", 1, DURING),
    lambda: Finding(TURBO, "major", -1, DURING),
    lambda: Finding(TURBO, "major", True, DURING),
    lambda: Finding(TURBO, "major", 1, datetime(2026, 3, 2, 10, 30)),
    lambda: Finding("", "major", 1, DURING),
    lambda: ClaimWindow(CLOSES, OPENS),
    lambda: ClaimWindow(datetime(2026, 3, 2), CLOSES),
    lambda: compute([], {TURBO: "ok"}),
    lambda: compute([], hammer=Money(0, "EUR")),
    lambda: compute([], hammer=Money(10_000_00, "GBP")),
    lambda: compute([], earlier_adjustments_minor=HAMMER.amount_minor + 1),
    lambda: compute([], deductible_used_minor=-1),
    lambda: collection(vin_on_car=" - "),
    lambda: collection(reading=-1),
])
def test_inputs_that_cannot_be_right_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_the_computation_is_data_that_serialises_and_names_its_versions():
    result = collection(findings=[finding(TURBO), finding("brakes.pads_front", photos=0)])
    data = json.loads(json.dumps(result.as_dict()))
    assert data["schedule_version"] == "fees-v1" and data["table_version"] == "repair-costs-v1"
    assert [f["reason"] for f in data["findings"]] == ["undisclosed", "no_photo"]
    assert data["findings"][0]["table_cost_minor"] == 1_800_00
    assert data["vin"]["matches"] and data["odometer"]["difference_km"] == 500
    assert (data["outcome"], data["amount_minor"]) == ("claim", 1_650_00)


def test_the_same_inputs_give_the_same_computation():
    findings = [finding("damage.door_fl.dent"), finding(TURBO, "minor"), finding("exterior_panels.door_fl")]
    assert compute(findings, {"brakes.discs_front": "minor"}) == compute(findings, {"brakes.discs_front": "minor"})
