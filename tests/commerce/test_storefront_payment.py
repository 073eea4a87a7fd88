"""The payment method at the storefront checkout (issue 17 item 4): pay in store leaves the order
pending; online payment charges through the payment provider (the fake one by default) and the
order is paid, so "100 points for paying online" (a payment-method filter) matches it. Orders
through the signed order API send their own payment method."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.models import Order
from commerce.services import order_update
from loyalty import selectors as loyalty_selectors
from loyalty import services as loyalty_services
from loyalty.models import Offer
from omo.integrations.payments import PaymentDeclined
from tests.factories import ProductFactory, UserFactory, VariationFactory
from tests.order_api import order_payload, post_order

pytestmark = pytest.mark.django_db


class DecliningProvider:
    def charge(self, *, amount, currency, reference):
        raise PaymentDeclined("card expired")


def url(name):
    return reverse(f"storefront:{name}", kwargs={"merchant": "acme"})


@pytest.fixture
def shopper(client, merchant):
    user = UserFactory(email="payer@example.com")
    client.force_login(user)
    tea = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Green Tea"), price=D("200"))
    client.post(url("cart_add"), {"variation": tea.pk})
    return user


@pytest.fixture
def offers(merchant):
    # The demo seed's offers: 1 point per 10 spent, 100 campaign points for paying online.
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="1 point per 10 spent", event="order_paid", action="points_per_amount",
        value=D("1"), per_amount=D("10"),
    )
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="100 points for paying online", event="order_paid", action="fixed_points",
        value=D("100"), payment_methods=["online"], campaign=True,
    )


def placed_order(merchant):
    order = Order.objects.for_merchant(merchant).get()
    loyalty_services.order_points_settle(merchant=merchant, order_id=order.pk)
    order.refresh_from_db()
    points = loyalty_selectors.points_balance(merchant=merchant, member=order.member)
    return order, points


def test_the_checkout_offers_the_payment_methods_as_a_labelled_radio_group(client, shopper):
    page = client.get(url("checkout")).content.decode()
    group = page[page.index('<fieldset class="choices"'):page.index("</fieldset>")]
    assert "<legend>How do you want to pay?</legend>" in group
    assert group.count('type="radio"') == 2 and group.count("<label for=") == 2
    assert 'value="in_store"' in group and "Pay in store" in group
    assert 'value="online"' in group and "Online payment" in group
    assert group.count("checked") == 1 and "checked" in group[:group.index('value="online"')]  # in store by default


def test_pay_in_store_leaves_the_order_pending_and_earns_nothing_yet(client, shopper, merchant, offers):
    response = client.post(url("checkout"), {"payment_method": "in_store"})
    assert response.status_code == 302
    order, points = placed_order(merchant)
    assert (order.payment_method, order.payment_status, order.paid_amount) == ("in_store", "pending", D("0"))
    assert points == 0


def test_online_payment_marks_the_order_paid_and_earns_the_online_payment_offer(client, shopper, merchant, offers):
    response = client.post(url("checkout"), {"payment_method": "online"})
    assert response.status_code == 302
    order, points = placed_order(merchant)
    assert (order.payment_method, order.payment_status) == ("online", "paid")
    assert (order.paid_amount, order.unpaid_amount) == (D("200"), D("0"))
    assert points == 20 + 100  # 1 per 10 on 200.00, and 100 for paying online
    page = client.get(response["Location"]).content.decode()
    assert '<dd data-testid="payment-method">Online payment</dd>' in page and "Paid" in page


def test_an_order_paid_in_store_later_does_not_earn_the_online_payment_offer(client, shopper, merchant, offers):
    client.post(url("checkout"), {"payment_method": "in_store"})
    order = Order.objects.for_merchant(merchant).get()
    order_update(merchant=merchant, order=order, changes={"payment_status": "paid", "paid_amount": order.total})
    assert placed_order(merchant)[1] == 20


def test_an_unknown_payment_method_is_refused(client, shopper, merchant):
    response = client.post(url("checkout"), {"payment_method": "bitcoin"})
    assert response.status_code == 400
    assert not Order.objects.for_merchant(merchant).exists()


def test_a_declined_online_payment_places_no_order(client, shopper, merchant, settings):
    settings.PAYMENT_PROVIDER = "tests.commerce.test_storefront_payment.DecliningProvider"
    response = client.post(url("checkout"), {"payment_method": "online"})
    assert response.status_code == 400
    assert "The payment was declined: card expired" in response.content.decode()
    assert not Order.objects.for_merchant(merchant).exists()


def test_orders_through_the_order_api_carry_their_payment_method_and_edits_resettle(
    client, merchant, member, store, offers, django_capture_on_commit_callbacks
):
    def send(payload):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_order(client, merchant, payload)
        assert response.status_code in (200, 201), response.content
        return Order.objects.for_merchant(merchant).get(number=payload["order_id"])

    at = timezone.now() - timedelta(hours=1)
    common = {"channel": "pos", "store": store.code, "payment_status": "paid"}
    online = send(order_payload("POS-1", member, at, payment_method="online", **common))
    card = send(order_payload("POS-2", member, at, payment_method="card", **common))
    assert (online.payment_method, card.payment_method) == ("online", "card")
    assert loyalty_selectors.points_balance(merchant=merchant, member=online.member) == (12 + 100) + 12

    edited = order_payload("POS-1", member, at, payment_method="online", updated_at=timezone.now().isoformat(),
                           money={"item_subtotal": "240.00", "total": "240.00"},
                           lines=[{"sku": "OTHER-1", "name": "Something else", "quantity": 2, "unit_price": "120.00"}],
                           **common)
    send(edited)
    assert loyalty_selectors.points_balance(merchant=merchant, member=online.member) == (24 + 100) + 12
