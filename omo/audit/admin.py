from django.contrib import admin

from omo.tenancy.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only: the log is append-only (nobody adds, edits or deletes events here)."""

    list_display = ("created_at", "merchant", "action", "actor", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("target_id", "actor__email")
    date_hierarchy = "created_at"
