from django.contrib import admin
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from omo.tenancy.admin import ReadOnlyAdmin

from .forms import MerchantConfirmImportForm, MerchantImportForm
from .models import ImportJob
from .resources import CatalogResource, MemberResource, OrderResource


@admin.register(ImportJob)
class ImportJobAdmin(ImportMixin, ReadOnlyAdmin):
    """The imports made on merchants' pages, and django-import-export's Import button for platform
    operators: pick the merchant, the kind (catalog, members, past orders) and the file; the dry
    run shows each row's errors before anything is written."""

    list_display = ("created_at", "merchant", "kind", "file_name", "status", "rows", "imported_at")
    list_filter = ("kind", "status")
    exclude = ("content",)
    resource_classes = [CatalogResource, MemberResource, OrderResource]
    formats = [CSV, XLSX]
    import_form_class = MerchantImportForm
    confirm_form_class = MerchantConfirmImportForm
    skip_admin_log = True

    def has_import_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["merchant"] = import_form.cleaned_data["merchant"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        merchant = form.cleaned_data["merchant"] if form is not None and hasattr(form, "cleaned_data") else None
        return {"merchant": merchant}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return kwargs
