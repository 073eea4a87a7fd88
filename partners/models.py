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

from omo.moneyfield import MONEY_MAX_DIGITS, MoneyField
from omo.tenancy.models import MerchantOneToOneField, MerchantOwned, UpdatedAt

from .commission import CommissionRule

MONEY = {"default": Decimal("0.00")}
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
    rate = MoneyField(_("commission"))
    products = models.ManyToManyField(
        "commerce.Product", through="CampaignProduct", blank=True, related_name="+",
        verbose_name=_("products earning commission"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # partner-growth (issue 15 items 5, 7): how long a click on the link credits the partner (the
    # signed referral cookie), and whether partners may apply to it from the merchant's join page.
    link_lifetime_days = models.PositiveSmallIntegerField(
        _("link lifetime (days)"), default=30,
        help_text=_("A shopper's order credits the partner whose link they opened last, within this many days."),
    )
    is_public = models.BooleanField(
        _("open to applications"), default=False,
        help_text=_("Partners can apply on your partner join page; each approved partner gets their own campaign."),
    )

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
        return list(
            CampaignProduct.objects.for_merchant(self.merchant_id).filter(campaign_id=self.pk)
            .values_list("product_id", flat=True)
        )

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


class CampaignProduct(MerchantOwned):
    """A product earning commission in a campaign: the link table of `Campaign.products`, with the
    merchant so that it is distributed and joined with its campaign (docs/scaling.md). Written by
    `campaign.products.set(..., through_defaults={"merchant_id": ...})` in partners.services."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="product_links")
    product = models.ForeignKey("commerce.Product", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("campaign product")
        verbose_name_plural = _("campaign products")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "campaign", "product"], name="campaign_product_unique")
        ]


class Invitation(UpdatedAt, MerchantOwned):
    """An invitation for a partner to bind to a campaign, by email or by a copied link."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"), blank=True)
    token = models.CharField(max_length=64, db_index=True, default=new_invitation_token, editable=False)
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
        constraints = [models.UniqueConstraint(fields=["merchant", "token"], name="invitation_token_unique_per_merchant")]

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

    order = MerchantOneToOneField("commerce.Order", on_delete=models.CASCADE, related_name="campaign_order")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="orders")
    # Copied from the order so that the 2-year order list is one index range per campaign.
    placed_at = models.DateTimeField(_("placed at"))
    settlement = MoneyField(_("settlement amount"), **MONEY)
    commission = MoneyField(_("commission"), **MONEY)
    order_total = MoneyField(_("order total"), **MONEY)
    # Not cancelled (processing, confirmed, completed): only these are in the aggregates.
    counted = models.BooleanField(default=False)
    # {product key: units} this order contributes to the ranking (see services._ranking_key).
    ranked_quantities = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # partner-growth (issue 15 item 5): why this order earns no commission (shown to both sides).
    not_commissioned_reason = models.CharField(
        _("not commissioned"), max_length=20, blank=True, choices=[("self_order", _("The partner's own order"))]
    )

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
        constraints = [models.UniqueConstraint(fields=["merchant", "order"], name="campaign_order_once_per_order")]


class CampaignStats(MerchantOwned):
    """Running totals of a campaign over its counted orders; `updated_at` is "last updated"."""

    campaign = MerchantOneToOneField(Campaign, on_delete=models.CASCADE, related_name="stats")
    order_count = models.IntegerField(default=0)
    order_total = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    settlement_total = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    commission_total = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign figures")
        verbose_name_plural = _("campaign figures")
        constraints = [models.UniqueConstraint(fields=["merchant", "campaign"], name="campaign_stats_once_per_campaign")]


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
            models.UniqueConstraint(fields=["merchant", "campaign", "product_key"], name="campaign_product_sales_unique")
        ]
        indexes = [models.Index(fields=["campaign", "-quantity"], name="campaign_product_rank")]



# =====================================================================================
# partner-growth (issue 15 items 4–7): clicks and per-day figures, coupon codes,
# applications to public campaigns, partner e-mail preferences and digests.
# =====================================================================================


