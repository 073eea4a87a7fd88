from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, Merchant, Staff, Store


class MerchantOwnedAdmin(admin.ModelAdmin):
    """Admin is the platform operator's tool: scopes are disabled for it by the middleware,
    so every list shows and filters by merchant explicitly."""

    list_select_related = ("merchant",)

    def get_list_filter(self, request):
        return ("merchant", *super().get_list_filter(request))


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "timezone", "country", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Store)
class StoreAdmin(MerchantOwnedAdmin):
    list_display = ("name", "code", "merchant", "removed_at")
    list_filter = (("removed_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "code")


@admin.register(Staff)
class StaffAdmin(MerchantOwnedAdmin):
    list_display = ("display_name", "user", "merchant", "store", "role", "resigned_at")
    list_filter = ("role", ("resigned_at", admin.EmptyFieldListFilter))
    search_fields = ("display_name", "user__email")
    raw_id_fields = ("user", "store")


@admin.register(ApiKey)
class ApiKeyAdmin(MerchantOwnedAdmin):
    """Keys are created by merchant admins through the API (the key is shown to them once); here an
    operator can only see them and revoke them."""

    list_display = ("name", "prefix", "merchant", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("merchant", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
