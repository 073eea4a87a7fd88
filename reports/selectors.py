"""Reads of the reports: performance figures and the admin order export rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
import datetime as dt
from decimal import Decimal

from django.db.models import Case, CharField, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractHour, Greatest, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from attribution import rollups
from attribution.models import Attribution, PerformanceDay, PerformanceMonth
from attribution.rules import Reason
from commerce.models import Order
from members.models import Member
from omo.tenancy.models import Staff, Store
from omo.money import MONEY_PLACES, at_least_cents, minor_unit, quantize_money
from omo.moneyfield import MONEY_MAX_DIGITS
from omo.spreadsheet import LocalTime, Money, labels, phone_text, typed_text

from . import csv_columns
from .periods import Period

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES)


# --- Who sees what -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The slice of performance a viewer may see: everything, one store, or one staff member."""

    store_id: int | None = None
    staff_id: int | None = None

    @property
    def everything(self):
        return self.store_id is None and self.staff_id is None


def performance_scope(*, merchant, viewer: Staff, store_id=None) -> Scope:
    """Merchant admins see all stores (or the one they pick), store managers their store's
    staff, staff only themselves. A store id of another merchant is a 404."""
    if viewer.role == Staff.Role.ADMIN:
        if store_id in (None, ""):
            return Scope()
        store = Store.objects.for_merchant(merchant).filter(pk=store_id).first()
        if store is None:
            raise Http404
        return Scope(store_id=store.pk)
    if viewer.role == Staff.Role.MANAGER and viewer.store_id is not None:
        return Scope(store_id=viewer.store_id)
    return Scope(staff_id=viewer.pk)


# --- Performance -------------------------------------------------------------------------


@dataclass
class Figures:
    id: int | None
    name: str
    store: str = ""
    orders: int = 0
    sales: Decimal = ZERO
    new_members: int = 0
    rank: int = 0
    currency: str = ""

    @property
    def average(self) -> Decimal:
        """Average order value, rounded half-up to the currency's minor unit; 0 with no orders."""
        if not self.orders:
            return ZERO
        return quantize_money(self.sales / self.orders, self.currency)


@dataclass
class Performance:
    period: Period
    scope: Scope
    totals: Figures
    stores: list[Figures] = field(default_factory=list)
    staff: list[Figures] = field(default_factory=list)
    # (bucket, orders, sales): local hour 0-23 for a one-day range, else the local date.
    series: list[tuple] = field(default_factory=list)


def _credited(*, merchant, start, end, scope: Scope):
    """Credited orders placed in [start, end) within the scope that are still sales: not
    cancelled, not refunded (payment refunded, or everything returned)."""
    qs = (
        Attribution.objects.for_merchant(merchant)
        .filter(reason=Reason.CREDITED, order_at__gte=start, order_at__lt=end)
        .filter(rollups.counted_filter("order__"))
    )
    if scope.store_id is not None:
        qs = qs.filter(store_id=scope.store_id)
    if scope.staff_id is not None:
        qs = qs.filter(staff_id=scope.staff_id)
    return qs


# A partial refund (returned amount) lowers the sale by what was refunded.
SALES = Sum(F("order__total") - F("order__returned_amount"))


def _registered(*, merchant, start, end, scope: Scope):
    """Members registered by staff in [start, end) within the scope."""
    qs = Member.objects.for_merchant(merchant).filter(
        registered_by__isnull=False, created_at__gte=start, created_at__lt=end
    )
    if scope.store_id is not None:
        qs = qs.filter(registered_store_id=scope.store_id)
    if scope.staff_id is not None:
        qs = qs.filter(registered_by_id=scope.staff_id)
    return qs


@dataclass
class _Tally:
    """Figures of part of a period: per (staff id, store id) [orders, sales, new members], and per
    chart bucket [orders, sales]."""

    pairs: dict = field(default_factory=lambda: defaultdict(lambda: [0, ZERO, 0]))
    buckets: dict = field(default_factory=lambda: defaultdict(lambda: [0, ZERO]))


