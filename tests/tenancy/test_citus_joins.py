"""Every join of two tenant tables on the main pages also joins on merchant_id (Citus, docs/scaling.md).

Distributed by merchant_id, two tables join on one shard only when the join says their rows have
the same merchant. The ORM adds it to every foreign key between tenant tables
(omo.tenancy.scoping.join_tenant_tables_on_merchant); this test captures the SQL the main pages
run on demo data and fails on a join of two tenant tables that has neither `a.merchant_id =
b.merchant_id` in its ON, nor both tables pinned to merchant_id = the same value in the WHERE
(Citus routes that query to one shard as well)."""

import io
import re
from datetime import timedelta
from itertools import product as product_pairs

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from commerce.models import Product
from members.models import Member
from omo.api.keys import api_key_create
from omo.tenancy.models import Merchant, Staff
from omo.tenancy.scoping import is_tenant_model
from partners.models import Campaign, CampaignProduct
from partners.selectors import campaign_report_rows
from recommendations.models import RecommendationLink

JOIN = re.compile(
    r'\bJOIN\s+"?(?P<table>\w+)"?(?:\s+(?:AS\s+)?"?(?P<alias>(?!ON\b)\w+)"?)?\s+ON\s+(?P<on>.*?)'
    r"(?=\b(?:INNER|LEFT|RIGHT|FULL|CROSS)?\s*JOIN\b|\bWHERE\b|\bGROUP BY\b|\bORDER BY\b|\bLIMIT\b|$)",
    re.S,
)
FROM = re.compile(r'\bFROM\s+"?(?P<table>\w+)"?(?:\s+(?:AS\s+)?"?(?P<alias>(?!WHERE\b|INNER\b|LEFT\b|ORDER\b|GROUP\b|LIMIT\b)\w+)"?)?')
MERCHANT_COLUMN = r'"?{}"?\."?merchant_id"?'
PINNED = r'"?{}"?\."?merchant_id"?\s*=\s*(%s|\d+)'


def tenant_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models() if is_tenant_model(model)}


def _same_merchant(on: str, a: str, b: str) -> bool:
    """`on` says a.merchant_id = b.merchant_id (either way round, the right side maybe in parentheses)."""
    left, right = (MERCHANT_COLUMN.format(re.escape(alias)) for alias in (a, b))
    return any(re.search(rf"{x}\s*=\s*\(?\s*{y}", on) for x, y in ((left, right), (right, left)))


def unjoined_tenant_joins(sql: str, tenant: set[str]) -> list[str]:
    """The joins of `sql` between two tenant tables without the merchant in ON or pinned in WHERE."""
    aliases = {m["alias"] or m["table"]: m["table"] for m in FROM.finditer(sql)}
    aliases.update({m["alias"] or m["table"]: m["table"] for m in JOIN.finditer(sql)})
    offenders = []
    for join in JOIN.finditer(sql):
        alias = join["alias"] or join["table"]
        if join["table"] not in tenant:
            continue
        others = {a for a in re.findall(r'"?(\w+)"?\.', join["on"]) if a != alias and aliases.get(a) in tenant}
        if not others:
            continue  # joined to a shared table (merchant, user, partner) or to a constant
        on_merchant = all(_same_merchant(join["on"], alias, other) for other in others)
        values = [set(re.findall(PINNED.format(re.escape(a)), sql)) for a in (alias, *others)]
        pinned = all(values) and len(set.union(*values)) == 1  # the same merchant on every side
        if not (on_merchant or pinned):
            offenders.append(f"JOIN {join['table']} ON {join['on'].strip()[:200]}")
    return offenders


def test_the_join_check_tells_a_merchant_join_from_one_without():
    tenant = {"a_order", "a_line"}
    bare = 'SELECT 1 FROM "a_order" INNER JOIN "a_line" ON ("a_order"."id" = "a_line"."order_id") WHERE "a_order"."merchant_id" = 1'
    assert unjoined_tenant_joins(bare, tenant)
    on = bare.replace('"a_line"."order_id")', '"a_line"."order_id" AND ("a_line"."merchant_id" = ("a_order"."merchant_id")))')
    assert unjoined_tenant_joins(on, tenant) == []
    pinned = bare + ' AND "a_line"."merchant_id" = 1'
    assert unjoined_tenant_joins(pinned, tenant) == []
    assert unjoined_tenant_joins(bare + ' AND "a_line"."merchant_id" = 2', tenant)


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", orders=40, stdout=io.StringIO())
    with scopes_disabled():
        return Merchant.objects.get(slug="demo")


