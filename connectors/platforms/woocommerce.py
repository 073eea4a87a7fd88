"""WooCommerce order webhooks (woocommerce.github.io REST API docs, "Webhooks" and "Orders").

- Signature: `X-WC-Webhook-Signature`, base64 HMAC-SHA256 of the raw body keyed on the secret set
  in WooCommerce > Settings > Advanced > Webhooks.
- De-duplication: `X-WC-Webhook-Delivery-ID`; topic `X-WC-Webhook-Topic` (order.created,
  order.updated, order.deleted, order.restored). Cancellations and refunds arrive as order.updated
  (status "cancelled" / "refunded", and the order's `refunds` list: [{"id", "reason", "total": "-10.00"}]).
- When a webhook is saved WooCommerce pings the address with an unsigned form body
  `webhook_id=<n>`: answered 200, nothing stored (`is_ping`).
- Money: strings; times: `date_created_gmt` / `date_modified_gmt` are UTC without an offset (the
  fields without _gmt are the site's local time and are not used).
- POS plugins record the register's location and cashier in `meta_data`: the keys in
  LOCATION_KEYS / USER_KEYS.
"""

import re

from .base import (
    IGNORE,
    PLACES,
    ZERO,
    Contact,
    Event,
    Line,
    OrderData,
    PayloadError,
    RefundData,
    base64_matches,
    header,
    money,
    name_value_pairs,
    quantity,
    text,
    utc,
)

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
ORDER_TOPICS = {"order.created", "order.updated", "order.restored"}
DELETE_TOPICS = {"order.deleted"}
PING = re.compile(rb"^webhook_id=\d+$")
LOCATION_KEYS = ("pos_location_id", "_pos_location_id", "_pos_outlet_id")
USER_KEYS = ("pos_user_id", "_pos_user_id", "_pos_user")

# WooCommerce status -> (order status, payment status)
STATUS = {
    "pending": ("processing", "pending"),
    "on-hold": ("processing", "pending"),
    "failed": ("processing", "pending"),
    "processing": ("processing", "paid"),
    "completed": ("completed", "paid"),
    "cancelled": ("cancelled", "pending"),
    "refunded": ("processing", "refunded"),
}


def is_ping(body: bytes) -> bool:
    return bool(PING.match(body.strip()))


def verify(secret: str, body: bytes, headers) -> bool:
    return base64_matches(secret, body, header(headers, SIGNATURE_HEADER))


def envelope(headers, body: bytes) -> tuple[str, str]:
    return header(headers, "X-WC-Webhook-Delivery-ID"), header(headers, "X-WC-Webhook-Topic")


def parse(topic: str, payload: dict) -> Event:
    if topic in DELETE_TOPICS:
        if payload.get("id") in (None, ""):
            raise PayloadError("order without id")
        return Event(kind="cancel", order_id=str(payload["id"]))
    if topic in ORDER_TOPICS:
        if payload.get("status") == "checkout-draft":
            return IGNORE
        return Event(kind="order", order=order_data(payload))
    return IGNORE


def _line(item: dict) -> Line:
    count = quantity(item.get("quantity"), "line_items.quantity")
    subtotal = money(item.get("subtotal"), "line_items.subtotal")  # before coupons, without tax
    unit = (subtotal / count).quantize(PLACES) if count else money(item.get("price"), "line_items.price")
    return Line(sku=text(item.get("sku"), 64), name=text(item.get("name")), quantity=count, unit_price=unit)


def order_data(order: dict) -> OrderData:
    if order.get("id") in (None, ""):
        raise PayloadError("order without id")
    wc_status = text(order.get("status")).lower()
    if wc_status not in STATUS:
        raise PayloadError(f"unknown order status {wc_status!r}")
    status, payment_status = STATUS[wc_status]
    if payment_status == "pending" and order.get("date_paid_gmt"):
        payment_status = "paid"
    total = money(order.get("total"), "total")
    billing = order.get("billing") or {}
    email = text(billing.get("email"), 254)
    phone = text(billing.get("phone"), 40)
    registered = str(order.get("customer_id") or "0") not in ("", "0")
    meta = name_value_pairs(order.get("meta_data"))
    location = next((meta[k] for k in LOCATION_KEYS if meta.get(k)), "")
    user = next((meta[k] for k in USER_KEYS if meta.get(k)), "")
    pos = text(order.get("created_via")).lower() == "pos" or bool(location)
    prices_include_tax = order.get("prices_include_tax") is True
    return OrderData(
        order_id=str(order["id"]),
        placed_at=utc(order.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True),
        updated_at=utc(order.get("date_modified_gmt"), "date_modified_gmt", naive_is_utc=True),
        status=status,
        payment_status=payment_status,
        delivery_status="shipped" if wc_status == "completed" else "pending",
        pos=pos,
        created_from="WooCommerce POS" if pos else "WooCommerce",
        money={
            "discounts": money(order.get("discount_total"), "discount_total"),
            "shipping": money(order.get("shipping_total"), "shipping_total"),
            "tax": ZERO if prices_include_tax else money(order.get("total_tax"), "total_tax"),
            "total": total,
            "paid_amount": total if payment_status in ("paid", "refunded") else ZERO,
        },
        lines=tuple(_line(item) for item in order.get("line_items") or ()),
        contact=Contact(
            email=email, phone=phone,
            name=" ".join(filter(None, [text(billing.get("first_name")), text(billing.get("last_name"))]))[:150],
            # A registered customer's account email; a guest checkout's email is not verified.
            email_verified=bool(email) and registered,
        ),
        payment_method=text(order.get("payment_method"), 40),
        location_id=text(location, 100),
        user_id=text(user, 100),
        codes=tuple(text(c.get("code"), 40) for c in order.get("coupon_lines") or () if c.get("code")),
        attributes=meta,
        refunds=tuple(
            RefundData(refund_id=str(r["id"]), amount=abs(money(r.get("total"), "refunds.total")))
            for r in order.get("refunds") or () if r.get("id") not in (None, "")
        ),
    )
