import json
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from attribution.models import Attribution
from commerce.models import Order, OrderLine
from members.models import Member
from recommendations.models import LinkClick
from tests.factories import VariationFactory
from tests.order_api import order_payload, post_order, signed_headers

AT = datetime(2026, 5, 1, 8, 0, tzinfo=dt_timezone.utc)


def test_signed_order_is_created_with_lines_and_member(client, merchant):
    variation = VariationFactory(merchant=merchant, sku="TEA-1")
    payload = {
        "order_id": "EXT-1",
        "placed_at": AT.isoformat(),
        "member": {"phone": "0912 345 678"},
        "money": {"item_subtotal": "200.00", "discounts": "20.00", "shipping": "60.00"},
        "lines": [{"sku": "TEA-1", "quantity": 2, "unit_price": "100.00"}],
    }
    response = post_order(client, merchant, payload)
    assert response.status_code == 201
    assert response.json() == {"order_id": "EXT-1", "outcome": "created"}
    order = Order.objects.for_merchant(merchant).get(number="EXT-1")
    assert order.channel == "api"
    assert order.total == 240  # 200 - 20 + 60
    assert order.member.phone == "+886912345678"
    line = OrderLine.objects.for_merchant(merchant).get(order=order)
    assert (line.variation, line.quantity, line.line_subtotal) == (variation, 2, 200)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing"),
        ({"HTTP_X_OMO_TIMESTAMP": "123", "HTTP_X_OMO_SIGNATURE": "sha256=00"}, "seconds away"),
        ({"HTTP_X_OMO_TIMESTAMP": "soon", "HTTP_X_OMO_SIGNATURE": "sha256=00"}, "Unix time"),
        ({"HTTP_X_OMO_TIMESTAMP": str(int(time.time())), "HTTP_X_OMO_SIGNATURE": "sha256=00"}, "does not match"),
    ],
)
def test_bad_signature_is_401_with_a_message_and_writes_nothing(client, merchant, member, headers, message):
    body = json.dumps(order_payload("EXT-2", member, AT)).encode()
    response = client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert message in response.json()["error"]["message"]
    assert not Order.objects.for_merchant(merchant).exists()


def test_replayed_request_older_than_five_minutes_is_refused(client, merchant, member):
    response = post_order(client, merchant, order_payload("EXT-3", member, AT), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert not Order.objects.for_merchant(merchant).exists()


def test_signature_of_another_merchant_is_refused(client, merchant, other_merchant, member):
    body = json.dumps(order_payload("EXT-4", member, AT)).encode()
    response = client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
        **signed_headers(other_merchant, body),
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"order_id": ""}, "order_id"),
        ({"status": "lost"}, "status"),
        ({"money": {"total": "-5"}}, "money"),
        ({"lines": [{"sku": "X", "quantity": 0, "unit_price": "1"}]}, "lines"),
        ({"member": {"phone": "12"}}, "phone"),
        ({"store": "no-such-store"}, "store"),
    ],
)
def test_invalid_body_is_400_with_field_errors_and_writes_nothing(client, merchant, member, change, field):
    payload = {**order_payload("EXT-5", member, AT), **change}
    response = post_order(client, merchant, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]
    assert field in json.dumps(body["details"])
    assert not Order.objects.for_merchant(merchant).exists()
    assert Member.objects.for_merchant(merchant).count() == 1


def test_body_that_is_not_json_is_400(client, merchant):
    body = b"{not json"
    response = client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
                           **signed_headers(merchant, body))
    assert response.status_code == 400
    assert response.json()["error"]


def test_other_merchants_store_code_is_unknown_here(client, merchant, other_merchant, member):
    from tests.factories import StoreFactory

    StoreFactory(merchant=other_merchant, code="their-store")
    response = post_order(client, merchant, {**order_payload("EXT-6", member, AT), "store": "their-store"})
    assert response.status_code == 400
    assert response.json()["details"]["store"]
    assert not Order.objects.for_merchant(merchant).exists()


def test_other_merchants_link_token_credits_nobody(client, merchant, other_merchant, member,
                                                   django_capture_on_commit_callbacks):
    """The order names the link token it was given as a fact; only this merchant's links and
    clicks ever credit an order, so another merchant's token changes nothing for anyone."""
    from tests.factories import LinkFactory

    their_link = LinkFactory(merchant=other_merchant)
    LinkClick.objects.for_merchant(other_merchant).create(
        merchant=other_merchant, link=their_link, member=their_link.member, clicked_at=AT - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_order(
            client, merchant, {**order_payload("EXT-6", member, AT), "recommendation_token": their_link.token}
        )
    assert response.status_code == 201
    attribution = Attribution.objects.for_merchant(merchant).get(order__number="EXT-6")
    assert (attribution.credited, attribution.staff_id, attribution.store_id) == (False, None, None)


def test_edit_updates_amounts_and_lines(client, merchant, member):
    post_order(client, merchant, order_payload("EXT-7", member, AT))
    edited = {
        **order_payload("EXT-7", member, AT),
        "money": {"item_subtotal": "80.00", "total": "80.00", "edited_amount": "-40.00"},
        "lines": [{"sku": "OTHER-1", "quantity": 1, "unit_price": "80.00"}],
        "updated_at": "2026-05-01T09:00:00+00:00",
    }
    response = post_order(client, merchant, edited)
    assert response.json()["outcome"] == "updated"
    order = Order.objects.for_merchant(merchant).get(number="EXT-7")
    assert (order.total, order.edited_amount) == (80, -40)
    assert OrderLine.objects.for_merchant(merchant).filter(order=order).count() == 1
