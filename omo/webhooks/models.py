"""Outbound webhooks (Standard Webhooks): a merchant's endpoints, the events the feature apps
emit, and one delivery per (event, endpoint) with its attempts' outcome.

Platform layer: every feature app emits through `services.webhook_event_emit`; nothing here
imports a feature app."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import Merchant, MerchantOwned

from . import endpoint_secrets


class EventType(models.TextChoices):
    ORDER_ATTRIBUTED = "order.attributed", _("Order attributed")
    ORDER_CREDIT_CHANGED = "order.credit_changed", _("Order credit changed")
    COMMISSION_CREATED = "commission.created", _("Commission created")
    COMMISSION_APPROVED = "commission.approved", _("Commission approved")
    COMMISSION_PAID = "commission.paid", _("Commission paid")
    POINTS_EARNED = "points.earned", _("Points earned")
    POINTS_REDEEMED = "points.redeemed", _("Points redeemed")
    MEMBER_CREATED = "member.created", _("Member created")


class WebhookPolicy(models.Model):
    """Per-merchant switches that only platform operators set (Django admin)."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="webhook_policy", verbose_name=_("merchant")
    )
    allow_private_targets = models.BooleanField(
        _("allow private network targets"), default=False,
        help_text=_("Deliver to private, loopback, link-local or reserved addresses (on-premises receivers). "
                    "Off: such targets are refused (SSRF protection)."),
    )

    class Meta:
        verbose_name = _("webhook policy")
        verbose_name_plural = _("webhook policies")

    def __str__(self):
        return str(self.merchant)


class Endpoint(MerchantOwned):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    # The signing secret (whsec_...), encrypted with a key derived from SECRET_KEY; shown once.
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Start of the current run of failed attempts (None after a success): 24 h of it disables.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.url

    @property
    def secret(self) -> str:
        return endpoint_secrets.decrypt(self.secret_encrypted)

    def subscribes(self, event_type: str) -> bool:
        return event_type in (self.event_types or [])


class Event(MerchantOwned):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    # The exact body sent (and signed): serialised once, so every attempt and resend is the same.
    payload = models.TextField(editable=False)
    idempotency_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "public_id"], name="webhook_event_public_id_unique_per_merchant"),
            models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="webhook_event_key_unique_per_merchant")
        ]

    def __str__(self):
        return f"{self.type} {self.message_id}"

    @property
    def message_id(self) -> str:
        """The `webhook-id` header: the same on every attempt, so receivers de-duplicate by it."""
        return f"msg_{self.public_id.hex}"


class Delivery(MerchantOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Retries stop this long after the first attempt of the current round (a resend starts a new round).
    round_started_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_response_excerpt = models.CharField(_("last response"), max_length=500, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "endpoint", "event"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
