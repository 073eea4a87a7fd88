"""Referral campaigns run with KOL partners, and the per-order / per-campaign figures.

A `Partner` is global (one login works for every merchant); everything else is tenant data.
The figures the portal shows are incremental aggregates (`CampaignStats`,
`CampaignProductSales`) kept equal to the sum of the counted `CampaignOrder` rows by
`partners.services.campaign_order_recompute`, which the worker runs on every order event.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omo.tenancy.models import MerchantOwned, UpdatedAt

from .commission import CommissionRule

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}
# Unambiguous characters only (no 0/O, 1/I/L), so a code read aloud or typed at checkout works.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_campaign_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def new_invitation_token():
    return secrets.token_urlsafe(24)


class Partner(models.Model):
    """A KOL / affiliate: one account for all the merchants it works with (not tenant data)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner")
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.display_name or self.user.email


class PartnerMembership(UpdatedAt, MerchantOwned):
    """The partner works with this merchant (set when an invitation is accepted); drives the switcher."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "partner"], name="partner_membership_unique_per_merchant")
        ]


class Campaign(UpdatedAt, MerchantOwned):
    class Condition(models.TextChoices):
        WHOLE_ORDER = "whole_order", _("Whole order")
        SPECIFIC_PRODUCTS = "specific_products", _("Specific products")

    class CommissionType(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage")
        FIXED = "fixed", _("Fixed amount")

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("referral code"), max_length=20, default=new_campaign_code)
    # Null until a partner accepts the invitation; once set it never changes (services refuse).
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns", verbose_name=_("partner")
    )
    bound_at = models.DateTimeField(_("partner bound at"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    currency = models.CharField(_("currency"), max_length=3)
    condition = models.CharField(_("commission condition"), max_length=20, choices=Condition.choices)
    commission_type = models.CharField(_("commission type"), max_length=12, choices=CommissionType.choices)
    # Percent (10 = 10 %) for percentage; an amount per order (whole order) or per unit
    # (specific products) for fixed.
    rate = models.DecimalField(_("commission"), max_digits=14, decimal_places=2)
    products = models.ManyToManyField(
        "commerce.Product", blank=True, related_name="+", verbose_name=_("products earning commission")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral campaign")
        verbose_name_plural = _("referral campaigns")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="campaign_code_unique_per_merchant"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="campaign_ends_after_start"),
        ]
        indexes = [models.Index(fields=["merchant", "partner", "ends_at"], name="campaign_partner_end")]

    def __str__(self):
        return self.name

    def is_active(self, when=None):
        when = when or timezone.now()
        return self.starts_at <= when < self.ends_at

    @property
    def has_ended(self):
        return self.ends_at <= timezone.now()

    @property
    def status_label(self):
        now = timezone.now()
        if now < self.starts_at:
            return _("Scheduled")
        if now < self.ends_at:
            return _("Ongoing")
        return _("Ended")

    def product_ids(self) -> list[int]:
        # Through the link table: the tenant-scoped Product manager would need an active scope.
        return list(Campaign.products.through.objects.filter(campaign_id=self.pk).values_list("product_id", flat=True))

    def rule(self, product_ids=None) -> CommissionRule:
        """The pure-rule view of this campaign (product ids as strings, as `LineFacts` carries them)."""
        if product_ids is None:
            product_ids = self.product_ids() if self.condition == self.Condition.SPECIFIC_PRODUCTS else []
        return CommissionRule(
            condition=self.condition,
            commission_type=self.commission_type,
            rate=self.rate,
            product_ids=frozenset(str(pk) for pk in product_ids),
        )


class Invitation(UpdatedAt, MerchantOwned):
    """An invitation for a partner to bind to a campaign, by email or by a copied link."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"), blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Set at creation from the merchant's setting (Merchant.invitation_valid_days).
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")
        ordering = ["-created_at"]

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_open(self) -> bool:
        """Not accepted, revoked or expired: the link still works."""
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired()


class CampaignOrder(MerchantOwned):
    """An order referred by a campaign, with its last computed figures.

    Invariant kept by `campaign_order_recompute`: the campaign's `CampaignStats` and
    `CampaignProductSales` equal the sum of the figures of its `counted` rows, so an event
    applies only the difference between the stored and the new figures.
    """

    order = models.OneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="campaign_order")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="orders")
    # Copied from the order so that the 2-year order list is one index range per campaign.
    placed_at = models.DateTimeField(_("placed at"))
    settlement = models.DecimalField(_("settlement amount"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    order_total = models.DecimalField(_("order total"), **MONEY)
    # Not cancelled (processing, confirmed, completed): only these are in the aggregates.
    counted = models.BooleanField(default=False)
    # {product key: units} this order contributes to the ranking (see services._ranking_key).
    ranked_quantities = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referred order")
        verbose_name_plural = _("referred orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "placed_at"], name="campaign_order_time"),
            # The beat sweep finds records whose first recompute never ran (a lost event).
            models.Index(
                fields=["merchant", "updated_at"], name="campaign_order_uncomputed", condition=models.Q(computed_at__isnull=True)
            ),
        ]


class CampaignStats(MerchantOwned):
    """Running totals of a campaign over its counted orders; `updated_at` is "last updated"."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="stats")
    order_count = models.IntegerField(default=0)
    order_total = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0.00"))
    settlement_total = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0.00"))
    commission_total = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0.00"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign figures")
        verbose_name_plural = _("campaign figures")


class CampaignProductSales(MerchantOwned):
    """Units sold per product through a campaign (regular, add-on, bundle; no gift or custom)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="product_sales")
    product_key = models.CharField(max_length=300)
    product = models.ForeignKey("commerce.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    product_name = models.CharField(_("product"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10)
    quantity = models.IntegerField(_("units sold"), default=0)

    class Meta:
        verbose_name = _("campaign product sales")
        verbose_name_plural = _("campaign product sales")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "product_key"], name="campaign_product_sales_unique")
        ]
        indexes = [models.Index(fields=["campaign", "-quantity"], name="campaign_product_rank")]

