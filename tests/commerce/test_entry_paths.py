"""Every way an order comes in tells the same followers (issue: one order truth).

One scenario, walked through the storefront checkout, the signed order API and the Django admin:
a shopper opened Amy's link an hour ago and orders 200.00 with a KOL's referral code; the merchant
gives 1 point per 10.00 paid and the campaign pays 10 %. After the payment the order is Amy's
(performance), the KOL's (commission) and the shopper's (points); half of it is returned (an
edit); then it is cancelled. Attribution, partner figures and points follow each step, whichever
way the step came in.
"""

import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from attribution.models import Attribution
from commerce.models import Order, OrderLine
from loyalty import selectors as points
from loyalty.models import Offer
from partners.models import CampaignOrder, CampaignStats
from reports.periods import period_resolve
from reports.selectors import Scope, performance_get
from storefront.services import storefront_checkout
from tests.factories import ClickFactory, LinkFactory, ProductFactory, UserFactory, VariationFactory
from tests.order_api import post_order
from tests.partners.helpers import bind, make_campaign, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(merchant, staff, member):
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="1 per 10", event="order_paid", action="points_per_amount", value=D("1"),
        per_amount=D("10"),
    )
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner())
    member.user = UserFactory(email=member.email)
    member.save(update_fields=["user"])
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=1))
    tea = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Oolong"), sku="TEA-1",
                           price=D("100.00"))
    return {"campaign": campaign, "link": link, "tea": tea, "member": member}


def figures(merchant, member, number):
    """(credited staff, performance sales, commission counted, commission, points balance)."""
    order = Order.objects.for_merchant(merchant).get(number=number)
    attribution = Attribution.objects.for_merchant(merchant).select_related("staff").get(order=order)
    period = period_resolve(key="7d", tz=merchant.tzinfo, now=timezone.now())
    performance = performance_get(merchant=merchant, scope=Scope(), period=period)
    record = CampaignOrder.objects.for_merchant(merchant).get(order=order)
    stats = CampaignStats.objects.for_merchant(merchant).get(campaign=record.campaign)
    return (
        attribution.staff.display_name if attribution.credited else None,
        performance.totals.sales,
        stats.commission_total,
        record.commission,
        points.points_balance(merchant=merchant, member=member),
    )


class Api:
    """The merchant's system sends signed order events."""

    def __init__(self, client, merchant, world):
        self.client, self.merchant, self.world, self.version = client, merchant, world, 0

    def send(self, number, **fields):
        self.version += 1
        payload = {"order_id": number, "placed_at": timezone.now().isoformat(),
                   "updated_at": (timezone.now() + timedelta(seconds=self.version)).isoformat(), **fields}
        response = post_order(self.client, self.merchant, payload)
        assert response.status_code in (200, 201), response.content

    def create_paid(self):
        member = self.world["member"]
        self.send("P-1", channel="web", member={"email": member.email}, campaign_code=self.world["campaign"].code,
                  recommendation_token=self.world["link"].token, payment_status="paid",
                  money={"paid_amount": "200.00"}, lines=[{"sku": "TEA-1", "quantity": 2, "unit_price": "100.00"}])
        return "P-1"

    def return_half(self, number):
        self.send(number, money={"returned_amount": "100.00"},
                  lines=[{"sku": "TEA-1", "quantity": 2, "unit_price": "100.00", "returned_quantity": 1,
                          "returned_amount": "100.00"}])

    def cancel(self, number):
        self.send(number, status="cancelled")


class Storefront(Api):
    """The shopper checks out in the storefront; the payment and later changes come from the
    merchant's system (the storefront itself takes no payment)."""

    def create_paid(self):
        order = storefront_checkout(
            merchant=self.merchant, user=self.world["member"].user, cart={self.world["tea"].pk: 2},
            link=self.world["link"], referral_code=self.world["campaign"].code,
        )
        self.send(order.number, payment_status="paid", money={"paid_amount": "200.00"})
        return order.number