def _raw_tally(tally: _Tally, *, merchant, scope: Scope, period: Period, start, end) -> None:
    """Add up the raw rows of [start, end): orders and attributions, members."""
    credited = _credited(merchant=merchant, start=start, end=end, scope=scope)
    for row in credited.values("staff_id", "store_id").annotate(orders=Count("id"), sales=SALES).order_by():
        pair = tally.pairs[(row["staff_id"], row["store_id"])]
        pair[0] += row["orders"]
        pair[1] += row["sales"] or ZERO
    registered = _registered(merchant=merchant, start=start, end=end, scope=scope)
    for row in registered.values("registered_by_id", "registered_store_id").annotate(n=Count("id")).order_by():
        tally.pairs[(row["registered_by_id"], row["registered_store_id"])][2] += row["n"]
    bucket = ExtractHour("order_at", tzinfo=period.tz) if period.hourly else TruncDate("order_at", tzinfo=period.tz)
    for row in credited.annotate(bucket=bucket).values("bucket").annotate(orders=Count("id"), sales=SALES).order_by():
        figures = tally.buckets[row["bucket"]]
        figures[0] += row["orders"]
        figures[1] += row["sales"] or ZERO


def _scoped(cells, scope: Scope):
    if scope.store_id is not None:
        cells = cells.filter(store_id=scope.store_id)
    if scope.staff_id is not None:
        cells = cells.filter(staff_id=scope.staff_id)
    return cells


def _rollup_tally(tally: _Tally, *, merchant, scope: Scope, first_day, last_day) -> None:
    """Add up the rollups of whole local days [first_day, last_day]: per store and staff member, the
    calendar months wholly inside from their month cells and the days around them from day cells;
    the chart from day cells (the whole merchant's from its one whole-day cell a day). Two queries
    whatever the length, three with a whole month."""
    days = PerformanceDay.objects.for_merchant(merchant).filter(day__gte=first_day, day__lte=last_day)
    cells = _scoped(rollups.merchant_day_cells(days, whole_day=False), scope)
    parts = [cells]
    months = rollups.whole_months(first_day, last_day)
    if months is not None:
        first, end = months
        parts = [
            cells.exclude(day__gte=first, day__lt=end),
            _scoped(PerformanceMonth.objects.for_merchant(merchant).filter(month__gte=first, month__lt=end), scope),
        ]
    sums = {"orders": Sum("orders"), "sales": Sum("sales")}
    for part in parts:
        for row in part.values("staff_id", "store_id").annotate(**sums, new_members=Sum("new_members")).order_by():
            pair = tally.pairs[(row["staff_id"], row["store_id"] or None)]
            pair[0] += row["orders"]
            pair[1] += row["sales"]
            pair[2] += row["new_members"]
    by_day = rollups.merchant_day_cells(days, whole_day=True) if scope.everything else cells
    for row in by_day.values("day").annotate(**sums).order_by():
        figures = tally.buckets[row["day"]]
        figures[0] += row["orders"]
        figures[1] += row["sales"]


def _rollup_days(*, merchant, period: Period, now):
    """The days of the period read from the rollups, or None: the whole local days before today
    (today is still being written: it is read from the raw rows, a day's worth), while the
    rollups are in the period's time zone. A one-day period is charted by hour: raw rows."""
    if period.hourly:
        return None
    last_day = min(period.last_day, now.astimezone(period.tz).date() - dt.timedelta(days=1))
    if last_day < period.first_day or rollups.rollups_zone(merchant_id=merchant.pk) != str(period.tz):
        return None
    return period.first_day, last_day


def _tally(*, merchant, scope: Scope, period: Period, use_rollups=True) -> _Tally:
    tally = _Tally()
    days = _rollup_days(merchant=merchant, period=period, now=timezone.now()) if use_rollups else None
    start = period.start
    if days is not None:
        _rollup_tally(tally, merchant=merchant, scope=scope, first_day=days[0], last_day=days[1])
        start = dt.datetime.combine(days[1] + dt.timedelta(days=1), dt.time.min, tzinfo=period.tz)
    if start < period.end:
        _raw_tally(tally, merchant=merchant, scope=scope, period=period, start=start, end=period.end)
    return tally


