from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(MerchantOwnedAdmin):
    """Read only: the log is append-only (nobody adds, edits or deletes events here)."""

    list_display = ("created_at", "merchant", "action", "actor", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("target_id", "actor__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
