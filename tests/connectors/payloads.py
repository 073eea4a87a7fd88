"""Webhook payloads as each platform documents them (field names, money as strings, their time
zones, their refund shapes), and a signed POST the way each platform sends it. Never live calls."""

import base64
import hashlib
import hmac
import itertools
import json

_ids = itertools.count(1)


def _b64(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _hex(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- Shopify (shopify.dev: orders/create, orders/updated, orders/cancelled, refunds/create) ----------


def shopify_order(order_id, *, email, created_at, updated_at, financial_status="paid", fulfillment_status=None,
                  cancelled_at=None, code="", link="", lines=(("TEA-1", "Oolong", 2, "100.00"),), refunds=(),
                  source_name="web", location_id=None, user_id=None, verified_email=True):
    subtotal = sum(int(q) * float(p) for _, _, q, p in lines)
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{1000 + order_id % 1000}",
        "order_number": 1000 + order_id % 1000,
        "email": email,
        "created_at": created_at,
        "updated_at": updated_at,
        "processed_at": created_at,
        "cancelled_at": cancelled_at,
        "cancel_reason": "customer" if cancelled_at else None,
        "closed_at": None,
        "currency": "TWD",
        "financial_status": financial_status,
        "fulfillment_status": fulfillment_status,
        "source_name": source_name,
        "location_id": location_id,
        "user_id": user_id,
        "taxes_included": False,
        "total_line_items_price": f"{subtotal:.2f}",
        "subtotal_price": f"{subtotal:.2f}",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "total_price": f"{subtotal:.2f}",
        "total_outstanding": "0.00",
        "total_shipping_price_set": {"shop_money": {"amount": "0.00", "currency_code": "TWD"},
                                     "presentment_money": {"amount": "0.00", "currency_code": "TWD"}},
        "payment_gateway_names": ["shopify_payments"],
        "discount_codes": [{"code": code, "amount": "0.00", "type": "percentage"}] if code else [],
        "note_attributes": [{"name": "omo_link", "value": link}] if link else [],
        "customer": {"id": 207119551, "email": email, "first_name": "Mei", "last_name": "Lin",
                     "verified_email": verified_email, "phone": None, "state": "enabled"},
        "line_items": [
            {"id": 466157049 + i, "variant_id": 39072856 + i, "sku": sku, "name": name, "title": name,
             "quantity": qty, "price": price, "total_discount": "0.00", "taxable": True}
            for i, (sku, name, qty, price) in enumerate(lines)
        ],
        "refunds": list(refunds),
        "shipping_lines": [],
    }


def shopify_refund(refund_id, order_id, *, created_at, sku="TEA-1", quantity=1, amount="100.00"):
    return {
        "id": refund_id,
        "order_id": order_id,
        "created_at": created_at,
        "note": "Returned one",
        "restock": True,
        "refund_line_items": [
            {"id": 104689539, "line_item_id": 466157049, "quantity": quantity, "restock_type": "return",
             "subtotal": float(amount), "total_tax": 0.0,
             "line_item": {"id": 466157049, "sku": sku, "name": "Oolong", "price": "100.00", "quantity": 2}}
        ],
        "transactions": [
            {"id": 179259969, "order_id": order_id, "kind": "refund", "gateway": "shopify_payments",
             "status": "success", "amount": amount, "currency": "TWD"}
        ],
        "order_adjustments": [],
    }


def shopify_headers(secret, body, topic, event_id=None):
    event_id = event_id or f"evt-{next(_ids)}"
    return {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_HMAC_SHA256": _b64(secret, body),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "acme-tea.myshopify.com",
        "HTTP_X_SHOPIFY_API_VERSION": "2025-01",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": f"wh-{event_id}",
        "HTTP_X_SHOPIFY_EVENT_ID": event_id,
        "HTTP_X_SHOPIFY_TRIGGERED_AT": "2026-03-01T10:00:00.000Z",
    }


# -- WooCommerce (REST API v3 order resource; webhooks order.created / order.updated) ---------------


def woo_order(order_id, *, email, created_gmt, modified_gmt, status="processing", code="", link="",
              lines=(("TEA-1", "Oolong", 2, "100.00"),), refunds=(), customer_id=12, meta=()):
    subtotal = sum(int(q) * float(p) for _, _, q, p in lines)
    meta_data = [{"id": 900 + i, "key": k, "value": v} for i, (k, v) in enumerate(meta)]
    if link:
        meta_data.append({"id": 999, "key": "omo_link", "value": link})
    return {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": f"wc_order_{order_id}",
        "created_via": "checkout",
        "version": "9.6.0",
        "status": status,
        "currency": "TWD",
        # Site-local times (Asia/Taipei) and the same instants in GMT without an offset.
        "date_created": "2026-03-01T18:00:00",
        "date_created_gmt": created_gmt,
        "date_modified": "2026-03-01T18:05:00",
        "date_modified_gmt": modified_gmt,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": f"{subtotal:.2f}",
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": customer_id,
        "billing": {"first_name": "Mei", "last_name": "Lin", "email": email, "phone": "", "country": "TW"},
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "date_paid": "2026-03-01T18:01:00" if status not in ("pending", "on-hold", "failed") else None,
        "date_paid_gmt": created_gmt if status not in ("pending", "on-hold", "failed") else None,
        "meta_data": meta_data,
        "line_items": [
            {"id": 315 + i, "name": name, "product_id": 93 + i, "variation_id": 0, "quantity": qty,
             "tax_class": "", "subtotal": f"{qty * float(price):.2f}", "subtotal_tax": "0.00",
             "total": f"{qty * float(price):.2f}", "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": sku,
             "price": float(price)}
            for i, (sku, name, qty, price) in enumerate(lines)
        ],
        "coupon_lines": [{"id": 321, "code": code, "discount": "0.00", "discount_tax": "0.00"}] if code else [],
        "refunds": list(refunds),
    }


def woo_headers(secret, body, topic, delivery_id=None):
    resource, event = topic.split(".")
    return {
        "HTTP_X_WC_WEBHOOK_SOURCE": "https://tea.example.com/",
        "HTTP_X_WC_WEBHOOK_TOPIC": topic,
        "HTTP_X_WC_WEBHOOK_RESOURCE": resource,
        "HTTP_X_WC_WEBHOOK_EVENT": event,
        "HTTP_X_WC_WEBHOOK_SIGNATURE": _b64(secret, body),
        "HTTP_X_WC_WEBHOOK_ID": "7",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": delivery_id or f"{next(_ids)}",
    }


# -- SHOPLINE (developer.shopline.com: order webhooks, Shopify-shaped order resource) ---------------


def shopline_order(order_id, **kwargs):
    order = shopify_order(order_id, **kwargs)
    order["id"] = str(order_id)  # SHOPLINE ids are strings
    order["name"] = f"#SL{order_id}"
    order["current_total_price"] = order["total_price"]
    return order


def shopline_refund(refund_id, order_id, **kwargs):
    refund = shopify_refund(refund_id, order_id, **kwargs)
    refund["id"], refund["order_id"] = str(refund_id), str(order_id)
    return refund


def shopline_headers(secret, body, topic, webhook_id=None):
    return {
        "HTTP_X_SHOPLINE_TOPIC": topic,
        "HTTP_X_SHOPLINE_HMAC_SHA256": _hex(secret, body),
        "HTTP_X_SHOPLINE_SHOP_DOMAIN": "acme-tea.myshopline.com",
        "HTTP_X_SHOPLINE_SHOP_ID": "1660000000000",
        "HTTP_X_SHOPLINE_MERCHANT_ID": "2000000000",
        "HTTP_X_SHOPLINE_API_VERSION": "v20251201",
        "HTTP_X_SHOPLINE_WEBHOOK_ID": webhook_id or f"sl-{next(_ids)}",
    }


HEADERS = {"shopify": shopify_headers, "woocommerce": woo_headers, "shopline": shopline_headers}


def post_webhook(client, connection, secret, payload, topic, *, delivery_id=None, signature_secret=None):
    body = json.dumps(payload).encode()
    headers = HEADERS[connection.kind](signature_secret or secret, body, topic, delivery_id)
    return client.post(f"/m/{connection.merchant.slug}/connections/in/{connection.key}/", data=body,
                       content_type="application/json", **headers)
