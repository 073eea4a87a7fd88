"""Admin order CSV export at a million rows, beside PostgreSQL's own COPY of the same rows.

    .venv/bin/python bench/export.py                 # 1,000,000 orders
    .venv/bin/python bench/export.py --orders 200000 --fresh

Uses DATABASE_URL when it points at PostgreSQL; otherwise starts a private PostgreSQL 15
cluster in a temp folder and removes it at exit. Loads the orders once with
`INSERT ... SELECT generate_series` (a third credited to staff, one in twenty referred by a
campaign, Chinese and Cyrillic names), then in the same run:

1. the export exactly as the Celery task runs it (`reports.services.export_job_run`: server-side
   cursor, CSV with BOM, progress saved every N rows, file written to storage), in a child
   process whose peak RSS is read with getrusage(RUSAGE_CHILDREN);
2. the direct-download path (`export_stream`) to /dev/null, also in a child process;
3. `COPY (<the same SELECT>) TO STDOUT (FORMAT csv)` read by a client, on the same rows;

and prints rows/s of each, the export/COPY ratio and peak RSS. Goal: ratio >= 0.3, RSS < 150 MB.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402
from bench.bulk import insert_select  # noqa: E402
SLUG = "bench-export"


# --- PostgreSQL ----------------------------------------------------------------------------


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")
    import django

    django.setup()


# --- Data ----------------------------------------------------------------------------------


def _delete_merchant_rows(merchant_id: int):
    """Delete every tenant row of the bench merchant (only it), whatever the apps hold: tables
    are retried until foreign keys between them no longer block."""
    from django.apps import apps
    from django.db import IntegrityError, connection, transaction

    from omo.tenancy.models import Merchant

    pending = [
        model for model in apps.get_models()
        if any(getattr(f, "related_model", None) is Merchant and f.column == "merchant_id" for f in model._meta.concrete_fields)
    ]
    for _ in range(len(pending) + 1):
        blocked = []
        for model in pending:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE merchant_id = %s", [merchant_id])
            except IntegrityError:
                blocked.append(model)
        if not blocked:
            return
        pending = blocked
    raise RuntimeError(f"could not delete the bench merchant's rows from {pending}")


def load(n_orders: int):
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from attribution.models import Attribution
    from commerce.models import Order
    from members.models import Member
    from omo.accounts.models import User
    from omo.tenancy.models import Merchant, Staff, Store
    from partners.models import Campaign, CampaignOrder

    with scopes_disabled(), transaction.atomic():
        old = Merchant.objects.filter(slug=SLUG).first()
        if old is not None:
            _delete_merchant_rows(old.pk)
            User.objects.filter(email__endswith="@bench-export.invalid").delete()
            old.delete()
        merchant = Merchant.objects.create(name="Bench export", slug=SLUG, currency="TWD", timezone="Asia/Taipei")
        names = ["台北信義店", "Москва Тверская", "Kaohsiung Dream Mall", "新竹巨城", "Санкт-Петербург Невский"]
        stores = Store.objects.bulk_create(
            [Store(merchant=merchant, name=f"{names[i % len(names)]} {i}", code=f"s{i}") for i in range(20)]
        )
        people = ["王小明", "Анна Петрова", "Amy Chen", "李美玲", "Иван Смирнов"]
        users = User.objects.bulk_create(
            [User(email=f"staff{i}@bench-export.invalid", name=people[i % 5]) for i in range(200)]
        )
        staff = Staff.objects.bulk_create(
            [Staff(merchant=merchant, user=u, store=stores[i % 20], display_name=f"{people[i % 5]} {i}")
             for i, u in enumerate(users)]
        )
        campaign = Campaign.objects.create(
            merchant=merchant, name="春季 KOL / Весенняя кампания", starts_at=timezone.now() - timezone.timedelta(days=800),
            ends_at=timezone.now() + timezone.timedelta(days=30), currency="TWD", condition="whole_order",
            commission_type="percentage", rate=Decimal("10"),
        )
    m = merchant.pk
    store0, staff0 = stores[0].pk, staff[0].pk
    n_members = max(n_orders // 5, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    insert_select(
        Member,
        {
            "merchant_id": str(m),
            "name": "(ARRAY['王小明','Анна Петрова','Lin Mei','Пётр','陳大文'])[1 + g % 5] || ' ' || g",
            "phone": "'+8869' || lpad(g::text, 8, '0')",
            "email": "''",
            "registered_by_id": f"CASE WHEN g % 4 = 0 THEN {staff0} + g % 200 END",
            "registered_store_id": f"CASE WHEN g % 4 = 0 THEN {store0} + g % 20 END",
            "created_at": "now() - (g || ' minutes')::interval",
        },
        "FROM generate_series(1, %s) AS g",
        [n_members],
    )
    first_member = Member.objects.for_merchant(m).order_by("pk").values_list("pk", flat=True).first()
    insert_select(
        Order,
        {
            "merchant_id": str(m),
            "number": "'B' || lpad(g::text, 9, '0')",
            "member_id": f"CASE WHEN g % 10 <> 0 THEN {first_member} + g % {n_members} END",
            "channel": "(ARRAY['web','pos','omo','kiosk','social','api'])[1 + g % 6]",
            "created_from": "(ARRAY['Storefront','POS','Smart OMO','Kiosk','Social','API'])[1 + g % 6]",
            "source_store_id": f"{store0} + g % 20",
            "closing_staff_id": f"CASE WHEN g % 6 IN (1, 2) THEN {staff0} + g % 200 END",
            "status": "(ARRAY['processing','confirmed','completed','completed','cancelled'])[1 + g % 5]",
            "payment_status": "(ARRAY['pending','paid','paid','refunded'])[1 + g % 4]",
            "delivery_status": "'pending'",
            "placed_at": "timestamptz '2025-01-01 00:00+08' + (g * interval '30 seconds')",
            "currency": "'TWD'",
            "item_subtotal": "(100 + g % 5000)::numeric(14,2)",
            "discounts": "(g % 50)::numeric(14,2)",
            "store_credit": "(g % 7)::numeric(14,2)",
            "points_redeemed": "(g % 11)::numeric(14,2)",
            "shipping": "(CASE WHEN g % 2 = 0 THEN 60 ELSE 0 END)::numeric(14,2)",
            "tax": "round((100 + g % 5000) * 0.05, 2)",
            "returned_amount": "(CASE WHEN g % 17 = 0 THEN 30 ELSE 0 END)::numeric(14,2)",
            "total": "(100 + g % 5000 - g % 50 - g % 7 - g % 11 + CASE WHEN g % 2 = 0 THEN 60 ELSE 0 END"
                     " + round((100 + g % 5000) * 0.05, 2))::numeric(14,2)",
            "paid_amount": "0", "unpaid_amount": "0",
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
            "store_id": f"CASE WHEN o.id % 3 = 0 THEN {store0} + o.id % 20 END",
            "staff_id": f"CASE WHEN o.id % 3 = 0 THEN {staff0} + o.id % 200 END",
            "click_at": "CASE WHEN o.id % 3 = 0 THEN o.placed_at - interval '1 hour' END",
            "order_at": "o.placed_at",
            "decided_at": "o.placed_at",
        },
        f"FROM {order_table} o WHERE o.merchant_id = %s AND o.id %% 3 <> 2",
        [m],
    )
    insert_select(
        CampaignOrder,
        {
            "merchant_id": str(m),
            "order_id": "o.id",
            "campaign_id": str(campaign.pk),
            "placed_at": "o.placed_at",
            "settlement": "greatest(o.item_subtotal - o.discounts - o.store_credit - o.points_redeemed - o.returned_amount, 0)",
            "commission": "round(greatest(o.item_subtotal - o.discounts - o.store_credit - o.points_redeemed"
                          " - o.returned_amount, 0) * 0.10, 2)",
            "order_total": "o.total",
            "counted": "o.status <> 'cancelled'",
            "ranked_quantities": "'{}'::jsonb",
        },
        f"FROM {order_table} o WHERE o.merchant_id = %s AND o.id %% 20 = 0",
        [m],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"bench: loaded {n_orders:,} orders ({credited:,} with an attribution) and {n_members:,} members"
          f" in {time.perf_counter() - started:.1f} s")
    return merchant


# --- Children: each export in its own process, so its peak RSS is its own -----------------


def child(mode: str):
    from django.db import connection
    from django.test import override_settings
    from django_scopes import scopes_disabled

    from omo.tenancy.models import Merchant, Staff
    from reports import services
    from reports.models import ExportJob
    from reports.selectors import ExportFilters

    with scopes_disabled():
        merchant = Merchant.objects.get(slug=SLUG)
        staff = Staff.objects.filter(merchant=merchant).first()
    connection.close()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "task":
        media = tempfile.mkdtemp(prefix="omo-bench-media-")
        with override_settings(MEDIA_ROOT=media):
            job = ExportJob.objects.for_merchant(merchant).create(merchant=merchant, requested_by=staff)
            job = services.export_job_run(merchant=merchant, job_id=job.pk)
            rows, size = job.rows_written, job.file.size
        shutil.rmtree(media, ignore_errors=True)
    else:
        size = rows = 0
        with open(os.devnull, "wb") as out:
            # export_stream is these chunks without their row counts.
            for data, n in services.export_chunks(merchant=merchant, filters=ExportFilters()):
                out.write(data)
                size += len(data)
                rows += n
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": elapsed, "bytes": size, "rss_kb": peak, "rss_before_kb": baseline}))


def run_child(mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode], capture_output=True, text=True, env=os.environ)
    if out.returncode:
        sys.exit(f"bench: the {mode} export failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def copy_baseline() -> dict:
    """COPY of the export's own SELECT (same joins, labels and settlement), read by a client."""
    import psycopg
    from django.db import connection
    from django_scopes import scopes_disabled

    from omo.tenancy.models import Merchant
    from reports.selectors import ExportFilters, order_export_rows

    with scopes_disabled():
        merchant = Merchant.objects.get(slug=SLUG)
    sql, params = order_export_rows(merchant=merchant, filters=ExportFilters()).query.sql_with_params()
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None,
                         dbname=s["NAME"]) as conn:
        literal = psycopg.ClientCursor(conn).mogrify(sql, params)
        started = time.perf_counter()
        rows = size = 0
        with conn.cursor() as cursor, open(os.devnull, "wb") as out:
            with cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    out.write(data)
                    size += len(data)
                    rows += bytes(data).count(b"\n")
        elapsed = time.perf_counter() - started
    return {"rows": rows, "seconds": elapsed, "bytes": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="reload the orders even if they are there")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement (best is kept)")
    parser.add_argument("--child", choices=["task", "stream"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        django_setup()
        return child(args.child)

    stack.ensure(redis=False)
    django_setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from commerce.models import Order
    from omo.tenancy.models import Merchant

    call_command("migrate", verbosity=0, interactive=False)
    with scopes_disabled():
        merchant = Merchant.objects.filter(slug=SLUG).first()
        have = Order.objects.filter(merchant=merchant).count() if merchant else 0
    if args.fresh or have != args.orders:
        load(args.orders)
    else:
        print(f"bench: reusing {have:,} orders of merchant {SLUG!r} (--fresh to reload)")

    from django.db import connection

    connection.close()
    # The machine may be shared: the three runs alternate, --repeat times, and each figure is
    # the best of its runs (the usual way to take other load out of a timing).
    runs = {"copy": [], "task": [], "stream": []}
    for _ in range(args.repeat):
        runs["copy"].append(copy_baseline())
        runs["task"].append(run_child("task"))
        runs["stream"].append(run_child("stream"))
    copy, task, stream = (min(runs[k], key=lambda r: r["seconds"]) for k in ("copy", "task", "stream"))
    assert task["rows"] == stream["rows"] == copy["rows"] == args.orders, (task, stream, copy)
    timings = {k: ", ".join(f"{r['seconds']:.1f}" for r in v) for k, v in runs.items()}
    peak_kb = max(r["rss_kb"] for r in runs["task"] + runs["stream"])

    def rate(r):
        return r["rows"] / r["seconds"]

    print(f"rows: {args.orders:,}   CSV size: {task['bytes'] / 1e6:.0f} MB (export) / {copy['bytes'] / 1e6:.0f} MB (COPY)"
          f"   best of {args.repeat} runs each")
    print(f"COPY (SELECT ...) TO STDOUT:      {rate(copy):>10,.0f} rows/s  (runs: {timings['copy']} s)")
    print(f"export, Celery task path (file):  {rate(task):>10,.0f} rows/s  (runs: {timings['task']} s)"
          f"  peak RSS {task['rss_kb'] / 1024:.0f} MB (before export {task['rss_before_kb'] / 1024:.0f} MB)")
    print(f"export, streamed download path:   {rate(stream):>10,.0f} rows/s  (runs: {timings['stream']} s)"
          f"  peak RSS {stream['rss_kb'] / 1024:.0f} MB (before export {stream['rss_before_kb'] / 1024:.0f} MB)")
    print(f"peak RSS of the export processes: {peak_kb / 1024:.0f} MB by their own getrusage,"
          f" {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB by RUSAGE_CHILDREN  (goal < 150 MB)")
    print(f"ratio export/COPY: task {rate(task) / rate(copy):.2f}, stream {rate(stream) / rate(copy):.2f}"
          f"  (goal >= 0.3)")


if __name__ == "__main__":
    main()