class Admin:
    """A platform operator enters and edits the order in the Django admin."""

    def __init__(self, client, merchant, world):
        self.client, self.merchant, self.world = client, merchant, world
        operator = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(operator)

    def form(self, order=None, **changes):
        member, tea = self.world["member"], self.world["tea"]
        now = timezone.localtime(order.placed_at if order else timezone.now())
        line = OrderLine.objects.for_merchant(self.merchant).get(order=order) if order else None
        data = {
            "merchant": self.merchant.pk, "number": "A-1", "member": member.pk,
            "placed_at_0": now.strftime("%Y-%m-%d"), "placed_at_1": now.strftime("%H:%M:%S"),
            "channel": "web", "payment_method": "card", "created_from": "Phone order", "source_store": "",
            "closing_staff": "", "recommendation_token": self.world["link"].token,
            "campaign_code": self.world["campaign"].code, "status": "processing", "payment_status": "paid",
            "delivery_status": "pending", "parent": "",
            "item_subtotal": "200.00", "discounts": "0.00", "store_credit": "0.00", "points_redeemed": "0.00",
            "shipping": "0.00", "surcharge": "0.00", "tax": "0.00", "total": "200.00", "paid_amount": "200.00",
            "unpaid_amount": "0.00", "returned_amount": "0.00", "preorder_paid": "0.00",
            "preorder_outstanding": "0.00", "edited_amount": "0.00",
            "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1" if line else "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-variation": tea.pk, "lines-0-product_name": "Oolong", "lines-0-sku": "TEA-1",
            "lines-0-kind": "regular", "lines-0-category": "", "lines-0-quantity": "2", "lines-0-unit_price": "100.00",
            "lines-0-returned_quantity": "0", "lines-0-returned_amount": "0.00",
        }
        if line:
            data.update({"lines-0-id": line.pk, "lines-0-order": order.pk})
        data.update(changes)
        return data

    def post(self, url, data):
        response = self.client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]

    def create_paid(self):
        self.post("/admin/commerce/order/add/", self.form())
        return "A-1"

    def order(self, number):
        return Order.objects.for_merchant(self.merchant).get(number=number)

    def return_half(self, number):
        order = self.order(number)
        self.post(f"/admin/commerce/order/{order.pk}/change/", self.form(
            order, returned_amount="100.00", **{"lines-0-returned_quantity": "1", "lines-0-returned_amount": "100.00"}
        ))

    def cancel(self, number):
        order = self.order(number)
        self.post("/admin/commerce/order/", {"action": "cancel_orders", "_selected_action": [order.pk]})


@pytest.mark.parametrize("way_in", [Storefront, Api, Admin], ids=["storefront", "order API", "admin"])
def test_attribution_partner_figures_and_points_follow_every_way_in(
    client, merchant, world, way_in, django_capture_on_commit_callbacks
):
    path = way_in(client, merchant, world)
    member = world["member"]

    with django_capture_on_commit_callbacks(execute=True):
        number = path.create_paid()
    assert figures(merchant, member, number) == ("Amy", D("200.00"), D("20.00"), D("20.00"), 20)

    with django_capture_on_commit_callbacks(execute=True):
        path.return_half(number)
    assert figures(merchant, member, number) == ("Amy", D("100.00"), D("10.00"), D("10.00"), 10)

    with django_capture_on_commit_callbacks(execute=True):
        path.cancel(number)
    order = Order.objects.for_merchant(merchant).get(number=number)
    assert order.status == "cancelled"
    assert figures(merchant, member, number) == ("Amy", D("0"), D("0.00"), D("10.00"), 0)


def test_a_refund_leaves_commission_points_and_performance_and_comes_back_when_undone(
    client, merchant, world, django_capture_on_commit_callbacks
):
    """paid -> partially refunded -> refunded -> refund reversed, one order, all three followers."""
    api = Api(client, merchant, world)
    member = world["member"]
    steps = [
        ({}, ("Amy", D("200.00"), D("20.00"), D("20.00"), 20)),  # paid
        ({"money": {"returned_amount": "50.00"}}, ("Amy", D("150.00"), D("15.00"), D("15.00"), 15)),  # partial
        ({"payment_status": "refunded"}, ("Amy", D("0"), D("0.00"), D("15.00"), 0)),  # refunded: out
        ({"payment_status": "paid"}, ("Amy", D("150.00"), D("15.00"), D("15.00"), 15)),  # refund undone: back
    ]
    with django_capture_on_commit_callbacks(execute=True):
        number = api.create_paid()
    for change, expected in steps:
        with django_capture_on_commit_callbacks(execute=True):
            if change:
                api.send(number, **change)
        assert figures(merchant, member, number) == expected, change


def _settled(merchant, member, number, expected, timeout=60.0):
    """Wait for a real worker to bring the figures to `expected` (they are absent until it ran)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = figures(merchant, member, number)
        except (Attribution.DoesNotExist, CampaignOrder.DoesNotExist, CampaignStats.DoesNotExist):
            seen = None
        if seen == expected:
            return seen
        time.sleep(0.2)
    return seen


@pytest.mark.worker
@pytest.mark.parametrize("way_in", [Api, Admin], ids=["order API", "admin"])
def test_the_same_walk_with_a_real_worker_process(celery_worker_process, client, merchant, world, way_in):
    path = way_in(client, merchant, world)
    member = world["member"]

    number = path.create_paid()
    assert _settled(merchant, member, number, ("Amy", D("200.00"), D("20.00"), D("20.00"), 20)) == (
        "Amy", D("200.00"), D("20.00"), D("20.00"), 20
    ), celery_worker_process.log()
    path.return_half(number)
    assert _settled(merchant, member, number, ("Amy", D("100.00"), D("10.00"), D("10.00"), 10)) == (
        "Amy", D("100.00"), D("10.00"), D("10.00"), 10
    ), celery_worker_process.log()
    path.cancel(number)
    assert _settled(merchant, member, number, ("Amy", D("0"), D("0.00"), D("10.00"), 0)) == (
        "Amy", D("0"), D("0.00"), D("10.00"), 0
    ), celery_worker_process.log()
