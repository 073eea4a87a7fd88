"""The README's integration example, step by step: create a link, the shopper opens it, the
merchant's shop sends the order (signed), then read the order's attribution and commission."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omo.api import publicid
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from tests.factories import ClickFactory, VariationFactory
from tests.order_api import post_order

pytestmark = pytest.mark.django_db


def test_link_order_attribution_and_commission(client, merchant, staff, member, django_capture_on_commit_callbacks):
    key = {"HTTP_AUTHORIZATION": f"Api-Key {api_key_create(merchant=merchant, name='Shop')[1]}"}
    base = f"/m/{merchant.slug}/api/v1/"
    tea = VariationFactory(merchant=merchant, sku="TEA-500")
    now = timezone.now()

    # 1. A campaign for a partner and a link from Amy to the member.
    campaign = client.post(base + "campaigns/", {
        "name": "Spring", "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(), "currency": merchant.currency,
        "condition": "whole_order", "commission_type": "percentage", "rate": "10.00",
    }, content_type="application/json", HTTP_IDEMPOTENCY_KEY="campaign-spring", **key).json()
    link = client.post(base + "recommendation-links/", {
        "staff": public_id(staff), "member": public_id(member), "variations": [public_id(tea)],
    }, content_type="application/json", HTTP_IDEMPOTENCY_KEY="link-1", **key)
    assert link.status_code == 201, link.content

    # 2. The shopper opens it (a click), then orders in the online shop, which sends the order.
    ClickFactory(merchant=merchant, link_id=publicid.decode("link", link.json()["id"]), member=member,
                 clicked_at=now - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        sent = post_order(client, merchant, {
            "order_id": "WEB-1001", "placed_at": now.isoformat(), "channel": "web",
            "member": {"email": member.email}, "recommendation_token": link.json()["token"],
            "campaign_code": campaign["code"],
            "money": {"item_subtotal": "320.00", "total": "320.00"},
            "lines": [{"sku": "TEA-500", "name": "Oolong", "quantity": 1, "unit_price": "320.00"}],
        })
    assert sent.status_code == 201, sent.content

    # 3. Read the order, its attribution and its commission.
    order = client.get(base + "orders/", {"number": "WEB-1001"}, **key).json()["results"][0]
    attribution = client.get(base + "attributions/", {"order": order["id"]}, **key).json()["results"][0]
    commission = client.get(base + "commissions/", {"order": order["id"]}, **key).json()["results"]

    assert attribution["reason"] == "credited" and attribution["staff"] == public_id(staff)
    assert attribution["reason_text"] == "Credited"
    assert [c["commission"] for c in commission] == ["32.00"]
    assert commission[0]["id"].startswith("comm_") and commission[0]["campaign"] == campaign["id"]
    assert commission[0]["status"] == "pending"
    approved = client.post(base + f"commissions/{commission[0]['id']}/approve/", **key)  # early approval
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.content
