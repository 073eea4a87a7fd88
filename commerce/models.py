from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omo.moneyfield import MoneyField
from omo.tenancy.models import MerchantOwned, Staff, Store, UpdatedAt

from . import channels

MONEY = {"default": Decimal("0.00")}


class Product(UpdatedAt, MerchantOwned):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        ADDON = "addon", _("Add-on item")
        BUNDLE = "bundle", _("Bundle")
        GIFT = "gift", _("Gift")
        CUSTOM = "custom", _("Custom product")

    name = models.CharField(_("name"), max_length=255)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    published = models.BooleanField(_("published in online store"), default=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    image_url = models.URLField(_("image URL"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def available_online(self):
        return self.published and self.removed_at is None


class Variation(UpdatedAt, MerchantOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variations")
    name = models.CharField(_("variation"), max_length=120, blank=True, help_text=_("e.g. Red / M"))
    sku = models.CharField(_("SKU"), max_length=64)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    price = MoneyField(_("price"))
    # Units on hand as the merchant's stock system last said (shown to staff); empty: not tracked.
    stock = models.IntegerField(_("stock"), null=True, blank=True)

    class Meta:
        verbose_name = _("variation")
        verbose_name_plural = _("variations")
        ordering = ["product__name", "name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "sku"], name="variation_sku_unique_per_merchant")]

    def __str__(self):
        return f"{self.product.name} {self.name}".strip()


class Order(MerchantOwned):
    class Channel(models.TextChoices):
        POS = "pos", _("POS")
        KIOSK = "kiosk", _("Kiosk")
        OMO = "omo", _("OMO")
        WEB = "web", _("Web store")
        MESSAGE_CENTER = "message_center", _("Message center")
        SOCIAL = "social", _("Social commerce")
        POST_SALE = "post_sale", _("Post sale")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    class ChannelGroup(models.TextChoices):
        RETAIL = "retail", _("Retail store")
        ONLINE = "online", _("Online store")
        OTHERS = "others", _("Others")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class PaymentStatus(models.TextChoices):
        PENDING = "pending", _("Payment pending")
        PARTIAL = "partial", _("Partially paid")
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    class DeliveryStatus(models.TextChoices):
        PENDING = "pending", _("Not shipped")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")

    number = models.CharField(_("order number"), max_length=64)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    created_from = models.CharField(_("order created from"), max_length=40, blank=True)
    source_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("order source")
    )
    # The staff member who rang the sale up in store (POS); online credit lives in attribution.
    closing_staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="closed_orders"
    )
    # Facts the followers read (attribution, partners, loyalty): the order names them, commerce
    # never resolves them. The token of the recommendation link the shopper came through (the
    # storefront's session link, or one the sender's system passed on) and the referral
    # campaign code typed at checkout or sent by the order API.
    recommendation_token = models.CharField(_("recommendation link"), max_length=64, blank=True)
    campaign_code = models.CharField(_("referral code"), max_length=40, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="splits")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROCESSING)
    payment_status = models.CharField(
        _("payment status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    payment_method = models.CharField(_("payment method"), max_length=40, blank=True)
    delivery_status = models.CharField(
        _("delivery status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    currency = models.CharField(_("currency"), max_length=3)
    item_subtotal = MoneyField(_("item subtotal"), **MONEY)
    discounts = MoneyField(_("discounts"), **MONEY)
    store_credit = MoneyField(_("store credit used"), **MONEY)
    points_redeemed = MoneyField(_("points redeemed"), **MONEY)
    shipping = MoneyField(_("shipping"), **MONEY)
    surcharge = MoneyField(_("surcharge"), **MONEY)
    tax = MoneyField(_("tax"), **MONEY)
    total = MoneyField(_("order amount"), **MONEY)
    paid_amount = MoneyField(_("paid amount"), **MONEY)
    unpaid_amount = MoneyField(_("unpaid amount"), **MONEY)
    returned_amount = MoneyField(_("returned amount"), **MONEY)
    is_preorder = models.BooleanField(_("pre-order"), default=False)
    preorder_paid = MoneyField(_("pre-order amount paid off"), **MONEY)
    preorder_outstanding = MoneyField(_("pre-order amount outstanding"), **MONEY)
    edited_amount = MoneyField(_("edited order amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "number"], name="order_number_unique_per_merchant")]
        indexes = [
            models.Index(fields=["merchant", "member", "placed_at"], name="order_member_time"),
            models.Index(fields=["merchant", "placed_at"], name="order_merchant_time"),
        ]

    def __str__(self):
        return self.number

    RETAIL_CHANNELS = channels.RETAIL_CHANNELS
    ONLINE_CHANNELS = channels.ONLINE_CHANNELS

    @classmethod
    def group_of(cls, channel):
        return cls.ChannelGroup(channels.channel_group(channel))

    @property
    def channel_group(self):
        return self.group_of(self.channel)

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def is_refunded(self):
        """The payment was refunded, or everything was returned (a partial refund is the
        returned amount): the order is no sale any more for commission, points or performance."""
        return self.payment_status == self.PaymentStatus.REFUNDED or (
            self.total > 0 and self.returned_amount >= self.total
        )


class OrderLine(MerchantOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variation = models.ForeignKey(Variation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_name = models.CharField(_("product"), max_length=255)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Product.Kind.choices, default=Product.Kind.REGULAR)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    line_subtotal = MoneyField(_("line subtotal"))
    returned_quantity = models.PositiveIntegerField(_("returned quantity"), default=0)
    returned_amount = MoneyField(_("returned amount"), **MONEY)
    # True when the line's variation was among the recommended items of the link it came through.
    recommended = models.BooleanField(_("from a recommendation"), default=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"


class OrderEvent(MerchantOwned):
    """Inbox of order events received from the order API.

    One row per distinct event (merchant, order number, body digest): a redelivered event
    is recognised and answered without applying it twice. `source_updated_at` orders events
    of one order, so an older update arriving late never overwrites a newer one.
    """

    number = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "number", "digest"], name="order_event_unique_delivery")
        ]
        indexes = [models.Index(fields=["merchant", "number", "source_updated_at"], name="order_event_order_time")]
