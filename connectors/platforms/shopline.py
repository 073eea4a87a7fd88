"""SHOPLINE order webhooks (developer.shopline.com, "Webhooks" overview and order events).

- Signature: `X-Shopline-Hmac-Sha256`, HMAC-SHA256 of the raw body keyed on the app secret
  (Developer Center > Apps > App credentials). The docs' signature section gives the digest as a
  lowercase hex string; a base64 digest (as Shopify sends) is accepted as well, it proves the same.
- De-duplication: `X-Shopline-Webhook-Id`, unchanged when SHOPLINE retries a message.
- Topics: orders/create, orders/updated (also spelt orders/update), orders/cancelled, orders/paid,
  refunds/create. The order resource follows Shopify's shape (id, name, line_items, discount_codes,
  note_attributes, refunds, financial_status, ...); money as strings, times with the store's offset.
"""

from .base import IGNORE, Event, PayloadError, base64_matches, header, hex_matches
from .shopify import order_data, refund_data

SIGNATURE_HEADER = "X-Shopline-Hmac-Sha256"
ORDER_TOPICS = {"orders/create", "orders/updated", "orders/update", "orders/cancelled", "orders/paid", "orders/edited"}
REFUND_TOPICS = {"refunds/create"}


def verify(secret: str, body: bytes, headers) -> bool:
    signature = header(headers, SIGNATURE_HEADER)
    return hex_matches(secret, body, signature) or base64_matches(secret, body, signature)


def envelope(headers, body: bytes) -> tuple[str, str]:
    return header(headers, "X-Shopline-Webhook-Id"), header(headers, "X-Shopline-Topic")


def parse(topic: str, payload: dict) -> Event:
    # Some SHOPLINE events wrap the resource: {"data": {...}} or {"order": {...}}.
    for key in ("data", "order", "refund"):
        if isinstance(payload.get(key), dict) and "id" not in payload:
            payload = payload[key]
            break
    if topic in REFUND_TOPICS:
        if not payload.get("order_id"):
            raise PayloadError("refund without order_id")
        return Event(kind="refund", refund=refund_data(payload), order_id=str(payload["order_id"]))
    if topic in ORDER_TOPICS:
        return Event(kind="order", order=order_data(payload, platform="SHOPLINE"))
    return IGNORE