def _sum_by(pairs: dict, index: int) -> dict:
    """Per staff (index 0) or per store (index 1): [orders, sales, new members]."""
    out = defaultdict(lambda: [0, ZERO, 0])
    for key, figures in pairs.items():
        total = out[key[index]]
        for n, value in enumerate(figures):
            total[n] += value
    return out


def _money_places(value: Decimal) -> Decimal:
    """Sales at the order amounts' scale, whichever way they were added up (3 places stored; two
    when the third is zero, as a money column reads back: omo.money.at_least_cents)."""
    return at_least_cents(value.quantize(MONEY_STEP))


MONEY_STEP = Decimal(1).scaleb(-Order._meta.get_field("total").decimal_places)


def _rank(rows: list[Figures]) -> list[Figures]:
    """Highest sales first (then orders, then name); equal figures share a rank."""
    rows.sort(key=lambda r: (-r.sales, -r.orders, r.name.casefold()))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if (row.sales, row.orders) != previous:
            rank, previous = position, (row.sales, row.orders)
        row.rank = rank
    return rows


def _figures(id, name, figures, currency, store="") -> Figures:
    orders, sales, new_members = figures
    return Figures(id=id, name=name, store=store, orders=orders, sales=_money_places(sales), new_members=new_members,
                   currency=currency)


def performance_get(*, merchant, scope: Scope, period: Period, use_rollups: bool = True) -> Performance:
    """The period's figures: whole past days from the performance rollups (`attribution.rollups`),
    the rest (today, a one-day chart by hour, rollups in another time zone) from the raw rows.
    ``use_rollups=False`` adds up the raw rows only (the benchmark's and the tests' reference)."""
    tally = _tally(merchant=merchant, scope=scope, period=period, use_rollups=use_rollups)
    totals = _figures(None, "", [sum(column) for column in zip(*tally.pairs.values())] or [0, ZERO, 0],
                      merchant.currency)

    # Per staff: everyone with figures, plus the employed staff of the scope (so a manager
    # sees the whole team, zeros included).
    by_staff = _sum_by(tally.pairs, 0)
    people = Staff.objects.for_merchant(merchant)
    if scope.staff_id is not None:
        people = people.filter(pk=scope.staff_id)
    else:
        employed = Q(resigned_at__isnull=True) & ~Q(role=Staff.Role.ADMIN)
        if scope.store_id is not None:
            employed &= Q(store_id=scope.store_id)
        people = people.filter(Q(pk__in=set(by_staff) - {None}) | employed)
    # Plain values: a row per staff member of a large team costs no model instances.
    staff_rows = [
        _figures(pk, name, by_staff.get(pk, [0, ZERO, 0]), merchant.currency, store=store_name or "")
        for pk, name, store_name in people.values_list("pk", "display_name", "store__name")
    ]

    store_rows = []
    if scope.staff_id is None:
        by_store = _sum_by(tally.pairs, 1)
        stores = Store.objects.for_merchant(merchant)
        if scope.store_id is not None:
            stores = stores.filter(pk=scope.store_id)
        else:
            stores = stores.filter(Q(pk__in=set(by_store) - {None}) | Q(removed_at__isnull=True))
        store_rows = [_figures(pk, name, by_store.get(pk, [0, ZERO, 0]), merchant.currency)
                      for pk, name in stores.values_list("pk", "name")]

    series = [(b, *(tally.buckets[b] if b in tally.buckets else (0, ZERO))) for b in period.buckets()]
    series = [(b, orders, _money_places(sales)) for b, orders, sales in series]

    return Performance(
        period=period,
        scope=scope,
        totals=totals,
        stores=_rank(store_rows),
        staff=_rank(staff_rows),
        series=series,
    )


# --- Admin order export ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    start: object = None  # aware datetime, inclusive
    end: object = None  # aware datetime, exclusive
    store_id: int | None = None
    channel: str = ""


