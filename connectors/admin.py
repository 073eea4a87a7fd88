from collections import defaultdict

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin

from . import services
from .models import Connection, ConnectionSecret, Delivery, IdMapping, Refund


@admin.register(Connection)
class ConnectionAdmin(MerchantOwnedAdmin):
    list_display = ("name", "merchant", "kind", "order_prefix", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    readonly_fields = ("key",)
    fields = ("merchant", "name", "kind", "order_prefix", "is_active", "key")  # secrets: the merchant's page only


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "merchant", "connection", "topic", "delivery_id", "status", "order_number",
                    "attempts")
    list_filter = ("status", "topic")
    search_fields = ("delivery_id", "order_number")
    readonly_fields = ("body", "error", "missing")
    actions = ["replay"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list (and its replay action), never an edit

    @admin.action(description=_("Process the selected deliveries again"))
    def replay(self, request, queryset):
        by_merchant = defaultdict(list)
        for delivery in queryset.select_related("merchant"):
            by_merchant[delivery.merchant].append(delivery)
        queued = sum(services.delivery_replay(merchant=m, deliveries=rows) for m, rows in by_merchant.items())
        self.message_user(request, ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.",
                                            queued) % {"count": queued}, messages.SUCCESS)


@admin.register(IdMapping)
class IdMappingAdmin(MerchantOwnedAdmin):
    list_display = ("connection", "merchant", "kind", "outside_id", "store", "staff")
    list_filter = ("kind",)
    search_fields = ("outside_id",)
    raw_id_fields = ("store", "staff", "connection")

    def save_model(self, request, obj, form, change):
        """Through the service, so the orders that waited for this id are processed now."""
        if obj.pk is None:
            super().save_model(request, obj, form, change)
        services.id_mapping_set(merchant=obj.merchant, mapping=obj, store=obj.store, staff=obj.staff)


@admin.register(ConnectionSecret)
class ConnectionSecretAdmin(ReadOnlyAdmin):
    """Which secrets a connection has and until when (never the secret: only its last characters)."""

    list_display = ("connection", "hint", "created_at", "retires_at", "merchant")
    search_fields = ("connection__name",)
    exclude = ("ciphertext",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds as the platforms reported them, per order (they add up to the order's returns)."""

    list_display = ("order_number", "refund_id", "amount", "connection", "merchant")
    search_fields = ("order_number", "refund_id")
