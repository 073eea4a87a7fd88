"""The partner's CSV report and order list through the real views, beside PostgreSQL's own COPY.

    DATABASE_URL=postgres://... .venv/bin/python bench/partner_csv.py                  # 10k and 100k orders
    DATABASE_URL=postgres://... .venv/bin/python bench/partner_csv.py --scale 10000,100000,1000000

Needs PostgreSQL: uses DATABASE_URL when it points at PostgreSQL, otherwise starts a private
PostgreSQL 15 cluster in a temp folder (bench/stack.py) and removes it at exit.

For each scale it loads a campaign with `bench/partner_overview.py`'s loader (N referred orders
over 3 years, so two thirds are in the portal's 2-year list; 2 lines each over 300 products),
runs ANALYZE, then in the same run on the same rows:

1. the product path: `GET /partners/<merchant>/campaigns/<code>/report.csv` through Django's
   test client (middleware, session, partner checks, audit row, the streaming response), as the
   partner; time to the first data bytes and rows/s over the whole download;
2. the reference: `COPY (<the report's own SELECT>) TO STDOUT (FORMAT csv)` read by a client on
   its own connection, rows/s, with jit off as the product path sets it (and once with the
   server's default jit, for context); the ratio product/COPY (goal >= 0.5);
3. the order list: page 1 and a deep page (page 20,000 when the list is that long, else its
   last page) through the view, the deep page reached by its cursor; median of repeated calls,
   the ratio deep/first (goal <= 2), and the old OFFSET read of the same page for context;
4. the campaign page: median time and the number of queries of one request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = 20
DEEP_PAGE = 20_000


def median_ms(fn, repeat):
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def copy_reference(rows_queryset, jit=False) -> dict:
    """COPY of the report's own SELECT, read by a client on its own connection."""
    import psycopg
    from django.db import connection

    sql, params = rows_queryset.query.sql_with_params()
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None,
                         dbname=s["NAME"]) as conn:
        literal = psycopg.ClientCursor(conn).mogrify(sql, params)
        started = time.perf_counter()
        rows = size = 0
        with conn.cursor() as cursor:
            if not jit:
                cursor.execute("SET jit = off")  # as the product path does (omo.spreadsheet.copy_csv)
            with cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    size += len(data)
                    rows += bytes(data).count(b"\n")
        elapsed = time.perf_counter() - started
    return {"rows": rows, "seconds": elapsed, "bytes": size}


def download(client, url) -> dict:
    """The report through the view: first data bytes (after the BOM and header) and the whole."""
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    first = None
    rows = size = 0
    for index, chunk in enumerate(response.streaming_content):
        if index == 1 and first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    return {"rows": rows - 1, "seconds": elapsed, "first": first or elapsed, "bytes": size}


