"""Sending order events to the order API the way a merchant's system does: signed JSON."""

import json
import time

from commerce import signing


def signed_headers(merchant, body: bytes, *, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "HTTP_X_OMO_TIMESTAMP": str(timestamp),
        "HTTP_X_OMO_SIGNATURE": signing.sign(merchant.order_api_secret, timestamp, body),
    }


def post_order(client, merchant, payload: dict, **kwargs):
    body = json.dumps(payload).encode()
    return client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
        **signed_headers(merchant, body, **kwargs),
    )


def order_payload(number: str, member, at, **extra) -> dict:
    return {
        "order_id": number,
        "placed_at": at.isoformat(),
        "channel": "web",
        "member": {"email": member.email},
        "money": {"item_subtotal": "120.00", "total": "120.00"},
        "lines": [{"sku": "OTHER-1", "name": "Something else", "quantity": 1, "unit_price": "120.00"}],
        **extra,
    }
