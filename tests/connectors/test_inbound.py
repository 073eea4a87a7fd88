"""Orders from Shopify, WooCommerce and SHOPLINE webhooks follow the same path as every order.

One scenario per platform, with payloads written from each platform's webhook documentation: a
shopper opened Amy's link an hour ago and orders two teas (200.00) in the platform's shop with a
KOL's referral code as discount code and the link in the cart attributes; the merchant gives 1 point
per 10.00 paid and the campaign pays 10 %. Create (paid) -> update (fulfilled) -> refund of one
unit -> cancel: attribution, commission and points follow each step.
"""

from datetime import UTC, timedelta, timezone as dt_timezone
from decimal import Decimal as D

import pytest
from django.utils import timezone

from attribution.models import Attribution
from commerce.models import Order, OrderEvent, OrderLine
from connectors import services
from connectors.models import Delivery
from loyalty import selectors as points
from loyalty.models import Offer
from partners.models import CampaignOrder, CampaignStats
from reports.periods import period_resolve
from reports.selectors import Scope, performance_get
from tests.connectors.payloads import (
    post_webhook,
    shopify_order,
    shopify_refund,
    shopline_order,
    shopline_refund,
    woo_order,
)
from tests.factories import ClickFactory, LinkFactory, ProductFactory, UserFactory, VariationFactory
from tests.partners.helpers import bind, make_campaign, make_partner

pytestmark = pytest.mark.django_db

NEW_YORK = dt_timezone(timedelta(hours=-5))
TAIPEI = dt_timezone(timedelta(hours=8))


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
    VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Oolong"), sku="TEA-1",
                     price=D("100.00"))
    return {"campaign": campaign, "link": link, "member": member}


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


def at(delta_minutes, tz):
    """An ISO time `delta_minutes` from now, written in the shop's own offset."""
    return (timezone.now() + timedelta(minutes=delta_minutes)).astimezone(tz).replace(microsecond=0).isoformat()


def gmt(delta_minutes):
    """WooCommerce's *_gmt fields: UTC without an offset."""
    return (timezone.now() + timedelta(minutes=delta_minutes)).astimezone(UTC).replace(
        microsecond=0, tzinfo=None).isoformat()


class Shopify:
    kind, order_id = "shopify", 450789469

    def __init__(self, world):
        self.w = world
        self.placed = at(-30, NEW_YORK)

    def order(self, minutes, **changes):
        w = self.w
        fields = {"email": w["member"].email, "created_at": self.placed, "updated_at": at(minutes, NEW_YORK),
                  "code": w["campaign"].code.lower(), "link": f"https://acme-tea.example/m/acme/l/{w['link'].token}/"}
        return shopify_order(self.order_id, **{**fields, **changes})

    def steps(self):
        refund = shopify_refund(509562969, self.order_id, created_at=at(-10, NEW_YORK))
        return [
            ("create", "orders/create", self.order(-30)),
            ("update", "orders/updated", self.order(-20, fulfillment_status="fulfilled")),
            ("refund", "refunds/create", refund),
            ("cancel", "orders/cancelled", self.order(-5, fulfillment_status="fulfilled", financial_status="partially_refunded",
                                                      cancelled_at=at(-5, NEW_YORK), refunds=[refund])),
        ]


class Shopline(Shopify):
    kind, order_id = "shopline", 21050519485213

    def order(self, minutes, **changes):
        w = self.w
        fields = {"email": w["member"].email, "created_at": self.placed, "updated_at": at(minutes, TAIPEI),
                  "code": w["campaign"].code, "link": w["link"].token}
        return shopline_order(self.order_id, **{**fields, **changes})

    def steps(self):
        refund = shopline_refund(88001, self.order_id, created_at=at(-10, TAIPEI))
        return [
            ("create", "orders/create", self.order(-30)),
            ("update", "orders/update", self.order(-20, fulfillment_status="fulfilled")),
            ("refund", "refunds/create", refund),
            ("cancel", "orders/cancelled", self.order(-5, fulfillment_status="fulfilled", cancelled_at=at(-5, TAIPEI),
                                                      financial_status="partially_refunded", refunds=[refund])),
        ]


class WooCommerce:
    kind, order_id = "woocommerce", 727

    def __init__(self, world):
        self.w = world
        self.placed = gmt(-30)

    def order(self, minutes, **changes):
        w = self.w
        fields = {"email": w["member"].email, "created_gmt": self.placed, "modified_gmt": gmt(minutes),
                  "code": w["campaign"].code.lower(), "link": w["link"].token}
        return woo_order(self.order_id, **{**fields, **changes})

    def steps(self):
        # WooCommerce has no refund topic: a refund is an order.updated whose `refunds` lists it.
        refunds = [{"id": 730, "reason": "Returned one", "total": "-100.00"}]
        return [
            ("create", "order.created", self.order(-30)),
            ("update", "order.updated", self.order(-20, status="completed")),
            ("refund", "order.updated", self.order(-10, status="completed", refunds=refunds)),
            ("cancel", "order.updated", self.order(-5, status="cancelled", refunds=refunds)),
        ]


EXPECTED = {
    "create": ("Amy", D("200.00"), D("20.00"), D("20.00"), 20),
    "update": ("Amy", D("200.00"), D("20.00"), D("20.00"), 20),
    "refund": ("Amy", D("100.00"), D("10.00"), D("10.00"), 10),
    "cancel": ("Amy", D("0"), D("0.00"), D("10.00"), 0),
}
PLATFORMS = [Shopify, WooCommerce, Shopline]


