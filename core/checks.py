"""System checks (`manage.py check`, CI, every management command and server start): a dotted path or a Celery
task name in the settings that names none of our code fails here, not at the first request, payout or beat tick
that needs it."""

import re

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

# Our code: every top-level package of the checkout (the tests aside), so a new app is covered without a list.
OUR_PACKAGES = tuple(sorted(path.parent.name for path in settings.BASE_DIR.glob("*/__init__.py")
                            if path.parent.name != "tests"))
# Settings not resolved here: no Python path ("app_label.Model", which Django checks itself), or an entry point
# that the server imports the moment it starts (importing it here would build the whole application).
NOT_PYTHON_PATHS = {"AUTH_USER_MODEL", "ASGI_APPLICATION", "WSGI_APPLICATION", "SETTINGS_MODULE"}
DOTTED = re.compile(rf"^(?:{'|'.join(OUR_PACKAGES)})(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def resolve_dotted(path: str):
    """The module, or the object inside one (nested attributes allowed: "auctions.models.Auction.Status")."""
    from importlib import import_module

    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = import_module(".".join(parts[:split]))
        except ModuleNotFoundError as exc:
            if exc.name is None or not path.startswith(exc.name):
                raise  # the module exists but imports something that does not
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    return import_string(path)


def _dotted_values(value, where: str):
    """(where, dotted path) for every string (or dict key) in a setting's value that looks like our code."""
    if isinstance(value, str):
        if DOTTED.match(str(value)):  # str(): some settings hold lazy strings
            yield where, str(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dotted_values(key, f"{where} (key)")
            yield from _dotted_values(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            yield from _dotted_values(item, f"{where}[{index}]")


@register()
def check_dotted_paths(app_configs, **kwargs):
    errors = []
    for name in sorted(dir(settings)):
        if not name.isupper() or name in NOT_PYTHON_PATHS:
            continue
        for where, path in _dotted_values(getattr(settings, name), name):
            try:
                resolve_dotted(path)
            except Exception as exc:  # noqa: BLE001 - any failure to import or look up is the finding
                errors.append(Error(f"{where} names {path!r}, which does not exist ({type(exc).__name__}: {exc}).",
                                    hint="Fix the dotted path in config/settings/ or the environment.",
                                    id="core.E001"))
    return errors


@register()
def check_celery_task_names(app_configs, **kwargs):
    """Celery finds tasks by name: a beat entry or a route naming no registered task would be silently dropped
    (the worker logs "unregistered task" and goes on)."""
    from importlib import import_module

    from celery import current_app
    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    # What the worker's autodiscovery imports (not through Celery's loader: its Django fixup runs these checks).
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "tasks"):
            import_module(f"{app_config.name}.tasks")
    registered = set(current_app.tasks)
    errors = []
    for entry, spec in (getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}).items():
        if spec.get("task") not in registered:
            errors.append(Error(f"CELERY_BEAT_SCHEDULE[{entry!r}] runs {spec.get('task')!r}, which is no registered "
                                "Celery task.", id="core.E002"))
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}):
        if "*" not in route and route not in registered:
            errors.append(Error(f"CELERY_TASK_ROUTES routes {route!r}, which is no registered Celery task.",
                                id="core.E003"))
    return errors
