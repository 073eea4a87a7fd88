from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omo.tenancy.admin import MerchantOwnedAdmin
from omo.tenancy.validators import validate_product_image_url

from .models import Order, OrderLine, Product, Variation


class VariationInline(admin.TabularInline):
    model = Variation
    extra = 0
    fields = ("name", "sku", "barcode", "price", "merchant")


class ProductAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if data.get("merchant") and data.get("image_url"):
            try:
                validate_product_image_url(data["merchant"], data["image_url"])
            except ValidationError as exc:
                self.add_error("image_url", exc)
        return data


@admin.register(Product)
class ProductAdmin(MerchantOwnedAdmin):
    form = ProductAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # images are HTTPS only
    list_display = ("name", "category", "kind", "published", "removed_at", "merchant")
    list_filter = ("kind", "published", "category")
    search_fields = ("name", "variations__sku", "variations__barcode")
    inlines = [VariationInline]


@admin.register(Variation)
class VariationAdmin(MerchantOwnedAdmin):
    list_display = ("__str__", "sku", "barcode", "price", "merchant")
    search_fields = ("sku", "barcode", "product__name", "name")
    raw_id_fields = ("product",)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("variation",)
    fields = ("product_name", "sku", "kind", "quantity", "unit_price", "line_subtotal", "returned_quantity", "recommended")


@admin.register(Order)
class OrderAdmin(MerchantOwnedAdmin):
    list_display = (
        "number",
        "placed_at",
        "channel",
        "created_from",
        "source_store",
        "sales_staff",
        "status",
        "payment_status",
        "total",
        "merchant",
    )
    list_filter = ("channel", "status", "payment_status", "source_store")
    search_fields = ("number", "member__phone", "member__email")
    date_hierarchy = "placed_at"
    raw_id_fields = ("member", "source_store", "closing_staff", "recommendation_link", "parent")
    readonly_fields = ("attribution_explanation",)
    inlines = [OrderLineInline]
    fieldsets = (
        (None, {"fields": ("merchant", "number", "member", "placed_at", "channel", "payment_method")}),
        (
            _("Origin and credit"),
            {"fields": ("created_from", "source_store", "closing_staff", "recommendation_link", "attribution_explanation")},
        ),
        (_("Status"), {"fields": ("status", "payment_status", "delivery_status", "parent")}),
        (
            _("Money"),
            {
                "fields": (
                    "currency",
                    ("item_subtotal", "discounts", "store_credit", "points_redeemed"),
                    ("shipping", "surcharge", "tax"),
                    ("total", "paid_amount", "unpaid_amount", "returned_amount"),
                    ("is_preorder", "preorder_paid", "preorder_outstanding", "edited_amount"),
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source_store", "attribution__staff")

    @admin.display(description=pgettext_lazy("salesperson", "Sales"))
    def sales_staff(self, order):
        attribution = getattr(order, "attribution", None)
        if attribution is not None and attribution.staff_id:
            return attribution.staff
        return order.closing_staff or "—"

    @admin.display(description=_("Attribution"))
    def attribution_explanation(self, order):
        attribution = getattr(order, "attribution", None)
        return attribution.explanation if attribution else _("not decided yet")


@admin.register(OrderLine)
class OrderLineAdmin(MerchantOwnedAdmin):
    list_display = ("order", "product_name", "sku", "kind", "quantity", "line_subtotal", "returned_quantity", "recommended")
    list_filter = ("kind", "recommended")
    search_fields = ("order__number", "product_name", "sku")
    raw_id_fields = ("order", "variation")
