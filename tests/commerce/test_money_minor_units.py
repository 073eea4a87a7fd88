"""Issue 14 item 7: money in each currency's own digits (KWD 3, TWD 2, JPY 0): stored whole,
rounded half-up to them, shown, sent by the API and exported with them, and an amount with more
digits than the currency has is refused (never rounded)."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commerce.models import Order, OrderLine
from commerce.services import LineInput, order_create
from loyalty import services as loyalty_services
from loyalty.expiry_selectors import points_liability
from loyalty.services.redemption import points_value
from members.services import member_for_user
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from omo.formats import format_money
from partners.models import CampaignOrder
from tests.factories import MemberFactory, MerchantFactory, ProductFactory, StaffFactory, UserFactory, VariationFactory
from tests.order_api import post_order
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def kwd(db):
    return MerchantFactory(name="Gulf Gifts", slug="gulf", currency="KWD", timezone="Asia/Kuwait", country="KW")


@pytest.fixture
def jpy(db):
    return MerchantFactory(name="Tokyo Tea", slug="tokyo", currency="JPY", timezone="Asia/Tokyo", country="JP")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def tea(merchant, price, sku="TEA-1"):
    return VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), sku=sku,
                            price=D(price))


def api(merchant, path):
    return f"/m/{merchant.slug}/api/v1/{path}"


def api_key(merchant):
    return {"HTTP_AUTHORIZATION": f"Api-Key {api_key_create(merchant=merchant, name='ERP')[1]}"}


def export_rows(client, merchant):
    admin = StaffFactory(merchant=merchant, store=None, role="admin")
    client.force_login(admin.user)
    response = client.post(f"/m/{merchant.slug}/reports/export/", {})
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def test_a_kwd_order_keeps_its_third_digit_on_the_page_in_the_api_and_in_the_csv(client, kwd, run_on_commit):
    # Given a Kuwaiti shop selling tea at KWD 1.234 and a shopper who buys three
    user = UserFactory()
    shopper = member_for_user(merchant=kwd, user=user)
    variation = tea(kwd, "1.234")

    run_on_commit(order_create, merchant=kwd, number="K-1", channel="web", member=shopper,
                  lines=[LineInput(variation=variation, quantity=3, unit_price=variation.price)])

    order = Order.objects.for_merchant(kwd).get(number="K-1")
    assert (order.item_subtotal, order.total, order.unpaid_amount) == (D("3.702"), D("3.702"), D("3.702"))
    # The shopper's order page, through the Babel formatter (KWD has 3 digits)
    client.force_login(user)
    page = client.get(reverse("storefront:order", kwargs={"merchant": "gulf", "number": "K-1"})).content.decode()
    assert format_money("3.702", "KWD") == "KWD3.702"
    assert 'data-testid="order-total"><strong>KWD3.702' in page and "3 × KWD1.234" in page
    # The REST API sends the amounts with the currency's 3 digits
    body = client.get(api(kwd, f"orders/{public_id(order)}/"), **api_key(kwd)).json()
    assert (body["total"], body["item_subtotal"], body["discounts"]) == ("3.702", "3.702", "0.000")
    assert (body["lines"][0]["unit_price"], body["lines"][0]["line_subtotal"]) == ("1.234", "3.702")
    # The admin's order CSV too
    row = export_rows(client, kwd)["K-1"]
    assert (row["Currency"], row["Item subtotal"], row["Order total"], row["Settlement amount"]) == (
        "KWD", "3.702", "3.702", "3.702"
    )
    assert row["Discounts"] == "0.000"


def test_a_kwd_order_sent_to_the_order_api_is_stored_to_the_fils(client, kwd, run_on_commit):
    member = MemberFactory(merchant=kwd, email="amal@example.com")
    payload = {
        "order_id": "API-1", "placed_at": "2026-05-01T08:00:00+00:00", "channel": "web",
        "member": {"email": member.email},
        "lines": [{"sku": "TEA-1", "name": "Green Tea", "quantity": 3, "unit_price": "1.234"}],
    }

    response = run_on_commit(post_order, client, kwd, payload)

    assert response.status_code == 201, response.content
    order = Order.objects.for_merchant(kwd).get(number="API-1")
    assert (order.item_subtotal, order.total) == (D("3.702"), D("3.702"))
    assert OrderLine.objects.for_merchant(kwd).get(order=order).unit_price == D("1.234")


def test_commission_and_points_value_of_a_kwd_shop_round_half_up_to_three_digits(kwd, run_on_commit):
    campaign = make_campaign(kwd, rate="15")
    bind(kwd, campaign, make_partner())
    variation = tea(kwd, "1.234")

    run_on_commit(referred_order, kwd, campaign, number="KOL-1", lines=[line(variation, 3, "1.234")])

    record = CampaignOrder.objects.for_merchant(kwd).get(order__number="KOL-1")
    assert (record.settlement, record.commission) == (D("3.702"), D("0.555"))  # 15 % of 3.702 = 0.5553
    # Points: a member's 7 points at KWD 0.0125 are worth 0.0875
    loyalty_services.loyalty_settings_save(merchant=kwd, point_value=D("0.0125"))
    loyalty_services.points_adjust(merchant=kwd, points=7, reason="gift", member=MemberFactory(merchant=kwd))
    assert points_liability(merchant=kwd).value == D("0.088")  # owed: half-up
    assert points_value(merchant=kwd, points=7) == D("0.087")  # paid at checkout: never more than earned


def test_a_jpy_shop_rounds_commission_and_points_value_to_whole_yen(jpy, run_on_commit):
    campaign = make_campaign(jpy, rate="15")
    bind(jpy, campaign, make_partner())
    variation = tea(jpy, "1234")

    run_on_commit(referred_order, jpy, campaign, number="JP-1", lines=[line(variation, 1, "1234")])

    record = CampaignOrder.objects.for_merchant(jpy).get(order__number="JP-1")
    assert (record.settlement, record.commission) == (D("1234"), D("185"))  # 15 % of 1234 = 185.1
    loyalty_services.loyalty_settings_save(merchant=jpy, point_value=D("0.5"))
    loyalty_services.points_adjust(merchant=jpy, points=3, reason="gift", member=MemberFactory(merchant=jpy))
    assert points_liability(merchant=jpy).value == D("2")  # 1.5 yen owed, half-up
    assert points_value(merchant=jpy, points=3) == D("1")


def test_the_apis_refuse_more_digits_than_the_currency_has_with_a_400_naming_the_field(client, kwd, jpy):
    # A 4-digit price for KWD on the REST API
    product = ProductFactory(merchant=kwd)
    refused = client.post(api(kwd, "variations/"), {"product": public_id(product), "sku": "K-4", "price": "1.2345"},
                          content_type="application/json", **api_key(kwd))
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] and body["details"]["price"] == ["KWD amounts have at most 3 decimal places."]
    created = client.post(api(kwd, "variations/"), {"product": public_id(product), "sku": "K-3", "price": "1.234"},
                          content_type="application/json", **api_key(kwd))
    assert created.status_code == 201 and created.json()["price"] == "1.234"

    # A price with a decimal for JPY, on the REST API and in an order sent to the order API
    yen_product = ProductFactory(merchant=jpy)
    refused = client.post(api(jpy, "variations/"), {"product": public_id(yen_product), "sku": "J-1", "price": "100.5"},
                          content_type="application/json", **api_key(jpy))
    assert refused.status_code == 400
    assert refused.json()["details"]["price"] == ["JPY amounts have no decimal places."]
    member = MemberFactory(merchant=jpy, email="ken@example.com")
    response = post_order(client, jpy, {
        "order_id": "JP-2", "placed_at": "2026-05-01T08:00:00+00:00", "channel": "web",
        "member": {"email": member.email},
        "lines": [{"sku": "J-1", "name": "Matcha", "quantity": 1, "unit_price": "100.5"}],
    })
    assert response.status_code == 400
    assert "JPY amounts have no decimal places." in str(response.json()["details"]["lines"])
    assert not Order.objects.for_merchant(jpy).filter(number="JP-2").exists()
    # Whole yen are fine, and come back without decimals
    created = client.post(api(jpy, "variations/"), {"product": public_id(yen_product), "sku": "J-1", "price": "100"},
                          content_type="application/json", **api_key(jpy))
    assert created.status_code == 201 and created.json()["price"] == "100"


def test_an_order_service_caller_cannot_slip_extra_digits_past_it(kwd, jpy):
    with pytest.raises(ValidationError) as refused:
        order_create(merchant=jpy, number="JP-3", channel="pos", lines=[], total=D("10.5"))
    assert refused.value.message_dict == {"total": ["JPY amounts have no decimal places."]}
    with pytest.raises(ValidationError):
        order_create(merchant=kwd, number="K-9", channel="pos", lines=[
            LineInput(variation=None, quantity=1, unit_price=D("1.0005"), product_name="Dates"),
        ])
    assert not Order.objects.for_merchant(kwd).exists() and not Order.objects.for_merchant(jpy).exists()


def test_the_admin_lists_amounts_in_each_merchants_currency(client, merchant, kwd):
    variation = tea(kwd, "1.234")
    order_create(merchant=kwd, number="K-2", channel="pos", lines=[LineInput(variation=variation, quantity=3,
                                                                             unit_price=variation.price)])
    order_create(merchant=merchant, number="T-2", channel="pos", lines=[LineInput(variation=None, quantity=1,
                                                                                  unit_price=D("100"), product_name="Mug")])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    orders = client.get("/admin/commerce/order/").content.decode()
    variations = client.get("/admin/commerce/variation/").content.decode()

    assert "KWD3.702" in orders and "NT$100.00" in orders and "100.000" not in orders
    assert "KWD1.234" in variations
