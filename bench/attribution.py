"""Attribution throughput: the live path (order events, drained in batches) and the batch path,
against PostgreSQL INSERTs of the same rows, measured in the same run on the same server.

    .venv/bin/python bench/attribution.py --scales 10000,100000 --platform-orders 3000000

Uses DATABASE_URL / REDIS_URL when set (a private PostgreSQL 15 and Redis otherwise). For each
scale it loads a merchant with that many orders (shoppers who clicked a staff member's link
earlier) straight into PostgreSQL, runs ANALYZE, and times, through one real `celery worker`
process (solo pool, so its CPU time is the decision's Python cost):

(a) batch: the orders' ids queued in batches of 1,000 (`attribution.attribute_orders`, the path of
    imports and replays), until every order has its Attribution row;
(b) live: ANALYZE (the merchant's orders decided), the rows deleted again, then one order event per order through the product's
    entry point (`commerce.events.order_changed` in its own transaction, as the order service
    calls it; only the attribution follower, so partners' and loyalty's tasks do not share the
    worker): the mark in the order's transaction, a drain queued after commit
    (`attribution.drain_due`), until every order is decided again;
(b') live burst: the same events raised while the worker consumes nothing (celery's
    cancel_consumer), then the worker resumed and timed until every order is decided: the live
    path's capacity, which the stream in (b) cannot show when the producers raise events slower;
(c) reference: the same Attribution rows INSERTed into a copy of the table (same indexes) in
    1,000-row transactions, and, for context only, the single-row autocommit rate;
(d) the beat sweep with nothing due (`attribution.sweep_unattributed`): time per merchant on the
    platform as loaded, next to the old sweep's query (orders without an attribution).

It prints orders/s for each, the ratios burst/batch (goal >= 0.5) and batch/reference, and the
worker's CPU time per order (goal < 2 ms on the live path).
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (the solo worker: every task runs in it)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def load(n_orders: int, seed: int = 7):
    from django.utils import timezone

    from commerce.models import Order
    from members.models import Member
    from omo.tenancy.models import Merchant, Staff, Store
    from omo.accounts.models import User
    from recommendations.models import LinkClick, RecommendationLink

    rnd = random.Random(seed)
    slug = f"bench-{int(time.time())}"
    merchant = Merchant.objects.create(name=slug, slug=slug)
    stores = Store.objects.for_merchant(merchant).bulk_create(
        [Store(merchant=merchant, name=f"Store {i}", code=f"s{i}") for i in range(10)]
    )
    users = User.objects.bulk_create([User(email=f"{slug}-staff{i}@bench.example") for i in range(50)])
    staff = Staff.objects.for_merchant(merchant).bulk_create(
        [Staff(merchant=merchant, user=u, store=stores[i % 10], display_name=f"Staff {i}") for i, u in enumerate(users)]
    )
    n_members = max(1, n_orders // 2)
    members = Member.objects.for_merchant(merchant).bulk_create(
        [Member(merchant=merchant, email=f"m{i}@{slug}.example") for i in range(n_members)], batch_size=5000
    )
    links = RecommendationLink.objects.for_merchant(merchant).bulk_create(
        [
            RecommendationLink(merchant=merchant, staff=(s := staff[i % 50]), store_id=s.store_id, member=m)
            for i, m in enumerate(members)
        ],
        batch_size=5000,
    )
    now = timezone.now()
    clicks, orders = [], []
    for i, (member, link) in enumerate(zip(members, links)):
        clicked = now - timedelta(days=rnd.uniform(1, 60))
        clicks.append(LinkClick(merchant=merchant, link=link, member=member, clicked_at=clicked, device="phone"))
        # Two orders per shopper: one inside the 24h window, one usually after it.
        for k in range(2 if i < n_orders - n_members else 1):
            orders.append(
                Order(merchant=merchant, number=f"{i}-{k}", member=member, channel="web", currency="TWD",
                      placed_at=clicked + timedelta(hours=rnd.uniform(0.1, 20) + 24 * k * rnd.random()),
                      item_subtotal=Decimal("100.00"), total=Decimal("100.00"))
            )
    LinkClick.objects.for_merchant(merchant).bulk_create(clicks, batch_size=5000)
    Order.objects.for_merchant(merchant).bulk_create(orders[:n_orders], batch_size=5000)
    return merchant


def start_worker():
    env = dict(os.environ)
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "omo-bench-worker.log"), "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "omo", "worker", "--pool", "solo", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    from omo.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit(f"bench: the celery worker did not start; see {log.name}")
    return proc


def wait_decided(merchant, n: int, worker) -> None:
    from attribution.models import Attribution

    attributions = Attribution.objects.for_merchant(merchant)
    while attributions.count() < n:
        time.sleep(0.05)
        if worker.poll() is not None:
            raise SystemExit("bench: the worker died")


def run_batch(merchant, ids, worker, size: int) -> tuple[float, float]:
    from attribution.tasks import enqueue_batches

    cpu, started = cpu_seconds(worker.pid), time.perf_counter()
    enqueue_batches(merchant.pk, ids, size=size)
    wait_decided(merchant, len(ids), worker)
    return time.perf_counter() - started, cpu_seconds(worker.pid) - cpu


def run_live(merchant, ids, worker, producers: int) -> tuple[float, float, float]:
    """One event per order, as the order service raises them, from `producers` threads (web
    processes saving orders at once); returns (seconds until all decided, worker CPU seconds,
    seconds the events took to raise)."""
    from django.conf import settings

    from commerce import events

    settings.ORDER_FOLLOWERS = [f for f in settings.ORDER_FOLLOWERS if f[0].startswith("attribution.")]
    events.followers.cache_clear()
    cpu, started = cpu_seconds(worker.pid), time.perf_counter()
    raise_events(merchant, ids, producers)
    raised = time.perf_counter() - started
    wait_decided(merchant, len(ids), worker)
    return time.perf_counter() - started, cpu_seconds(worker.pid) - cpu, raised


def run_live_burst(merchant, ids, worker, producers: int) -> tuple[float, float]:
    """The live path's capacity: the same order events raised while the worker consumes nothing
    (a flash sale arriving faster than the worker: due marks written, drains queued), then the
    worker resumed and timed until every order is decided; returns (seconds, worker CPU seconds).
    The stream above is bounded by how fast the producers raise events; this is not."""
    from omo.celery import app

    name = [f"bench-{os.getpid()}@localhost"]
    app.control.cancel_consumer("celery", destination=name, reply=True)
    try:
        raise_events(merchant, ids, producers)
    finally:
        cpu, started = cpu_seconds(worker.pid), time.perf_counter()
        app.control.add_consumer("celery", destination=name, reply=True)
    wait_decided(merchant, len(ids), worker)
    return time.perf_counter() - started, cpu_seconds(worker.pid) - cpu


def raise_events(merchant, ids, producers: int) -> None:
    """`commerce.events.order_changed` for each order in its own transaction (what the follower
    reads of an order is its id and merchant), from `producers` threads, interleaved so that the
    arrival order is kept."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections, transaction

    from commerce import events
    from commerce.models import Order

    orders = [Order(pk=pk, merchant_id=merchant.pk) for pk in ids]

    def raise_share(share):
        try:
            for order in share:
                with transaction.atomic():
                    events.order_changed(order)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(producers) as pool:
        list(pool.map(raise_share, [orders[k::producers] for k in range(producers)]))


