"""Attribution throughput, end to end through the real worker path, against PostgreSQL's raw
single-row INSERT rate measured in the same run on the same server.

    .venv/bin/python bench/attribution.py --orders 100000

Loads N orders (each shopper clicked a staff member's link earlier) straight into PostgreSQL,
then times: queueing their attribution on Redis in batches -> a real `celery worker` process
(2 processes) -> rules -> one upsert per batch, until every order has its Attribution row.
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


def raw_insert_rate(rows: int) -> float:
    """Single-row INSERTs, each its own transaction (autocommit), as a client would do them."""
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"], dbname=s["NAME"],
                         autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_insert")
        conn.execute("CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, member_id bigint, placed_at timestamptz,"
                     " total numeric(14,2))")
        started = time.perf_counter()
        for i in range(rows):
            conn.execute("INSERT INTO bench_raw_insert (member_id, placed_at, total) VALUES (%s, now(), %s)",
                         (i, Decimal("10.00")), prepare=True)
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw_insert")
    return rows / elapsed


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
        [sys.executable, "-m", "celery", "-A", "omo", "worker", "--concurrency", "2", "-l", "warning",
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--raw-rows", type=int, default=20_000)
    args = parser.parse_args()

    stack.ensure(redis=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from attribution.models import Attribution
    from attribution.tasks import enqueue_batches
    from commerce.models import Order
    from omo.celery import app

    app.control.purge()
    raw = raw_insert_rate(args.raw_rows)

    started = time.perf_counter()
    merchant = load(args.orders)
    loaded = time.perf_counter() - started

    worker = start_worker()
    try:
        # Batches by shopper, so the two worker processes rarely wait on the same member's lock.
        ids = list(Order.objects.for_merchant(merchant).order_by("member_id", "placed_at").values_list("pk", flat=True))
        attributions = Attribution.objects.for_merchant(merchant)
        started = time.perf_counter()
        enqueue_batches(merchant.pk, ids, size=args.batch)
        while attributions.count() < len(ids):
            time.sleep(0.2)
            if worker.poll() is not None:
                raise SystemExit("bench: the worker died")
        attributed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    credited = attributions.filter(reason="credited").count()
    rate = len(ids) / attributed
    print(f"orders                          {len(ids):>12,}")
    print(f"credited                        {credited:>12,}")
    print(f"load (bulk INSERT)              {loaded:>11.1f}s  ({len(ids) / loaded:,.0f} orders/s)")
    print(f"attribution end to end          {attributed:>11.1f}s  (queue -> worker -> rules -> upsert)")
    print(f"attribution orders/s            {rate:>12,.0f}")
    print(f"PostgreSQL single-row INSERT/s  {raw:>12,.0f}  (reference, {args.raw_rows:,} autocommit inserts)")
    print(f"ratio                           {rate / raw:>12.2f}  (goal >= 0.5)")


if __name__ == "__main__":
    main()