def measure(n_orders, args):
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import translation
    from django_scopes import scopes_disabled

    from allauth.account.models import EmailAddress
    from bench.partner_overview import SLUG, load
    from omo.audit.models import AuditEvent
    from omo.tenancy.models import Merchant
    from partners import selectors
    from partners.models import Campaign, CampaignOrder

    with scopes_disabled():
        merchant = Merchant.objects.filter(slug=SLUG).first()
    campaign = Campaign.objects.for_merchant(merchant).first() if merchant else None
    loaded = campaign and CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign).count()
    if args.fresh or loaded != n_orders:
        if merchant is not None:  # the report downloads left audit rows that keep the merchant
            with connection.cursor() as cursor:  # append-only for the product, not for a bench's own rows
                cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE merchant_id = %s", [merchant.pk])
        merchant, campaign = load(n_orders)
    else:
        print(f"reusing the loaded campaign ({loaded:,} orders); --fresh to reload")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    campaign.refresh_from_db()
    user = campaign.partner.user
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    kwargs = {"merchant_slug": merchant.slug, "code": campaign.code}
    page_url = reverse("partners:campaign", kwargs=kwargs)
    report_url = reverse("partners:report", kwargs=kwargs)

    listed = selectors.campaign_orders(merchant=merchant, campaign=campaign).count()
    client.get(page_url)  # a warm process: the first request of a process loads URLs, templates, session
    best = {}
    for _ in range(args.repeat):
        for name, run in (("view", lambda: download(client, report_url)),
                          ("copy", lambda: copy_reference(
                              _report_rows(selectors, merchant, campaign, translation)))):
            result = run()
            if name not in best or result["seconds"] < best[name]["seconds"]:
                best[name] = result
    view, copy = best["view"], best["copy"]
    copy_jit = copy_reference(_report_rows(selectors, merchant, campaign, translation), jit=True)
    # The 2-year list's edge moves with the clock: at 1M orders over 3 years one order leaves it
    # about every 95 s, so runs a few minutes apart may differ by a few rows, never more.
    counts = (view["rows"], copy["rows"], listed)
    assert max(counts) - min(counts) <= 5, counts

    # The deep page: 20,000 when the list is that long, else the last one, reached by its cursor.
    pages = -(-listed // PAGE)
    deep = min(DEEP_PAGE, pages)
    records = selectors.campaign_orders(merchant=merchant, campaign=campaign)
    before = records[(deep - 1) * PAGE - 1] if deep > 1 else None
    cursor = selectors._cursor("o", before.placed_at, before.pk) if before is not None else ""
    first_ms = median_ms(lambda: client.get(page_url), args.page_repeat)
    deep_ms = median_ms(lambda: client.get(page_url, {"cursor": cursor}), args.page_repeat)
    deep_page = client.get(page_url, {"cursor": cursor}).content.decode()
    assert deep_page.count("data-order=") == min(PAGE, listed - (deep - 1) * PAGE)
    offset_ms = median_ms(lambda: list(records[(deep - 1) * PAGE: deep * PAGE + 1]), args.page_repeat)
    keyset_ms = median_ms(
        lambda: selectors.campaign_orders_page(merchant=merchant, campaign=campaign, cursor=cursor), args.page_repeat
    )
    client.get(page_url)  # the one after it is a steady-state load (no session write pending)
    with CaptureQueriesContext(connection) as queries:
        client.get(page_url)

    rate = lambda r: r["rows"] / r["seconds"]  # noqa: E731
    print(f"\n== {n_orders:,} orders, {listed:,} in the 2-year list ==")
    print(f"report.csv through the view:   {rate(view):>10,.0f} rows/s  first data bytes {view['first'] * 1000:,.0f} ms,"
          f" whole {view['seconds']:.2f} s, {view['bytes'] / 1e6:.1f} MB")
    print(f"COPY (same SELECT) TO STDOUT:  {rate(copy):>10,.0f} rows/s  whole {copy['seconds']:.2f} s  (same-run reference)")
    print(f"  (the same COPY with the server's default jit = on: {rate(copy_jit):,.0f} rows/s, {copy_jit['seconds']:.2f} s)")
    ratio, deep_ratio = rate(view) / rate(copy), deep_ms / first_ms
    print(f"goal report.csv >= 0.5x COPY at {n_orders:,} orders: {'met' if ratio >= 0.5 else 'NOT met'} ({ratio:.2f})")
    print(f"portal page 1: {first_ms:.1f} ms   page {deep:,}: {deep_ms:.1f} ms")
    print(f"goal page {deep:,} within 2x of page 1 at {n_orders:,} orders: {'met' if deep_ratio <= 2 else 'NOT met'}"
          f" ({deep_ratio:.2f})")
    print(f"  order rows of page {deep:,} alone: keyset {keyset_ms:.1f} ms, the old OFFSET {offset_ms:.1f} ms")
    print(f"campaign page: {first_ms:.1f} ms, {len(queries)} statements (BEGIN/COMMIT and middleware included)")
    return {"orders": n_orders, "listed": listed, "ratio": rate(view) / rate(copy), "view": rate(view),
            "copy": rate(copy), "first_ms": view["first"] * 1000, "page1": first_ms, "deep": deep, "deep_ms": deep_ms,
            "queries": len(queries)}


def _report_rows(selectors, merchant, campaign, translation):
    with translation.override("en"):
        return selectors.campaign_report_rows(merchant=merchant, campaign=campaign)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="10000,100000", help="orders per load, comma separated")
    parser.add_argument("--fresh", action="store_true", help="reload even if the data is there")
    parser.add_argument("--repeat", type=int, default=2, help="downloads of each kind (best is kept)")
    parser.add_argument("--page-repeat", type=int, default=30, help="calls per page timing")
    args = parser.parse_args()

    from bench import stack

    stack.ensure(redis=False)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/partner_csv.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    results = [measure(int(n), args) for n in args.scale.split(",")]
    print("\nscale curve (product path vs same-run COPY; deep page vs page 1):")
    print(f"{'orders':>10} {'listed':>9} {'view rows/s':>12} {'COPY rows/s':>12} {'ratio':>6} {'1st bytes':>10}"
          f" {'page 1':>8} {'deep page':>10} {'ms':>7} {'queries':>8}")
    for r in results:
        print(f"{r['orders']:>10,} {r['listed']:>9,} {r['view']:>12,.0f} {r['copy']:>12,.0f} {r['ratio']:>6.2f}"
              f" {r['first_ms']:>8.0f}ms {r['page1']:>6.1f}ms {r['deep']:>10,} {r['deep_ms']:>6.1f} {r['queries']:>8}")


if __name__ == "__main__":
    main()
