"""The performance rollups (attribution.rollups) against the raw rows they add up.

Orders are placed, re-attributed (a late earlier order takes the click), cancelled, edited and
refunded around a midnight in the merchant's time zone, through the order service and the order
API with the worker running; after every step the overview the page, CSV and API read (whole past
days from the rollups) equals the same overview added up from the raw rows, and the rollups kept by
deltas equal rollups rebuilt from scratch. Runs on SQLite and on PostgreSQL.
"""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from attribution import services as attribution_services
from attribution.models import Attribution, PerformanceDay, PerformanceMonth
from attribution.rollups import WHOLE_DAY, rollups_rebuild
from commerce import services as orders
from commerce.models import Order
from members.services import member_register
from reports.periods import Period
from reports.selectors import Scope, performance_get
from tests.factories import ClickFactory, LinkFactory, MemberFactory, OrderFactory, StaffFactory, StoreFactory
from tests.order_api import order_payload, post_order
from tests.races import at_once
from tests.reports.helpers import TAIPEI, local, now_at

NOW = local(2026, 3, 10, 12, 0)
MARCH = [local(2026, 3, day).date() for day in range(1, 4)]


def periods():
    """Ranges that cut the rollups at the midnight of 1/2 March and on both sides of it."""
    first, second, third = MARCH
    return [
        Period("custom", first - timedelta(days=1), second, TAIPEI),
        Period("custom", first, third, TAIPEI),
        Period("custom", second, third, TAIPEI),
        Period("custom", first - timedelta(days=30), NOW.date(), TAIPEI),  # today (10 March) read raw
    ]


# Read later, on 2 April: March is a whole past month, read from its month cells.
LATER = local(2026, 4, 2, 9, 0)
MONTH_PERIODS = [
    Period("custom", MARCH[0], local(2026, 3, 31).date(), TAIPEI),  # March exactly
    Period("custom", local(2026, 2, 20).date(), local(2026, 4, 1).date(), TAIPEI),  # March and the days around it
]


def figures(performance):
    def rows(items):
        return [(r.id, r.orders, r.sales, r.new_members, r.rank) for r in items]

    totals = performance.totals
    return (totals.orders, totals.sales, totals.new_members), rows(performance.stores), rows(
        performance.staff
    ), performance.series


def cells(merchant, model=PerformanceDay, span="day"):
    return sorted(
        model.objects.for_merchant(merchant)
        .exclude(orders=0, sales=0, new_members=0)
        .values_list(span, "store_id", "staff_id", "orders", "sales", "new_members")
    )


def assert_rollups_equal_raw(merchant, scopes):
    def assert_equal(scope, period):
        from_rollups = performance_get(merchant=merchant, scope=scope, period=period)
        from_raw = performance_get(merchant=merchant, scope=scope, period=period, use_rollups=False)
        assert figures(from_rollups) == figures(from_raw), (scope, period)

    for scope in scopes:
        for period in periods():
            assert_equal(scope, period)
        with mock.patch.object(timezone, "now", lambda: LATER):
            for period in MONTH_PERIODS:
                assert_equal(scope, period)
    kept = cells(merchant), cells(merchant, PerformanceMonth, "month")
    rollups_rebuild(merchant=merchant)
    # The deltas left exactly what a rebuild from the raw rows gives, days and months.
    assert (cells(merchant), cells(merchant, PerformanceMonth, "month")) == kept


@pytest.fixture
def shop(merchant):
    north, south = StoreFactory(merchant=merchant, name="North"), StoreFactory(merchant=merchant, name="South")
    amy = StaffFactory(merchant=merchant, store=north, display_name="Amy")
    ben = StaffFactory(merchant=merchant, store=south, display_name="Ben")
    return {
        "north": north, "south": south, "amy": amy, "ben": ben,
        "amy_link": LinkFactory(merchant=merchant, staff=amy), "ben_link": LinkFactory(merchant=merchant, staff=ben),
        "scopes": [Scope(), Scope(store_id=north.pk), Scope(store_id=south.pk), Scope(staff_id=amy.pk)],
    }


