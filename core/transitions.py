"""The one way a status changes.

`transition()` checks the model's allowed-transitions table, changes the row with a
compare-and-swap UPDATE (… WHERE status = <the status we read>), writes an audit row and
schedules side effects on commit. Two concurrent calls for the same change: one wins,
the other finds the row already in the target state and reports `changed=False`,
writing nothing and running nothing.

A model may have more than one status field, each with its own table: `TRANSITIONS` for `status`,
`<FIELD>_TRANSITIONS` for any other (`Sale.PAYOUT_STATUS_TRANSITIONS`, `Auction.OUTCOME_TRANSITIONS`,
`Bid.STATE_TRANSITIONS`). `transition(..., field=...)` finds the table of the field it changes. A change may
carry a second status field along in `updates` (an auction's close decides its first outcome): that move is
checked against its own table, compared-and-swapped too and recorded in the audit row's data.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from django.db import models, transaction
from django.utils.translation import gettext

from core.audit import audit_record
from core.exceptions import InvalidTransition, TransitionConflict
from core.models import AuditLog


def transitions_table(model: type[models.Model], field: str = "status") -> Mapping[str, Collection[str]] | None:
    """The allowed-transitions table of `model`'s status field `field`, or None when the field has none."""
    return getattr(model, "TRANSITIONS" if field == "status" else f"{field.upper()}_TRANSITIONS", None)


def _refuse(model: type[models.Model], field: str, current: str, to: str) -> InvalidTransition:
    return InvalidTransition(
        gettext("%(thing)s cannot go from %(current)s to %(to)s.") % {
            "thing": str(model._meta.verbose_name).capitalize(), "current": repr(current), "to": repr(to)},
        fields={field: [gettext("Not allowed from %(current)s to %(to)s.") % {"current": repr(current),
                                                                                "to": repr(to)}]},
    )


@dataclass(frozen=True)
class TransitionResult:
    changed: bool
    from_state: str
    to_state: str


def transition(
    instance: models.Model,
    to: str,
    *,
    actor=None,
    reason: str = "",
    field: str = "status",
    updates: Mapping[str, object] | None = None,
    on_commit: Iterable[Callable[[], None]] = (),
    data: dict | None = None,
) -> TransitionResult:
    model = type(instance)
    table = transitions_table(model, field)
    if table is None:
        raise TypeError(f"{model.__name__}.{field} has no allowed-transitions table.")
    current = getattr(instance, field)
    if current == to:
        return TransitionResult(False, current, to)
    if to not in table.get(current, ()):
        raise _refuse(model, field, current, to)

    updates = dict(updates or {})
    if field in updates:
        raise TypeError(f"`updates` may not set {field!r}: that is the transition's own `to`.")
    expected = {field: current}
    data = dict(data or {})
    for name, value in updates.items():
        carried = transitions_table(model, name)
        if carried is None or getattr(instance, name) == value:
            continue
        if value not in carried.get(getattr(instance, name), ()):
            raise _refuse(model, name, getattr(instance, name), cast(str, value))  # a status: the field has a table
        expected[name] = getattr(instance, name)
        data.setdefault(name, value)
    with transaction.atomic():
        changed_rows = model._default_manager.filter(pk=instance.pk, **expected).update(**{field: to}, **updates)
        if changed_rows == 0:
            fresh = model._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
            if fresh == to:
                setattr(instance, field, to)
                return TransitionResult(False, current, to)
            raise TransitionConflict(
                f"{str(model._meta.verbose_name).capitalize()} changed to {fresh!r} while we were changing it "
                f"from {current!r}."
            )
        setattr(instance, field, to)
        for name, value in updates.items():
            setattr(instance, name, value)
        audit_record(
            obj=instance,
            action=AuditLog.Action.STATUS_CHANGE,
            actor=actor,
            reason=reason,
            field=field,
            from_state=current,
            to_state=to,
            data=data,
        )
        for callback in on_commit:
            transaction.on_commit(callback)
    return TransitionResult(True, current, to)
