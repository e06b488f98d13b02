"""Every status change goes through `core.transitions.transition()` (README, "The parts"; issue 13).

A status field is a model field with choices named `status`, `state`, `outcome` or `…_status`; the scan looks for
the names our models give them. Each has an
allowed-transitions table (`core.transitions.transitions_table`) that names every one of its values, and our code
never changes one by itself. The AST of every module of ours (migrations and `core/transitions.py` aside) is read
for the raw ways a status changes:

- a queryset `update(...)` / `update_or_create(...)` that sets a status field, by keyword or through a dict built
  in the same function (`updates = {"payout_status": …}; Sale.objects.filter(…).update(**updates)`, including
  dicts filled by `d[...] = …`, `d.update(…)` and module functions that return such a dict);
- `save(update_fields=[…])` or `bulk_update(…, […])` naming a status field;
- an assignment `obj.<status field> = …` or `setattr(obj, "<status field>", …)`.

Creating a row in its first status is not a change. `transition(..., updates=...)` may carry a second status
field along: the helper checks that move against the field's own table (tests/core/test_transitions.py).
"""

import ast
from typing import cast

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from core.transitions import transitions_table
from tests.architecture.test_import_order import DOMAIN_ORDER, ROOT, TOP

STATUS_NAMES = {"status", "state", "outcome"}
HELPER = ROOT / "core" / "transitions.py"
QUERYSET_WRITES = {"update", "update_or_create"}


def status_fields() -> list[tuple[type, str]]:
    """(model, field name) for every status field of our apps' models."""
    ours = set(DOMAIN_ORDER)
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        for field in model._meta.concrete_fields:
            if field.choices and (field.name in STATUS_NAMES or field.name.endswith("_status")):
                found.append((model, field.name))
    return found


FIELD_NAMES = {name for _, name in status_fields()}


def is_status_name(name: str) -> bool:
    return name in FIELD_NAMES


def _constant_keys(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Dict):
        return {key.value for key in node.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)}
    return set()


