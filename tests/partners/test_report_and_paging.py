"""The partner report written by the database and the order list paged by cursor.

The CSV's cells come from one SELECT (PostgreSQL streams it with COPY); they must be what the
order list builds in Python for the same orders, for every campaign rule. The order list pages
by (placed_at, id), keeping the date range, and a partner still sees only their own campaign.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from commerce.models import Order
from commerce.services import order_update
from omo.spreadsheet import excel_cell
from partners import payout_selectors, selectors, views
from partners.models import CampaignOrder
from tests.factories import MemberFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def kim(db):
    partner = make_partner(email="kim@example.com")
    EmailAddress.objects.create(user=partner.user, email="kim@example.com", verified=True, primary=True)
    return partner


@pytest.fixture
def kim_client(client, kim):
    client.force_login(kim.user)
    return client


@pytest.fixture
def catalog(merchant):
    return {
        "tea": VariationFactory(merchant=merchant, product__name="Tea", price=D("100")),
        "cup": VariationFactory(merchant=merchant, product__name="Cup", price=D("250")),
        "gift": VariationFactory(merchant=merchant, product__name="Gift", product__kind="gift", price=D("0")),
    }


def _url(merchant, campaign, name="partners:campaign"):
    return reverse(name, kwargs={"merchant_slug": merchant.slug, "code": campaign.code})


def _csv(client, merchant, campaign):
    response = client.get(_url(merchant, campaign, "partners:report"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def _page_rows(merchant, campaign):
    """The order list's rows (the page's own builder), as CSV cells, newest first."""
    tz = merchant.tzinfo
    records = selectors.campaign_orders(merchant=merchant, campaign=campaign)
    for row in selectors.order_rows(campaign=campaign, records=records):
        order = row.order
        cells = [
            order.number,
            timezone.localtime(order.placed_at, tz).strftime("%Y-%m-%d %H:%M"),
            order.get_status_display(), order.get_payment_status_display(), order.get_delivery_status_display(),
            row.orderer, row.settlement_column, row.record.commission, row.record.order_total,
            "yes" if row.record.counted else "no",
            payout_selectors.commission_status_label(row.lifecycle),
            row.record.get_not_commissioned_reason_display() if row.record.not_commissioned_reason else "",
            row.return_adjustment or "",
        ]
        yield [str(excel_cell(cell)) for cell in cells]


RULES = [
    dict(condition="whole_order", commission_type="percentage", rate="10"),
    dict(condition="whole_order", commission_type="fixed", rate="30"),
    dict(condition="specific_products", commission_type="percentage", rate="7.5", products=("cup",)),
    dict(condition="specific_products", commission_type="fixed", rate="20", products=("tea", "gift")),
]


@pytest.mark.parametrize("rule", RULES, ids=["whole-pct", "whole-fixed", "product-pct", "product-fixed"])
def test_the_csv_has_the_cells_the_order_list_shows(kim_client, kim, merchant, catalog, run, rule):
    rule = dict(rule)
    products = [catalog[name].product for name in rule.pop("products", ())]
    campaign = make_campaign(merchant, products=products, **rule)
    bind(merchant, campaign, kim)
    now = timezone.now()
    shoppers = [
        MemberFactory(merchant=merchant, name="Wang Xiaoming"),
        MemberFactory(merchant=merchant, name="", phone="+886912345678", email=""),
        MemberFactory(merchant=merchant, name="", phone="", email="mei@example.com"),
        MemberFactory(merchant=merchant, name="=HYPERLINK(1)"),
        MemberFactory(merchant=merchant, name="王小明"),
        None,
    ]
    for index, member in enumerate(shoppers):
        run(
            referred_order, merchant, campaign, number=f"N-{index}" if index != 3 else "=1+2",
            member=member, placed_at=now - timedelta(days=index, hours=index * 5, minutes=7),
            lines=[
                line(catalog["tea"], 3, "100.00", returned_quantity=index % 2, returned_amount=D("100") * (index % 2)),
                line(catalog["cup"], 1 + index, "250.00"),
                line(catalog["gift"], 1, "0.00"),
            ],
            discounts=D("33.33") * index, returned_amount=D("90") * (index % 2), shipping=D("60"),
            paid_amount=D("500"), payment_status="paid",
        )
    cancelled = Order.objects.for_merchant(merchant).get(number="N-2")
    run(order_update, merchant=merchant, order=cancelled, changes={"status": "cancelled"})

    rows = _csv(kim_client, merchant, campaign)

    assert rows[0][6] == selectors.settlement_column_label(campaign)
    assert rows[1:] == list(_page_rows(merchant, campaign))
    assert len(rows) == 1 + len(shoppers)
    by_number = {row[0]: row for row in rows}
    assert by_number["'=1+2"][5] == "'=**"  # a name Excel would run is defused, masked or not
    assert by_number["N-1"][5] == "**********678" and by_number["N-2"][5] == "m***@example.com"
    assert by_number["N-5"][5] == "—" and by_number["N-4"][5] == "王**"
    assert by_number["N-2"][2] == "Cancelled"


def test_the_csv_gives_times_in_the_merchants_time_zone(kim_client, kim, merchant, catalog, run):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    placed = timezone.now().replace(hour=20, minute=30, second=0, microsecond=0) - timedelta(days=1)
    run(referred_order, merchant, campaign, number="T-1", placed_at=placed, lines=[line(catalog["tea"], 1, "100")])

    rows = _csv(kim_client, merchant, campaign)

    assert rows[1][1] == timezone.localtime(placed, merchant.tzinfo).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def orders(merchant, kim, catalog, run, monkeypatch):
    """Eight orders of Kim's campaign, three of them placed at the same instant; pages of 3."""
    monkeypatch.setattr(views, "ORDERS_PER_PAGE", 3)
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    now = timezone.now().replace(microsecond=0)
    ages = [1, 2, 3, 3, 3, 4, 5, 6]
    for index, age in enumerate(ages):
        run(referred_order, merchant, campaign, number=f"P-{index}", placed_at=now - timedelta(hours=age),
            lines=[line(catalog["tea"], 1, "100")])
    expected = list(
        CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign)
        .order_by("-placed_at", "-pk").values_list("order__number", flat=True)
    )
    return campaign, expected