def order_export_queryset(*, merchant, filters: ExportFilters):
    """The orders an export covers (no joins: cheap to count)."""
    qs = Order.objects.for_merchant(merchant)
    if filters.start is not None:
        qs = qs.filter(placed_at__gte=filters.start)
    if filters.end is not None:
        qs = qs.filter(placed_at__lt=filters.end)
    if filters.store_id is not None:
        qs = qs.filter(source_store_id=filters.store_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    return qs


def settlement_expression(currency: str):
    """Settlement amount in SQL, the same formula as `partners.commission.settlement_amount`:
    item subtotal - discounts - store credit - points - returns, never below zero, rounded
    half-up to the currency's minor unit."""
    amount = Greatest(
        F("item_subtotal") - F("discounts") - F("store_credit") - F("points_redeemed") - F("returned_amount"),
        Value(ZERO),
        output_field=MONEY,
    )
    return _money(amount, currency)


def _money(amount, currency: str):
    """A CSV amount with the currency's digits (Money rounds half-up to its field's places)."""
    return Money(amount, output_field=DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=minor_unit(currency)))


def order_export_rows(*, merchant, filters: ExportFilters):
    """One tuple per order, values in the order of `csv_columns.COLUMNS`, oldest first.

    Labels are resolved in SQL in the active language; iterate with
    ``.iterator(chunk_size=...)`` (a server-side cursor on PostgreSQL).
    """
    credited = Q(attribution__reason=Reason.CREDITED)
    in_store = Q(channel__in=Order.RETAIL_CHANNELS)
    order_store = Case(
        When(credited, then=F("attribution__store__name")),
        When(in_store, then=F("source_store__name")),
        output_field=CharField(),
    )
    group_labels = [
        *[(code, Order.ChannelGroup.RETAIL.label) for code in Order.RETAIL_CHANNELS],
        *[(code, Order.ChannelGroup.ONLINE.label) for code in Order.ONLINE_CHANNELS],
    ]
    expressions = {
        "number": typed_text(F("number")),
        "placed_at": LocalTime("placed_at", merchant.tzinfo),
        "channel_group": Case(
            *[When(channel=code, then=Value(str(label))) for code, label in group_labels],
            default=Value(str(Order.ChannelGroup.OTHERS.label)),
            output_field=CharField(),
        ),
        "created_from": typed_text(F("created_from")),
        # Order Source and Order From (SPEC section 2): the credited store, else for an in-store
        # order the store that rang it up (an online order no link was credited with: blank).
        "source_store": typed_text(order_store),
        "order_from": typed_text(order_store),
        # The credited staff member, else whoever rang the sale up.
        "sales": typed_text(
            Coalesce(
                Case(When(credited, then=F("attribution__staff__display_name")), output_field=CharField()),
                F("closing_staff__display_name"),
                output_field=CharField(),
            )
        ),
        "credited": Case(
            When(credited, then=Value(gettext("Yes"))), default=Value(gettext("No")), output_field=CharField()
        ),
        "member": typed_text(F("member__name")),
        "member_phone": phone_text("member__phone"),
        "status": labels("status", Order.Status.choices),
        "payment_status": labels("payment_status", Order.PaymentStatus.choices),
        "currency": typed_text(F("currency")),
        "item_subtotal": _money(F("item_subtotal"), merchant.currency),
        "discounts": _money(F("discounts"), merchant.currency),
        "store_credit": _money(F("store_credit"), merchant.currency),
        "points_redeemed": _money(F("points_redeemed"), merchant.currency),
        "shipping": _money(F("shipping"), merchant.currency),
        "tax": _money(F("tax"), merchant.currency),
        "total": _money(F("total"), merchant.currency),
        "settlement": settlement_expression(merchant.currency),
        "campaign": typed_text(F("campaign_order__campaign__name")),
        "commission": _money(F("campaign_order__commission"), merchant.currency),
    }
    assert tuple(expressions) == csv_columns.KEYS
    # Annotations get a prefix so they cannot clash with the model's own field names.
    named = {f"x_{key}": expression for key, expression in expressions.items()}
    return (
        order_export_queryset(merchant=merchant, filters=filters)
        .annotate(**named)
        .order_by("placed_at", "id")
        .values_list(*named.keys())
    )
