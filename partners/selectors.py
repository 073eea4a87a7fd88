"""Reads for the partner portal and the merchant's campaign pages.

Every function takes the merchant explicitly and, for the portal, the partner too: a
partner only ever reads campaigns bound to them at the merchant they selected.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from commerce.models import OrderLine, Product
from members.models import Member
from omo.tenancy.models import Merchant
from omo.tenancy.scoping import one_to_one_prefetch

from . import commission, guards
from .commission import ranking_included
from .models import (
    Campaign,
    CampaignApplication,
    CampaignCoupon,
    CampaignDay,
    CampaignOrder,
    CampaignProductSales,
    CampaignStats,
    Invitation,
    Partner,
    PartnerMembership,
)

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
    campaigns = Campaign.objects.for_merchant(merchant).filter(partner=partner).prefetch_related(
        one_to_one_prefetch(Campaign, "stats", merchant=merchant)
    )
    if ended:
        return campaigns.filter(ends_at__lte=now).order_by("-ends_at", "-pk")
    return campaigns.filter(ends_at__gt=now).order_by("starts_at", "pk")


def partner_campaign_get(*, merchant, partner: Partner, code: str) -> Campaign:
    campaign = Campaign.objects.for_merchant(merchant).filter(partner=partner, code=code).first()
    if campaign is None:
        raise Http404
    return campaign


def campaign_list(*, merchant):
    return Campaign.objects.for_merchant(merchant).select_related("partner__user").prefetch_related(
        one_to_one_prefetch(Campaign, "stats", merchant=merchant)
    )


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
        .select_related("order__member")
        .prefetch_related(one_to_one_prefetch(CampaignOrder, "lifecycle", merchant=merchant))
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
    if campaign is None and code:  # a partner's personal coupon code (partner-growth)
        campaign = Campaign.objects.for_merchant(merchant).filter(coupon__code=code).first()
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


# =====================================================================================
# partner-growth: self orders, date-range overview, clicks, coupons, applications
# =====================================================================================


def partner_contact(partner: Partner) -> guards.Contact:
    """The partner account's verified e-mails and phone (unverified ones prove nothing)."""
    user = partner.user
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return guards.Contact(
        emails=frozenset(emails), phones=frozenset([user.phone] if user.phone and user.phone_verified else []),
        user_id=user.pk,
    )


def order_self_reason(*, order, campaign: Campaign) -> str:
    """`guards.SELF_ORDER` when the order was placed by the campaign's own partner, else ""."""
    if campaign.partner_id is None or order.member_id is None:
        return ""
    member = Member.objects.for_merchant(order.merchant_id).filter(pk=order.member_id).first()
    if member is None:
        return ""
    partner = Partner.objects.select_related("user").get(pk=campaign.partner_id)
    orderer = guards.Contact(emails=frozenset([member.email]), phones=frozenset([member.phone]), user_id=member.user_id)
    return guards.self_order_reason(orderer, partner_contact(partner))


OVERVIEW_MAX_DAYS = 731


@dataclass(frozen=True)
class RangeOverview:
    """Clicks, orders, conversion and commission of a campaign over [first, last] (merchant days)."""

    first: date
    last: date
    clicks: int
    order_count: int
    order_total: Decimal
    commission: Decimal
    # Per day, for the chart: labels (ISO dates) and the three series.
    labels: list = field(default_factory=list)
    clicks_series: list = field(default_factory=list)
    orders_series: list = field(default_factory=list)
    commission_series: list = field(default_factory=list)

    @property
    def conversion_rate(self) -> Decimal | None:
        """Orders per 100 clicks, one decimal; None without clicks."""
        if not self.clicks:
            return None
        return (Decimal(self.order_count) * 100 / self.clicks).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def chart(self) -> dict:
        return {
            "labels": self.labels, "clicks": self.clicks_series, "orders": self.orders_series,
            "commission": [str(value) for value in self.commission_series],
        }