def _numbers(page):
    return [number for number in page.split('data-order="')[1:] for number in [number.split('"')[0]]]


def _link(page, rel):
    marker = f'rel="{rel}" href="'
    if marker not in page:
        return None
    return page.split(marker)[1].split('"')[0].replace("&amp;", "&").split("#")[0]


def test_the_order_list_pages_by_cursor_both_ways(kim_client, merchant, orders):
    campaign, expected = orders
    url = _url(merchant, campaign)

    seen, pages, link = [], [], ""
    while link is not None:
        page = kim_client.get(url + link).content.decode()
        pages.append(page)
        seen += _numbers(page)
        link = _link(page, "next")
    assert seen == expected and len(pages) == 3  # 3 + 3 + 2, ties at one instant neither lost nor repeated
    assert _link(pages[0], "prev") is None

    back, link = [], _link(pages[-1], "prev")
    while link is not None:
        page = kim_client.get(url + link).content.decode()
        back = _numbers(page) + back
        link = _link(page, "prev")
    assert back == expected[:6]


def test_the_pager_keeps_the_date_range(kim_client, merchant, orders):
    campaign, _expected = orders
    page = kim_client.get(_url(merchant, campaign) + "?from=2026-01-01&to=2026-01-31").content.decode()
    older = _link(page, "next")
    assert "from=2026-01-01" in older and "to=2026-01-31" in older and "cursor=o" in older


@pytest.mark.parametrize("cursor", ["junk", "o", "o1.2.3", "x5.5", "o99999999999999999999999.1", "o5.-1", "n1.x", "n.5"])
def test_a_bad_cursor_gives_the_first_page_not_an_error(kim_client, merchant, orders, cursor):
    campaign, expected = orders
    response = kim_client.get(_url(merchant, campaign), {"cursor": cursor})
    assert response.status_code == 200
    numbers = _numbers(response.content.decode())
    assert numbers == expected[:3]


def test_a_cursor_never_reaches_another_partners_orders(kim_client, merchant, orders, catalog, run):
    campaign, expected = orders
    lees = make_campaign(merchant, name="Lee live")
    bind(merchant, lees, make_partner(email="lee@example.com"))
    run(referred_order, merchant, lees, number="LEE-1", lines=[line(catalog["tea"], 1, "100")])
    lee_record = CampaignOrder.objects.for_merchant(merchant).get(order__number="LEE-1")
    cursor = selectors._cursor("o", lee_record.placed_at, lee_record.pk)

    page = kim_client.get(_url(merchant, campaign), {"cursor": cursor}).content.decode()
    assert "LEE-1" not in page
    assert kim_client.get(_url(merchant, lees), {"cursor": cursor}).status_code == 404


def test_the_campaign_page_answers_in_six_queries(
    kim_client, kim, merchant, other_merchant, catalog, run, rf, django_assert_max_num_queries
):
    """With several products, orders over several days and a second merchant in the switcher, the
    page a partner loads reads the database at most 6 times (the view's own reads: the session and
    the request's transaction are the middleware's)."""
    campaign = make_campaign(merchant, condition="specific_products", products=[catalog["tea"].product, catalog["cup"].product])
    bind(merchant, campaign, kim)
    now = timezone.now()
    for index in range(25):
        run(
            referred_order, merchant, campaign, number=f"Q-{index}", placed_at=now - timedelta(days=index % 9, hours=index),
            member=MemberFactory(merchant=merchant), lines=[line(catalog["tea"], 2, "100"), line(catalog["cup"], 1, "250"),
                                                            line(catalog["gift"], 1, "0")],
        )
    bind(other_merchant, make_campaign(other_merchant, name="Other live"), kim)
    request = rf.get(_url(merchant, campaign))
    request.user, request.session = kim.user, {}

    with django_assert_max_num_queries(6):
        response = views.portal_campaign(request, merchant_slug=merchant.slug, code=campaign.code)

    page = response.content.decode()
    assert other_merchant.name in page  # the switcher
    assert response.status_code == 200 and "Q-0" in page and 'rel="next"' in page
    assert "Tea" in page.split('id="ranking-title"')[1]


def test_the_merchants_commission_list_pages_by_cursor_keeping_the_status(client, merchant, store, kim, catalog, run,
                                                                          monkeypatch):
    from partners import payout_views
    from tests.factories import StaffFactory

    monkeypatch.setattr(payout_views, "COMMISSIONS_PER_PAGE", 2)
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    now = timezone.now().replace(microsecond=0)
    for index, age in enumerate([1, 2, 2, 3, 4]):
        run(referred_order, merchant, campaign, number=f"C-{index}", placed_at=now - timedelta(hours=age),
            lines=[line(catalog["tea"], 1, "100")])
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    url = reverse("campaigns:commissions", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk})

    seen, link = [], "?status=pending"
    while link is not None:
        page = client.get(url + link).content.decode()
        seen += [n for n in ("C-0", "C-1", "C-2", "C-3", "C-4") if f">{n}<" in page or f"{n}</" in page]
        link = _link(page, "next")
        assert link is None or "status=pending" in link
    assert sorted(seen) == ["C-0", "C-1", "C-2", "C-3", "C-4"] and len(seen) == 5
    assert client.get(url, {"cursor": "bogus"}).status_code == 200
