"""Performance rollups: per merchant, local day, store and staff member, the credited orders that
still count as sales, their sales and the members staff registered (the figures of the
performance overview), kept exact by deltas in the transaction of every change that moves them:

- the attribution worker (`services.orders_attribute` calls `credits_record`): a decided or
  re-decided order's credit moves from its old cell to its new one;
- the order service (`order_figures_mark`, a mark in `settings.ORDER_FOLLOWERS`): a cancel,
  refund, return or edit changes what a credited order adds;
- member registration (`member_registered`, from a post_save receiver in `signals`): a member registered by staff.

Each delta moves a day cell (`PerformanceDay`) and the cell of that day's calendar month
(`PerformanceMonth`, the sum of its days), so a long range reads its whole months as one row per
store and staff member each (`whole_months`).

Every Attribution row keeps what its order adds (`counted_sales`, null: nothing), so a delta takes
away exactly what was added. Deltas are added in the database (`orders = orders + excluded.orders`),
so two transactions crediting the same cell at once both count. An order counts as the reports
always counted it: credited, not cancelled, not refunded, not returned in full; its sale is the
total less what was returned.

Days are local days in the time zone the rollups were built in (`PerformanceRollup.tz`); the
reports read them only while that is the merchant's time zone. `rollups_rebuild` recomputes a
merchant's rollups from the raw rows (backfill, a time zone change) under an exclusive lock that
the deltas share.
"""

import zoneinfo
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from commerce.models import Order
from members.models import Member
from omo.tenancy.models import Merchant

from .models import Attribution, PerformanceDay, PerformanceMonth, PerformanceRollup
from .rules import Reason

ZERO = Decimal("0")
# The store and staff ids of a merchant's whole-day cell: each day also has one cell adding up all
# its others, so the whole merchant's chart reads one row a day (366 for a year, not a cell per
# store and staff member); readers of store and staff cells leave it out (`merchant_day_cells`).
WHOLE_DAY = -1
ORDER_FIGURES = ("status", "payment_status", "total", "returned_amount")


def counted_sales(reason, status, payment_status, total, returned_amount):
    """What an order adds to the rollups: its sale (total less returns) while credited and still
    a sale (not cancelled, not refunded, not returned in full); None: nothing."""
    if reason != Reason.CREDITED or status == Order.Status.CANCELLED:
        return None
    if payment_status == Order.PaymentStatus.REFUNDED or (total > 0 and returned_amount >= total):
        return None
    return total - returned_amount


def counted_filter(prefix=""):
    """`counted_sales` as a filter on orders (the same rule in SQL)."""
    return ~Q(**{f"{prefix}status": Order.Status.CANCELLED}) & ~Q(
        **{f"{prefix}payment_status": Order.PaymentStatus.REFUNDED}
    ) & ~Q(**{f"{prefix}total__gt": 0, f"{prefix}returned_amount__gte": F(f"{prefix}total")})


def month_of(day):
    """The month cell a day adds to: the first day of its month."""
    return day.replace(day=1)


def whole_months(first_day, last_day):
    """The calendar months wholly inside [first_day, last_day], as (first day of the first, first
    day after the last), or None."""
    first = first_day if first_day.day == 1 else next_month(first_day)
    after = last_day + timedelta(days=1)
    end = after if after.day == 1 else month_of(last_day)
    return (first, end) if first < end else None


def next_month(day):
    """The first day of the month after the day's."""
    return (month_of(day) + timedelta(days=31)).replace(day=1)


def _lock(merchant_id, *, exclusive=False):
    """Deltas share a per-merchant lock that a rebuild takes alone (PostgreSQL; SQLite runs one
    writer at a time), so a rebuild never misses a delta nor counts one twice."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtextextended(%s, 0))", [f"rollups:{merchant_id}"])


def _zone(merchant_id):
    """The time zone of the merchant's rollups; None: not built (nothing to keep up)."""
    return PerformanceRollup.objects.for_merchant(merchant_id).values_list("tz", flat=True).first()


