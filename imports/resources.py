"""django-import-export resources for the merchant's catalog, members and past orders.

Every resource is built for ONE merchant (`Resource(merchant=...)`) and reads and writes only its
rows: an `id` (or `member_id`) column naming a row that is not this merchant's is a row error,
never a write elsewhere. Writes go through the services (commerce.catalog, members.services,
commerce.services.order_create). Rows are checked in a dry run first; the real run is one
transaction that is rolled back as a whole on any row error.
"""

from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from import_export import fields, resources

from commerce.catalog import catalog_variation_upsert
from commerce.models import Order, Variation
from commerce.services import LineInput, order_create
from members import services as member_services
from members.models import Member
from omo.contact import normalize_email, normalize_phone
from omo.money import exceeds_minor_unit, quantize_money
from omo.moneyfield import money_places_message
from omo.tenancy.models import Store

TRUE = {"1", "true", "yes", "y", "published"}
FALSE = {"0", "false", "no", "n", "unpublished", ""}


def _text(row, name) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _int_id(row, name):
    raw = _text(row, name)
    if not raw:
        return None
    try:
        return int(float(raw)) if raw.replace(".", "", 1).isdigit() else int(raw)
    except ValueError:
        raise ValidationError({name: [_("“%(value)s” is not an id.") % {"value": raw}]}) from None


def _decimal(row, name, currency: str, *, required=True) -> Decimal | None:
    """An amount column; more decimal places than the merchant's currency has are refused, not rounded."""
    raw = _text(row, name).replace(",", "")
    if not raw:
        if required:
            raise ValidationError({name: [_("This column is required.")]})
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError({name: [_("“%(value)s” is not an amount.") % {"value": raw}]}) from None
    if value < 0 or not value.is_finite():
        raise ValidationError({name: [_("“%(value)s” is not an amount.") % {"value": raw}]})
    if exceeds_minor_unit(value, currency):
        raise ValidationError({name: [money_places_message(currency)]})
    return quantize_money(value, currency)


def _required(row, name) -> str:
    value = _text(row, name)
    if not value:
        raise ValidationError({name: [_("This column is required.")]})
    return value


def _date(row, name):
    value = row.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "year"):
        return value
    parsed = parse_date(str(value).strip()[:10])
    if parsed is None:
        raise ValidationError({name: [_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}]})
    return parsed


PROGRESS_EVERY = 100


class MerchantResource(resources.ModelResource):
    def __init__(self, *, merchant, progress_key: str = "", **kwargs):
        super().__init__(**kwargs)
        self.merchant = merchant
        self.progress_key = progress_key

    def after_import_row(self, row, row_result, **kwargs):
        # Rows done so far, for the page of a large file (the cache: outside the transaction).
        number = kwargs.get("row_number") or 0
        if self.progress_key and number % PROGRESS_EVERY == 0:
            cache.set(self.progress_key, number, 24 * 3600)

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.model._meta.verbose_name_plural).capitalize()

    def get_queryset(self):
        return self._meta.model.objects.for_merchant(self.merchant)

    def _own_id_check(self, row, name="id"):
        pk = _int_id(row, name)
        if pk is not None and not self.get_queryset().filter(pk=pk).exists():
            raise ValidationError({name: [_("No row with id %(id)s at this merchant.") % {"id": pk}]})
        return pk


class CatalogResource(MerchantResource):
    """One row per variation: product, category, variation, sku, barcode, price, published."""

    id = fields.Field(attribute="id", column_name="id")
    sku = fields.Field(attribute="sku", column_name="sku")
    product = fields.Field(column_name="product")
    category = fields.Field(column_name="category")
    variation = fields.Field(attribute="name", column_name="variation")
    barcode = fields.Field(attribute="barcode", column_name="barcode")
    price = fields.Field(attribute="price", column_name="price")
    published = fields.Field(column_name="published")

    class Meta:
        model = Variation
        fields = ("id", "sku", "product", "category", "variation", "barcode", "price", "published")
        import_id_fields = ("sku",)
        skip_diff = True

    @classmethod
    def get_display_name(cls):
        return _("Catalog (products and variations)")

    def before_import_row(self, row, **kwargs):
        pk = self._own_id_check(row)
        sku = _required(row, "sku")
        if pk is not None and not self.get_queryset().filter(pk=pk, sku=sku).exists():
            raise ValidationError({"id": [_("Variation %(id)s does not have SKU %(sku)s.") % {"id": pk, "sku": sku}]})
        published = _text(row, "published").lower()
        if published not in TRUE | FALSE:
            raise ValidationError({"published": [_("Use yes or no.")]})
        # A column the file does not have leaves that field as it is (None); new rows get defaults.
        self._row = {
            "sku": sku, "product_name": _required(row, "product"), "price": _decimal(row, "price", self.merchant.currency),
            "variation_name": _text(row, "variation") if "variation" in row else None,
            "barcode": _text(row, "barcode") if "barcode" in row else None,
            "category": _text(row, "category") if "category" in row else None,
            "published": (published in TRUE or published == "") if "published" in row else None,
        }

    def import_instance(self, instance, row, **kwargs):
        pass  # everything is written by the catalog service in do_instance_save

    def do_instance_save(self, instance, is_create):
        variation, _created = catalog_variation_upsert(
            merchant=self.merchant, variation=None if is_create else instance, **self._row
        )
        instance.pk = variation.pk

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return False


