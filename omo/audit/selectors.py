from .models import AuditEvent


def audit_event_list(*, merchant, action: str = "", actor_id=None, date_from=None, date_to=None):
    """The merchant's audit events, newest first, filtered by action, actor and [date_from, date_to)
    (aware datetimes)."""
    events = AuditEvent.objects.for_merchant(merchant).select_related("actor")
    if action:
        events = events.filter(action=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if date_from is not None:
        events = events.filter(created_at__gte=date_from)
    if date_to is not None:
        events = events.filter(created_at__lt=date_to)
    return events.order_by("-created_at", "-id")