def shopper(merchant, link, clicked_at):
    member = MemberFactory(merchant=merchant)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=clicked_at)
    return member


def place(merchant, number, member, at, amount="100.00"):
    return orders.order_create(
        merchant=merchant, number=number, channel="web", lines=[], member=member, placed_at=at,
        item_subtotal=Decimal(amount),
    )


def test_the_overview_from_rollups_equals_the_raw_rows_through_every_order_change(
    client, merchant, shop, monkeypatch, django_capture_on_commit_callbacks
):
    now_at(monkeypatch, NOW)
    merchant.refresh_from_db()
    amy, ben, scopes = shop["amy"], shop["ben"], shop["scopes"]
    run = django_capture_on_commit_callbacks  # after commit: the attribution task (eager)

    # Amy's shopper orders at 23:30 on 1 March; Ben's orders through the order API ten minutes past midnight.
    with run(execute=True):
        first = place(merchant, "R-1", shopper(merchant, shop["amy_link"], local(2026, 3, 1, 23, 0)),
                      local(2026, 3, 1, 23, 30), "100.00")
    ben_shopper = shopper(merchant, shop["ben_link"], local(2026, 3, 1, 23, 50))
    with run(execute=True):
        assert post_order(client, merchant, order_payload("R-2", ben_shopper, local(2026, 3, 2, 0, 10))).status_code == 201
    assert_rollups_equal_raw(merchant, scopes)
    day_two = performance_get(merchant=merchant, scope=Scope(), period=Period("custom", MARCH[1], MARCH[2], TAIPEI))
    assert (day_two.totals.orders, day_two.totals.sales) == (1, Decimal("120.00"))

    # A shopper's order after midnight takes Amy's click; then an earlier order (before midnight)
    # arrives late and takes the click from it: the credit moves to 1 March.
    late = shopper(merchant, shop["amy_link"], local(2026, 3, 1, 22, 0))
    with run(execute=True):
        after_midnight = place(merchant, "R-3", late, local(2026, 3, 2, 0, 30), "50.00")
    assert Attribution.objects.for_merchant(merchant).get(order=after_midnight).credited
    with run(execute=True):
        earlier = place(merchant, "R-4", late, local(2026, 3, 1, 23, 55), "70.00")
    assert Attribution.objects.for_merchant(merchant).get(order=earlier).credited
    assert not Attribution.objects.for_merchant(merchant).get(order=after_midnight).credited
    assert_rollups_equal_raw(merchant, scopes)

    # Members registered by staff either side of midnight.
    for at, staff in [(local(2026, 3, 1, 23, 59), amy), (local(2026, 3, 2, 0, 1), ben), (local(2026, 3, 2, 0, 2), amy)]:
        now_at(monkeypatch, at)
        member_register(merchant=merchant, email=f"new-{at:%H%M}@example.com", staff=staff)
    now_at(monkeypatch, NOW)
    assert_rollups_equal_raw(merchant, scopes)

    # Cancel, edit (API), partial return, full refund: the rollups move in the order's own
    # transaction (the worker's re-decision after commit is held back here, then run).
    with run() as held:
        orders.order_cancel(merchant=merchant, order=first)
        edited = {**order_payload("R-2", ben_shopper, local(2026, 3, 2, 0, 10)),
                  "money": {"item_subtotal": "80.00", "total": "80.00"}, "updated_at": "2026-03-02T09:00:00+08:00",
                  "lines": [{"sku": "OTHER-1", "name": "Something else", "quantity": 1, "unit_price": "80.00"}]}
        response = post_order(client, merchant, edited)
        assert response.json().get("outcome") == "updated", response.json()
        orders.order_update(merchant=merchant, order=earlier, changes={"returned_amount": "30.00"})
        assert_rollups_equal_raw(merchant, scopes)
        orders.order_update(merchant=merchant, order=earlier, changes={"payment_status": Order.PaymentStatus.REFUNDED})
        assert_rollups_equal_raw(merchant, scopes)
        # The refund undone: it counts again.
        orders.order_update(merchant=merchant, order=earlier, changes={"payment_status": Order.PaymentStatus.PAID})
        assert_rollups_equal_raw(merchant, scopes)
    for callback in held:
        callback()
    assert_rollups_equal_raw(merchant, scopes)

    # Moving the order time across midnight re-decides it (the worker) onto the other day.
    with run(execute=True):
        orders.order_update(merchant=merchant, order=earlier, changes={"placed_at": local(2026, 3, 2, 0, 20)})
    assert_rollups_equal_raw(merchant, scopes)

    both_days = performance_get(merchant=merchant, scope=Scope(), period=Period("custom", MARCH[0], MARCH[1], TAIPEI))
    # R-1 cancelled, R-2 edited to 80, R-4 (now 2 March) 70 less 30 returned; R-3 lost the click.
    assert (both_days.totals.orders, both_days.totals.sales, both_days.totals.new_members) == (2, Decimal("120.00"), 3)
    assert [(day, n, sales) for day, n, sales in both_days.series] == [
        (MARCH[0], 0, Decimal("0.00")), (MARCH[1], 2, Decimal("120.00"))
    ]


