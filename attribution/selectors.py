"""Reads of attribution data: for pages (the worker loads its facts in services), and for the
apps below attribution, which name them in settings instead of importing them (loyalty reads the
credited staff member of a sale through `settings.LOYALTY_ORDER_CREDIT`)."""

from dataclasses import dataclass

from .models import Attribution, AttributionSettings
from .rules import Reason


def attribution_settings_get(*, merchant) -> AttributionSettings:
    """The settings in force now (the defaults, unsaved, when never changed)."""
    history = AttributionSettings.objects.for_merchant(merchant).select_related("changed_by")
    current = history.order_by("-effective_from", "-pk").first()
    return current or AttributionSettings(merchant=merchant)


@dataclass(frozen=True)
class SettingsChange:
    before: AttributionSettings
    after: AttributionSettings


def attribution_settings_history(*, merchant, limit: int = 100) -> list[SettingsChange]:
    """Each change with the settings it replaced, newest first."""
    rows = list(
        AttributionSettings.objects.for_merchant(merchant)
        .select_related("changed_by")
        .order_by("effective_from", "pk")
    )
    changes = []
    before = AttributionSettings(merchant=merchant)
    for row in rows:
        changes.append(SettingsChange(before=before, after=row))
        before = row
    return changes[::-1][:limit]


def order_credited_staff(*, merchant_id: int, order_id: int) -> tuple[bool, int | None]:
    """(decided, id of the staff member credited with the order): (False, None) while the order's
    attribution is not decided yet, (True, None) when it is decided and credits nobody."""
    row = (
        Attribution.objects.for_merchant(merchant_id)
        .filter(order_id=order_id)
        .values_list("reason", "staff_id")
        .first()
    )
    if row is None:
        return False, None
    reason, staff_id = row
    return True, staff_id if reason == Reason.CREDITED else None