def _main_pages(client, merchant):
    """(client user, url, headers) of the main pages, on the demo merchant's data."""
    with scopes_disabled():
        admin = Staff.objects.filter(merchant=merchant, role=Staff.Role.ADMIN).first()
        seller = Staff.objects.filter(merchant=merchant, role=Staff.Role.STAFF, store__isnull=False).first()
        member = Member.objects.filter(merchant=merchant, orders__isnull=False).first()
        link = RecommendationLink.objects.filter(merchant=merchant).first()
        campaign = Campaign.objects.filter(merchant=merchant, partner__isnull=False).first()
        shopper = Member.objects.filter(merchant=merchant, user__isnull=False).first().user
        partner_user = campaign.partner.user
    key = {"HTTP_AUTHORIZATION": f"Api-Key {api_key_create(merchant=merchant, name='ERP')[1]}"}
    m = f"/m/{merchant.slug}"
    today = timezone.localdate(timezone=merchant.tzinfo)
    year_ago = today - timedelta(days=365)
    pages = [
        (seller.user, f"{m}/staff/", {}),
        (seller.user, f"{m}/staff/?q={member.phone}", {}),
        (admin.user, f"{m}/staff/members/{member.pk}/", {}),
        (admin.user, f"{m}/staff/members/{member.pk}/records/", {}),
        (admin.user, f"{m}/staff/members/{member.pk}/recommend/", {}),
        (admin.user, f"{m}/loyalty/members/{member.pk}/", {}),
        (admin.user, f"{m}/staff/links/{link.pk}/", {}),
        (None, f"{m}/l/{link.token}/", {}),
        (shopper, f"{m}/shop/", {}),
        (shopper, f"{m}/shop/cart/", {}),
        (shopper, f"{m}/shop/checkout/", {}),
        (shopper, f"{m}/shop/orders/", {}),
        (admin.user, f"{m}/reports/performance/", {}),
        # Whole past days come from the rollups, joined with their stores and staff.
        (admin.user, f"{m}/reports/performance/?range=30d", {}),
        (admin.user, f"{m}/reports/performance/?range=custom&start={year_ago}&end={today}", {}),
        (admin.user, f"{m}/reports/performance.csv?range=30d", {}),
        (admin.user, f"{m}/reports/export/", {}),
        (admin.user, f"{m}/campaigns/", {}),
        (admin.user, f"{m}/campaigns/{campaign.pk}/", {}),
        (admin.user, f"{m}/campaigns/{campaign.pk}/commissions/", {}),
        (admin.user, f"{m}/payouts/", {}),
        (admin.user, f"{m}/loyalty/offers/", {}),
        (partner_user, "/partners/", {}),
        (partner_user, f"/partners/{merchant.slug}/", {}),
        (partner_user, f"/partners/{merchant.slug}/campaigns/{campaign.code}/", {}),
        (partner_user, f"/partners/{merchant.slug}/campaigns/{campaign.code}/report.csv", {}),
        (partner_user, f"/partners/{merchant.slug}/payouts/", {}),
        (None, f"{m}/api/v1/orders/", key),
        (None, f"{m}/api/v1/attributions/", key),
        (None, f"{m}/api/v1/campaigns/", key),
        (None, f"{m}/api/v1/commissions/", key),
        (None, f"{m}/api/v1/performance/?range=30d", key),
        (None, f"{m}/api/v1/performance/staff/?range=30d", key),
        (None, f"{m}/api/v1/performance/stores/?range=30d", key),
    ]
    return pages


def test_the_main_pages_join_tenant_tables_on_the_merchant(client, demo):
    tenant = tenant_tables()
    offenders, answered = {}, {}
    for user, url, headers in _main_pages(client, demo):
        client.logout()
        if user is not None:
            client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
            if response.streaming:  # a CSV download reads its rows as it is sent
                b"".join(response.streaming_content)
        answered[url] = response.status_code
        for query in captured.captured_queries:
            for join in unjoined_tenant_joins(query["sql"], tenant):
                offenders.setdefault(url, []).append(join)
    # The checkout of an empty cart and the portal home redirect (to the cart, to the partner's merchant).
    assert {url: code for url, code in answered.items() if code not in (200, 302)} == {}
    assert offenders == {}


def test_the_partner_report_select_joins_tenant_tables_on_the_merchant(demo):
    # On PostgreSQL the report is written by COPY of this SELECT, which the page capture above
    # does not see (the driver's copy() bypasses Django's query log).
    with scopes_disabled():
        campaign = Campaign.objects.filter(merchant=demo, partner__isnull=False).first()
        product = Product.objects.filter(merchant=demo).first()
    CampaignProduct.objects.for_merchant(demo).create(merchant=demo, campaign=campaign, product=product)
    # The settlement cell's SQL depends on the campaign's rule: every rule's.
    for campaign.condition, campaign.commission_type in product_pairs(Campaign.Condition.values, Campaign.CommissionType.values):
        sql, params = campaign_report_rows(merchant=demo, campaign=campaign).query.sql_with_params()
        assert unjoined_tenant_joins(sql % tuple(repr(p) for p in params), tenant_tables()) == []