def overview_range(*, merchant, today: date | None = None, first=None, last=None, default_days: int = 30):
    """The date range the partner asked for (ISO dates), clamped: first <= last, at most two years,
    defaulting to the last `default_days` days up to today (merchant's calendar)."""
    today = today or timezone.localtime(timezone.now(), merchant.tzinfo).date()

    def parse(value, fallback):
        try:
            return date.fromisoformat(value) if value else fallback
        except (TypeError, ValueError):
            return fallback

    last = parse(last, today)
    first = parse(first, last - timedelta(days=default_days - 1))
    if first > last:
        first, last = last, first
    if (last - first).days >= OVERVIEW_MAX_DAYS:
        first = last - timedelta(days=OVERVIEW_MAX_DAYS - 1)
    return first, last


def campaign_overview_range(*, merchant, campaign: Campaign, first: date, last: date) -> RangeOverview:
    """One indexed range read of the campaign's day rows (never the click or order rows)."""
    rows = {
        day: (clicks, orders, total, commission)
        for day, clicks, orders, total, commission in CampaignDay.objects.for_merchant(merchant)
        .filter(campaign=campaign, day__gte=first, day__lte=last)
        .values_list("day", "clicks", "order_count", "order_total", "commission")
    }
    zero = Decimal("0.00")
    empty = (0, 0, zero, zero)
    n_days = (last - first).days + 1
    days = [first + timedelta(days=i) for i in range(n_days)]
    values = [rows.get(day, empty) for day in days]
    clicks_series = [v[0] for v in values]
    orders_series = [v[1] for v in values]
    commission_series = [v[3] for v in values]
    return RangeOverview(
        first=first, last=last, clicks=sum(clicks_series), order_count=sum(orders_series),
        order_total=sum((v[2] for v in rows.values()), zero), commission=sum(commission_series, zero),
        labels=[day.isoformat() for day in days], clicks_series=clicks_series, orders_series=orders_series,
        commission_series=commission_series,
    )


def campaign_days(*, merchant):
    """Per-day clicks and order figures of the merchant's campaigns (the API's click counts)."""
    return CampaignDay.objects.for_merchant(merchant).order_by("-day", "campaign_id")


def campaign_coupon_code(*, merchant, campaign: Campaign) -> str:
    return CampaignCoupon.objects.for_merchant(merchant).filter(campaign=campaign).values_list("code", flat=True).first() or ""


def public_campaigns(*, merchant, now: datetime | None = None):
    """Campaigns the merchant opened to applications and that have not ended."""
    now = now or timezone.now()
    return Campaign.objects.for_merchant(merchant).filter(is_public=True, ends_at__gt=now).order_by("ends_at", "pk")


def public_campaign_get(*, merchant, campaign_id: int) -> Campaign:
    campaign = public_campaigns(merchant=merchant).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def partner_applications(*, merchant, partner: Partner) -> dict[int, CampaignApplication]:
    """The partner's applications at this merchant, by the public campaign's id."""
    rows = CampaignApplication.objects.for_merchant(merchant).filter(partner=partner)
    return {row.campaign_id: row for row in rows}


def campaign_applications(*, merchant, campaign: Campaign):
    return (
        CampaignApplication.objects.for_merchant(merchant).filter(campaign=campaign)
        .select_related("partner__user", "campaign_created").order_by("status", "-created_at")
    )


def application_get(*, merchant, campaign: Campaign, application_id: int) -> CampaignApplication:
    return get_object_or_404(CampaignApplication.objects.for_merchant(merchant).filter(campaign=campaign), pk=application_id)


def not_commissioned_orders(*, merchant, campaign: Campaign, limit: int = 50):
    """Referred orders that earn no commission and why (the merchant's campaign page)."""
    return list(
        CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign).exclude(not_commissioned_reason="")
        .select_related("order").order_by("-placed_at")[:limit]
    )