class _Deltas:
    def __init__(self, tz):
        self.tz = zoneinfo.ZoneInfo(tz)
        self.days = defaultdict(lambda: [0, ZERO, 0])
        self.months = defaultdict(lambda: [0, ZERO, 0])

    def add(self, at, store_id, staff_id, *, orders=0, sales=ZERO, members=0):
        day = timezone.localtime(at, self.tz).date()
        for cells, key in ((self.days, (day, store_id or 0, staff_id)), (self.days, (day, WHOLE_DAY, WHOLE_DAY)),
                           (self.months, (month_of(day), store_id or 0, staff_id))):
            cell = cells[key]
            cell[0] += orders
            cell[1] += sales
            cell[2] += members

    def credit(self, at, store_id, staff_id, sales, sign):
        if sales is not None:
            self.add(at, store_id, staff_id, orders=sign, sales=sign * sales)

    def apply(self, merchant_id):
        """Add every non-zero delta: the day cells, then the month cells."""
        _upsert(PerformanceDay, "day", merchant_id, self.days)
        _upsert(PerformanceMonth, "month", merchant_id, self.months)


def _upsert(model, span, merchant_id, cells):
    """One upsert adding the non-zero deltas of `cells` ({(span, store id, staff id): [orders, sales,
    new members]}) to the model's cells, in key order (two writers lock cells in the same order,
    never into a deadlock). Added in the database: two writers of one cell both count."""
    rows = [(key, value) for key, value in sorted(cells.items()) if any(value)]
    if not rows:
        return
    table = model._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [
        p for (start, store_id, staff_id), (orders, sales, members) in rows
        for p in (merchant_id, start, store_id, staff_id, orders, sales, members)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (merchant_id, {span}, store_id, staff_id, orders, sales, new_members) "
            f"VALUES {values} ON CONFLICT (merchant_id, {span}, store_id, staff_id) DO UPDATE SET "
            f"orders = {table}.orders + excluded.orders, sales = {table}.sales + excluded.sales, "
            f"new_members = {table}.new_members + excluded.new_members",
            params,
        )


def credits_record(merchant_id: int, results: list[Attribution]) -> None:
    """Before the worker's upsert of `results`: set what each order now adds and move the rollups
    by the difference from what it added before. The decided rows are locked first (in order id
    order) and the orders' figures read after: an order edit's mark, which locks the same row,
    runs wholly before or after. (Orders are not locked: an edit holds its order and, at commit,
    needs the members this worker has locked. A first decision racing an edit may count the
    figures before the edit; the edit's own re-decision, queued after its commit, corrects it.)"""
    order_ids = sorted(r.order_id for r in results)
    _lock(merchant_id)
    before = {
        order_id: rest
        for order_id, *rest in Attribution.objects.for_merchant(merchant_id)
        .filter(order_id__in=order_ids).order_by("order_id").select_for_update()
        .values_list("order_id", "order_at", "store_id", "staff_id", "counted_sales")
    }
    figures = {
        pk: rest
        for pk, *rest in Order.objects.for_merchant(merchant_id)
        .filter(pk__in=order_ids).values_list("pk", *ORDER_FIGURES)
    }
    tz = _zone(merchant_id)
    deltas = _Deltas(tz) if tz is not None else None
    for row in results:
        row.counted_sales = counted_sales(row.reason, *figures[row.order_id]) if row.order_id in figures else None
        if tz is None:
            continue
        old = before.get(row.order_id)
        if old is not None:
            deltas.credit(*old, -1)
        deltas.credit(row.order_at, row.store_id, row.staff_id, row.counted_sales, 1)
    if deltas is not None:
        deltas.apply(merchant_id)


def order_figures_mark(order: Order) -> None:
    """An order follower's mark (in the order service's transaction, the order row locked): a
    cancel, refund, return or edit of a decided order changes what it adds to the rollups."""
    attributions = Attribution.objects.for_merchant(order.merchant_id).filter(order_id=order.pk)
    fields = ("reason", "order_at", "store_id", "staff_id", "counted_sales")
    row = attributions.values_list(*fields).first()
    if row is None:  # not decided yet: the worker counts it when it decides
        return
    new = counted_sales(row[0], *(getattr(order, name) for name in ORDER_FIGURES))
    if new == row[-1]:
        return
    _lock(order.merchant_id)
    # After the lock, locking the row: current, and the worker waits for this change.
    reason, at, store_id, staff_id, old = attributions.select_for_update().values_list(*fields).get()
    new = counted_sales(reason, *(getattr(order, name) for name in ORDER_FIGURES))
    attributions.update(counted_sales=new)
    tz = _zone(order.merchant_id)
    if tz is not None:
        deltas = _Deltas(tz)
        deltas.credit(at, store_id, staff_id, old, -1)
        deltas.credit(at, store_id, staff_id, new, 1)
        deltas.apply(order.merchant_id)


