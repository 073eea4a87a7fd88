from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin

from .models import Attribution


@admin.register(Attribution)
class AttributionAdmin(MerchantOwnedAdmin):
    list_display = ("order", "reason", "store", "staff", "click_at", "order_at")
    list_filter = ("reason", "store")
    search_fields = ("order__number", "staff__display_name")
    raw_id_fields = ("order", "click", "link", "store", "staff")
    readonly_fields = ("explanation",)
    date_hierarchy = "order_at"

