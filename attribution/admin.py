from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin

from .models import Attribution, AttributionDue, AttributionSettings, PerformanceDay, PerformanceMonth, PerformanceRollup


@admin.register(Attribution)
class AttributionAdmin(MerchantOwnedAdmin):
    list_display = ("order", "reason", "store", "staff", "click_at", "order_at")
    list_filter = ("reason", "store")
    search_fields = ("order__number", "staff__display_name")
    raw_id_fields = ("order", "click", "link", "store", "staff")
    readonly_fields = ("explanation",)
    date_hierarchy = "order_at"


@admin.register(AttributionSettings)
class AttributionSettingsAdmin(ReadOnlyAdmin):
    """The history of each merchant's attribution settings, read only: merchant admins change them
    on their settings page (/m/<merchant>/settings/attribution/), which keeps who and when."""

    list_display = ("merchant", "effective_from", "window_hours", "in_store_credit", "changed_by")
    list_filter = ("in_store_credit",)
    date_hierarchy = "effective_from"



@admin.register(AttributionDue)
class AttributionDueAdmin(ReadOnlyAdmin):
    """Orders whose attribution is still to be decided (the drain's and the sweep's work list)."""

    list_display = ("order_id", "merchant", "marked_at")
    search_fields = ("=order_id",)


@admin.register(PerformanceDay)
class PerformanceDayAdmin(ReadOnlyAdmin):
    """The performance rollups, read only: kept by the worker, recomputed by `rollups_rebuild`."""

    list_display = ("merchant", "day", "store_id", "staff_id", "orders", "sales", "new_members")
    date_hierarchy = "day"


@admin.register(PerformanceMonth)
class PerformanceMonthAdmin(ReadOnlyAdmin):
    """The month cells of the performance rollups (the sums of their days), read only."""

    list_display = ("merchant", "month", "store_id", "staff_id", "orders", "sales", "new_members")
    date_hierarchy = "month"


@admin.register(PerformanceRollup)
class PerformanceRollupAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "tz", "built_at")