def member_registered(instance: Member) -> None:
    """A member just saved for the first time: one registered by staff is a new member of their day."""
    if instance.registered_by_id is None:
        return
    _lock(instance.merchant_id)
    tz = _zone(instance.merchant_id)
    if tz is not None:
        deltas = _Deltas(tz)
        deltas.add(instance.created_at, instance.registered_store_id, instance.registered_by_id, members=1)
        deltas.apply(instance.merchant_id)


def merchant_created(instance: Merchant) -> None:
    """A new merchant has nothing to add up yet: its rollups start built, in its time zone."""
    PerformanceRollup.objects.for_merchant(instance).get_or_create(merchant=instance, defaults={"tz": instance.timezone})


@transaction.atomic
def rollups_rebuild(*, merchant: Merchant) -> int:
    """Recompute the merchant's rollups from the raw rows in its current time zone; returns the
    number of cells (days and months). Also sets every attribution's `counted_sales` from its order."""
    _lock(merchant.pk, exclusive=True)
    attributions = Attribution.objects.for_merchant(merchant)
    # One UPDATE ... FROM (PostgreSQL, SQLite >= 3.33): the same rule as `counted_sales`.
    table, orders = Attribution._meta.db_table, Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET counted_sales = CASE WHEN {table}.reason = %s AND o.status <> %s"
            f" AND o.payment_status <> %s AND NOT (o.total > 0 AND o.returned_amount >= o.total)"
            f" THEN o.total - o.returned_amount END"
            f" FROM {orders} o WHERE o.id = {table}.order_id AND {table}.merchant_id = %s AND o.merchant_id = %s",
            [Reason.CREDITED, Order.Status.CANCELLED, Order.PaymentStatus.REFUNDED, merchant.pk, merchant.pk],
        )
    tz = merchant.tzinfo
    credited = (
        attributions.exclude(counted_sales=None)
        .annotate(day=TruncDate("order_at", tzinfo=tz))
        .values("day", "store_id", "staff_id")
        .annotate(n=Count("id"), s=Sum("counted_sales"))
        .order_by()
    )
    cells = defaultdict(lambda: [0, ZERO, 0])
    for row in credited:
        cell = cells[(row["day"], row["store_id"] or 0, row["staff_id"])]
        cell[0] += row["n"]
        cell[1] += row["s"]
    registered = (
        Member.objects.for_merchant(merchant)
        .filter(registered_by__isnull=False)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "registered_store_id", "registered_by_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in registered:
        cells[(row["day"], row["registered_store_id"] or 0, row["registered_by_id"])][2] += row["n"]
    months = defaultdict(lambda: [0, ZERO, 0])
    for (day, store_id, staff_id), figures in list(cells.items()):
        for total in (cells[(day, WHOLE_DAY, WHOLE_DAY)], months[(month_of(day), store_id, staff_id)]):
            for n, value in enumerate(figures):
                total[n] += value
    for model, span, built in ((PerformanceDay, "day", cells), (PerformanceMonth, "month", months)):
        model.objects.for_merchant(merchant).delete()
        model.objects.for_merchant(merchant).bulk_create(
            [
                model(merchant=merchant, **{span: start}, store_id=store_id, staff_id=staff_id,
                      orders=orders, sales=sales, new_members=members)
                for (start, store_id, staff_id), (orders, sales, members) in sorted(built.items())
            ],
            batch_size=5000,
        )
    PerformanceRollup.objects.for_merchant(merchant).update_or_create(
        merchant=merchant, defaults={"tz": merchant.timezone, "built_at": timezone.now()}
    )
    return len(cells) + len(months)


def merchant_day_cells(cells, *, whole_day: bool):
    """The whole-day cells of the merchant (`whole_day`), or its store and staff cells."""
    return cells.filter(staff_id=WHOLE_DAY) if whole_day else cells.exclude(staff_id=WHOLE_DAY)


def rollups_zone(*, merchant_id) -> str | None:
    """The time zone the merchant's rollups are in (None: not built)."""
    return _zone(merchant_id)