def test_a_time_zone_change_reads_the_raw_rows_until_the_rollups_are_rebuilt(merchant, shop, monkeypatch):
    now_at(monkeypatch, NOW)
    member = shopper(merchant, shop["amy_link"], local(2026, 3, 1, 23, 0))
    order = place(merchant, "Z-1", member, local(2026, 3, 1, 23, 30))  # 15:30 UTC: 1 March in London too
    attribution_services.orders_attribute(merchant_id=merchant.pk, order_ids=[order.pk])
    merchant.timezone = "Asia/Tokyo"  # 00:30 on 2 March in Tokyo
    merchant.save()
    tokyo = merchant.tzinfo
    period = Period("custom", MARCH[0], MARCH[1], tokyo)

    for _ in range(2):  # before the rebuild (raw rows) and after it (rollups in Tokyo days)
        performance = performance_get(merchant=merchant, scope=Scope(), period=period)
        assert performance.series == [(MARCH[0], 0, Decimal("0.00")), (MARCH[1], 1, Decimal("100.00"))]
        call_command("rollups_rebuild", "--merchant", merchant.slug, stdout=open("/dev/null", "w"))
    assert cells(merchant) == [
        (MARCH[1], WHOLE_DAY, WHOLE_DAY, 1, Decimal("100.000"), 0),  # the whole merchant's 2 March
        (MARCH[1], shop["north"].pk, shop["amy"].pk, 1, Decimal("100.000"), 0),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_orders_credited_to_one_staff_member_at_once_both_count(on_postgres, merchant, shop):
    at = local(2026, 3, 1, 12, 0)
    # Saved without the order service, so that only the two calls below decide them.
    placed = [
        OrderFactory(merchant=merchant, member=shopper(merchant, shop["amy_link"], at - timedelta(minutes=5)),
                     placed_at=at)
        for _ in range(2)
    ]
    results = at_once([
        lambda order=order: attribution_services.orders_attribute(merchant_id=merchant.pk, order_ids=[order.pk])
        for order in placed
    ])
    assert results == [1, 1]
    assert cells(merchant) == [
        (MARCH[0], WHOLE_DAY, WHOLE_DAY, 2, Decimal("200.000"), 0),  # the whole merchant's day counts both too
        (MARCH[0], shop["north"].pk, shop["amy"].pk, 2, Decimal("200.000"), 0),
    ]
    assert_rollups_equal_raw(merchant, shop["scopes"])