class MemberResource(MerchantResource):
    """One row per member: id (optional, this merchant's), name, phone, email, birthday. A row
    finds its member by id, else by phone, else by email (normalised); new ones are registered."""

    id = fields.Field(attribute="id", column_name="id")
    name = fields.Field(attribute="name", column_name="name")
    phone = fields.Field(attribute="phone", column_name="phone")
    email = fields.Field(attribute="email", column_name="email")
    birthday = fields.Field(attribute="birthday", column_name="birthday")

    class Meta:
        model = Member
        fields = ("id", "name", "phone", "email", "birthday")
        import_id_fields = ("id",)
        skip_diff = True

    @classmethod
    def get_display_name(cls):
        return _("Members")

    def before_import(self, dataset, **kwargs):
        if "id" not in (dataset.headers or []):
            dataset.append_col([""] * len(dataset), header="id")

    def before_import_row(self, row, **kwargs):
        pk = self._own_id_check(row)
        errors = {}
        phone = email = ""
        if _text(row, "phone"):
            try:
                phone = normalize_phone(_text(row, "phone"), self.merchant.country)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        if _text(row, "email"):
            try:
                email = normalize_email(_text(row, "email"))
            except ValidationError:
                errors["email"] = [_("Enter a valid email address.")]
        if not errors and not (pk or phone or email):
            errors["phone"] = [_("Enter a phone number or an email address.")]
        if errors:
            raise ValidationError(errors)
        self._row = {"name": _text(row, "name"), "phone": phone, "email": email, "birthday": _date(row, "birthday")}

    def get_instance(self, instance_loader, row):
        members = self.get_queryset()
        pk = _int_id(row, "id")
        if pk is not None:
            return members.get(pk=pk)
        found = None
        if self._row["phone"]:
            found = members.filter(phone=self._row["phone"]).first()
        if found is None and self._row["email"]:
            found = members.filter(email=self._row["email"]).first()
        return found

    def import_instance(self, instance, row, **kwargs):
        pass  # written by the members service in do_instance_save

    def do_instance_save(self, instance, is_create):
        data = self._row
        if is_create:
            member = member_services.member_register(
                merchant=self.merchant, phone=data["phone"], email=data["email"], name=data["name"]
            )
            if data["birthday"]:
                member_services.member_import_update(merchant=self.merchant, member=member, birthday=data["birthday"])
        else:
            member = member_services.member_import_update(merchant=self.merchant, member=instance, **data)
        instance.pk = member.pk

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return False