def connect(merchant, kind):
    connection, secret = services.connection_create(merchant=merchant, name=f"{kind} shop", kind=kind)
    return connection, secret


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.kind)
def test_documented_order_events_drive_attribution_commission_and_points(
    client, merchant, world, platform, django_capture_on_commit_callbacks
):
    connection, secret = connect(merchant, platform.kind)
    shop = platform(world)
    number = f"{connection.order_prefix}{shop.order_id}"
    for step, topic, payload in shop.steps():
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(client, connection, secret, payload, topic)
        assert response.status_code == 200, response.content
        assert response.json() == {"received": True, "duplicate": False}
        delivery = Delivery.objects.for_merchant(merchant).order_by("-pk").first()
        assert delivery.status == Delivery.Status.PROCESSED, (step, delivery.error, delivery.missing)
        assert figures(merchant, world["member"], number) == EXPECTED[step], step

    order = Order.objects.for_merchant(merchant).get(number=number)
    assert order.status == Order.Status.CANCELLED
    assert order.channel == Order.Channel.WEB
    assert order.created_from in ("Shopify", "WooCommerce", "SHOPLINE")
    assert order.campaign_code == world["campaign"].code
    assert order.recommendation_token == world["link"].token
    assert order.member == world["member"]
    assert order.returned_amount == D("100.00")
    assert order.total == D("200.00") and order.paid_amount == D("200.00")
    # The shop's local order time is stored as the same instant in UTC.
    placed = shop.placed if platform is not WooCommerce else shop.placed + "+00:00"
    assert order.placed_at == timezone.datetime.fromisoformat(placed).astimezone(UTC)
    assert str(order.placed_at.tzinfo) == "UTC"
    if platform is not WooCommerce:  # a Shopify/SHOPLINE refund names the returned unit
        line = OrderLine.objects.for_merchant(merchant).get(order=order)
        assert (line.sku, line.quantity, line.returned_quantity, line.returned_amount) == ("TEA-1", 2, 1, D("100.00"))


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.kind)
def test_a_bad_signature_is_401_and_stores_nothing(client, merchant, world, platform):
    connection, secret = connect(merchant, platform.kind)
    _step, topic, payload = platform(world).steps()[0]

    response = post_webhook(client, connection, secret, payload, topic, signature_secret="not-the-secret")

    assert response.status_code == 401
    assert not Delivery.objects.for_merchant(merchant).exists()
    assert not Order.objects.for_merchant(merchant).exists()


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.kind)
def test_a_duplicate_delivery_id_is_acknowledged_once(
    client, merchant, world, platform, django_capture_on_commit_callbacks
):
    connection, secret = connect(merchant, platform.kind)
    _step, topic, payload = platform(world).steps()[0]

    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(client, connection, secret, payload, topic, delivery_id="same-delivery-1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post_webhook(client, connection, secret, payload, topic, delivery_id="same-delivery-1")

    assert first.json() == {"received": True, "duplicate": False}
    assert again.status_code == 200 and again.json() == {"received": True, "duplicate": True}
    assert callbacks == []  # nothing queued for the repeat
    assert Delivery.objects.for_merchant(merchant).count() == 1
    assert Order.objects.for_merchant(merchant).count() == 1
    assert OrderEvent.objects.for_merchant(merchant).count() == 1
    assert figures(merchant, world["member"], f"{connection.order_prefix}{platform.order_id}") == EXPECTED["create"]


def test_the_same_order_redelivered_under_a_new_id_changes_nothing(
    client, merchant, world, django_capture_on_commit_callbacks
):
    connection, secret = connect(merchant, "shopify")
    _step, topic, payload = Shopify(world).steps()[0]
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, payload, topic)
        post_webhook(client, connection, secret, payload, topic)

    assert Delivery.objects.for_merchant(merchant).count() == 2
    assert [d.outcome for d in Delivery.objects.for_merchant(merchant).order_by("pk")] == ["created", "duplicate"]
    assert Attribution.objects.for_merchant(merchant).count() == 1
    assert points.points_balance(merchant=merchant, member=world["member"]) == 20


def test_a_refund_that_overtakes_its_order_is_applied_when_the_order_arrives(
    client, merchant, world, django_capture_on_commit_callbacks
):
    connection, secret = connect(merchant, "shopify")
    shop = Shopify(world)
    create, _update, refund, _cancel = shop.steps()
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, refund[2], refund[1])
        post_webhook(client, connection, secret, create[2], create[1])

    assert figures(merchant, world["member"], f"SHOPIFY-{shop.order_id}") == EXPECTED["refund"]


def test_an_unverified_email_does_not_pick_a_member(client, merchant, world, django_capture_on_commit_callbacks):
    connection, secret = connect(merchant, "shopify")
    payload = Shopify(world).order(-30, verified_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, connection, secret, payload, "orders/create")

    order = Order.objects.for_merchant(merchant).get()
    assert order.member is None
    assert points.points_balance(merchant=merchant, member=world["member"]) == 0


def test_a_webhook_to_another_merchants_connection_is_404(client, merchant, other_merchant, world):
    connection, secret = connect(other_merchant, "shopify")
    _step, topic, payload = Shopify(world).steps()[0]
    body_url = f"/m/{merchant.slug}/connections/in/{connection.key}/"

    response = client.post(body_url, data=b"{}", content_type="application/json")

    assert response.status_code == 404
    assert not Delivery.objects.for_merchant(other_merchant).exists()


def test_woocommerce_ping_on_webhook_save_is_answered_and_not_stored(client, merchant):
    connection, _secret = connect(merchant, "woocommerce")
    response = client.post(f"/m/{merchant.slug}/connections/in/{connection.key}/", data="webhook_id=7",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Delivery.objects.for_merchant(merchant).exists()
