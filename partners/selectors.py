"""Reads for the partner portal and the merchant's campaign pages.

Every function takes the merchant explicitly and, for the portal, the partner too: a
partner only ever reads campaigns bound to them at the merchant they selected.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from allauth.account.models import EmailAddress

from django.core.exceptions import ValidationError
from django.db.models import (
    Case, CharField, DecimalField, Exists, ExpressionWrapper, F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value, When,
)
from django.db.models.functions import (
    Coalesce, Concat, Greatest, Left, Length, NullIf, Repeat, Replace, Right, Round, StrIndex, Substr, Trim,
)
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from commerce.models import Order, OrderLine, Product
from members.models import Member
from omo.money import minor_unit
from omo.spreadsheet import LocalTime, Money, labels, typed_text
from omo.tenancy.models import Merchant
from omo.tenancy.scoping import one_to_one_joined, one_to_one_joined_keep, one_to_one_prefetch

from . import commission, guards
from .commission import ranking_included
from .models import (
    Campaign,
    CampaignApplication,
    CampaignCoupon,
    CampaignDay,
    CampaignOrder,
    CampaignProduct,
    CampaignProductSales,
    CampaignStats,
    Commission,
    Invitation,
    Partner,
    PartnerMembership,
)

ORDER_HISTORY_YEARS = 2
RANKING_LIMIT = 50


# --- merchants of a partner -------------------------------------------------------------


def portal_partner(user) -> Partner | None:
    """The user's partner account, with `email_verified`: whether the account's e-mail is verified
    (partners must verify it before they see any figure). One query."""
    verified = EmailAddress.objects.filter(user=OuterRef("user_id"), email__iexact=OuterRef("user__email"), verified=True)
    return Partner.objects.filter(user=user).annotate(email_verified=Exists(verified)).first()


def partner_merchants(*, partner: Partner) -> list[Merchant]:
    """Merchants the partner works with (for the switcher), by name. One query."""
    with scopes_disabled():
        # The one cross-merchant read: the partner's own memberships, never other rows.
        memberships = PartnerMembership.objects.filter(partner=partner).values("merchant_id")
        return list(Merchant.objects.filter(pk__in=memberships).order_by("name"))


def partner_merchant_pick(*, merchants: list[Merchant], slug: str) -> Merchant:
    """The merchant `slug` among the partner's merchants (`partner_merchants`); 404 otherwise."""
    for merchant in merchants:
        if merchant.slug == slug:
            return merchant
    raise Http404


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


CAMPAIGN_ONE_ROWS = ("stats", "commission_totals", "coupon")


def partner_campaign_get(*, merchant, partner: Partner, code: str) -> Campaign:
    """The partner's campaign `code`, with its one-row figures (stats, commission totals, coupon)
    read in the same query; 404 for another partner's or merchant's code."""
    campaign = one_to_one_joined(
        Campaign.objects.for_merchant(merchant).filter(partner=partner, code=code), *CAMPAIGN_ONE_ROWS
    ).first()
    if campaign is not None:
        one_to_one_joined_keep(campaign, *CAMPAIGN_ONE_ROWS)
        campaign.one_rows_read = True  # see `loaded_or_query`
        if isinstance(merchant, Merchant):
            campaign.merchant = merchant  # the page builds the campaign's link from it: no second read
    if campaign is None:
        raise Http404
    return campaign


def loaded_or_query(instance, descriptor, queryset):
    """A one-to-one row of `instance` read with it by `partner_campaign_get`'s join (None
    when there is none), else the first row of `queryset` (a cache filled elsewhere may be stale)."""
    if getattr(instance, "one_rows_read", False) and descriptor.related.is_cached(instance):
        return descriptor.related.get_cached_value(instance)
    return queryset.first()


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
    """One primary-key row: the incremental aggregates kept by the worker (none when
    `partner_campaign_get` read it already)."""
    stats = loaded_or_query(campaign, Campaign.stats, CampaignStats.objects.for_merchant(merchant).filter(campaign=campaign))
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


# --- the order list, a page at a time (keyset) -------------------------------------------------


