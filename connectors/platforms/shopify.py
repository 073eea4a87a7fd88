"""Shopify order webhooks (REST resource payloads, shopify.dev "Webhooks" reference).

- Signature: `X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 of the raw body keyed on the app's client
  secret (or the key shown under Settings > Notifications > Webhooks for store-created webhooks).
- De-duplication: `X-Shopify-Event-Id` (the same on every retry of one event), else
  `X-Shopify-Webhook-Id`.
- Topics: orders/create, orders/updated, orders/cancelled (full order payloads; edits, payments and
  fulfilments arrive as orders/updated) and refunds/create (a refund payload with `order_id`).
- Money: strings ("199.00"); times: ISO 8601 with the shop's offset ("2026-03-01T10:00:00-05:00").
"""

from .base import (
    IGNORE,
    ZERO,
    Contact,
    Event,
    Line,
    OrderData,
    PayloadError,
    RefundData,
    RefundLine,
    base64_matches,
    header,
    money,
    name_value_pairs,
    quantity,
    text,
    utc,
)

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
ORDER_TOPICS = {"orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/edited"}
REFUND_TOPICS = {"refunds/create"}

FINANCIAL_STATUS = {
    "pending": "pending",
    "authorized": "pending",
    "partially_paid": "partial",
    "paid": "paid",
    "partially_refunded": "paid",  # the refunded part is a return (returned_amount)
    "refunded": "refunded",
    "voided": "pending",
}


def verify(secret: str, body: bytes, headers) -> bool:
    return base64_matches(secret, body, header(headers, SIGNATURE_HEADER))


def envelope(headers, body: bytes) -> tuple[str, str]:
    delivery_id = header(headers, "X-Shopify-Event-Id") or header(headers, "X-Shopify-Webhook-Id")
    return delivery_id, header(headers, "X-Shopify-Topic")


def parse(topic: str, payload: dict) -> Event:
    if topic in REFUND_TOPICS:
        if not payload.get("order_id"):
            raise PayloadError("refund without order_id")
        return Event(kind="refund", refund=refund_data(payload), order_id=str(payload["order_id"]))
    if topic in ORDER_TOPICS:
        return Event(kind="order", order=order_data(payload, platform="Shopify"))
    return IGNORE


def refund_data(refund: dict) -> RefundData:
    """A Shopify/SHOPLINE refund: its successful refund transactions are the amount given back;
    `refund_line_items` say which units came back (returned quantity per SKU)."""
    transactions = [t for t in refund.get("transactions") or () if isinstance(t, dict)]
    paid_back = sum(
        (money(t.get("amount"), "transactions.amount") for t in transactions
         if t.get("kind") == "refund" and t.get("status", "success") == "success"),
        ZERO,
    )
    lines = []
    for item in refund.get("refund_line_items") or ():
        line_item = item.get("line_item") or {}
        lines.append(RefundLine(
            sku=text(line_item.get("sku"), 64),
            name=text(line_item.get("name") or line_item.get("title")),
            quantity=quantity(item.get("quantity"), "refund_line_items.quantity"),
            amount=money(item.get("subtotal"), "refund_line_items.subtotal"),
        ))
    if not transactions:  # no transaction listed: the refunded lines are the amount
        paid_back = sum((line.amount for line in lines), ZERO)
    if refund.get("id") in (None, ""):
        raise PayloadError("refund without id")
    return RefundData(refund_id=str(refund["id"]), amount=paid_back, lines=tuple(lines))


def shipping_amount(order: dict):
    shipping_set = (order.get("total_shipping_price_set") or {}).get("shop_money") or {}
    if shipping_set.get("amount") is not None:
        return money(shipping_set["amount"], "total_shipping_price_set")
    return sum((money(line.get("price"), "shipping_lines.price") for line in order.get("shipping_lines") or ()), ZERO)


def order_data(order: dict, *, platform: str) -> OrderData:
    """A Shopify-shaped order resource (Shopify, and SHOPLINE which follows the same shape)."""
    if order.get("id") in (None, ""):
        raise PayloadError("order without id")
    lines = tuple(
        Line(
            sku=text(item.get("sku"), 64),
            barcode=text(item.get("barcode"), 64),
            name=text(item.get("name") or item.get("title")),
            quantity=quantity(item.get("quantity"), "line_items.quantity"),
            unit_price=money(item.get("price"), "line_items.price"),
        )
        for item in order.get("line_items") or ()
    )
    total = money(order.get("total_price"), "total_price")
    financial = text(order.get("financial_status")).lower()
    payment_status = FINANCIAL_STATUS.get(financial, "pending")
    if payment_status in ("paid", "refunded"):
        paid = total
    elif payment_status == "partial":
        paid = max(total - money(order.get("total_outstanding"), "total_outstanding"), ZERO)
    else:
        paid = ZERO
    customer = order.get("customer") or {}
    email = text(customer.get("email") or order.get("email"), 254)
    phone = text(customer.get("phone") or order.get("phone"), 40)
    name = " ".join(filter(None, [text(customer.get("first_name")), text(customer.get("last_name"))]))
    contact = Contact(
        email=email, phone=phone, name=name[:150],
        email_verified=bool(email) and customer.get("verified_email") is True,
        phone_verified=bool(phone) and customer.get("phone_verified") is True,
    )
    fulfillment = text(order.get("fulfillment_status")).lower()
    if order.get("cancelled_at"):
        status = "cancelled"
    elif fulfillment == "fulfilled" or order.get("closed_at"):
        status = "completed"
    else:
        status = "processing"
    source = text(order.get("source_name")).lower()
    pos = source == "pos"
    gateways = order.get("payment_gateway_names") or []
    return OrderData(
        order_id=str(order["id"]),
        placed_at=utc(order.get("processed_at") or order.get("created_at"), "created_at"),
        updated_at=utc(order.get("updated_at"), "updated_at"),
        status=status,
        payment_status=payment_status,
        delivery_status="shipped" if fulfillment == "fulfilled" else "pending",
        pos=pos,
        created_from=f"{platform} POS" if pos else platform,
        money={
            "discounts": money(order.get("total_discounts"), "total_discounts"),
            "shipping": shipping_amount(order),
            "tax": ZERO if order.get("taxes_included") else money(order.get("total_tax"), "total_tax"),
            "total": total,
            "paid_amount": paid,
        },
        lines=lines,
        contact=contact,
        payment_method=text(gateways[0] if gateways else "", 40),
        location_id=text(order.get("location_id"), 100) if pos else "",
        user_id=text(order.get("user_id"), 100) if pos else "",
        codes=tuple(text(code.get("code"), 40) for code in order.get("discount_codes") or () if code.get("code")),
        attributes=name_value_pairs(order.get("note_attributes")),
        refunds=tuple(refund_data(refund) for refund in order.get("refunds") or ()),
    )
