"""The fee schedule, the repair-cost table and the no-chip rules are pure: data files and parameters in, results
out. They import no models, no services and no settings, read no clock and no randomness, and use no floats, so
the same inputs always give the same computation and the wiring (services, pages) stays a separate layer."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["core/datafile.py", "payments/fee_schedule.py", "inspections/repair_cost.py", "payments/nochip.py"]
# Each is pure itself: Money formats with an explicit currency; payments.fees.buyer_fee walks the bands it is
# given; the checklist and the report module give the checklist and the damage map; vin_normalise is a regex.
ALLOWED = {"core.money", "core.datafile", "payments.fees", "payments.fee_schedule", "inspections.checklist",
           "inspections.report", "inspections.repair_cost", "marketplace.validators"}
# Each module imports only from its own app or one earlier in the app order (core → … → inspections → payments).
APP_ORDER = ["core", "accounts", "marketplace", "inspections", "auctions", "payments"]


def imports(path):
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):  # `from payments import fees` imports the module payments.fees
            module = node.module or ""
            yield from (f"{module}.{alias.name}" if f"{module}.{alias.name}" in ALLOWED else module
                        for alias in node.names)


@pytest.mark.parametrize("path", MODULES)
def test_a_rules_module_imports_only_the_standard_library_and_pure_modules_below_it(path):
    app = path.split("/")[0]
    for module in imports(path):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top == "__future__":
            continue
        assert module in ALLOWED, f"{path} imports {module}"
        assert APP_ORDER.index(top) <= APP_ORDER.index(app), f"{path} imports {module}, later in the app order"


@pytest.mark.parametrize("path", MODULES)
def test_a_rules_module_reads_no_settings_clock_or_randomness(path):
    source = (ROOT / path).read_text()
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "settings" not in names
    assert not {"now", "today", "utcnow", "db_now"} & (attributes | names)
    assert "random" not in names
    assert "float(" not in source
