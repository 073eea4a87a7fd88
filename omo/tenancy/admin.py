import functools

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omo.formats import merchant_money
from omo.moneyfield import MoneyField
from omo.net import client_ip
from omo.audit.models import AuditEvent
from omo.audit.services import audit_changes, audit_record

from .models import ApiKey, Merchant, Staff, Store

Action = AuditEvent.Action


def _audit(request, *, merchant, action, target, details):
    audit_record(merchant=merchant, action=action, actor=request.user, target=target, details=details,
                 ip=client_ip(request))


@functools.cache
def _money_column(model, name):
    """A list column showing a money field in its merchant's currency ("NT$100.00", "KWD3.702"):
    Django would print every money column with the columns' 3 places."""
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return merchant_money(getattr(obj, name), obj.merchant)

    return column


class MerchantOwnedAdmin(admin.ModelAdmin):
    """Admin is the platform operator's tool: scopes are disabled for it by the middleware,
    so every list shows and filters by merchant explicitly."""

    list_select_related = ("merchant",)

    def get_list_filter(self, request):
        return ("merchant", *super().get_list_filter(request))

    def get_list_display(self, request):
        return [_money_column(self.model, name) if _is_money(self.model, name) else name
                for name in super().get_list_display(request)]


def _is_money(model, name) -> bool:
    if not isinstance(name, str):
        return False
    try:
        return isinstance(model._meta.get_field(name), MoneyField)
    except FieldDoesNotExist:
        return False


class ReadOnlyAdmin(MerchantOwnedAdmin):
    """Records written only by the application (logs, ledgers, histories, inboxes): an operator
    reads them here and never adds, edits or deletes one."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "timezone", "country", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            before = {name: form.initial.get(name) for name in form.changed_data}
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            _audit(request, merchant=obj, action=Action.MERCHANT_SETTINGS, target=obj,
                   details=audit_changes(before, after))


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "role" in form.changed_data:
            _audit(request, merchant=obj.merchant, action=Action.STAFF_ROLE, target=obj,
                   details={"role": [form.initial.get("role") if change else None, obj.role],
                            "user": obj.user_id})


@admin.register(ApiKey)
class ApiKeyAdmin(MerchantOwnedAdmin):
    """Keys are created by merchant admins through the API (the key is shown to them once); here an
    operator can only see them and revoke them."""

    list_display = ("name", "prefix", "merchant", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("merchant", "name", "prefix", "scopes", "expires_at", "created_by", "created_at", "last_used_at",
                       "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True).select_related("merchant"):
            ApiKey.objects.for_merchant(key.merchant).filter(pk=key.pk).update(revoked_at=timezone.now(), updated_at=timezone.now())
            _audit(request, merchant=key.merchant, action=Action.API_KEY_REVOKE, target=key,
                   details={"name": key.name, "prefix": key.prefix})
