"""Reads for the partner portal and the merchant's campaign pages.

Every function takes the merchant explicitly and, for the portal, the partner too: a
partner only ever reads campaigns bound to them at the merchant they selected.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from commerce.models import OrderLine, Product
from omo.tenancy.models import Merchant

from . import commission
from .commission import ranking_included
from .models import Campaign, CampaignOrder, CampaignProductSales, CampaignStats, Invitation, Partner, PartnerMembership

ORDER_HISTORY_YEARS = 2
RANKING_LIMIT = 50


# --- merchants of a partner -------------------------------------------------------------


def partner_merchants(*, partner: Partner) -> list[Merchant]:
    """Merchants the partner works with (for the switcher), by name."""
    with scopes_disabled():
        # The one cross-merchant read: the partner's own memberships, never other rows.
        ids = list(PartnerMembership.objects.filter(partner=partner).values_list("merchant_id", flat=True))
    return list(Merchant.objects.filter(pk__in=ids).order_by("name"))


def partner_merchant_get(*, partner: Partner, slug: str) -> Merchant:
    """The merchant `slug` if the partner works with it; 404 otherwise (no hint it exists)."""
    merchant = Merchant.objects.filter(slug=slug).first()
    if merchant is None or not PartnerMembership.objects.for_merchant(merchant).filter(partner=partner).exists():
        raise Http404
    return merchant


# --- campaigns ------------------------------------------------------------------------------


def partner_campaign_list(*, merchant, partner: Partner, ended: bool, now: datetime | None = None):
    now = now or timezone.now()
    campaigns = Campaign.objects.for_merchant(merchant).filter(partner=partner).select_related("stats")
    if ended:
        return campaigns.filter(ends_at__lte=now).order_by("-ends_at", "-pk")
    return campaigns.filter(ends_at__gt=now).order_by("starts_at", "pk")


def partner_campaign_get(*, merchant, partner: Partner, code: str) -> Campaign:
    campaign = Campaign.objects.for_merchant(merchant).filter(partner=partner, code=code).first()
    if campaign is None:
        raise Http404
    return campaign


def campaign_list(*, merchant):
    return Campaign.objects.for_merchant(merchant).select_related("partner__user", "stats")


def campaign_get(*, merchant, campaign_id: int) -> Campaign:
    campaign = campaign_list(merchant=merchant).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def campaign_products(*, merchant, campaign: Campaign):
    return list(Product.objects.for_merchant(merchant).filter(pk__in=campaign.product_ids()).order_by("name"))


def invitation_get(*, merchant, campaign: Campaign, invitation_id) -> Invitation:
    return get_object_or_404(Invitation.objects.for_merchant(merchant).filter(campaign=campaign), pk=invitation_id)


def invitation_get_by_token(token: str) -> Invitation:
    """Invitation links are global (`/partners/invite/<token>/`): the unguessable token is the
    key, so this is a visible, single-row opt-out of merchant scoping."""
    with scopes_disabled():
        invitation = Invitation.objects.select_related("merchant", "campaign").filter(token=token).first()
    if invitation is None:
        raise Http404
    return invitation


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    order_count: int
    order_total: Decimal
    commission_total: Decimal
    settlement_total: Decimal
    updated_at: datetime | None


def campaign_overview(*, merchant, campaign: Campaign) -> Overview:
    """One primary-key row: the incremental aggregates kept by the worker."""
    stats = CampaignStats.objects.for_merchant(merchant).filter(campaign=campaign).first()
    if stats is None:
        return Overview(0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), None)
    return Overview(
        stats.order_count, stats.order_total, stats.commission_total, stats.settlement_total, stats.updated_at
    )


def campaign_ranking(*, merchant, campaign: Campaign, limit: int = RANKING_LIMIT):
    """Products by units sold over non-cancelled orders; gifts and custom products never appear."""
    ranked_kinds = [kind for kind in ("regular", "addon", "bundle", "gift", "custom") if ranking_included(kind)]
    return list(
        CampaignProductSales.objects.for_merchant(merchant)
        .filter(campaign=campaign, quantity__gt=0, kind__in=ranked_kinds)
        .order_by("-quantity", "product_name")[:limit]
    )


def history_start(now: datetime | None = None) -> datetime:
    """Orders placed before this are archived: the portal lists the last 2 years only."""
    now = now or timezone.now()
    try:
        return now.replace(year=now.year - ORDER_HISTORY_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year - ORDER_HISTORY_YEARS, day=28)


def campaign_orders(*, merchant, campaign: Campaign, now: datetime | None = None):
    """The campaign's orders of the last 2 years, newest first, with their lines and orderer."""
    lines = OrderLine.objects.for_merchant(merchant).select_related("variation").order_by("pk")
    return (
        CampaignOrder.objects.for_merchant(merchant)
        .filter(campaign=campaign, placed_at__gte=history_start(now))
        .select_related("order__member", "lifecycle")
        .prefetch_related(Prefetch("order__lines", queryset=lines))
        .order_by("-placed_at", "-pk")
    )