def reference_rates(merchant, single_rows: int) -> tuple[float, float]:
    """PostgreSQL INSERTs of the merchant's Attribution rows (just decided) into a copy of the
    table: in 1,000-row transactions, and single-row autocommit (context)."""
    import psycopg
    from django.db import connection

    columns = ["merchant_id", "order_id", "reason", "click_id", "link_id", "store_id", "staff_id", "click_at",
               "order_at", "window_hours", "decided_at"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM attribution_attribution WHERE merchant_id = %s",
                       [merchant.pk])
        rows = cursor.fetchall()
    s = connection.settings_dict
    insert = (f"INSERT INTO bench_attribution ({', '.join(columns)}) "
              f"VALUES ({', '.join(['%s'] * len(columns))})")
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"], dbname=s["NAME"],
                         autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_attribution")
        conn.execute("CREATE TABLE bench_attribution (LIKE attribution_attribution INCLUDING ALL)")
        started = time.perf_counter()
        for start in range(0, len(rows), 1000):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(insert, rows[start:start + 1000])
        batched = len(rows) / (time.perf_counter() - started)
        conn.execute("TRUNCATE bench_attribution")
        single = rows[:single_rows]
        started = time.perf_counter()
        for row in single:
            conn.execute(insert, row, prepare=True)
        autocommit = len(single) / (time.perf_counter() - started)
        conn.execute("DROP TABLE bench_attribution")
    return batched, autocommit


