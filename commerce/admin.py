from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omo.tenancy.admin import MerchantOwnedAdmin, ReadOnlyAdmin
from omo.tenancy.validators import validate_product_image_url

from . import services
from .models import Order, OrderEvent, OrderLine, Product, Variation
from .selectors import order_sales_staff, order_source


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
    fields = (
        "variation", "product_name", "sku", "kind", "category", "quantity", "unit_price", "line_subtotal",
        "returned_quantity", "returned_amount", "recommended",
    )
    readonly_fields = ("line_subtotal",)


class OrderRefused(Exception):
    """The order service refused the admin's edit (ValidationError): nothing was written."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.messages = error.messages


def _line_inputs(formsets) -> list[services.LineInput]:
    lines = []
    for formset in formsets:
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("quantity"):
                continue
            lines.append(
                services.LineInput(
                    variation=data.get("variation"),
                    quantity=data["quantity"],
                    unit_price=data["unit_price"],
                    product_name=data.get("product_name", ""),
                    sku=data.get("sku", ""),
                    kind=data.get("kind", ""),
                    category=data.get("category", ""),
                    returned_quantity=data.get("returned_quantity") or 0,
                    returned_amount=data.get("returned_amount") or Decimal("0"),
                    recommended=bool(data.get("recommended")),
                )
            )
    return lines


@admin.register(Order)
class OrderAdmin(MerchantOwnedAdmin):
    """An operator's add, edit and cancel go through the order service like every other way in,
    so attribution, partner figures and points follow. Orders are facts: cancel, never delete."""

    list_display = (
        "number",
        "placed_at",
        "channel",
        "created_from",
        "order_source",
        "sales_staff",
        "status",
        "payment_status",
        "total",
        "merchant",
    )
    list_filter = ("channel", "status", "payment_status", "source_store")
    search_fields = ("number", "member__phone", "member__email")
    date_hierarchy = "placed_at"
    raw_id_fields = ("member", "source_store", "closing_staff", "parent")
    readonly_fields = ("order_source", "attribution_explanation")
    inlines = [OrderLineInline]
    actions = ["cancel_orders"]
    fieldsets = (
        (None, {"fields": ("merchant", "number", "member", "placed_at", "channel", "payment_method")}),
        (
            _("Origin and credit"),
            {
                "fields": (
                    "created_from", "order_source", "source_store", "closing_staff", "recommendation_token",
                    "campaign_code", "attribution_explanation",
                )
            },
        ),
        (_("Status"), {"fields": ("status", "payment_status", "delivery_status", "parent")}),
        (
            _("Money"),
            {
                "fields": (
                    ("item_subtotal", "discounts", "store_credit", "points_redeemed"),
                    ("shipping", "surcharge", "tax"),
                    ("total", "paid_amount", "unpaid_amount", "returned_amount"),
                    ("is_preorder", "preorder_paid", "preorder_outstanding", "edited_amount"),
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source_store").prefetch_related(
            "attribution__staff", "attribution__store"
        )

    def get_readonly_fields(self, request, obj=None):
        # The merchant and number identify the order: fixed once it exists.
        return (*self.readonly_fields, "merchant", "number") if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Order source"))
    def order_source(self, order):
        return order_source(order) or "—"

    @admin.display(description=pgettext_lazy("salesperson", "Sales"))
    def sales_staff(self, order):
        return order_sales_staff(order) or "—"

    @admin.display(description=_("Attribution"))
    def attribution_explanation(self, order):
        attribution = getattr(order, "attribution", None)
        return attribution.explanation if attribution else _("not decided yet")

    # The form and the lines are validated by the admin, then written by the order service in
    # save_related (where the lines are known); save_model writes nothing itself.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        lines = _line_inputs(formsets)
        order = form.instance
        try:
            if change:
                changes = {f: data[f] for f in form.changed_data if f in services.ORDER_FIELDS + services.MONEY_FIELDS}
                lines_changed = any(formset.has_changed() for formset in formsets)
                services.order_update(
                    merchant=order.merchant, order=order, changes=changes, lines=lines if lines_changed else None
                )
            else:
                fields = {f: data[f] for f in services.ORDER_FIELDS if f in data}
                money = {f: data[f] for f in form.changed_data if f in services.MONEY_FIELDS}
                created = services.order_create(
                    merchant=data["merchant"], number=data["number"], lines=lines, **fields, **money
                )
                order.pk, order._state.adding = created.pk, False
        except ValidationError as exc:
            raise OrderRefused(exc) from exc
        for formset in formsets:  # written by the service above; the admin's change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OrderRefused as refused:  # the admin's own transaction rolled back: nothing written
            self.message_user(request, " ".join(refused.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("Cancel the selected orders"))
    def cancel_orders(self, request, queryset):
        for order in queryset.select_related("merchant"):
            services.order_cancel(merchant=order.merchant, order=order)


@admin.register(OrderLine)
class OrderLineAdmin(MerchantOwnedAdmin):
    list_display = ("order", "product_name", "sku", "kind", "quantity", "line_subtotal", "returned_quantity", "recommended")
    list_filter = ("kind", "recommended")
    search_fields = ("order__number", "product_name", "sku")
    raw_id_fields = ("order", "variation")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    """The order API's inbox: what arrived and what it did (created/updated/duplicate/stale)."""

    list_display = ("number", "outcome", "source_updated_at", "received_at", "merchant")
    list_filter = ("outcome",)
    search_fields = ("number",)
    date_hierarchy = "received_at"
