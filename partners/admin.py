from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin

from .models import (
    Campaign,
    CampaignApplication,
    CampaignClick,
    CampaignCoupon,
    CampaignDay,
    CampaignOrder,
    CampaignProduct,
    CampaignProductSales,
    CampaignStats,
    Invitation,
    Partner,
    PartnerDigest,
    PartnerEmailOptOut,
    PartnerMembership,
)
from .models import (  # issue 15 lifecycle
    CampaignPayoutTerms,
    Commission,
    CommissionAdjustment,
    CommissionTier,
    CommissionTotals,
    PartnerPayoutDetails,
    Payout,
    PayoutLine,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "created_at")
    search_fields = ("display_name", "user__email")
    raw_id_fields = ("user",)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(MerchantOwnedAdmin):
    list_display = ("partner", "merchant", "joined_at")
    raw_id_fields = ("partner",)


class CampaignProductInline(admin.TabularInline):
    model = CampaignProduct
    fields = ("product", "merchant")
    raw_id_fields = ("product",)
    extra = 0


@admin.register(CampaignProduct)
class CampaignProductAdmin(MerchantOwnedAdmin):
    list_display = ("campaign", "product", "merchant")
    search_fields = ("campaign__name", "campaign__code", "product__name")
    raw_id_fields = ("campaign", "product")


@admin.register(Campaign)
class CampaignAdmin(MerchantOwnedAdmin):
    list_display = ("name", "code", "partner", "starts_at", "ends_at", "condition", "commission_type", "rate", "merchant")
    list_filter = ("condition", "commission_type")
    search_fields = ("name", "code")
    raw_id_fields = ("partner",)
    inlines = [CampaignProductInline]

    def get_readonly_fields(self, request, obj=None):
        # Binding a partner is permanent: once set, the admin cannot change it either.
        readonly = ["code", "bound_at"]
        if obj is not None and obj.partner_id is not None:
            readonly.append("partner")
        return readonly


@admin.register(Invitation)
class InvitationAdmin(MerchantOwnedAdmin):
    list_display = ("campaign", "email", "created_at", "expires_at", "revoked_at", "accepted_at", "accepted_by",
                    "merchant")
    raw_id_fields = ("campaign", "accepted_by")
    readonly_fields = ("token",)

    def save_model(self, request, obj, form, change):
        if obj.expires_at is None:  # every invitation expires, also one an operator adds here
            obj.expires_at = timezone.now() + timedelta(days=obj.merchant.invitation_valid_days)
        super().save_model(request, obj, form, change)


@admin.register(CampaignOrder)
class CampaignOrderAdmin(MerchantOwnedAdmin):
    list_display = ("order", "campaign", "settlement", "commission", "order_total", "counted", "computed_at", "merchant")
    list_filter = ("counted",)
    raw_id_fields = ("order", "campaign")
    readonly_fields = ("settlement", "commission", "order_total", "counted", "ranked_quantities", "computed_at")


@admin.register(CampaignStats)
class CampaignStatsAdmin(MerchantOwnedAdmin):
    list_display = ("campaign", "order_count", "order_total", "commission_total", "updated_at", "merchant")
    readonly_fields = ("order_count", "order_total", "settlement_total", "commission_total", "updated_at")


@admin.register(CampaignProductSales)
class CampaignProductSalesAdmin(MerchantOwnedAdmin):
    """The ranking table the worker keeps; read-only (rebuilt by campaign_stats_rebuild)."""

    list_display = ("product_name", "kind", "quantity", "campaign", "merchant")
    list_filter = ("kind",)
    search_fields = ("product_name", "campaign__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- partner-growth ---------------------------------------------------------------------------


@admin.register(CampaignDay)
class CampaignDayAdmin(MerchantOwnedAdmin):
    """Per-day clicks and order figures (kept by the click counter and the worker): read-only."""

    list_display = ("campaign", "day", "clicks", "order_count", "order_total", "commission", "merchant")
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CampaignCoupon)
class CampaignCouponAdmin(MerchantOwnedAdmin):
    list_display = ("code", "campaign", "created_at", "merchant")
    search_fields = ("code", "campaign__name")
    raw_id_fields = ("campaign",)


@admin.register(CampaignApplication)
class CampaignApplicationAdmin(MerchantOwnedAdmin):
    list_display = ("campaign", "partner", "status", "created_at", "decided_at", "merchant")
    list_filter = ("status",)
    raw_id_fields = ("campaign", "partner", "decided_by", "campaign_created")


@admin.register(PartnerDigest)
class PartnerDigestAdmin(admin.ModelAdmin):
    list_display = ("partner", "day", "order_count", "last_record_id", "sent_at")
    raw_id_fields = ("partner",)


# --- commission lifecycle and payouts: read-only (every change goes through partners/payouts.py,
# which audits it) ---------------------------------------------------------------------------


class _ReadOnly(MerchantOwnedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Commission)
class CommissionAdmin(_ReadOnly):
    list_display = ("campaign_order", "campaign", "status", "amount", "due_at", "paid_at", "merchant")
    list_filter = ("status",)


@admin.register(Payout)
class PayoutAdmin(_ReadOnly):
    list_display = ("pk", "period_start", "period_end", "currency", "status", "total", "paid_at", "merchant")
    list_filter = ("status", "currency")


@admin.register(CommissionAdjustment)
class CommissionAdjustmentAdmin(_ReadOnly):
    list_display = ("commission", "campaign", "amount", "reason", "payout_line", "created_at", "merchant")


@admin.register(PartnerPayoutDetails)
class PartnerPayoutDetailsAdmin(admin.ModelAdmin):
    list_display = ("partner", "account_holder", "bank_name", "updated_at")
    search_fields = ("partner__user__email", "account_holder")
    raw_id_fields = ("partner",)


@admin.register(PayoutLine)
class PayoutLineAdmin(_ReadOnly):
    list_display = ("payout", "partner", "commission_total", "adjustment_total", "amount", "merchant")


@admin.register(CommissionTotals)
class CommissionTotalsAdmin(_ReadOnly):
    """Kept by the lifecycle services (rebuilt by payouts.commission_totals_rebuild)."""

    list_display = ("campaign", "pending", "approved", "rejected", "paid", "adjusted", "merchant")


@admin.register(CampaignPayoutTerms)
class CampaignPayoutTermsAdmin(_ReadOnly):
    """Set on the campaign's "Return window and tiers" page (audited)."""

    list_display = ("campaign", "return_window_days", "merchant")


@admin.register(CommissionTier)
class CommissionTierAdmin(_ReadOnly):
    list_display = ("campaign", "from_sales", "rate", "merchant")


@admin.register(CampaignClick)
class CampaignClickAdmin(ReadOnlyAdmin):
    """Counted clicks on campaign links (hashed visitors, pruned after PARTNER_CLICK_RETENTION_DAYS)."""

    list_display = ("campaign", "clicked_at", "merchant")
    search_fields = ("campaign__name", "campaign__code")
    raw_id_fields = ("campaign",)


@admin.register(PartnerEmailOptOut)
class PartnerEmailOptOutAdmin(admin.ModelAdmin):
    """E-mail kinds a partner turned off in the portal (one account for all merchants)."""

    list_display = ("partner", "kind")
    list_filter = ("kind",)
    search_fields = ("partner__user__email", "partner__display_name")
    raw_id_fields = ("partner",)
