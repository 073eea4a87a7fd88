from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin

from .models import Delivery, Endpoint, Event, WebhookPolicy


@admin.register(WebhookPolicy)
class WebhookPolicyAdmin(admin.ModelAdmin):
    """Platform operators only: whether a merchant may deliver to private network addresses."""

    list_display = ("merchant", "allow_private_targets")
    list_select_related = ("merchant",)


@admin.register(Endpoint)
class EndpointAdmin(MerchantOwnedAdmin):
    list_display = ("url", "merchant", "is_active", "failing_since", "disabled_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url",)
    readonly_fields = ("failing_since", "disabled_at", "disabled_reason")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("type", "public_id", "merchant", "created_at")
    list_filter = ("type",)
    search_fields = ("public_id", "idempotency_key")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "endpoint", "merchant", "status", "attempts", "last_response_code", "next_attempt_at")
    list_filter = ("status",)
