"""The one way a status changes.

`transition()` checks the model's allowed-transitions table, changes the row with a
compare-and-swap UPDATE (… WHERE status = <the status we read>), writes an audit row and
schedules side effects on commit. Two concurrent calls for the same change: one wins,
the other finds the row already in the target state and reports `changed=False`,
writing nothing and running nothing.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import models, transaction

from core.audit import audit_record
from core.exceptions import InvalidTransition, TransitionConflict
from core.models import AuditLog


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
    allowed: Mapping[str, Iterable[str]] | None = None,
    updates: Mapping[str, object] | None = None,
    on_commit: Iterable[Callable[[], None]] = (),
    data: dict | None = None,
) -> TransitionResult:
    # The default table is the TRANSITIONS class attribute of the models that change through `status`.
    table = allowed if allowed is not None else getattr(type(instance), "TRANSITIONS")  # noqa: B009
    current = getattr(instance, field)
    if current == to:
        return TransitionResult(False, current, to)
    if to not in table.get(current, ()):
        raise InvalidTransition(
            f"{str(type(instance)._meta.verbose_name).capitalize()} cannot go from {current!r} to {to!r}.",
            fields={field: [f"Not allowed from {current!r} to {to!r}."]},
        )

    updates = dict(updates or {})
    model = type(instance)
    with transaction.atomic():
        changed_rows = model._default_manager.filter(pk=instance.pk, **{field: current}).update(
            **{field: to}, **updates
        )
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