def _status_dict_functions(tree: ast.Module) -> set[str]:
    """Module functions that return a dict literal with a status key (e.g. `_sold_updates`)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Return) and sub.value is not None and any(
                        is_status_name(key) for key in _constant_keys(sub.value)):
                    names.add(node.name)
    return names


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return None


def _names_in_list(node: ast.AST | None) -> set[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return {elt.value for elt in node.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)}
    return set()


def raw_status_changes(source: str, filename: str = "<source>") -> list[str]:
    """`<line>: <what>` for every raw status change in `source`."""
    tree = ast.parse(source, filename=filename)
    dict_makers = _status_dict_functions(tree)
    problems = []

    def scan(scope: ast.AST) -> None:
        # The status keys each local dict may hold, in source order (good enough: a dict is built, then used).
        carried: dict[str, set[str]] = {}
        dicts: set[str] = set()

        def keys_of(value: ast.AST) -> set[str] | None:
            """Status keys of a dict-valued expression, or None when it is not recognisably a dict."""
            if isinstance(value, ast.Dict):
                keys = {key for key in _constant_keys(value) if is_status_name(key)}
                for key, sub in zip(value.keys, value.values, strict=True):
                    if key is None and isinstance(sub, ast.Name):  # {**other}
                        keys |= carried.get(sub.id, set())
                return keys
            if _call_name(value) == "dict":
                return {kw.arg for kw in cast(ast.Call, value).keywords if kw.arg and is_status_name(kw.arg)}
            if _call_name(value) in dict_makers:
                return {"<from " + _call_name(value) + ">"}
            return None

        nodes = sorted((n for n in ast.walk(scope) if hasattr(n, "lineno") and hasattr(n, "col_offset")),
                       key=lambda n: (n.lineno, n.col_offset))
        for node in nodes:
            # A plain or an annotated assignment (`updates: dict[str, object] = {...}`): the same dict.
            if isinstance(node, ast.Assign) or (isinstance(node, ast.AnnAssign) and node.value is not None):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        keys = keys_of(node.value)
                        if keys is not None:
                            dicts.add(target.id)
                            carried[target.id] = keys
                    elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                          and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)
                          and is_status_name(target.slice.value)):
                        carried.setdefault(target.value.id, set()).add(target.slice.value)
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Attribute) and is_status_name(sub.attr):
                            problems.append(f"{node.lineno}: assigns .{sub.attr}")
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str) and is_status_name(node.args[1].value):
                problems.append(f"{node.lineno}: setattr(…, {node.args[1].value!r}, …)")
            if not isinstance(node.func, ast.Attribute):
                continue
            receiver = node.func.value
            on_dict = isinstance(receiver, ast.Name) and receiver.id in dicts
            if name == "update" and on_dict:
                added = {kw.arg for kw in node.keywords if kw.arg and is_status_name(kw.arg)}
                for arg in node.args:
                    added |= keys_of(arg) or set()
                carried[cast(ast.Name, receiver).id] |= added
                continue
            if name in QUERYSET_WRITES:
                changed = {kw.arg for kw in node.keywords if kw.arg and is_status_name(kw.arg)}
                for kw in node.keywords:
                    if kw.arg is None:  # **something
                        changed |= (carried.get(kw.value.id, set()) if isinstance(kw.value, ast.Name)
                                    else keys_of(kw.value) or set())
                    elif kw.arg == "defaults":
                        changed |= (carried.get(kw.value.id, set()) if isinstance(kw.value, ast.Name)
                                    else keys_of(kw.value) or set())
                if changed:
                    problems.append(f"{node.lineno}: .{name}() sets {', '.join(sorted(changed))}")
            if name == "save":
                for kw in node.keywords:
                    if kw.arg == "update_fields" and any(map(is_status_name, _names_in_list(kw.value))):
                        problems.append(f"{node.lineno}: save(update_fields=…) names a status field")
            if name == "bulk_update":
                listed = _names_in_list(node.args[1] if len(node.args) > 1 else None)
                listed |= {n for kw in node.keywords if kw.arg == "fields" for n in _names_in_list(kw.value)}
                if any(map(is_status_name, listed)):
                    problems.append(f"{node.lineno}: bulk_update(…) names a status field")

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scan(node)
    # Module level (outside any function): only the direct forms matter there.
    module_level = ast.Module(body=[n for n in tree.body if not isinstance(
        n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))], type_ignores=[])
    scan(module_level)
    return sorted(set(problems), key=lambda p: int(p.split(":")[0]))


def sources():
    for app in [*DOMAIN_ORDER, *TOP]:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != HELPER:
                yield path


def test_no_status_changes_outside_the_transitions_helper():
    problems = [f"{path.relative_to(ROOT)}:{problem}" for path in sources()
                for problem in raw_status_changes(path.read_text(), str(path))]
    assert problems == []


@pytest.mark.parametrize("code, expected", [
    ("def f(sale):\n    Sale.objects.filter(pk=sale.pk).update(payout_status='sent')\n",
     "2: .update() sets payout_status"),
    ("def f(sale):\n    updates = {'payout_status': 'sending', 'payout_attempts': 1}\n"
     "    Sale.objects.filter(pk=sale.pk).update(**updates)\n", "3: .update() sets payout_status"),
    ("def f(sale):\n    changes = {'paid_at': 1}\n    changes['status'] = 'paid'\n"
     "    Sale.objects.filter(pk=sale.pk).update(**changes)\n", "4: .update() sets status"),
    ("def f(a):\n    u = {'closed_at': 1}\n    u.update(outcome='sold')\n    Auction.objects.filter().update(**u)\n",
     "4: .update() sets outcome"),
    ("def f(sale):\n    u: dict[str, object] = {'payout_status': 'sent'}\n"
     "    Sale.objects.filter(pk=sale.pk).update(**u)\n", "3: .update() sets payout_status"),
    ("def won():\n    return {'outcome': 'sold'}\n\ndef f(a):\n    u = {}\n    u.update(won())\n"
     "    Auction.objects.filter().update(**u)\n", "7: .update() sets <from won>"),
    ("def f(bids):\n    Bid.objects.bulk_update(bids, ['state'])\n", "2: bulk_update(…) names a status field"),
    ("def f(p):\n    p.status = 'verified'\n    p.save(update_fields=['status'])\n", "2: assigns .status"),
    ("def f(p):\n    p.save(update_fields=['status', 'updated_at'])\n",
     "2: save(update_fields=…) names a status field"),
    ("def f(p, v):\n    setattr(p, 'payout_status', v)\n", "2: setattr(…, 'payout_status', …)"),
    ("def f(p):\n    Payment.objects.update_or_create(pk=1, defaults={'status': 'confirmed'})\n",
     "2: .update_or_create() sets status"),
])
def test_the_scan_sees_each_raw_way_of_changing_a_status(code, expected):
    assert expected in raw_status_changes(code)


def test_the_scan_leaves_alone_what_is_not_a_status_change():
    code = (
        "def f(sale, entry):\n"
        "    updates = {'outcome': 'sold', 'closed_at': 1}\n"
        "    transition(sale, 'closed', updates=updates)\n"  # the helper checks a carried status field
        "    entry['status'] = 'ok'\n"  # a checklist answer in a JSON document
        "    Sale.objects.create(status='awaiting_payment')\n"  # a new row in its first status
        "    Sale.objects.filter(status='paid').update(paid_at=1)\n"
    )
    assert raw_status_changes(code) == []


def test_there_are_status_fields_to_check():
    found = {(model.__name__, name) for model, name in status_fields()}
    assert {("Sale", "status"), ("Sale", "payout_status"), ("Payment", "status"), ("Bid", "state"),
            ("Auction", "outcome"), ("Listing", "status")} <= found


@pytest.mark.parametrize("model, name", status_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_every_status_field_has_a_complete_transitions_table(model, name):
    table = transitions_table(model, name)
    assert table is not None, f"{model.__name__}.{name} needs a transitions table"
    values = {value for value, _ in model._meta.get_field(name).choices}
    assert set(table) == values, f"{model.__name__}.{name}: the table names every value, and only those"
    for source, targets in table.items():
        assert set(targets) <= values - {source}, f"{model.__name__}.{name}: {source!r} leads to unknown values"


@pytest.mark.django_db
def test_admin_never_lets_staff_edit_a_status_field(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = 0
    for model, name in status_fields():
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not model_admin.has_change_permission(request):
            continue
        checked += 1
        assert name in model_admin.get_readonly_fields(request, None) or name not in (
            model_admin.get_fields(request, None)), f"{model.__name__}.{name} is editable in admin"
    assert checked
