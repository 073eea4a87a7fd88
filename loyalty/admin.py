from django.contrib import admin

from omo.net import client_ip
from omo.audit.models import AuditEvent
from omo.audit.services import audit_changes, audit_record
from omo.tenancy.admin import MerchantOwnedAdmin

from .models import ExpiryNotice, LoyaltySettings, Offer, PointsAccount, PointsDue, PointsLedgerEntry, Referral


@admin.register(LoyaltySettings)
class LoyaltySettingsAdmin(MerchantOwnedAdmin):
    list_display = ("merchant", "stacking", "share_daily_cap", "referral_traffic_percent",
                    "point_value")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data:
            before = {name: form.initial.get(name) for name in form.changed_data}
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            audit_record(merchant=obj.merchant, action=AuditEvent.Action.LOYALTY_SETTINGS, actor=request.user,
                         target=obj, details=audit_changes(before, after), ip=client_ip(request))


@admin.register(Offer)
class OfferAdmin(MerchantOwnedAdmin):
    list_display = ("name", "merchant", "event", "action", "value", "per_amount", "campaign", "active", "position")
    list_filter = ("event", "action", "campaign", "active")
    search_fields = ("name",)
    filter_horizontal = ("stores",)
    fieldsets = (
        (None, {"fields": ("merchant", "name", "active", "position")}),
        ("Event and action", {"fields": ("event", "action", "value", "per_amount", "campaign", "stacking_group")}),
        ("Filters", {"fields": ("channels", "stores", "store_attributes", "payment_methods", "product_categories",
                                "recommended_only", "starts_on", "ends_on", "holidays_only", "birthday_only",
                                "birthday_month")}),
    )


@admin.register(PointsAccount)
class PointsAccountAdmin(MerchantOwnedAdmin):
    list_display = ("__str__", "merchant", "member", "staff", "store", "balance")
    search_fields = ("member__phone", "member__email", "staff__display_name", "store__name")
    raw_id_fields = ("member", "staff", "store")
    readonly_fields = ("balance",)

    def has_change_permission(self, request, obj=None):
        # The balance moves only with ledger entries (services); owners are fixed at creation.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsLedgerEntry)
class PointsLedgerEntryAdmin(MerchantOwnedAdmin):
    """Read-only: the ledger is append-only (corrections are new "adjust" entries via services)."""

    list_display = ("created_at", "merchant", "account", "kind", "points", "balance_after", "label", "source",
                    "offer", "order", "cash_amount")
    list_filter = ("kind", "label", "source")
    search_fields = ("idempotency_key", "order__number", "description")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(MerchantOwnedAdmin):
    list_display = ("member", "merchant", "referrer_store", "referrer_staff", "referrer_member", "channel",
                    "created_at")
    raw_id_fields = ("member", "referrer_store", "referrer_staff", "referrer_member")


@admin.register(PointsDue)
class PointsDueAdmin(MerchantOwnedAdmin):
    list_display = ("order", "merchant", "due_since")
    search_fields = ("order__number",)
    raw_id_fields = ("order",)


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(MerchantOwnedAdmin):
    """Read-only: the record that a member was told about a batch of expiring points."""

    list_display = ("sent_at", "merchant", "account", "expires_on", "points", "channel")
    search_fields = ("account__member__phone", "account__member__email")
    date_hierarchy = "sent_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