class OrderResource(MerchantResource):
    """Past orders, one row per order line (as most shops export them): the rows with the same
    order number make one order, whose order columns are read from its first row. An order number
    already here is skipped (a file can be imported again). Each order goes through the order
    service, so its followers (attribution, partner figures, points) see it like any other."""

    number = fields.Field(attribute="number", column_name="order_number")

    class Meta:
        model = Order
        fields = ("number",)
        import_id_fields = ("number",)
        skip_diff = True

    COLUMNS = ("order_number", "placed_at", "channel", "status", "payment_status", "store_code", "member_id",
               "member_phone", "member_email", "sku", "product_name", "quantity", "unit_price")

    @classmethod
    def get_display_name(cls):
        return _("Past orders")

    def before_import(self, dataset, **kwargs):
        self._first_row = {}
        self._lines = defaultdict(list)
        self._pending = []
        for number, row in enumerate(dataset.dict, 1):
            order_number = _text(row, "order_number")
            self._first_row.setdefault(order_number, number)

    def before_import_row(self, row, **kwargs):
        row_number = kwargs["row_number"]
        number = _required(row, "order_number")
        self._current = number
        self._is_first = self._first_row.get(number) == row_number
        self._lines[number].append(self._line(row))
        if self._is_first:
            self._order = self._order_fields(row)

    def _line(self, row) -> LineInput:
        quantity_raw = _text(row, "quantity") or "1"
        try:
            quantity = int(float(quantity_raw))
        except ValueError:
            raise ValidationError({"quantity": [_("“%(value)s” is not a quantity.") % {"value": quantity_raw}]}) from None
        if quantity <= 0:
            raise ValidationError({"quantity": [_("The quantity must be at least 1.")]})
        price = _decimal(row, "unit_price", self.merchant.currency)
        sku = _text(row, "sku")
        variation = None
        if sku:
            variation = (
                Variation.objects.for_merchant(self.merchant).filter(sku=sku).select_related("product").first()
            )
            if variation is None:
                raise ValidationError({"sku": [_("No product with SKU %(sku)s in the catalog.") % {"sku": sku}]})
        name = _text(row, "product_name") or (variation.product.name if variation else "")
        if not name:
            raise ValidationError({"product_name": [_("Give a SKU or a product name.")]})
        return LineInput(variation=variation, quantity=quantity, unit_price=price, product_name=name, sku=sku,
                         category=variation.product.category if variation else "")

    def _choice(self, row, name, choices, default):
        value = _text(row, name).lower() or default
        if value not in choices:
            raise ValidationError({name: [_("“%(value)s” is not one of: %(choices)s.")
                                          % {"value": value, "choices": ", ".join(choices)}]})
        return value

    def _order_fields(self, row) -> dict:
        raw = row.get("placed_at")
        placed_at = raw if isinstance(raw, datetime) else parse_datetime(_text(row, "placed_at"))
        if placed_at is None:
            day = _date(row, "placed_at")
            placed_at = datetime.combine(day, time(12)) if day else None
        if placed_at is None:
            raise ValidationError({"placed_at": [_("This column is required.")]})
        if placed_at.tzinfo is None:
            placed_at = placed_at.replace(tzinfo=self.merchant.tzinfo)  # local time of the merchant
        fields_ = {
            "placed_at": placed_at,
            "channel": self._choice(row, "channel", Order.Channel.values, Order.Channel.IMPORT),
            "status": self._choice(row, "status", Order.Status.values, Order.Status.COMPLETED),
            "payment_status": self._choice(row, "payment_status", Order.PaymentStatus.values, Order.PaymentStatus.PAID),
            "source_store": None,
            "member": None,
        }
        store_code = _text(row, "store_code")
        if store_code:
            fields_["source_store"] = Store.objects.for_merchant(self.merchant).filter(code=store_code).first()
            if fields_["source_store"] is None:
                raise ValidationError({"store_code": [_("No store with code %(code)s.") % {"code": store_code}]})
        fields_["member"] = self._member(row)
        return fields_

    def _member(self, row):
        members = Member.objects.for_merchant(self.merchant)
        pk = _int_id(row, "member_id")
        if pk is not None:
            member = members.filter(pk=pk).first()
            if member is None:
                raise ValidationError({"member_id": [_("No row with id %(id)s at this merchant.") % {"id": pk}]})
            return member
        phone = _text(row, "member_phone")
        email = _text(row, "member_email")
        if not (phone or email):
            return None
        try:
            phone = normalize_phone(phone, self.merchant.country) if phone else ""
            email = normalize_email(email) if email else ""
        except ValidationError as exc:
            raise ValidationError({"member_phone" if phone else "member_email": exc.messages}) from exc
        member = (phone and members.filter(phone=phone).first()) or (email and members.filter(email=email).first())
        return member or member_services.member_register(merchant=self.merchant, phone=phone, email=email)

    def import_instance(self, instance, row, **kwargs):
        instance.number = self._current

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Lines after an order's first row are part of that order; an order already here is kept.
        return not self._is_first or instance.pk is not None

    def save_instance(self, instance, is_create, row, **kwargs):
        # Written when its last line has been read: the order's rows follow each other, or the
        # remaining lines arrive with later rows (after_import adds them).
        self._pending.append((instance, self._current, self._order, kwargs.get("row_number"), dict(row)))

    def after_import(self, dataset, result, **kwargs):
        # Every line of every order has been read: write the orders through the order service. An
        # order the service refuses is an error on its first row (and the whole import rolls back).
        if result.has_errors() or result.has_validation_errors():
            return
        for instance, number, order_fields, row_number, row in self._pending:
            lines = self._lines[number]
            money = {}
            if order_fields["payment_status"] in (Order.PaymentStatus.PAID, Order.PaymentStatus.REFUNDED):
                money["paid_amount"] = sum((line.subtotal for line in lines), Decimal("0.00"))
            try:
                order = order_create(merchant=self.merchant, number=number, lines=lines, **order_fields, **money)
            except ValidationError as exc:
                result.append_invalid_row(row_number, row, exc)
                continue
            instance.pk = order.pk
