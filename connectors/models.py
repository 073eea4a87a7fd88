"""Connections to the merchant's outside systems, the webhook deliveries they send, and the table
that maps their POS locations and users to our stores and staff."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omo.moneyfield import MoneyField
from omo.tenancy.models import MerchantOwned, Staff, Store


class Connection(MerchantOwned):
    class Kind(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        WOOCOMMERCE = "woocommerce", "WooCommerce"
        SHOPLINE = "shopline", "SHOPLINE"
        GENERIC = "generic", _("Signed order API")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("platform"), max_length=20, choices=Kind.choices)
    # The unguessable part of the webhook address (/m/<merchant>/connections/in/<key>/).
    key = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    # Orders from this connection are numbered <prefix><the platform's order id>.
    order_prefix = models.CharField(_("order number prefix"), max_length=20)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store connection")
        verbose_name_plural = _("store connections")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="connection_key_unique_per_merchant"),
            models.UniqueConstraint(fields=["merchant", "order_prefix"], name="connection_prefix_unique_per_merchant"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ConnectionSecret(MerchantOwned):
    """A signing secret, encrypted (connectors.crypto). During a rotation the old one keeps working
    until `retires_at`, so two are active at once."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="secrets")
    ciphertext = models.TextField(editable=False)
    hint = models.CharField(_("ends with"), max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retires_at = models.DateTimeField(_("retires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def is_active_at(self, when) -> bool:
        return self.retires_at is None or self.retires_at > when

    @property
    def is_active(self) -> bool:
        return self.is_active_at(timezone.now())


class Delivery(MerchantOwned):
    """One webhook request as it arrived: stored before anything else, processed by a task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSED = "processed", _("Processed")
        UNMAPPED = "unmapped", _("Waiting for mapping")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="deliveries")
    delivery_id = models.CharField(_("delivery id"), max_length=200)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    body = models.TextField(editable=False)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Outside ids this delivery waits for: [{"kind": "location", "outside_id": "123"}, ...]
    missing = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "connection", "delivery_id"], name="delivery_id_unique_per_connection"),
        ]
        indexes = [models.Index(fields=["merchant", "status", "received_at"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.topic} {self.delivery_id}"


class Refund(MerchantOwned):
    """A refund as the platform reported it, kept per order so returns add up whatever order the
    refund and order events arrive in, and however often."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    order_number = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=100)
    amount = MoneyField()
    # [{"sku": "...", "name": "...", "quantity": 1, "amount": "10.00"}]
    lines = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "connection", "order_number", "refund_id"], name="refund_unique_per_order"),
        ]


class IdMapping(MerchantOwned):
    """An outside system's POS location or user id and the store or staff member it stands for.
    A row with no target is in the merchant's "unmapped" inbox."""

    class Kind(models.TextChoices):
        LOCATION = "location", _("Location")
        USER = "user", _("POS user")

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="mappings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outside_id = models.CharField(_("outside id"), max_length=100)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("staff member"))
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("id mapping")
        verbose_name_plural = _("id mappings")
        ordering = ["connection", "kind", "outside_id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "connection", "kind", "outside_id"], name="id_mapping_unique"),
        ]

    @property
    def target(self):
        return self.store if self.kind == self.Kind.LOCATION else self.staff

    @property
    def is_mapped(self) -> bool:
        return (self.store_id if self.kind == self.Kind.LOCATION else self.staff_id) is not None
