from django.contrib import admin

from omo.net import client_ip
from omo.audit.models import AuditEvent
from omo.audit.services import audit_changes, audit_record
from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin

from .models import (
    ExpiryNotice,
    LoyaltySettings,
    MemberEventInbox,
    Offer,
    OfferStore,
    OrderPointsBasis,
    PointsAccount,
    PointsBudget,
    PointsDue,
    PointsLedgerEntry,
    Referral,
    Tier,
)


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


class OfferStoreInline(admin.TabularInline):
    model = OfferStore
    fields = ("store", "merchant")
    raw_id_fields = ("store",)
    extra = 0


@admin.register(OfferStore)
class OfferStoreAdmin(MerchantOwnedAdmin):
    list_display = ("offer", "store", "merchant")
    search_fields = ("offer__name", "store__name", "store__code")
    raw_id_fields = ("offer", "store")


@admin.register(Offer)
class OfferAdmin(MerchantOwnedAdmin):
    list_display = ("name", "merchant", "event", "action", "value", "per_amount", "campaign", "active", "position")
    list_filter = ("event", "action", "campaign", "active")
    search_fields = ("name",)
    inlines = [OfferStoreInline]
    fieldsets = (
        (None, {"fields": ("merchant", "name", "active", "position")}),
        ("Event and action", {"fields": ("event", "custom_event", "action", "value", "per_amount", "campaign",
                                         "stacking_group", "points_lifetime_days", "deduction_account")}),
        ("Filters", {"fields": ("channels", "store_attributes", "payment_methods", "product_categories",
                                "recommended_only", "starts_on", "ends_on", "holidays_only", "birthday_only",
                                "birthday_month", "min_tier")}),
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
class PointsLedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only (corrections are new "adjust" entries via services)."""

    list_display = ("created_at", "merchant", "account", "kind", "points", "balance_after", "label", "source",
                    "offer", "order", "cash_amount")
    list_filter = ("kind", "label", "source")
    search_fields = ("idempotency_key", "order__number", "description")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


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


@admin.register(Tier)
class TierAdmin(MerchantOwnedAdmin):
    list_display = ("name", "merchant", "threshold", "multiplier")


@admin.register(PointsBudget)
class PointsBudgetAdmin(MerchantOwnedAdmin):
    list_display = ("name", "merchant", "budget", "created_at")
    search_fields = ("name",)


@admin.register(MemberEventInbox)
class MemberEventInboxAdmin(ReadOnlyAdmin):
    """The member-events API's inbox: what arrived and what it awarded."""

    list_display = ("event_id", "event", "merchant", "member", "points", "received_at")
    search_fields = ("event_id", "event")
    raw_id_fields = ("member",)


@admin.register(OrderPointsBasis)
class OrderPointsBasisAdmin(ReadOnlyAdmin):
    """What a paid order's points were decided on: read-only, like the ledger it explains."""

    list_display = ("order", "merchant", "stacking", "referral_traffic_percent", "created_at")
    search_fields = ("order__number",)


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(ReadOnlyAdmin):
    """Read-only: the record that a member was told about a batch of expiring points."""

    list_display = ("sent_at", "merchant", "account", "expires_on", "points", "channel")
    search_fields = ("account__member__phone", "account__member__email")
    date_hierarchy = "sent_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
