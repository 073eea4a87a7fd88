"""Reads of attribution data for pages (the worker loads its facts in services)."""

from dataclasses import dataclass

from .models import AttributionSettings


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
