"""The one order service as a sender of order events sees it (issue: one order truth).

An update changes only what it carries, figures must add up, events of one order are applied
in the order of their `updated_at` whichever arrives first, a campaign code sent with an order
credits the partner, and a database outage is a 503 a sender's retry logic understands.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client

from commerce.models import Order, OrderEvent
from partners.models import CampaignOrder
from tests.factories import StaffFactory
from tests.order_api import order_payload, post_order
from tests.partners.helpers import bind, make_campaign, make_partner

AT = datetime(2026, 5, 1, 8, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def send(client, merchant, django_capture_on_commit_callbacks):
    def _send(payload):
        with django_capture_on_commit_callbacks(execute=True):
            return post_order(client, merchant, payload)

    return _send


def test_an_update_with_only_the_delivery_status_changes_nothing_else(merchant, member, store, send):
    cashier = StaffFactory(merchant=merchant, store=store)
    pos = order_payload(
        "POS-1", member, AT, channel="pos", status="completed", payment_status="paid", payment_method="cash",
        store=store.code, closing_staff=cashier.pk, money={"item_subtotal": "120.00", "paid_amount": "120.00"},
    )
    assert send(pos).status_code == 201

    response = send({"order_id": "POS-1", "placed_at": AT.isoformat(), "delivery_status": "delivered"})

    assert response.status_code == 200, response.content
    order = Order.objects.for_merchant(merchant).get(number="POS-1")
    assert (order.channel, order.status, order.payment_status, order.payment_method) == ("pos", "completed", "paid", "cash")
    assert (order.source_store, order.closing_staff, order.delivery_status) == (store, cashier, "delivered")
    assert (order.total, order.paid_amount, order.unpaid_amount) == (D("120.00"), D("120.00"), D("0.00"))


def test_figures_that_do_not_add_up_are_refused_naming_the_field(merchant, member, send):
    payload = order_payload("BAD-1", member, AT, money={"total": "120.00", "paid_amount": "120.00", "unpaid_amount": "120.00"})

    response = send(payload)

    assert response.status_code == 400
    assert "unpaid_amount" in response.json()["details"]
    assert not Order.objects.for_merchant(merchant).filter(number="BAD-1").exists()


def test_paying_an_order_settles_its_unpaid_amount(merchant, member, send):
    """A paid update that leaves the unpaid amount out does not keep the stale one (which once
    doubled a partner's order total)."""
    send(order_payload("PAY-1", member, AT, money={"item_subtotal": "120.00", "total": "120.00"}))
    send(order_payload("PAY-1", member, AT, payment_status="paid", money={"paid_amount": "120.00"},
                       updated_at=(AT + timedelta(minutes=5)).isoformat()))

    order = Order.objects.for_merchant(merchant).get(number="PAY-1")
    assert (order.total, order.paid_amount, order.unpaid_amount) == (D("120.00"), D("120.00"), D("0.00"))


def test_an_update_that_overtook_its_create_wins_and_the_late_create_is_stale(merchant, member, send):
    created = order_payload("RACE-1", member, AT, updated_at=AT.isoformat())
    paid = order_payload("RACE-1", member, AT, payment_status="paid", money={"item_subtotal": "120.00", "paid_amount": "120.00"},
                         updated_at=(AT + timedelta(minutes=1)).isoformat())

    first = send(paid)
    late = send(created)
    again = send(paid)

    assert (first.status_code, first.json()["outcome"]) == (201, "created")
    assert late.json()["outcome"] == "stale"
    assert again.json()["outcome"] == "duplicate"
    order = Order.objects.for_merchant(merchant).get(number="RACE-1")
    assert (order.payment_status, order.paid_amount, order.unpaid_amount) == ("paid", D("120.00"), D("0.00"))
    assert list(OrderEvent.objects.for_merchant(merchant).order_by("pk").values_list("outcome", flat=True)) == [
        "created", "stale"
    ]


def test_a_campaign_code_sent_with_an_order_earns_the_partner_commission(merchant, member, send):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner())

    response = send(order_payload("KOL-1", member, AT.replace(year=2026), campaign_code=campaign.code.lower()))

    assert response.status_code == 201
    record = CampaignOrder.objects.for_merchant(merchant).get(order__number="KOL-1")
    assert (record.campaign, record.settlement, record.commission, record.counted) == (
        campaign, D("120.00"), D("12.00"), True
    )


def test_an_unknown_campaign_code_keeps_the_order_and_credits_nobody(merchant, member, send):
    response = send(order_payload("KOL-2", member, AT, campaign_code="NOPE1234"))

    assert response.status_code == 201
    assert Order.objects.for_merchant(merchant).get(number="KOL-2").campaign_code == "NOPE1234"
    assert not CampaignOrder.objects.for_merchant(merchant).exists()


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_a_503_with_retry_after(on_postgres, merchant, member):
    """PostgreSQL cannot be reached (a restart): the sender is told to retry, not "Server error."."""
    client = Client(raise_request_exception=False)
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = post_order(client, merchant, order_payload("DOWN-1", member, AT))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]
