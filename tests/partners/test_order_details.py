"""Order details as the seed has them (SPEC section 5, source 成效中心 order details): the settlement
column follows the campaign, returned items are not shown, a return adjustment is, and the
commission shows whatever the order and payment status. Page and CSV, against hand-computed orders.

One order for every case (figures by hand):
  tea  3 x 100 = 300, 1 unit returned (100)
  cup  2 x 250 = 500, kept
  spoon (add-on) 1 x 30 = 30, fully returned (30)
  item subtotal 830; discounts 83; the merchant refunded 120 on the return (lines: 130), so the
  return adjustment is 120 - 130 = -10.
  settlement = 830 - 83 - 120 = 627.00
  net line amounts: tea 200, cup 500, spoon 0 -> total 700
"""

import csv
import io
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from commerce.models import Order
from commerce.services import order_update
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
def catalog(merchant):
    return {
        "tea": VariationFactory(merchant=merchant, product__name="Tea", price=D("100")),
        "cup": VariationFactory(merchant=merchant, product__name="Cup", price=D("250")),
        "spoon": VariationFactory(merchant=merchant, product__name="Spoon", product__kind="addon", price=D("30")),
    }


def _order(merchant, run, campaign, catalog, **kwargs):
    return run(
        referred_order, merchant, campaign, number="R-1", member=MemberFactory(merchant=merchant, name="Chen Mei"),
        lines=[
            line(catalog["tea"], 3, "100.00", returned_quantity=1, returned_amount=D("100")),
            line(catalog["cup"], 2, "250.00"),
            line(catalog["spoon"], 1, "30.00", returned_quantity=1, returned_amount=D("30")),
        ],
        discounts=D("83"), returned_amount=D("120"), paid_amount=D("747"), payment_status="paid",
        **kwargs,
    )


CASES = [
    # (campaign, column header, column value, commission)
    (dict(condition="whole_order", commission_type="percentage", rate="10"),
     "Order settlement amount", "627.00", "62.70"),  # 627 x 10 %
    (dict(condition="specific_products", commission_type="percentage", rate="10", products=("cup",)),
     "Product settlement amount", "447.86", "44.79"),  # 627 x 500/700 = 447.857 -> 447.86; x 10 % = 44.786 -> 44.79
    (dict(condition="specific_products", commission_type="fixed", rate="20", products=("tea",)),
     "Specified product quantity", "2", "40.00"),  # 3 - 1 returned = 2 units x 20
]


@pytest.mark.parametrize("rule, header, value, commission", CASES, ids=["whole", "product-pct", "product-fixed"])
def test_settlement_column_follows_the_campaign_in_page_and_csv(
    client, kim, merchant, catalog, run, rule, header, value, commission
):
    rule = dict(rule)
    products = [catalog[name].product for name in rule.pop("products", ())]
    campaign = make_campaign(merchant, products=products, **rule)
    bind(merchant, campaign, kim)
    _order(merchant, run, campaign, catalog)
    client.force_login(kim.user)
    kwargs = {"merchant_slug": merchant.slug, "code": campaign.code}

    page = client.get(reverse("partners:campaign", kwargs=kwargs)).content.decode()
    assert f"<th>{header}</th>" in page
    assert f'<td data-col="settlement">{value}</td>' in page
    assert f'<td data-col="commission">{commission}</td>' in page

    body = b"".join(client.get(reverse("partners:report", kwargs=kwargs)).streaming_content).decode().lstrip("\ufeff")
    rows = {row[0]: row for row in csv.reader(io.StringIO(body))}
    assert rows["Order number"][6:8] == [header, "Commission"]
    assert rows["R-1"][6:8] == [value, commission]
    assert rows["R-1"][-1] == "-10.00"  # the return adjustment


def test_returned_items_are_not_shown_and_the_return_adjustment_is(client, kim, merchant, catalog, run):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    _order(merchant, run, campaign, catalog)
    client.force_login(kim.user)
    page = client.get(
        reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": campaign.code})
    ).content.decode()
    assert "Tea × 2 · " in page and "Tea × 3" not in page  # the kept units only
    assert "Cup × 2" in page
    assert "Spoon ×" not in page  # fully returned (the ranking still counts units sold)
    adjustment = page.split('class="return-adjustment"')[1].split("</li>")[0]
    assert "Return adjustment" in adjustment and "-" in adjustment and "10.00" in adjustment


@pytest.mark.parametrize("status, payment", [("cancelled", "paid"), ("processing", "pending"), ("completed", "refunded")])
def test_commission_is_shown_whatever_the_order_and_payment_status(client, kim, merchant, catalog, run, status, payment):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, kim)
    order = _order(merchant, run, campaign, catalog)
    run(order_update, merchant=merchant, order=order, changes={"status": status, "payment_status": payment})
    assert Order.objects.for_merchant(merchant).get(pk=order.pk).status == status
    client.force_login(kim.user)
    page = client.get(
        reverse("partners:campaign", kwargs={"merchant_slug": merchant.slug, "code": campaign.code})
    ).content.decode()
    assert '<td data-col="commission">62.70</td>' in page