@dataclass(frozen=True)
class OrderPage:
    """A page of the order list and the cursors of its neighbours ("" when there is none)."""

    records: list
    newer: str = ""
    older: str = ""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(direction: str, when: datetime, pk: int) -> str:
    """A plain, validated cursor: direction, the row's time in UTC microseconds, its id."""
    return f"{direction}{(when - EPOCH) // timedelta(microseconds=1)}.{pk}"


def _cursor_parse(cursor: str):
    """(direction, time, id) of a cursor, or None for anything else (the first page then)."""
    try:
        direction, rest = cursor[:1], cursor[1:]
        micros, pk = rest.split(".")
        key = (EPOCH + timedelta(microseconds=int(micros)), int(pk))
    except (ValueError, OverflowError):
        return None
    return (direction, *key) if direction in ("n", "o") and key[1] > 0 else None


def keyset_page(records, *, cursor: str = "", size: int = 20, time_field: str = "placed_at",
                time_of=attrgetter("placed_at"), fetch=list) -> OrderPage:
    """One page of `records`, newest first by (`time_field`, id), found from its neighbour's key and
    not by an OFFSET: page 20,000 reads its 21 index entries like page 1. `cursor` comes from a
    previous page's `newer` / `older`; a malformed one gives the first page. `fetch` reads a sliced
    query (e.g. with more rows joined); `time_of` gives a fetched row's time."""

    def key(row):
        return time_of(row), row.pk

    parsed = _cursor_parse(cursor or "")
    if parsed is not None and parsed[0] == "n":
        _direction, when, pk = parsed
        # `time >= t` bounds the index range; the OR only settles ties at the same instant.
        newer = records.filter(Q(**{f"{time_field}__gte": when}) & (Q(**{f"{time_field}__gt": when}) | Q(pk__gt=pk)))
        rows = sorted(fetch(newer.order_by(time_field, "pk")[: size + 1]), key=key, reverse=True)
        if rows:
            page = rows[-size:]
            return OrderPage(
                page, newer=_cursor("n", *key(page[0])) if len(rows) > size else "", older=_cursor("o", *key(page[-1]))
            )
        parsed = None  # nothing newer any more: start again at the top
    if parsed is not None:
        _direction, when, pk = parsed
        records = records.filter(Q(**{f"{time_field}__lte": when}) & (Q(**{f"{time_field}__lt": when}) | Q(pk__lt=pk)))
    rows = sorted(fetch(records.order_by(f"-{time_field}", "-pk")[: size + 1]), key=key, reverse=True)
    page = rows[:size]
    return OrderPage(
        page,
        newer=_cursor("n", *key(page[0])) if parsed is not None and page else "",
        older=_cursor("o", *key(page[-1])) if len(rows) > size else "",
    )


def campaign_orders_page(*, merchant, campaign: Campaign, cursor: str = "", size: int = 20, now=None) -> OrderPage:
    """A page of the portal's order list (`campaign_orders`' rows), by `keyset_page`; the orders and
    their lines come in one query (see `_with_lines`)."""
    records = CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign, placed_at__gte=history_start(now))
    return keyset_page(records, cursor=cursor, size=size, fetch=lambda query: _with_lines(merchant, campaign, query))


@dataclass(frozen=True)
class PageLine:
    """An order line as the order list reads it (the fields `order_money` and `visible_lines` use)."""

    product_name: str
    kind: str
    quantity: int
    unit_price: Decimal
    line_subtotal: Decimal
    returned_quantity: int
    returned_amount: Decimal
    variation_id: int | None
    product_id: int | None
    matches: bool  # a product of the campaign (specific products)

    @property
    def variation(self):
        return self  # `order_money` reads `line.variation.product_id`


PAGE_LINE_FIELDS = ("product_name", "kind", "quantity", "unit_price", "line_subtotal", "returned_quantity",
                    "returned_amount", "variation_id")


