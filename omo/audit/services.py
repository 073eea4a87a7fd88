"""Writes to the audit log. Only inserts: see omo.audit.models."""

from omo.net import client_ip_stored
from .models import AuditEvent

Action = AuditEvent.Action


def audit_record(*, merchant, action: str, actor=None, target=None, target_type: str = "", target_id="",
                 details: dict | None = None, ip: str | None = None) -> AuditEvent:
    """Append one event. `target` (a model instance) fills target type and id; `actor` is a user
    (an API key client or an anonymous user is recorded as no actor, with what it was in details)."""
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target.pk
    details = dict(details or {})
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    elif actor is not None and getattr(actor, "pk", None) is None:  # e.g. an API key client
        details.setdefault("actor", str(actor))
        actor = None
    return AuditEvent.objects.for_merchant(merchant).create(
        merchant=merchant,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id="" if target_id in (None, "") else str(target_id),
        details=details,
        ip=ip,
    )


def audit_request(request, *, action: str, merchant=None, target=None, target_type: str = "", target_id="",
                  details: dict | None = None) -> AuditEvent:
    """The same, with the actor and address of a request (the merchant is the URL's by default)."""
    return audit_record(
        merchant=merchant or request.merchant,
        action=action,
        actor=getattr(request, "user", None),
        target=target,
        target_type=target_type,
        target_id=target_id,
        details=details,
        ip=client_ip_stored(request),
    )


def _plain(value):
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal, dates, model instances: as text in the JSON details


def audit_changes(before: dict, after: dict) -> dict:
    """{"changed": {field: [old, new]}} for the fields whose value changed (JSON-ready)."""
    return {
        "changed": {
            name: [_plain(before.get(name)), _plain(value)]
            for name, value in after.items()
            if _plain(before.get(name)) != _plain(value)
        }
    }
