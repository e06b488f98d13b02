"""The methods are pure: parameters in, results out. They import no database, no models and no settings, so the
same inputs always give the same answer and the wiring (selectors, pages, API) stays a separate layer."""

import ast
import sys
from pathlib import Path

import pytest

INSIGHTS = Path(__file__).resolve().parents[2] / "insights"
METHOD_MODULES = ["numbers.py", "records.py", "guidance.py", "market.py"]
# Money formats with an explicit currency: no settings read; core.text is the name key listings are stored by.
ALLOWED_OUTSIDE_STDLIB = {"insights", "core.money", "core.text"}


@pytest.mark.parametrize("name", METHOD_MODULES)
def test_a_method_module_imports_only_the_standard_library_and_its_own_helpers(name):
    tree = ast.parse((INSIGHTS / name).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__" or any(
                module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED_OUTSIDE_STDLIB), (
                f"{name} imports {module}")


@pytest.mark.parametrize("name", METHOD_MODULES)
def test_a_method_module_reads_no_settings_clock_or_randomness(name):
    source = (INSIGHTS / name).read_text()
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "settings" not in names
    assert not {"now", "today", "utcnow"} & attributes
    assert "random" not in names
    assert "float(" not in source