def _with_lines(merchant, campaign: Campaign, page_query) -> list:
    """The records of `page_query` (a sliced keyset query) with their order, orderer, lifecycle and
    lines, in one query: one row per line (LEFT JOIN), grouped here into each order's `page_lines`."""
    products = CampaignProduct.objects.for_merchant(merchant).filter(
        campaign_id=campaign.pk, product_id=OuterRef("order__lines__variation__product_id")
    )
    line_cells = {f"line_{name}": F(f"order__lines__{name}") for name in PAGE_LINE_FIELDS}
    rows = (
        one_to_one_joined(CampaignOrder.objects.for_merchant(merchant).filter(pk__in=page_query.values("pk")), "lifecycle")
        .select_related("order__member")
        .annotate(
            **line_cells, line_id=F("order__lines__id"), line_product_id=F("order__lines__variation__product_id"),
            line_matches=Exists(products),
        )
        .order_by("-placed_at", "-pk", "order__lines__id")
    )
    records = {}
    for row in rows:
        record = records.setdefault(row.pk, row)
        if record is row:
            one_to_one_joined_keep(record, "lifecycle")
            record.order.page_lines = []
        if row.line_id is not None:
            record.order.page_lines.append(PageLine(
                **{name: getattr(row, f"line_{name}") for name in PAGE_LINE_FIELDS},
                product_id=row.line_product_id, matches=row.line_matches,
            ))
    return list(records.values())


# --- the partner's CSV report: one SELECT ---------------------------------------------------------

MONEY = DecimalField(max_digits=19, decimal_places=3)  # sums before rounding to the currency
ZERO = Decimal("0.00")


def _lines_sum(merchant, expression, condition=Q(), output_field=MONEY):
    """A per-order sum over the order's lines, as a correlated subquery of the report's SELECT."""
    lines = (
        OrderLine.objects.for_merchant(merchant).filter(condition, order_id=OuterRef("order_id"))
        .order_by().values("order_id").annotate(total=Sum(expression, output_field=output_field)).values("total")
    )
    return Coalesce(Subquery(lines, output_field=output_field), Value(0), output_field=output_field)


def _rounded(expression, currency):
    """Half-up to the currency's minor unit, as `quantize_money` (amounts here are never negative
    where it matters, and PostgreSQL's round() of numeric is half away from zero)."""
    places = minor_unit(currency)
    field = DecimalField(max_digits=19, decimal_places=places)
    return Money(Round(expression, places, output_field=field), output_field=field)


class _Exact(Func):
    """A sum as a fraction's denominator: SQLite keeps whole decimals as integers (627 * 500 / 700
    would be 447), so it divides in floating point there; PostgreSQL's numeric is exact as is."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS REAL)", **extra_context)


def _settlement_cell(merchant, campaign: Campaign):
    """`commission.settlement_column` in SQL, for the campaign's rule (see its docstring)."""
    if campaign.condition == Campaign.Condition.WHOLE_ORDER:
        return _rounded(F("settlement"), campaign.currency)  # the order settlement the worker stored
    product_ids = campaign.product_ids()
    matching = ~Q(kind="gift") & Q(variation__product_id__in=product_ids)
    if campaign.commission_type == Campaign.CommissionType.FIXED:
        if not product_ids:
            return Value(0, output_field=IntegerField())
        return _lines_sum(merchant, F("quantity") - F("returned_quantity"), matching, IntegerField())
    net = Greatest(F("line_subtotal") - F("returned_amount"), Value(ZERO), output_field=MONEY)
    total_net = _lines_sum(merchant, net)
    matching_net = _lines_sum(merchant, net, matching) if product_ids else Value(ZERO, output_field=MONEY)
    share = Case(
        When(GreaterThan(total_net, 0), then=ExpressionWrapper(F("settlement") * matching_net / _Exact(total_net), MONEY)),
        default=Value(ZERO),
        output_field=MONEY,
    )
    return _rounded(share, campaign.currency)