class CampaignClick(MerchantOwned):
    """A counted click on a campaign's link: no bots, and one per visitor per 30 minutes.

    `visitor` is a keyed hash of the client's address and browser, never the raw IP."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="clicks")
    visitor = models.CharField(max_length=64)
    clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campaign link click")
        verbose_name_plural = _("campaign link clicks")
        indexes = [models.Index(fields=["campaign", "visitor", "clicked_at"], name="campaign_click_visitor")]


class CampaignDay(UpdatedAt, MerchantOwned):
    """One campaign's figures on one day of the merchant's calendar: clicks, and the counted orders
    placed that day with their total and commission. Kept incrementally (clicks as they come,
    orders by `campaign_order_recompute`), so a date-range overview reads one row per day."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.IntegerField(default=0)
    order_count = models.IntegerField(default=0)
    order_total = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    commission = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("campaign day")
        verbose_name_plural = _("campaign days")
        constraints = [models.UniqueConstraint(fields=["merchant", "campaign", "day"], name="campaign_day_unique")]


class CampaignCoupon(MerchantOwned):
    """The partner's personal code for a bound campaign: typed at checkout or sent as the order API's
    `campaign_code`, it credits the campaign like its link. Unique per merchant, and never equal
    to a campaign code."""

    campaign = MerchantOneToOneField(Campaign, on_delete=models.CASCADE, related_name="coupon")
    code = models.CharField(_("coupon code"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner coupon code")
        verbose_name_plural = _("partner coupon codes")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="campaign_coupon_unique_per_merchant"),
            models.UniqueConstraint(fields=["merchant", "campaign"], name="campaign_coupon_once_per_campaign"),
        ]


class CampaignApplication(MerchantOwned):
    """A partner asks to join a public campaign; on approval they get their own campaign copied
    from it (`campaign_created`), bound to them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="applications")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="applications")
    message = models.TextField(_("message to the merchant"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign_created = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign application")
        verbose_name_plural = _("campaign applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "campaign", "partner"], name="campaign_application_once_per_partner")
        ]


class NotificationKind(models.TextChoices):
    REFERRED_ORDERS = "referred_orders", _("New referred orders (daily digest)")
    COMMISSION_APPROVED = "commission_approved", _("Commission approved")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    INVITATION = "invitation", _("Invitations to campaigns")


class PartnerEmailOptOut(models.Model):
    """The partner does not want e-mails of this kind (global: one account for all merchants)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="email_opt_outs")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("partner e-mail opt-out")
        verbose_name_plural = _("partner e-mail opt-outs")
        constraints = [models.UniqueConstraint(fields=["partner", "kind"], name="partner_email_opt_out_unique")]


class PartnerDigest(models.Model):
    """One daily digest of new referred orders to one partner: the unique (partner, day) makes the
    beat task idempotent, and `last_record_id` is where the next digest starts."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    last_record_id = models.BigIntegerField(default=0)
    order_count = models.IntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("partner digest")
        verbose_name_plural = _("partner digests")
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="partner_digest_once_a_day")]


# =============================================================================================
# Commission lifecycle, payouts, adjustments and tiers (issue 15 items 2-3)
#
# A referred order's commission is *pending* until the campaign's return window after the order
# completed has passed, then *approved* (or approved early / rejected by the merchant); approved
# commissions go into a payout batch (per period and currency) that the merchant exports and marks
# paid. A change to a commission already in a payout becomes an adjustment carried into the next
# payout. Every transition is one function in partners/payouts.py, audited.
# =============================================================================================


class CampaignPayoutTerms(UpdatedAt, MerchantOwned):
    """A campaign's payout settings: the return window, and the commission tiers (`CommissionTier`)."""

    campaign = MerchantOneToOneField(Campaign, on_delete=models.CASCADE, related_name="payout_terms")
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days after completion)"), default=14,
        help_text=_("A commission is approved this many days after its order completed, unless rejected first."),
    )

    class Meta:
        verbose_name = _("campaign payout terms")
        verbose_name_plural = _("campaign payout terms")
        constraints = [models.UniqueConstraint(fields=["merchant", "campaign"], name="campaign_payout_terms_once_per_campaign")]


