from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin

from .models import LinkClick, RecommendationItem, RecommendationLink, SmsOutbox


class RecommendationItemInline(admin.TabularInline):
    model = RecommendationItem
    raw_id_fields = ("variation",)
    extra = 0


@admin.register(RecommendationLink)
class RecommendationLinkAdmin(MerchantOwnedAdmin):
    list_display = ("__str__", "store", "staff", "member", "created_at")
    list_filter = ("store",)
    search_fields = ("token", "member__phone", "member__email", "staff__display_name")
    raw_id_fields = ("store", "staff", "member")
    inlines = [RecommendationItemInline]


@admin.register(LinkClick)
class LinkClickAdmin(MerchantOwnedAdmin):
    list_display = ("link", "member", "clicked_at", "device")
    list_filter = ("device",)
    search_fields = ("member__phone", "member__email", "link__token")
    raw_id_fields = ("link", "member", "user")
    date_hierarchy = "clicked_at"


@admin.register(SmsOutbox)
class SmsOutboxAdmin(MerchantOwnedAdmin):
    list_display = ("to", "status", "store", "staff", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("to", "body", "provider_id")
    raw_id_fields = ("link", "member", "store", "staff")
    readonly_fields = ("to", "body", "status", "provider_id", "error", "sent_at")
    date_hierarchy = "created_at"


@admin.register(RecommendationItem)
class RecommendationItemAdmin(MerchantOwnedAdmin):
    list_display = ("link", "variation", "position")
    search_fields = ("link__token", "variation__sku", "variation__product__name")
    raw_id_fields = ("link", "variation")