def _orderer_cell():
    """`orderer_masked` in SQL: the member's name, else phone, else e-mail, masked."""
    text = "x_orderer_text"
    masked = Case(
        When(order__member_id__isnull=True, then=Value("—")),
        When(**{text: ""}, then=Value("")),
        When(**{f"{text}__contains": "@"}, then=Concat(
            Left(text, 1), Value("***@"), Substr(text, StrIndex(text, Value("@")) + 1), output_field=CharField()
        )),
        When(Q(**{f"{text}__startswith": "+"}) | Q(x_orderer_digits__regex=r"^[0-9]+$"), then=Concat(
            Repeat(Value("*"), Greatest(Length(text) - 3, 3)), Right(text, 3), output_field=CharField()
        )),
        default=Concat(Left(text, 1), Value("**"), output_field=CharField()),
        output_field=CharField(),
    )
    prepared = {
        text: Trim(Coalesce(
            NullIf("order__member__name", Value("")), NullIf("order__member__phone", Value("")),
            F("order__member__email"), output_field=CharField(),
        )),
        "x_orderer_digits": Replace(F(text), Value(" "), Value("")),
    }
    return prepared, typed_text(masked)


def campaign_report_rows(*, merchant, campaign: Campaign, now: datetime | None = None):
    """The partner's CSV report: one tuple per order of `campaign_orders`, newest first, with the
    cells of the order list (labels in the active language, local times, masked orderer, the
    settlement column of the campaign's rule, text defused for spreadsheets) computed by the
    database. One SELECT, so PostgreSQL can write it with COPY; elsewhere iterate it."""
    prepared, orderer = _orderer_cell()
    returned_by_lines = _lines_sum(merchant, F("returned_amount"))
    cells = {
        "number": typed_text(F("order__number")),
        "placed_at": LocalTime("order__placed_at", merchant.tzinfo, seconds=False),
        "status": labels("order__status", Order.Status.choices),
        "payment_status": labels("order__payment_status", Order.PaymentStatus.choices),
        "delivery_status": labels("order__delivery_status", Order.DeliveryStatus.choices),
        "orderer": orderer,
        "settlement": _settlement_cell(merchant, campaign),
        "commission": _rounded(F("commission"), campaign.currency),
        "order_total": _rounded(F("order_total"), campaign.currency),
        "counted": Case(When(counted=True, then=Value(_("yes"))), default=Value(_("no")), output_field=CharField()),
        "commission_status": labels("lifecycle__status", Commission.Status.choices, default=_("Pending")),
        "not_commissioned": labels(
            "not_commissioned_reason", [("", ""), *CampaignOrder._meta.get_field("not_commissioned_reason").choices]
        ),
        # The return adjustment, blank when there is none (as on the page).
        "return_adjustment": _rounded(
            NullIf(ExpressionWrapper(F("order__returned_amount") - returned_by_lines, MONEY), Value(ZERO)),
            campaign.currency,
        ),
    }
    named = {f"x_{key}": expression for key, expression in cells.items()}
    return (
        CampaignOrder.objects.for_merchant(merchant)
        .filter(campaign=campaign, placed_at__gte=history_start(now))
        .annotate(**prepared)
        .annotate(**named)
        .order_by("-placed_at", "-pk")
        .values_list(*named)
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
        for line in (order.page_lines if hasattr(order, "page_lines") else order.lines.all())
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


def _page_product_ids(campaign: Campaign, records):
    """The campaign's products as far as a page needs them: those of its lines (read with them),
    else (records without `page_lines`) the campaign's list."""
    if campaign.condition != Campaign.Condition.SPECIFIC_PRODUCTS:
        return []
    if all(hasattr(record.order, "page_lines") for record in records):
        return [line.product_id for record in records for line in record.order.page_lines if line.matches]
    return None


def order_rows(*, campaign: Campaign, records, rule=None):
    """Order-list rows as the portal and its CSV show them; `records` from `campaign_orders`."""
    records = list(records) if rule is None else records
    if rule is None:
        rule = campaign.rule(product_ids=_page_product_ids(campaign, records))
    for record in records:
        order = record.order
        lines = order.page_lines if hasattr(order, "page_lines") else list(order.lines.all())
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
    coupon = loaded_or_query(campaign, Campaign.coupon, CampaignCoupon.objects.for_merchant(merchant).filter(campaign=campaign))
    return coupon.code if coupon else ""


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
