"""Dependencies run one way (README, "Architecture"). Every import of our own code is checked, at module level and
inside functions, against two rules:

1. The domain apps stand in an order, each importing only those before it:
   core → transparency → accounts → integrations → marketplace → inspections → auctions → payments → insights →
   privacy.
   A domain module is everything an app holds but its delivery modules: models, services, selectors, tasks, the
   rules and the engine.
2. Delivery sits on top: pages, the API, admin, forms, serializers, URL maps, template tags, management commands,
   demo data, the WebSocket consumers (`live/`) and `config/`. A delivery module may use any app's domain, and the
   delivery of its own app or an app before it; no domain module imports delivery.

`gavel_verify` (the stand-alone verifier) imports none of our code; `bench/` and `tests/` are not checked.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOMAIN_ORDER = ["core", "transparency", "accounts", "integrations", "marketplace", "inspections", "auctions",
                "payments", "insights", "privacy"]
TOP = ["live", "config"]  # delivery only
DELIVERY_MODULES = {"views", "api", "admin", "forms", "serializers", "urls", "urls_api", "consumers", "routing",
                    "bid_policy",
                    "demo", "apps", "asgi", "wsgi", "celery", "checks"}
DELIVERY_PACKAGES = {"templatetags", "management"}
OURS = set(DOMAIN_ORDER) | set(TOP) | {"gavel_verify"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_delivery(module: str) -> bool:
    parts = module.split(".")
    if parts[0] in TOP:
        return True
    return any(part in DELIVERY_PACKAGES for part in parts[1:]) or (len(parts) > 1 and parts[-1] in DELIVERY_MODULES)


def rank(app: str) -> int:
    return DOMAIN_ORDER.index(app) if app in DOMAIN_ORDER else len(DOMAIN_ORDER) + TOP.index(app)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, wherever it stands; `from x import y` counts y as x.y when
    that is a module of ours, else as x."""
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*candidate.split(".")) / "__init__.py").exists()
                found.append((node.lineno, candidate if is_module else base))
    return [(line, module) for line, module in found if module.split(".")[0] in OURS]


def sources():
    for app in sorted(OURS):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def violations() -> list[str]:
    problems = []
    for path in sources():
        here = _module_name(path)
        app = here.split(".")[0]
        for line, target in imports_of(path):
            there = target.split(".")[0]
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if app == "gavel_verify":
                if there != "gavel_verify":
                    problems.append(f"{where}: the stand-alone verifier imports none of Gavel's code")
                continue
            if there == "gavel_verify":
                continue  # the verifier is a library every part may use (its formats and checks)
            if there in TOP and app not in TOP:
                problems.append(f"{where}: nothing below the delivery layer imports {there}/")
            elif not is_delivery(here):
                if is_delivery(target):
                    problems.append(f"{where}: a domain module imports delivery")
                elif rank(there) > rank(app):
                    problems.append(f"{where}: {app} comes before {there} in the app order")
            elif is_delivery(target) and there != app and rank(there) > rank(app):
                problems.append(f"{where}: delivery uses the delivery of its own app or an app before it")
    return problems


def test_no_import_runs_against_the_app_order():
    assert violations() == []


def test_the_check_sees_a_new_import_that_runs_against_the_order(tmp_path, monkeypatch):
    """The rule is really applied: a domain module of an early app that imports a later one is caught."""
    fake = ROOT / "accounts" / "_architecture_probe.py"
    fake.write_text("def f():\n    from payments.models import Sale  # noqa\n")
    try:
        assert any("_architecture_probe.py:2 imports payments.models" in p for p in violations())
    finally:
        fake.unlink()
