"""Partner portal figures on a campaign with a million orders, beside plain aggregate queries.

    .venv/bin/python bench/partner_overview.py                   # 1,000,000 referred orders
    .venv/bin/python bench/partner_overview.py --orders 200000 --fresh

Needs PostgreSQL: uses DATABASE_URL when it points at PostgreSQL, otherwise starts a private
PostgreSQL 15 cluster in a temp folder (bench/stack.py) and removes it at exit.

Loads once (kept between runs unless --fresh) with `INSERT ... SELECT generate_series`: one
campaign (whole order, 10 %), N referred orders over 3 years (5 % cancelled, some returns,
discounts, points, shipping), 2 lines each over 300 products of every kind (gifts and custom
products included, so the ranking has something to leave out). The per-order figures are
written by the same SQL arithmetic the rules use; a sample of orders is then recomputed by
the real worker service (`campaign_order_recompute`) and must change nothing, and the
aggregates are rebuilt from the stored per-order figures.

Then, in the same run on the same rows, it times (median and p99 over repeated calls):

1. the overview as the portal reads it (`selectors.campaign_overview`: one row of the
   incremental aggregates) and a plain aggregate over the raw orders (COUNT/SUM of the
   campaign's non-cancelled orders joined to their stored figures);
2. the product ranking (`selectors.campaign_ranking`) and the plain GROUP BY over the raw
   order lines;
3. the first page of the order list, and one order event through the worker service;
4. the date-range overview with clicks and conversion (`selectors.campaign_overview_range`: one
   `CampaignDay` row per day, 30 days and 2 years), beside the plain count over the click rows
   and the plain aggregate over the orders of the same 30 days. The load adds 3 years of clicks
   (40 a day as per-day counters, and the last 30 days as click rows for the plain count).

Goal: overview < 50 ms (both overviews).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk import insert_select, settle  # noqa: E402
SLUG = "bench-partners"
N_PRODUCTS = 300


def _purge(merchant_id):
    """Every row of the bench merchant, whatever the apps hold (new tenant tables included)."""
    from django.db import connection

    from bench.export import _delete_merchant_rows

    _delete_merchant_rows(merchant_id)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_merchant WHERE id = %s", [merchant_id])


def load(n_orders: int):
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from commerce.models import Order, OrderLine, Product, Variation
    from members.models import Member
    from omo.accounts.models import User
    from omo.tenancy.models import Merchant
    from partners.models import CampaignOrder, Partner
    from partners.services import CampaignInput, campaign_create, campaign_partner_bind

    with scopes_disabled():
        old = Merchant.objects.filter(slug=SLUG).first()
    if old is not None:
        with transaction.atomic():
            _purge(old.pk)
    now = timezone.now()
    with transaction.atomic():
        merchant = Merchant.objects.create(name="Bench partners", slug=SLUG, currency="TWD", timezone="Asia/Taipei")
        kinds = ["regular"] * 6 + ["addon", "bundle", "gift", "custom"]
        products = Product.objects.for_merchant(merchant).bulk_create(
            [Product(merchant=merchant, name=f"商品 {i:03d}", kind=kinds[i % len(kinds)]) for i in range(N_PRODUCTS)]
        )
        variations = Variation.objects.for_merchant(merchant).bulk_create(
            [Variation(merchant=merchant, product=p, sku=f"BP-{i:04d}", price=Decimal(100 + i)) for i, p in enumerate(products)]
        )
        campaign = campaign_create(
            merchant=merchant,
            data=CampaignInput(
                name="Bench KOL", starts_at=now - timezone.timedelta(days=365 * 3 + 10),
                ends_at=now + timezone.timedelta(days=30), currency="TWD", condition="whole_order",
                commission_type="percentage", rate=Decimal("10"),
            ),
        )
        user, _ = User.objects.get_or_create(email="kol@bench-partners.invalid", defaults={"name": "Bench KOL"})
        partner, _ = Partner.objects.get_or_create(user=user, defaults={"display_name": "Bench KOL"})
        campaign_partner_bind(merchant=merchant, campaign=campaign, partner=partner)
    m, c = merchant.pk, campaign.pk
    v0 = variations[0].pk
    n_members = max(n_orders // 4, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    with transaction.atomic():
        insert_select(
            Member,
            {"merchant_id": str(m), "name": "'會員 ' || g", "phone": "'+8869' || lpad(g::text, 8, '0')", "email": "''"},
            "FROM generate_series(1, %s) AS g",
            [n_members],
        )
        first_member = Member.objects.for_merchant(m).order_by("pk").values_list("pk", flat=True).first()
        # Two lines per order: variation a = g % 300, b = (g * 7 + 3) % 300; quantities 1..3 and 1..2.
        # Every 10th order returned one unit of line a; every 3rd has a 10 discount, every 7th 5 points.
        qa, qb = "(1 + g % 3)", "(1 + g % 2)"
        pa, pb = "(100 + g % 300)", "(100 + (g * 7 + 3) % 300)"
        subtotal = f"({qa} * {pa} + {qb} * {pb})"
        returned = f"(CASE WHEN g % 10 = 0 THEN {pa} ELSE 0 END)"
        discounts = "(CASE WHEN g % 3 = 0 THEN 10 ELSE 0 END)"
        points = "(CASE WHEN g % 7 = 0 THEN 5 ELSE 0 END)"
        total = f"({subtotal} - {discounts} - {points} + 60)"
        insert_select(
            Order,
            {
                "merchant_id": str(m),
                "number": "'KP' || lpad(g::text, 9, '0')",
                "member_id": f"{first_member} + g % {n_members}",
                "channel": "'web'",
                "status": "(CASE WHEN g % 20 = 0 THEN 'cancelled' WHEN g % 3 = 0 THEN 'completed' ELSE 'confirmed' END)",
                "payment_status": "'paid'",
                "delivery_status": "(CASE WHEN g % 10 = 0 THEN 'returned' ELSE 'delivered' END)",
                "placed_at": f"now() - (g::float8 / {n_orders} * 1095 || ' days')::interval",
                "currency": "'TWD'",
                "item_subtotal": subtotal,
                "discounts": discounts,
                "points_redeemed": points,
                "shipping": "60",
                "total": total,
                "paid_amount": total,
                "unpaid_amount": "0",
                "returned_amount": returned,
            },
            "FROM generate_series(1, %s) AS g",
            [n_orders],
        )
        first_order = Order.objects.for_merchant(m).order_by("pk").values_list("pk", flat=True).first()
        for which, var_expr, qty, price, ret in (
            ("a", "g % 300", qa, pa, "(CASE WHEN g % 10 = 0 THEN 1 ELSE 0 END)"),
            ("b", "(g * 7 + 3) % 300", qb, pb, "0"),
        ):
            kind = f"(ARRAY['regular','regular','regular','regular','regular','regular','addon','bundle','gift','custom'])[1 + ({var_expr}) % 10]"
            insert_select(
                OrderLine,
                {
                    "merchant_id": str(m),
                    "order_id": f"{first_order} + g - 1",
                    "variation_id": f"{v0} + {var_expr}",
                    "product_name": f"'商品 ' || lpad(({var_expr})::text, 3, '0')",
                    "sku": f"'BP-' || lpad(({var_expr})::text, 4, '0')",
                    "kind": kind,
                    "quantity": qty,
                    "unit_price": price,
                    "line_subtotal": f"{qty} * {price}",
                    "returned_quantity": ret,
                    "returned_amount": f"{ret} * {price}",
                },
                "FROM generate_series(1, %s) AS g",
                [n_orders],
            )
        # Units per product the order adds to the ranking (regular, add-on, bundle; not cancelled).
        p0 = products[0].pk
        ranked = (
            "(CASE WHEN g % 20 = 0 THEN '{}'::jsonb ELSE (SELECT COALESCE(jsonb_object_agg(k, u), '{}'::jsonb) FROM "
            "(SELECT k, SUM(u) AS u FROM (VALUES "
            f"('p' || ({p0} + g % 300), {qa}, (g % 300) % 10 < 8), "
            f"('p' || ({p0} + (g * 7 + 3) % 300), {qb}, ((g * 7 + 3) % 300) % 10 < 8)"
            ") AS t(k, u, ranked) WHERE ranked GROUP BY k) AS s) END)"
        )
        # The stored figures, by the rules' arithmetic (whole order, 10 %, half-up to 0.01).
        settlement = f"GREATEST({subtotal} - {discounts} - {points} - {returned}, 0)"
        insert_select(
            CampaignOrder,
            {
                "merchant_id": str(m),
                "order_id": f"{first_order} + g - 1",
                "campaign_id": str(c),
                "placed_at": f"now() - (g::float8 / {n_orders} * 1095 || ' days')::interval",
                "settlement": f"round({settlement}::numeric, 2)",
                "commission": f"round({settlement}::numeric * 10 / 100, 2)",
                "order_total": total,
                "counted": "g % 20 <> 0",
                "ranked_quantities": ranked,
                "computed_at": "now()",
            },
            "FROM generate_series(1, %s) AS g",
            [n_orders],
        )
    # The commission lifecycle: every counted order's commission, by state (g % 10: 0-2 pending,
    # 3-5 approved, 6-8 paid, 9 rejected); cancelled orders owe nothing and stay pending.
    from partners.models import Commission

    with transaction.atomic():
        co = CampaignOrder._meta.db_table
        state = ("(CASE WHEN NOT co.counted OR co.id % 10 < 3 THEN 'pending' WHEN co.id % 10 < 6 THEN 'approved' "
                 "WHEN co.id % 10 < 9 THEN 'paid' ELSE 'rejected' END)")
        insert_select(
            Commission,
            {
                "merchant_id": str(m),
                "campaign_order_id": "co.id",
                "campaign_id": str(c),
                "status": state,
                "amount": "(CASE WHEN co.counted THEN co.commission ELSE 0 END)",
                "sales": "(CASE WHEN co.counted THEN co.settlement ELSE 0 END)",
                "completed_at": "co.placed_at",
                "due_at": "co.placed_at + interval '14 days'",
                "paid_at": "(CASE WHEN co.id % 10 BETWEEN 6 AND 8 THEN co.placed_at + interval '30 days' END)",
            },
            f"FROM {co} AS co WHERE co.campaign_id = %s",
            [c],
        )
    print(f"load: {n_orders:,} orders, {2 * n_orders:,} lines in {time.perf_counter() - started:.1f}s")
    load_clicks(merchant, campaign)
    rebuild(merchant, campaign)
    settle()
    return merchant, campaign


CLICKS_PER_DAY = 40


def load_clicks(merchant, campaign):
    """3 years of per-day click counters, and the last 30 days as click rows (for the plain count)."""
    from django.db import transaction

    from partners.models import CampaignClick, CampaignDay

    with transaction.atomic():
        CampaignDay.objects.for_merchant(merchant).filter(campaign=campaign).delete()
        CampaignClick.objects.for_merchant(merchant).filter(campaign=campaign).delete()
        insert_select(
            CampaignDay,
            {"merchant_id": str(merchant.pk), "campaign_id": str(campaign.pk),
             "day": "(now() AT TIME ZONE 'Asia/Taipei')::date - g", "clicks": str(CLICKS_PER_DAY)},
            "FROM generate_series(0, 1100) AS g",
        )
        insert_select(
            CampaignClick,
            {"merchant_id": str(merchant.pk), "campaign_id": str(campaign.pk), "visitor": "md5(g::text)",
             "clicked_at": f"now() - (g::float8 / {CLICKS_PER_DAY} || ' days')::interval"},
            "FROM generate_series(0, %s) AS g",
            [CLICKS_PER_DAY * 30 - 1],
        )


def rebuild(merchant, campaign):
    """Aggregates and ranking rebuilt by the service from the stored per-order figures."""
    from django.db import transaction

    from partners.payouts import commission_totals_rebuild
    from partners.services import campaign_stats_rebuild

    started = time.perf_counter()
    with transaction.atomic():
        campaign_stats_rebuild(merchant=merchant, campaign=campaign)
        commission_totals_rebuild(merchant=merchant, campaign=campaign)
    print(f"aggregates rebuilt from the per-order figures in {time.perf_counter() - started:.1f}s")


def timed(fn, repeat):
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    return statistics.median(samples), p99


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="reload even if the data is there")
    parser.add_argument("--repeat", type=int, default=200, help="calls per timing of the fast paths")
    parser.add_argument("--raw-repeat", type=int, default=15, help="calls per timing of the raw aggregates")
    parser.add_argument("--sample", type=int, default=500, help="orders recomputed by the worker service")
    args = parser.parse_args()

    from bench import stack

    stack.ensure(redis=False)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, F, Sum
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from commerce.models import Order, OrderLine
    from omo.tenancy.models import Merchant
    from partners import payout_selectors, selectors, services
    from partners.models import Campaign, CampaignClick, CampaignDay, CampaignOrder, Commission

    if connection.vendor != "postgresql":
        sys.exit("bench/partner_overview.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    with scopes_disabled():
        merchant = Merchant.objects.filter(slug=SLUG).first()
    campaign = Campaign.objects.for_merchant(merchant).first() if merchant else None
    loaded = campaign and CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign).count()
    if args.fresh or loaded != args.orders:
        merchant, campaign = load(args.orders)
    else:
        print(f"reusing the loaded campaign ({loaded:,} orders); --fresh to reload")
        if not CampaignDay.objects.for_merchant(merchant).filter(campaign=campaign).exists():
            load_clicks(merchant, campaign)  # loaded before the per-day figures existed
            rebuild(merchant, campaign)

    # The worker service on a sample: the SQL-loaded figures must be what the rules compute.
    before = selectors.campaign_overview(merchant=merchant, campaign=campaign)
    sample_ids = list(
        CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign)
        .order_by("?").values_list("order_id", flat=True)[: args.sample]
    )
    event_ms = []
    for order_id in sample_ids:
        started = time.perf_counter()
        services.campaign_order_recompute(merchant=merchant, order_id=order_id)
        event_ms.append((time.perf_counter() - started) * 1000)
    after = selectors.campaign_overview(merchant=merchant, campaign=campaign)
    same = (before.order_count, before.order_total, before.commission_total) == (
        after.order_count, after.order_total, after.commission_total,
    )
    event_ms.sort()

    cancelled = Order.Status.CANCELLED

    def raw_overview():
        return (
            Order.objects.for_merchant(merchant)
            .filter(campaign_order__campaign=campaign)
            .exclude(status=cancelled)
            .aggregate(
                orders=Count("pk"),
                total=Sum(F("paid_amount") + F("unpaid_amount")),
                commission=Sum("campaign_order__commission"),
            )
        )

    def raw_ranking():
        return list(
            OrderLine.objects.for_merchant(merchant)
            .filter(order__campaign_order__campaign=campaign, kind__in=["regular", "addon", "bundle"])
            .exclude(order__status=cancelled)
            .values("variation__product_id", "product_name")
            .annotate(units=Sum("quantity"))
            .order_by("-units")[: selectors.RANKING_LIMIT]
        )

    raw = raw_overview()
    overview = selectors.campaign_overview(merchant=merchant, campaign=campaign)
    agree = (raw["orders"], raw["total"], raw["commission"]) == (
        overview.order_count, overview.order_total, overview.commission_total,
    )
    ranking = selectors.campaign_ranking(merchant=merchant, campaign=campaign)
    raw_rank = raw_ranking()
    rank_agree = [r.quantity for r in ranking] == [r["units"] for r in raw_rank]
    gifts_out = all(r.kind in ("regular", "addon", "bundle") for r in ranking)

    def portal_overview():
        # What the portal's overview reads: the figures and the commission by lifecycle state.
        return (
            selectors.campaign_overview(merchant=merchant, campaign=campaign),
            payout_selectors.commission_totals(merchant=merchant, campaign=campaign),
        )

    totals = payout_selectors.commission_totals(merchant=merchant, campaign=campaign)
    raw_states = dict(
        Commission.objects.for_merchant(merchant).filter(campaign=campaign).values_list("status")
        .annotate(total=Sum("amount")).values_list("status", "total")
    )
    states_agree = all(getattr(totals, s) == (raw_states.get(s) or 0) for s in ("pending", "approved", "paid", "rejected"))
    ov = timed(portal_overview, args.repeat)
    rk = timed(lambda: selectors.campaign_ranking(merchant=merchant, campaign=campaign), args.repeat)
    page = timed(lambda: list(selectors.campaign_orders(merchant=merchant, campaign=campaign)[:21]), args.repeat // 4)
    raw_ov = timed(raw_overview, args.raw_repeat)
    raw_rk = timed(raw_ranking, args.raw_repeat)

    # The date-range overview (clicks, orders, conversion, commission) from the per-day rows.
    today = timezone.localtime(timezone.now(), merchant.tzinfo).date()
    month = (today - timezone.timedelta(days=29), today)
    years = selectors.overview_range(merchant=merchant, first="2000-01-01", last=today.isoformat())
    month_view = selectors.campaign_overview_range(merchant=merchant, campaign=campaign, first=month[0], last=month[1])
    all_days = selectors.campaign_overview_range(
        merchant=merchant, campaign=campaign, first=today - timezone.timedelta(days=1200), last=today
    )
    days_agree = (all_days.order_count, all_days.commission) == (overview.order_count, overview.commission_total)
    month_start = timezone.make_aware(timezone.datetime.combine(month[0], timezone.datetime.min.time()), merchant.tzinfo)

    def raw_range():
        clicks = CampaignClick.objects.for_merchant(merchant).filter(campaign=campaign, clicked_at__gte=month_start).count()
        orders = (
            CampaignOrder.objects.for_merchant(merchant)
            .filter(campaign=campaign, counted=True, placed_at__gte=month_start)
            .aggregate(n=Count("pk"), commission=Sum("commission"))
        )
        return clicks, orders

    rg30 = timed(lambda: selectors.campaign_overview_range(merchant=merchant, campaign=campaign, first=month[0], last=month[1]), args.repeat)
    rg2y = timed(lambda: selectors.campaign_overview_range(merchant=merchant, campaign=campaign, first=years[0], last=years[1]), args.repeat)
    raw_rg = timed(raw_range, args.raw_repeat)

    n = CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign).count()
    two_years = CampaignOrder.objects.for_merchant(merchant).filter(
        campaign=campaign, placed_at__gte=selectors.history_start(timezone.now())
    ).count()
    print()
    print(f"campaign: {n:,} referred orders ({overview.order_count:,} not cancelled, {two_years:,} in the 2-year list)")
    print(f"overview: {overview.order_count:,} orders, TWD {overview.order_total:,} total, TWD {overview.commission_total:,} commission")
    print(f"aggregates == plain aggregate over raw orders: {agree}; ranking equal: {rank_agree}; gifts/custom left out: {gifts_out}")
    print(f"commission by state: pending {totals.pending:,}, approved {totals.approved:,}, paid {totals.paid:,}, "
          f"rejected {totals.rejected:,}, adjusted {totals.adjusted:,}; equal to a GROUP BY over the commissions: {states_agree}")
    print(f"worker service on {len(sample_ids)} sampled orders changed the figures: {not same}"
          f"  (one order event: median {statistics.median(event_ms):.2f} ms, p99 {event_ms[int(0.99 * (len(event_ms) - 1))]:.2f} ms)")
    print()
    print(f"{'':40}{'median':>10}{'p99':>10}")
    print(f"{'overview + lifecycle states (2 rows)':40}{ov[0]:>9.2f}ms{ov[1]:>8.2f}ms   goal < 50 ms: {'met' if ov[0] < 50 and ov[1] < 50 else 'MISSED'}")
    print(f"{'overview, plain aggregate over orders':40}{raw_ov[0]:>9.2f}ms{raw_ov[1]:>8.2f}ms   x{raw_ov[0] / ov[0]:,.0f}")
    print(f"{'ranking (incremental table)':40}{rk[0]:>9.2f}ms{rk[1]:>8.2f}ms")
    print(f"{'ranking, plain GROUP BY over lines':40}{raw_rk[0]:>9.2f}ms{raw_rk[1]:>8.2f}ms   x{raw_rk[0] / rk[0]:,.0f}")
    print(f"{'order list, first page (21 rows)':40}{page[0]:>9.2f}ms{page[1]:>8.2f}ms")
    print()
    print(f"range overview, last 30 days: {month_view.clicks:,} clicks, {month_view.order_count:,} orders, "
          f"conversion {month_view.conversion_rate} %, TWD {month_view.commission:,} commission")
    print(f"per-day rows over all days == the campaign aggregates: {days_agree}")
    print(f"{'range overview, 30 days (day rows)':40}{rg30[0]:>9.2f}ms{rg30[1]:>8.2f}ms   goal < 50 ms: {'met' if rg30[0] < 50 and rg30[1] < 50 else 'MISSED'}")
    print(f"{'range overview, 2 years (day rows)':40}{rg2y[0]:>9.2f}ms{rg2y[1]:>8.2f}ms   goal < 50 ms: {'met' if rg2y[0] < 50 and rg2y[1] < 50 else 'MISSED'}")
    print(f"{'range, plain count over clicks + orders':40}{raw_rg[0]:>9.2f}ms{raw_rg[1]:>8.2f}ms   x{raw_rg[0] / rg30[0]:,.0f}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")
    main()
