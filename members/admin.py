from django.contrib import admin

from omo.tenancy.admin import MerchantOwnedAdmin

from .models import Member


@admin.register(Member)
class MemberAdmin(MerchantOwnedAdmin):
    list_display = ("__str__", "phone", "email", "merchant", "registered_store", "created_at")
    search_fields = ("name", "phone", "email")
    raw_id_fields = ("user", "registered_by", "registered_store")
    date_hierarchy = "created_at"
