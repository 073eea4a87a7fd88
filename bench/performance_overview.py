"""Performance overview (page, CSV and API) at 10k / 100k / 1M orders a year, from the rollups,
beside the same overview added up from the raw rows in the same run.

    .venv/bin/python bench/performance_overview.py                        # 10k, 100k and 1M orders a year
    .venv/bin/python bench/performance_overview.py --scales 10000,100000 --fresh

Uses DATABASE_URL when it points at PostgreSQL; otherwise starts a private PostgreSQL 15 cluster
in a temp folder (bench/stack.py) and removes it at exit.

Per scale, one merchant (Asia/Taipei, 20 stores, 200 staff) is loaded once (kept between runs
unless --fresh) with `INSERT ... SELECT generate_series`: N orders spread over the last 366
days up to now (a third credited to staff, a fifth cancelled, some refunded or returned), N/5
members (a quarter registered by staff). Then the rollups are built from the raw rows
(`attribution.rollups.rollups_rebuild`, the command `rollups_rebuild` and the backfill) and the
tables are VACUUM ANALYZEd. Then, for the last 7, 30 and 366 days:

1. the product path: `reports.selectors.performance_get` as the page, its CSV and the API call it
   for a merchant admin (whole past days from the rollups, today from the raw rows), and the
   whole page as an admin's browser gets it (GET /m/<slug>/reports/performance/ via the test
   client: middleware, the referral split, template);
2. the reference: the same selector adding up the raw rows only (`use_rollups=False`, the code
   path before the rollups);

and checks that both give the same figures (totals, every store and staff row, every chart
point). Median and p95 of --calls calls each. Goal: product path < 50 ms at 1M orders a year.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402
from bench.bulk import insert_select, settle  # noqa: E402

N_STORES, N_STAFF = 20, 200


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a log line per page GET in the figures
    import django

    django.setup()


def slug_of(n_orders: int) -> str:
    return f"bench-perf-{n_orders}"


def load(n_orders: int):
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from attribution.models import Attribution
    from bench.export import _delete_merchant_rows
    from commerce.models import Order
    from members.models import Member
    from omo.accounts.models import User
    from omo.tenancy.models import Merchant, Staff, Store

    slug = slug_of(n_orders)
    domain = f"@{slug}.invalid"
    with scopes_disabled(), transaction.atomic():
        old = Merchant.objects.filter(slug=slug).first()
        if old is not None:
            _delete_merchant_rows(old.pk)
            User.objects.filter(email__endswith=domain).delete()
            old.delete()
        merchant = Merchant.objects.create(name=f"Bench performance {n_orders}", slug=slug, currency="TWD",
                                           timezone="Asia/Taipei")
        stores = Store.objects.bulk_create(
            [Store(merchant=merchant, name=f"Store {i}", code=f"s{i}") for i in range(N_STORES)]
        )
        users = User.objects.bulk_create(
            [User(email=f"staff{i}{domain}", name=f"Staff {i}") for i in range(N_STAFF + 1)]
        )
        staff = Staff.objects.bulk_create(
            [Staff(merchant=merchant, user=u, store=stores[i % N_STORES], display_name=f"Staff {i}")
             for i, u in enumerate(users[:N_STAFF])]
        )
        Staff.objects.create(merchant=merchant, user=users[-1], store=None, role=Staff.Role.ADMIN,
                             display_name="Admin")
    m, store0, staff0 = merchant.pk, stores[0].pk, staff[0].pk
    n_members = max(n_orders // 5, 1)
    # Staff i works at store i % 20 (ids are consecutive in a bulk insert).
    staff_of = f"{staff0} + g % {N_STAFF}"
    store_of = f"{store0} + (g % {N_STAFF}) % {N_STORES}"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    span = "(366 * 86400)::float"
    insert_select(
        Member,
        {
            "merchant_id": str(m),
            "name": "'Member ' || g",
            "phone": "'+8869' || lpad(g::text, 8, '0')",
            "email": "''",
            "registered_by_id": f"CASE WHEN g % 4 = 0 THEN {staff_of} END",
            "registered_store_id": f"CASE WHEN g % 4 = 0 THEN {store_of} END",
            "created_at": f"now() - (g * {span} / {n_members}) * interval '1 second'",
        },
        "FROM generate_series(1, %s) AS g",
        [n_members],
    )
    first_member = Member.objects.for_merchant(m).order_by("pk").values_list("pk", flat=True).first()
    insert_select(
        Order,
        {
            "merchant_id": str(m),
            "number": "'P' || lpad(g::text, 9, '0')",
            "member_id": f"{first_member} + g % {n_members}",
            "channel": "'web'",
            "status": "(ARRAY['processing','confirmed','completed','completed','cancelled'])[1 + g % 5]",
            "payment_status": "(ARRAY['paid','paid','paid','paid','paid','paid','refunded'])[1 + g % 7]",
            "delivery_status": "'pending'",
            "placed_at": f"now() - (g * {span} / {n_orders}) * interval '1 second'",
            "currency": "'TWD'",
            "item_subtotal": "(100 + g % 5000)::numeric(14,2)",
            "returned_amount": "(CASE WHEN g % 17 = 0 THEN 30 WHEN g % 97 = 0 THEN 100 + g % 5000 ELSE 0 END)"
                               "::numeric(14,2)",
            "total": "(100 + g % 5000)::numeric(14,2)",
            "paid_amount": "(100 + g % 5000)::numeric(14,2)",
            "unpaid_amount": "0",
        },
        "FROM generate_series(1, %s) AS g",
        [n_orders],
    )
    order_table = Order._meta.db_table
    credited = insert_select(
        Attribution,
        {
            "merchant_id": str(m),
            "order_id": "o.id",
            "reason": "CASE WHEN o.id % 3 = 0 THEN 'credited' ELSE 'no_click' END",
            "store_id": f"CASE WHEN o.id % 3 = 0 THEN {store0} + (o.id % {N_STAFF}) % {N_STORES} END",
            "staff_id": f"CASE WHEN o.id % 3 = 0 THEN {staff0} + o.id % {N_STAFF} END",
            "click_at": "CASE WHEN o.id % 3 = 0 THEN o.placed_at - interval '1 hour' END",
            "order_at": "o.placed_at",
            "decided_at": "o.placed_at",
        },
        f"FROM {order_table} o WHERE o.merchant_id = %s",
        [m],
    )
    loaded = time.perf_counter() - started
    print(f"  loaded {n_orders:,} orders ({credited:,} attributions) and {n_members:,} members in {loaded:.1f} s")
    return merchant


def timed(call, calls):
    call()  # warm up (connection, caches)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def counted_queries(call) -> int:
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call()
    return count


def figures(performance):
    def rows(items):
        return [(r.id, r.orders, r.sales, r.new_members, r.rank) for r in items]

    t = performance.totals
    return (t.orders, t.sales, t.new_members), rows(performance.stores), rows(performance.staff), performance.series


def run_scale(n_orders: int, *, fresh: bool, calls: int):
    from django.test import Client
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from attribution.models import PerformanceDay, PerformanceMonth
    from attribution.rollups import rollups_rebuild
    from commerce.models import Order
    from omo.tenancy.models import Merchant, Staff
    from reports import selectors
    from reports.periods import period_resolve

    slug = slug_of(n_orders)
    with scopes_disabled():
        merchant = Merchant.objects.filter(slug=slug).first()
        have = Order.objects.filter(merchant=merchant).count() if merchant else 0
    print(f"\n== {n_orders:,} orders a year ==")
    if fresh or have != n_orders:
        merchant = load(n_orders)
    else:
        print(f"  reusing {have:,} orders of merchant {slug!r} (--fresh to reload)")
    settle()  # the rebuild's UPDATE ... FROM plans on the loaded tables' statistics
    started = time.perf_counter()
    cells = rollups_rebuild(merchant=merchant)
    print(f"  rollups built from the raw rows: {cells:,} cells in {time.perf_counter() - started:.1f} s")
    settle()
    with scopes_disabled():
        admin = Staff.objects.get(merchant=merchant, role=Staff.Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    now = timezone.now()
    medians = {}
    print(f"  {'days':>4}  {'rollups (selector)':>22}  {'page GET (rollups)':>22}  {'raw rows (reference)':>22}"
          f"  {'ratio':>6}  equal  orders / sales")
    for days in (7, 30, 366):
        key = {7: "7d", 30: "30d"}.get(days, "custom")
        first_day = (now.astimezone(merchant.tzinfo) - timezone.timedelta(days=days - 1)).date()
        period = period_resolve(key=key, tz=merchant.tzinfo, now=now, first_day=first_day,
                                last_day=now.astimezone(merchant.tzinfo).date())
        scope = selectors.Scope()

        def product():
            return selectors.performance_get(merchant=merchant, scope=scope, period=period)

        def raw():
            return selectors.performance_get(merchant=merchant, scope=scope, period=period, use_rollups=False)

        query = {"range": key} if key != "custom" else {"range": key, "start": period.first_day.isoformat(),
                                                         "end": period.last_day.isoformat()}

        def page():
            response = client.get(f"/m/{slug}/reports/performance/", query)
            assert response.status_code == 200, response.status_code

        with scopes_disabled():
            from_rollups, from_raw = product(), raw()
            equal = figures(from_rollups) == figures(from_raw)
            assert equal, f"rollups differ from the raw rows for {days} days"
            assert selectors._rollup_days(merchant=merchant, period=period, now=now) is not None
            product_queries, raw_queries = counted_queries(product), counted_queries(raw)
            p50, p95 = timed(product, calls)
            g50, g95 = timed(page, calls)
            r50, r95 = timed(raw, max(3, calls // 4))
        t = from_rollups.totals
        medians[days] = p50
        print(f"  {days:>4}  {p50:8.1f} ms (p95 {p95:6.1f})  {g50:8.1f} ms (p95 {g95:6.1f})"
              f"  {r50:8.1f} ms (p95 {r95:6.1f})  {r50 / p50:5.0f}x  {'yes' if equal else 'NO'}"
              f"  {t.orders:,} / {t.sales:,}  ({product_queries} / {raw_queries} queries)")
    with scopes_disabled():
        print(f"  rollup rows: {PerformanceDay.objects.filter(merchant=merchant).count():,} day cells,"
              f" {PerformanceMonth.objects.filter(merchant=merchant).count():,} month cells")
    return medians


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="10000,100000,1000000", help="orders a year, comma separated")
    parser.add_argument("--fresh", action="store_true", help="reload the orders even if they are there")
    parser.add_argument("--calls", type=int, default=20, help="timed calls of each path")
    args = parser.parse_args()
    stack.ensure(redis=False)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    medians = {}
    for n in (int(s) for s in args.scales.split(",")):
        medians[n] = run_scale(n, fresh=args.fresh, calls=args.calls)
    print(f"\nload average while running: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1 / 5 / 15 min) on"
          f" {os.cpu_count()} CPUs: timings on a shared machine include waiting for a CPU")
    top = max(medians)
    worst = max(medians[top].values())
    print(f"goal: the product path (rollups) under 50 ms (median) for 7, 30 and 366 days at 1M orders a year,"
          f" equal figures to the raw rows at every scale: {'met' if top >= 1_000_000 and worst < 50 else 'NOT met'}"
          f" at {top:,} orders a year (worst median {worst:.1f} ms)")


if __name__ == "__main__":
    main()
