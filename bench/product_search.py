"""Staff product search (barcode, SKU or name; partial, case-insensitive) on 100k variations.

    .venv/bin/python bench/product_search.py [--variations 100000] [--fresh]

Needs PostgreSQL (the pg_trgm GIN indexes of commerce migration 0003): DATABASE_URL, or a private
server started by bench/stack.py. Migrates the database,
loads one merchant with N variations (two per product, plus a second merchant of the same size
so the indexes also hold other tenants' rows) with `INSERT ... SELECT generate_series`, then
times `commerce.selectors.product_search` exactly as the search-as-you-type endpoint calls it
(median and p95 of repeated runs per query kind) and prints the plan of the fragment query.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUGS = ("bench-search", "bench-search-other")


def setup_django():
    from bench import stack

    stack.ensure(redis=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(n_variations: int, fresh: bool):
    from django.db import connection
    from django_scopes import scopes_disabled

    from omo.tenancy.models import Merchant

    n_products = n_variations // 2
    with scopes_disabled():
        if fresh:
            for slug in SLUGS:
                merchant = Merchant.objects.filter(slug=slug).first()
                if merchant:
                    with connection.cursor() as c:
                        c.execute("DELETE FROM commerce_variation WHERE merchant_id = %s", [merchant.pk])
                        c.execute("DELETE FROM commerce_product WHERE merchant_id = %s", [merchant.pk])
        merchants = []
        for slug in SLUGS:
            merchant, _ = Merchant.objects.get_or_create(slug=slug, defaults={"name": slug})
            merchants.append(merchant)
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM commerce_variation WHERE merchant_id = %s", [merchant.pk])
                if c.fetchone()[0] >= n_variations:
                    continue
                c.execute(
                    """INSERT INTO commerce_product (merchant_id, name, category, kind, published, image_url,
                                                     description, created_at)
                       SELECT %s, (ARRAY['Oolong Tea','Linen Shirt','Ceramic Mug','Silk Scarf','Leather Belt',
                                         'Green Tea','Denim Jacket','Cotton Socks'])[1 + g %% 8] || ' ' || g,
                              'General', 'regular', true, '', '', now()
                       FROM generate_series(1, %s) g""",
                    [merchant.pk, n_products],
                )
                c.execute(
                    """INSERT INTO commerce_variation (merchant_id, product_id, name, sku, barcode, price)
                       SELECT p.merchant_id, p.id, v.name,
                              'SKU-' || p.merchant_id || '-' || lpad(p.id::text, 8, '0') || '-' || v.code,
                              (4710000000000 + p.id * 2 + v.n)::text, 100
                       FROM commerce_product p
                       CROSS JOIN (VALUES (0, 'Red / M', 'R'), (1, 'Blue / L', 'B')) AS v(n, name, code)
                       WHERE p.merchant_id = %s""",
                    [merchant.pk],
                )
                c.execute("ANALYZE commerce_product; ANALYZE commerce_variation")
    return merchants[0]


def timed(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from commerce.models import Product, Variation
    from commerce.selectors import product_search

    merchant = load(args.variations, args.fresh)
    sample = Variation.objects.for_merchant(merchant).order_by("pk")[args.variations // 2]
    queries = {
        "exact barcode": sample.barcode,
        "exact SKU": sample.sku,
        "name fragment 'scarf 12'": "scarf 12",
        "name fragment 'oolong' (many hits)": "oolong",
        "SKU fragment": sample.sku[-6:],
        "no match 'zzqx'": "zzqx",
        "two characters 'te'": "te",
    }
    total = Variation.objects.for_merchant(merchant).count()
    print(f"product_search on {total:,} variations of one merchant ({connection.vendor}), {args.runs} runs each")
    print(f"{'query':40} {'median ms':>10} {'p95 ms':>8} {'hits':>5}")
    for label, q in queries.items():
        hits = len(product_search(merchant=merchant, query=q))
        median, p95 = timed(lambda q=q: product_search(merchant=merchant, query=q), args.runs)
        print(f"{label:40} {median:10.2f} {p95:8.2f} {hits:5d}")
    qs = Product.objects.for_merchant(merchant).filter(removed_at__isnull=True, name__icontains="scarf 12")
    print("\nplan of the name-fragment step:")
    print(qs.values_list("id", flat=True)[:20].explain())


if __name__ == "__main__":
    main()
