from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(MerchantOwnedAdmin):
    list_display = ("id", "merchant", "requested_by", "status", "rows_written", "total_rows", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("filters", "language", "status", "total_rows", "rows_written", "file", "error", "finished_at")