class CommissionTier(UpdatedAt, MerchantOwned):
    """From `from_sales` of the partner's settled sales in a calendar month on, the rate is `rate` %.

    The campaign's own rate applies from 0; tiers apply to percentage campaigns only.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tiers")
    from_sales = MoneyField(_("from settled sales of"))
    rate = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("commission tier")
        verbose_name_plural = _("commission tiers")
        ordering = ["campaign", "from_sales"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "campaign", "from_sales"], name="commission_tier_unique_threshold")
        ]


class PartnerPayoutDetails(models.Model):
    """Where a partner wants to be paid; kept by the partner in the portal (one account, all merchants)."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="payout_details")
    account_holder = models.CharField(_("account holder"), max_length=150)
    bank_name = models.CharField(_("bank name"), max_length=150)
    bank_code = models.CharField(_("bank / branch code"), max_length=40, blank=True)
    account_number = models.CharField(_("account number or IBAN"), max_length=64)
    note = models.CharField(_("note for the transfer"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner payout details")
        verbose_name_plural = _("partner payout details")


class Payout(UpdatedAt, MerchantOwned):
    """A payout batch: the approved commissions (and open adjustments) of one period and currency."""

    class Status(models.TextChoices):
        OPEN = "open", _("Created, not paid")
        PAID = "paid", _("Paid")

    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    total = MoneyField(_("total"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-id"]


class PayoutLine(MerchantOwned):
    """One partner's part of a payout: its commissions plus its adjustments."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="lines")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="payout_lines")
    commission_total = MoneyField(_("commissions"), **MONEY)
    adjustment_total = MoneyField(_("adjustments"), **MONEY)
    amount = MoneyField(_("amount to pay"), **MONEY)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["payout", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "payout", "partner"], name="payout_line_unique_partner")]


class Commission(UpdatedAt, MerchantOwned):
    """The lifecycle of one referred order's commission."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    campaign_order = MerchantOneToOneField(CampaignOrder, on_delete=models.CASCADE, related_name="lifecycle")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="commissions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # What is owed: the order's commission while it counts (0 once cancelled or refunded). Frozen
    # once in a payout: later changes become adjustments.
    amount = MoneyField(_("commission"), **MONEY)
    # The order's commission base while it counts (settled sales for the tiers).
    sales = MoneyField(_("settled sales"), **MONEY)
    completed_at = models.DateTimeField(_("order completed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("approved automatically at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    payout_line = models.ForeignKey(
        PayoutLine, on_delete=models.PROTECT, null=True, blank=True, related_name="commissions"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        indexes = [
            # The beat sweep approves pending commissions whose return window has passed.
            models.Index(fields=["merchant", "due_at"], name="commission_due", condition=models.Q(status="pending")),
            models.Index(fields=["merchant", "status", "campaign"], name="commission_status"),
        ]
        constraints = [models.UniqueConstraint(fields=["merchant", "campaign_order"], name="commission_once_per_campaign_order")]


class CommissionAdjustment(UpdatedAt, MerchantOwned):
    """A change to a commission already in a payout (e.g. a return after payment): carried into the
    next payout of the partner in that currency."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="adjustments")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="adjustments")
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    payout_line = models.ForeignKey(
        PayoutLine, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )

    class Meta:
        verbose_name = _("commission adjustment")
        verbose_name_plural = _("commission adjustments")
        ordering = ["-created_at", "-id"]


class CommissionTotals(MerchantOwned):
    """Per campaign, the commissions by state: kept by every transition in partners/payouts.py so
    the portal's overview reads one row."""

    campaign = MerchantOneToOneField(Campaign, on_delete=models.CASCADE, related_name="commission_totals")
    pending = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    approved = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    rejected = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    paid = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))
    adjusted = MoneyField(max_digits=MONEY_MAX_DIGITS + 4, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("commission totals")
        verbose_name_plural = _("commission totals")
        constraints = [models.UniqueConstraint(fields=["merchant", "campaign"], name="commission_totals_once_per_campaign")]
