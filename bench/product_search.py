"""Staff product search (barcode, SKU or name; partial, case-insensitive): one merchant's
search time must not grow with the other merchants' catalogues.

    .venv/bin/python bench/product_search.py [--variations 100000] [--others 0,200000,1000000] [--fresh]

Needs PostgreSQL (the per-merchant pg_trgm/btree_gin indexes of commerce migrations 0003/0005):
DATABASE_URL, or a private server started by bench/stack.py. Migrates the database, loads the
merchant under test with N variations (two per product) with `INSERT ... SELECT generate_series`,
then for each size in --others grows ONE other merchant's catalogue to that many variations,
runs ANALYZE, and times `commerce.selectors.product_search` exactly as the search-as-you-type
endpoint calls it (median and p95 of repeated runs per query kind). The reference, measured in the
same run at each step: a primary-key fetch of one product with its variations (the floor of any
search that returns a result). Prints the scale curve and the plan of the fragment query.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG, OTHER_SLUG = "bench-search", "bench-search-other"
NAMES = "ARRAY['Oolong Tea','Linen Shirt','Ceramic Mug','Silk Scarf','Leather Belt','Green Tea','Denim Jacket','Cotton Socks']"


def setup_django():
    from bench import stack

    stack.ensure(redis=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def merchant_get(slug, fresh):
    from django.db import connection
    from django_scopes import scopes_disabled

    from omo.tenancy.models import Merchant

    with scopes_disabled():
        merchant, _ = Merchant.objects.get_or_create(slug=slug, defaults={"name": slug})
    if fresh:
        with connection.cursor() as c:
            c.execute("DELETE FROM commerce_variation WHERE merchant_id = %s", [merchant.pk])
            c.execute("DELETE FROM commerce_product WHERE merchant_id = %s", [merchant.pk])
    return merchant


def top_up(merchant, n_variations):
    """Grow the merchant's catalogue to n variations (two per product), then ANALYZE."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM commerce_product WHERE merchant_id = %s", [merchant.pk])
        have = c.fetchone()[0]
        want = n_variations // 2
        if have < want:
            c.execute(
                f"""INSERT INTO commerce_product (merchant_id, name, category, kind, published, image_url,
                                                 description, created_at, updated_at)
                   SELECT %s, ({NAMES})[1 + g %% 8] || ' ' || g, 'General', 'regular', true, '', '', now(), now()
                   FROM generate_series(%s, %s) g""",
                [merchant.pk, have + 1, want],
            )
            c.execute(
                """INSERT INTO commerce_variation (merchant_id, product_id, name, sku, barcode, price, updated_at)
                   SELECT p.merchant_id, p.id, v.name,
                          'SKU-' || p.merchant_id || '-' || lpad(p.id::text, 8, '0') || '-' || v.code,
                          (4710000000000 + p.id * 2 + v.n)::text, 100, now()
                   FROM commerce_product p
                   CROSS JOIN (VALUES (0, 'Red / M', 'R'), (1, 'Blue / L', 'B')) AS v(n, name, code)
                   WHERE p.merchant_id = %s
                     AND NOT EXISTS (SELECT 1 FROM commerce_variation x WHERE x.product_id = p.id)""",
                [merchant.pk],
            )
        c.execute("ANALYZE commerce_product; ANALYZE commerce_variation")
        c.execute("SELECT count(*) FROM commerce_variation WHERE merchant_id = %s", [merchant.pk])
        return c.fetchone()[0]


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
    parser.add_argument("--variations", type=int, default=100_000, help="the searched merchant's catalogue")
    parser.add_argument("--others", default="0,200000,1000000",
                        help="other merchants' catalogue sizes, grown in this order (the scale curve)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from commerce.models import Product, Variation
    from commerce.selectors import product_get, product_search

    merchant = merchant_get(SLUG, args.fresh)
    other = merchant_get(OTHER_SLUG, args.fresh)
    total = top_up(merchant, args.variations)
    sample = Variation.objects.for_merchant(merchant).order_by("pk")[total // 2]
    queries = {
        "exact barcode": sample.barcode,
        "exact SKU": sample.sku,
        "name fragment 'scarf 12'": "scarf 12",
        "name fragment 'oolong' (many hits)": "oolong",
        "SKU fragment": sample.sku[-6:],
        "no match 'zzqx'": "zzqx",
        "two characters 'te'": "te",
    }
    sizes = [int(x) for x in args.others.split(",")]
    curve = {}
    for size in sizes:
        loaded = top_up(other, size) if size else 0
        if loaded > size * 1.05:
            print(f"(other merchant already holds {loaded:,} variations: rerun with --fresh for a smaller step)")
        def by_id():
            product_get(merchant=merchant, product_id=sample.product_id)
            return list(Variation.objects.for_merchant(merchant).filter(product_id=sample.product_id))

        row = {"reference: product by id": timed(by_id, args.runs)}
        for label, q in queries.items():
            row[label] = timed(lambda q=q: product_search(merchant=merchant, query=q), args.runs)
        curve[loaded] = row
    hits = {label: len(product_search(merchant=merchant, query=q)) for label, q in queries.items()}

    print(f"product_search on {total:,} variations of one merchant ({connection.vendor}, ANALYZE after each load),"
          f" {args.runs} runs each; columns: other merchants' variations")
    heads = "".join(f"{f'{n:,} median/p95':>24}" for n in curve)
    print(f"{'query (ms)':38}{heads}{'hits':>6}")
    worst = 0.0
    for label in next(iter(curve.values())):
        cells = "".join(f"{curve[n][label][0]:13.2f} /{curve[n][label][1]:8.2f}" for n in curve)
        print(f"{label:38}{cells}{hits.get(label, 1):6d}")
        if not label.startswith("reference"):
            worst = max(worst, curve[max(curve)][label][0])
    first, last = min(curve), max(curve)
    growth = max(curve[last][k][0] / curve[first][k][0] for k in queries)
    print(f"largest median growth from {first:,} to {last:,} other variations: x{growth:.2f}")
    print(f"goal: every median < 30 ms with {last:,} other variations: {'met' if worst < 30 else 'NOT met'} (worst {worst:.2f} ms)")
    qs = Product.objects.for_merchant(merchant).filter(removed_at__isnull=True, name__icontains="scarf 12")
    print("\nplan of the name-fragment step:")
    print(qs.order_by("name").values_list("id", flat=True)[:20].explain())


if __name__ == "__main__":
    main()