def platform_fill(target: int, merchants: int = 15) -> int:
    """Other merchants' orders, every one decided (an Attribution each), until the platform holds
    `target` orders: the sweep's cost must not grow with them. Returns how many were added."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from attribution.models import Attribution
    from bench.bulk import insert_select
    from commerce.models import Order
    from members.models import Member
    from omo.tenancy.models import Merchant

    with scopes_disabled():
        missing = target - Order.objects.count()
    if missing <= 0:
        return 0
    per = -(-missing // merchants)
    stamp = int(time.time())
    with scopes_disabled(), transaction.atomic():
        for k in range(merchants):
            merchant = Merchant.objects.create(name=f"bench-platform-{stamp}-{k}", slug=f"bench-platform-{stamp}-{k}")
            member = Member.objects.create(merchant=merchant, email=f"platform{k}@bench.example")
            insert_select(
                Order,
                {"merchant_id": str(merchant.pk), "number": "'F' || g", "member_id": str(member.pk),
                 "channel": "'web'", "currency": "'TWD'", "item_subtotal": "100", "total": "100",
                 "paid_amount": "100", "placed_at": "now() - (g % 300 || ' days')::interval"},
                "FROM generate_series(1, %s) AS g", [per],
            )
            insert_select(
                Attribution,
                {"merchant_id": str(merchant.pk), "order_id": "o.id", "reason": "'no_click'",
                 "order_at": "o.placed_at", "decided_at": "o.placed_at"},
                f"FROM {Order._meta.db_table} o WHERE o.merchant_id = %s", [merchant.pk],
            )
    return per * merchants


def sweep_per_merchant(repeat: int = 20) -> tuple[float, float, int, int]:
    """(new sweep ms per merchant, old sweep query ms per merchant, merchants, platform orders,
    the probe's database time in ms and its plan node)."""
    from datetime import timedelta as td

    from django.utils import timezone
    from django_scopes import scopes_disabled

    from attribution import due, services
    from commerce.models import Order
    from omo.tenancy.models import Merchant

    with scopes_disabled():
        merchants = list(Merchant.objects.values_list("pk", flat=True))
        platform = Order.objects.count()
    cutoff = timezone.now() - td(seconds=30)
    for merchant_id in due.due_counts(older_than=timezone.now()):  # left by an interrupted earlier run
        while due.due_drain(merchant_id=merchant_id):
            pass
    started = time.perf_counter()
    for _ in range(repeat):
        assert not due.due_counts(older_than=cutoff), "bench: orders still due after the live run"
    new = (time.perf_counter() - started) / repeat / len(merchants)
    started = time.perf_counter()
    for merchant_id in merchants:  # the sweep before issue 18 (its query per merchant, once)
        services.unattributed_order_ids(merchant_id=merchant_id, older_than=cutoff, limit=50_000)
    old = (time.perf_counter() - started) / len(merchants)
    from django.db import connection

    from attribution.models import AttributionDue

    probe = AttributionDue.objects.for_merchant(merchants[0]).filter(marked_at__lte=cutoff).values_list("pk")[:1]
    sql, params = probe.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
    return new * 1000, old * 1000, len(merchants), platform, plan["Execution Time"], plan["Plan"]["Plans"][0]["Node Type"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,100000", help="orders per loaded merchant, comma-separated")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--producers", type=int, default=4, help="threads raising the live path's order events")
    parser.add_argument("--platform-orders", type=int, default=0,
                        help="before the sweep, fill the platform up to this many orders (other merchants'), e.g. 3000000")
    parser.add_argument("--single-rows", type=int, default=5000, help="rows for the autocommit INSERT context rate")
    args = parser.parse_args()

    stack.ensure(redis=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from attribution.models import Attribution
    from commerce.models import Order
    from omo.celery import app

    app.control.purge()
    worker = start_worker()
    results = []
    try:
        for scale in [int(n) for n in args.scales.split(",")]:
            started = time.perf_counter()
            merchant = load(scale)
            analyze()
            loaded = time.perf_counter() - started
            # By shopper, as an import's batches come.
            ids = list(Order.objects.for_merchant(merchant).order_by("member_id", "placed_at")
                       .values_list("pk", flat=True))
            batch_s, batch_cpu = run_batch(merchant, ids, worker, args.batch)
            credited = Attribution.objects.for_merchant(merchant).filter(reason="credited").count()
            batched_ref, single_ref = reference_rates(merchant, args.single_rows)
            # Statistics of a merchant whose orders are decided (the steady state), then the rows go
            # again without ANALYZE: with statistics of a merchant with no decisions at all, the
            # planner probes "already decided?" through the merchant index, a scan per order.
            analyze()
            Attribution.objects.for_merchant(merchant).delete()
            # Events come in order of arrival (placed_at), not by shopper.
            ids = list(Order.objects.for_merchant(merchant).order_by("placed_at").values_list("pk", flat=True))
            live_s, live_cpu, raised_s = run_live(merchant, ids, worker, args.producers)
            live_credited = Attribution.objects.for_merchant(merchant).filter(reason="credited").count()
            assert live_credited == credited, (live_credited, credited)
            Attribution.objects.for_merchant(merchant).delete()
            burst_s, burst_cpu = run_live_burst(merchant, ids, worker, args.producers)
            burst_credited = Attribution.objects.for_merchant(merchant).filter(reason="credited").count()
            assert burst_credited == credited, (burst_credited, credited)
            n = len(ids)
            results.append((n, loaded, n / batch_s, batch_cpu / n, n / live_s, live_cpu / n, n / raised_s,
                            batched_ref, single_ref, credited, n / burst_s, burst_cpu / n))
        if args.platform_orders:
            started = time.perf_counter()
            added = platform_fill(args.platform_orders)
            analyze()
            print(f"platform filled with {added:,} other merchants' decided orders in {time.perf_counter() - started:.0f} s")
        sweep_ms, old_sweep_ms, merchants, platform, probe_ms, probe_node = sweep_per_merchant()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    print("attribution through one celery worker process (solo pool); rows/s measured in this run")
    print(f"{'orders':>9} {'batch/s':>9} {'live/s':>9} {'events/s':>9} {'burst/s':>9} {'ref 1000/tx':>12}"
          f" {'ref single':>11} {'burst/batch':>12} {'batch/ref':>10} {'cpu ms/order batch':>19} {'live':>6}"
          f" {'burst':>6}")
    for n, loaded, batch, batch_cpu, live, live_cpu, raised, ref, single, credited, burst, burst_cpu in results:
        print(f"{n:>9,} {batch:>9,.0f} {live:>9,.0f} {raised:>9,.0f} {burst:>9,.0f} {ref:>12,.0f} {single:>11,.0f}"
              f" {burst / batch:>12.2f} {batch / ref:>10.2f} {batch_cpu * 1000:>19.2f} {live_cpu * 1000:>6.2f}"
              f" {burst_cpu * 1000:>6.2f}")
    print("batch: ids queued in 1,000s; live: one order event each (mark + drain) as the producer threads raise them,"
          " from the first event until all are decided (bounded by events/s, how fast the producers raised them);"
          " burst: the same events raised while the worker is paused, timed from its resume until all are decided"
          " (the live path's capacity); ref 1000/tx: INSERTs of the same rows in 1,000-row transactions; ref single:"
          " single-row autocommit (context); cpu: the worker's per order")
    worst = min(r[10] / r[2] for r in results)
    cpu_worst = max(max(r[5], r[11]) for r in results) * 1000
    print(f"goal live path >= 0.5x the batch path (burst/batch, same run): {'met' if worst >= 0.5 else 'NOT met'}"
          f" (worst {worst:.2f}); per-order worker CPU < 2 ms: {'met' if cpu_worst < 2 else 'NOT met'}"
          f" (worst {cpu_worst:.2f} ms)")
    print(f"goal sweep with nothing due < 10 ms per merchant at 3M platform orders:"
          f" {'met' if sweep_ms < 10 and platform >= 3_000_000 else 'NOT met'} ({sweep_ms:.3f} ms at {platform:,})")
    print(f"sweep with nothing due: {sweep_ms:.3f} ms per merchant ({merchants} merchants, {platform:,} platform"
          f" orders; database time of one probe {probe_ms:.3f} ms, {probe_node}); the old sweep's query (orders"
          f" without an attribution): {old_sweep_ms:.1f} ms per merchant (goal < 10 ms at 3M platform orders)")


if __name__ == "__main__":
    main()
