from django.contrib.contenttypes.models import ContentType

from core.models import AuditLog


def audit_record(
    *,
    obj,
    action: str,
    actor=None,
    reason: str = "",
    field: str = "",
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditLog:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        field=field,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        actor_repr=str(actor)[:200] if actor else "system",
        reason=reason,
        data=data or {},
    )