def mask_name(text: str) -> str:
    """Orderer shown to a partner: first character, the rest masked (王小明 -> 王**)."""
    text = (text or "").strip()
    if not text:
        return ""
    if "@" in text:
        local, _sep, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if text.startswith("+") or text.replace(" ", "").isdigit():
        return f"{'*' * max(len(text) - 3, 3)}{text[-3:]}"
    # A fixed-length mask: the name's length is not shown either.
    return text[:1] + "**"


def orderer_masked(order) -> str:
    member = order.member
    if member is None:
        return "—"
    return mask_name(member.name or member.phone or member.email)


def visible_lines(order):
    """Lines shown in the expandable order detail: returned items are not shown (a fully returned
    line is left out; a partly returned one shows the units kept and their amount)."""
    return [
        DetailLine(
            product_name=line.product_name,
            quantity=line.quantity - line.returned_quantity,
            unit_price=line.unit_price,
            amount=max(line.line_subtotal - line.returned_amount, Decimal("0.00")),
        )
        for line in order.lines.all()
        if line.returned_quantity < line.quantity
    ]


@dataclass(frozen=True)
class DetailLine:
    product_name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


def order_money(order, lines) -> commission.OrderMoney:
    """The pure rules' facts of an order (the worker and the order list use this one builder)."""
    return commission.OrderMoney(
        item_subtotal=order.item_subtotal,
        discounts=order.discounts,
        store_credit=order.store_credit,
        points_redeemed=order.points_redeemed,
        returned_amount=order.returned_amount,
        shipping=order.shipping,
        surcharge=order.surcharge,
        tax=order.tax,
        paid_amount=order.paid_amount,
        unpaid_amount=order.unpaid_amount,
        currency=order.currency,
        lines=tuple(
            commission.LineFacts(
                product_id=str(line.variation.product_id) if line.variation_id else "",
                kind=line.kind,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_subtotal=line.line_subtotal,
                returned_quantity=line.returned_quantity,
                returned_amount=line.returned_amount,
            )
            for line in lines
        ),
    )


def settlement_column_label(campaign: Campaign) -> str:
    """The order list's settlement column follows the campaign (SPEC section 5)."""
    if campaign.condition == Campaign.Condition.WHOLE_ORDER:
        return _("Order settlement amount")
    if campaign.commission_type == Campaign.CommissionType.PERCENTAGE:
        return _("Product settlement amount")
    return _("Specified product quantity")


@dataclass(frozen=True)
class OrderRow:
    record: CampaignOrder
    order: object
    orderer: str
    settlement_column: Decimal | int
    lines: list
    return_adjustment: Decimal
    lifecycle: object  # partners.Commission or None (before its first computation)


def order_rows(*, campaign: Campaign, records, rule=None):
    """Order-list rows as the portal and its CSV show them; `records` from `campaign_orders`."""
    rule = rule or campaign.rule()
    for record in records:
        order = record.order
        lines = list(order.lines.all())
        money = order_money(order, lines)
        yield OrderRow(
            record=record,
            order=order,
            orderer=orderer_masked(order),
            settlement_column=commission.settlement_column(money, rule),
            lines=visible_lines(order),
            return_adjustment=commission.return_adjustment(money),
            lifecycle=getattr(record, "lifecycle", None),
        )


def campaign_for_code(*, merchant, code: str, placed_at, currency: str = "") -> Campaign:
    """The campaign a referral code credits for an order placed at `placed_at`, or ValidationError:
    an unknown code, a campaign not running then, or one in another currency."""
    code = (code or "").strip().upper()
    campaign = Campaign.objects.for_merchant(merchant).filter(code=code).first() if code else None
    if campaign is None:
        raise ValidationError(_("Unknown referral code “%(code)s”.") % {"code": code}, code="unknown_campaign")
    if not campaign.is_active(placed_at):
        raise ValidationError(
            _("The referral campaign “%(code)s” is not running.") % {"code": code}, code="campaign_not_running"
        )
    if currency and currency.upper() != campaign.currency.upper():
        raise ValidationError(
            _("The referral campaign “%(code)s” is in %(currency)s; this order is not.")
            % {"code": code, "currency": campaign.currency},
            code="currency_mismatch",
        )
    return campaign
