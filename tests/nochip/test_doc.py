"""docs/fees-and-adjustments.md is the published rules page: its figures and its worked example must be what the
files and the code compute."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from core.money import Money
from inspections.report import DAMAGE_TYPES, PANELS
from payments.fee_schedule import all_in_price, buyer_fee, buying_limit, sale_amounts
from payments.nochip import Decision, Outcome, Reason, collection_check_compute
from tests.nochip.rules import OPENS, SCHEDULE, TABLE, WINDOW, finding

DOC = (Path(__file__).resolve().parents[2] / "docs" / "fees-and-adjustments.md").read_text()
FLAT = " ".join(DOC.split())  # the page wraps long lines
EUR = SCHEDULE.for_currency("EUR")


def eur(minor: int) -> str:
    return Money(minor, "EUR").format()


def shown(text: str) -> bool:
    return " ".join(text.split()) in FLAT


def test_the_page_names_the_versions_in_force():
    assert shown(f"Fee schedule **`{SCHEDULE.version}`**, in force from 1 January 2026 "
                 f"(`payments/schedules/{SCHEDULE.version}.json`)")
    assert shown(f"Repair-cost table **`{TABLE.version}`** for inspection checklist `{TABLE.checklist_version}`, "
                 f"in force from 1 January 2026 (`inspections/repair_costs/{TABLE.version}.json`)")
    assert str(SCHEDULE.effective_from) == str(TABLE.effective_from) == "2026-01-01"


def test_the_buyer_fee_bands_on_the_page_are_the_schedules():
    lower = 1
    for band in EUR.buyer_fee_bands:
        if band.flat_minor is not None:
            fee = eur(band.flat_minor)
        else:
            fee = f"{band.bps / 100:g} % of the hammer price, rounded half up to the cent"
        if band.up_to_minor is None:
            row = f"| over {eur(lower - 1)} | {fee} |"
        elif lower == 1:
            row = f"| up to {eur(band.up_to_minor)} | {fee} |"
        else:
            row = f"| {eur(lower)} to {eur(band.up_to_minor)} | {fee} |"
        assert shown(row), row
        lower = (band.up_to_minor or 0) + 1


def test_the_fee_examples_on_the_page_are_computed():
    at, above = (buyer_fee(Money(hammer, "EUR"), SCHEDULE) for hammer in (15_000_00, 15_000_01))
    assert shown(f"a hammer price of exactly €15,000.00 pays {at}, one cent more pays {above}")
    for bid in (15_000_00, 40_000_00):
        assert shown(f"bid of {eur(bid)} is {all_in_price(Money(bid, 'EUR'), SCHEDULE)} all in")


@pytest.mark.parametrize("row", [
    f"| seller fee | none ({eur(EUR.seller_fee_minor)}) |",
    f"| break fee: the seller refused a price adjustment | {eur(EUR.break_fee_minor)}, paid by the dealer",
    f"| unpaid-sale fee: the dealer did not pay | {eur(EUR.unpaid_sale_fee_minor)}, paid by the dealer",
    f"| deductible per sale | {eur(EUR.deductible_minor)} |",
    f"| smallest amount that can be claimed | {eur(EUR.minimum_claim_minor)} |",
    f"| buying limit | {SCHEDULE.deposit_limit_multiple} × the dealer's deposit (a €5,000.00 deposit gives a "
    f"{buying_limit(Money(5_000_00, 'EUR'), SCHEDULE)} limit) |",
    f"| odometer margin at the collection check | {SCHEDULE.odometer_margin_km:,} km either way |",
    f"more than **{SCHEDULE.odometer_margin_km:,} km** away from the report's reading",
    f"The **deductible** ({eur(EUR.deductible_minor)}) is borne by the dealer **once per sale**",
    f"An amount below **{eur(EUR.minimum_claim_minor)}** cannot be claimed",
    f"the dealer pays the **break fee** ({eur(EUR.break_fee_minor)}) from their deposit",
    f"Within the dispute window after the handover ({settings.GAVEL_DISPUTE_WINDOW_DAYS} days, a setting)",
    f"every item of the inspection checklist ({sum(1 for k in TABLE.entries if not k.startswith('damage.'))} items "
    f"in version `v1`) and every damage-map panel and kind of damage ({len(PANELS)} panels × {len(DAMAGE_TYPES)} "
    "kinds)",
])
def test_the_figures_on_the_page_are_the_schedules_and_the_tables(row):
    assert shown(row), row


def test_the_groups_on_the_page_are_the_tables():
    on_the_page = {
        "brakes_front": {"brakes.discs_front", "brakes.pads_front", "test_drive.braking_straight"},
        "brakes_rear": {"brakes.discs_rear", "brakes.pads_rear"},
        "steering": {"suspension_steering.rack", "suspension_steering.power_steering", "test_drive.steering_feel"},
        "alignment": {"suspension_steering.alignment", "test_drive.straight_line"},
        "gearbox": {"transmission.shifting", "transmission.gearbox_noise", "test_drive.shifts_load"},
        "cooling": {"engine.coolant_level", "engine.coolant_leaks", "test_drive.temperature"},
        "diagnosis": {"electrics.warning_lights", "electrics.fault_codes"},
        "paint_finish": {"paint.finish", "paint.clear_coat"},
    }
    groups: dict[str, set] = {}
    for key, entry in TABLE.entries.items():
        groups.setdefault(entry.group, set()).add(key)
    shared = {group: keys for group, keys in groups.items() if len(keys) > 1 and not group.startswith("panel:")}
    assert shared == on_the_page
    for bullet in (
        "front brakes: front discs, front pads and \"brakes straight, no judder\" on the test drive;",
        "rear brakes: rear discs or drums and rear pads or shoes;",
        "steering: steering rack, power steering and \"steering feel\" on the test drive;",
        "alignment: wheel alignment and \"straight-line stability\" on the test drive;",
        "gearbox: gear selection, gearbox noise and \"gear changes under load\" on the test drive;",
        "cooling: coolant level, coolant leaks and \"engine temperature stays normal\" on the test drive;",
        "diagnosis: dashboard warning lights and stored fault codes;",
        "paint finish: overall paint finish and clear coat.",
    ):
        assert shown(f"- {bullet}"), bullet
    for panel, _ in PANELS:  # each panel: its checklist verdict (where there is one) and its damage-map entries
        expected = {f"damage.{panel}.{t}" for t, _ in DAMAGE_TYPES} | (
            {f"exterior_panels.{panel}"} if f"exterior_panels.{panel}" in TABLE.entries else set())
        assert groups[f"panel:{panel}"] == expected
    assert {k for k, e in TABLE.entries.items() if not e.claimable} == {"paint.thickness",
                                                                        "documents.registration_match"}


@pytest.mark.parametrize(("label", "key"), [
    ("front left door: dent", "damage.door_fl.dent"), ("roof: dent", "damage.roof.dent"),
    ("front bumper: scratch", "damage.front_bumper.scratch"), ("windscreen (chips, cracks)", "glass_lights.windscreen"),
    ("front discs", "brakes.discs_front"), ("tread depth front left", "tyres_wheels.tread_fl"),
    ("timing belt / chain", "engine.timing"), ("air conditioning", "electrics.air_con"),
    ("turbocharger", "engine.turbo"), ("number of keys", "documents.keys_count"),
])
def test_the_figures_quoted_from_the_table_are_the_tables(label, key):
    entry = TABLE.entry(key)
    assert entry.label.lower().startswith(label.split(" (")[0])
    assert shown(f"| {label} | {entry.cost('minor', 'EUR')} | {entry.cost('major', 'EUR')} |")


def test_the_basis_on_the_page_is_the_tables():
    for phrase in ("without VAT", "independent workshop in Germany in 2026", "VW Golf, Opel Astra, Skoda Octavia",
                   "about EUR 110 an hour", "EUR 130 an hour for paint work"):
        assert phrase in TABLE.basis
    assert shown("independent workshop in Germany in 2026 for a mid-range compact or family car (VW Golf, Opel "
                 "Astra, Skoda Octavia class): labour at about €110 an hour for mechanical and body work and €130 an "
                 "hour for paint work")


def test_the_worked_example_is_what_the_code_computes():
    hammer = Money(12_000_00, "EUR")
    result = collection_check_compute(
        hammer=hammer, disclosed={"damage.door_fl.dent": "minor", "brakes.discs_front": "minor"},
        findings=[finding("damage.door_fl.dent", photos=2), finding("exterior_panels.door_fl"),
                  finding("brakes.pads_front", "minor"), finding("engine.turbo", photos=0),
                  finding("glass_lights.windscreen", "minor", at=OPENS + timedelta(minutes=50))],
        window=WINDOW, table=TABLE, schedule=SCHEDULE, expected_vin="WVWZZZ1KZAW000017",
        vin_on_car="WVWZZZ1KZAW000017", reported_odometer_km=80_000, odometer_km=80_500)
    dent, door, pads, turbo, windscreen = result.findings
    assert (dent.decision, dent.reason, dent.table_cost_minor, dent.credit_minor, dent.amount_minor) == (
        Decision.CLAIMABLE, Reason.WORSE_THAN_DISCLOSED, 850_00, 200_00, 650_00)
    assert (door.reason, pads.reason, pads.credit_minor, turbo.reason) == (
        Reason.SAME_REPAIR, Reason.COVERED_BY_DISCLOSED, 200_00, Reason.NO_PHOTO)
    assert (windscreen.reason, windscreen.amount_minor) == (Reason.UNDISCLOSED, 100_00)
    assert (result.subtotal_minor, result.deductible_applied_minor, result.amount_minor, result.outcome) == (
        750_00, 150_00, 600_00, Outcome.CLAIM)
    for row in (f"worse than disclosed: {eur(850_00)} less the disclosed minor dent's {eur(200_00)} | {eur(650_00)} |",
                f"the disclosed front-disc repair ({eur(200_00)}) puts this right too | €0.00 |",
                f"not in the report: the table's minor repair costs {eur(100_00)} | {eur(100_00)} |",
                f"Counted findings {eur(750_00)}, less the deductible {eur(150_00)}: **{eur(600_00)}**"):
        assert shown(row), row
    amounts = sale_amounts(hammer, SCHEDULE, adjustment=result.amount)
    assert shown(f"the price is {amounts.price}. The buyer fee stays that of the {hammer} hammer price, "
                 f"{amounts.buyer_fee}, so the dealer pays {amounts.dealer_pays} and the seller receives "
                 f"{amounts.seller_receives}")
    assert shown(f"the seller pays nothing, and {eur(EUR.break_fee_minor)} moves from the dealer's deposit")
