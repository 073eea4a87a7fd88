"""The platform adapters on their own: signatures, money strings, time zones, refund shapes."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from connectors.platforms import shopify, shopline, woocommerce
from connectors.platforms.base import PayloadError, money, utc
from tests.connectors.payloads import shopify_order, shopify_refund, woo_order

BODY = json.dumps({"id": 1}).encode()


def test_each_platform_checks_its_own_header_and_encoding():
    digest = hmac.new(b"s3cret", BODY, hashlib.sha256).digest()
    b64, hexa = base64.b64encode(digest).decode(), digest.hex()
    assert shopify.verify("s3cret", BODY, {"X-Shopify-Hmac-Sha256": b64})
    assert not shopify.verify("s3cret", BODY, {"X-Shopify-Hmac-Sha256": hexa})
    assert not shopify.verify("other", BODY, {"X-Shopify-Hmac-Sha256": b64})
    assert not shopify.verify("s3cret", BODY + b" ", {"X-Shopify-Hmac-Sha256": b64})  # the raw body, byte for byte
    assert woocommerce.verify("s3cret", BODY, {"X-WC-Webhook-Signature": b64})
    assert not woocommerce.verify("s3cret", BODY, {"X-Shopify-Hmac-Sha256": b64})
    assert shopline.verify("s3cret", BODY, {"X-Shopline-Hmac-Sha256": hexa})
    assert shopline.verify("s3cret", BODY, {"X-Shopline-Hmac-Sha256": b64})
    assert not shopline.verify("s3cret", BODY, {})
    assert not shopify.verify("s3cret", BODY, {"X-Shopify-Hmac-Sha256": "ünïcode"})


def test_delivery_ids_come_from_each_platforms_header():
    assert shopify.envelope({"X-Shopify-Event-Id": "e1", "X-Shopify-Webhook-Id": "w1",
                             "X-Shopify-Topic": "orders/create"}, BODY) == ("e1", "orders/create")
    assert shopify.envelope({"X-Shopify-Webhook-Id": "w1"}, BODY) == ("w1", "")
    assert woocommerce.envelope({"X-WC-Webhook-Delivery-ID": "42", "X-WC-Webhook-Topic": "order.updated"},
                                BODY) == ("42", "order.updated")
    assert shopline.envelope({"X-Shopline-Webhook-Id": "sl-9", "X-Shopline-Topic": "orders/create"},
                             BODY) == ("sl-9", "orders/create")


def test_shop_times_become_utc_and_money_strings_decimals():
    event = shopify.parse("orders/create", shopify_order(
        1, email="a@example.com", created_at="2026-03-01T10:00:00-05:00", updated_at="2026-03-01T10:05:00-05:00",
        lines=(("TEA-1", "Oolong", 3, "33.33"),)))
    order = event.order
    assert order.placed_at == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert order.lines[0].unit_price == D("33.33") and order.money["total"] == D("99.99")
    assert order.payment_status == "paid" and order.status == "processing"
    woo = woocommerce.parse("order.created", woo_order(5, email="a@example.com", created_gmt="2026-03-01T10:00:00",
                                                       modified_gmt="2026-03-01T10:01:00")).order
    assert woo.placed_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # *_gmt: UTC without an offset
    assert utc("2026-03-01T18:00:00+08:00") == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(PayloadError):
        utc("2026-03-01T18:00:00")  # a local time without its offset is refused, never guessed
    with pytest.raises(PayloadError):
        money("12,50")
    assert money(12.5) == D("12.50") and money(None) == D("0")


def test_refund_shapes():
    refund = shopify.parse("refunds/create", shopify_refund(9, 1, created_at="2026-03-02T10:00:00+08:00",
                                                            amount="100.00"))
    assert refund.kind == "refund" and refund.order_id == "1"
    assert refund.refund.amount == D("100.00")
    assert [(line.sku, line.quantity, line.amount) for line in refund.refund.lines] == [("TEA-1", 1, D("100.00"))]
    woo = woocommerce.parse("order.updated", woo_order(
        5, email="a@example.com", created_gmt="2026-03-01T10:00:00", modified_gmt="2026-03-01T10:01:00",
        status="refunded", refunds=[{"id": 3, "reason": "", "total": "-200.00"}])).order
    assert woo.payment_status == "refunded" and woo.refunds[0].amount == D("200.00")
    assert woocommerce.parse("order.deleted", {"id": 5}).kind == "cancel"
    assert shopify.parse("products/update", {"id": 1}).kind == "ignore"
