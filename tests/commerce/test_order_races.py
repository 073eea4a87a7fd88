"""Two events of one new order at the same moment (a store system retrying, two webhook workers),
on PostgreSQL: every order ends in the state of its newest event, with its points and commission,
and PostgreSQL reports no deadlock."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from commerce.models import Order
from loyalty import selectors as points
from loyalty.models import Offer
from partners.models import CampaignOrder
from tests.factories import MemberFactory
from tests.order_api import order_payload, post_order
from tests.partners.helpers import bind, make_campaign, make_partner

ORDERS = 200
pytestmark = pytest.mark.django_db(transaction=True)


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_create_and_paid_update_of_200_new_orders_in_parallel_pairs(on_postgres, merchant):
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="1 per 10", event="order_paid", action="points_per_amount", value=D("1"),
        per_amount=D("10"),
    )
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner())
    shoppers = [MemberFactory(merchant=merchant) for _ in range(20)]  # ten orders each: shared rows contend
    at = timezone.now() - timedelta(hours=1)
    events = []
    for i in range(ORDERS):
        shopper = shoppers[i % len(shoppers)]
        created = order_payload(f"RACE-{i}", shopper, at, campaign_code=campaign.code, updated_at=at.isoformat())
        paid = {**created, "payment_status": "paid", "money": {"item_subtotal": "120.00", "paid_amount": "120.00"},
                "updated_at": (at + timedelta(seconds=1)).isoformat()}
        events += [created, paid] if i % 2 else [paid, created]  # half of the pairs arrive reversed
    before = deadlocks()

    def deliver(payload):
        try:
            return post_order(Client(), merchant, payload).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(deliver, events))

    assert set(statuses) <= {200, 201}, statuses
    orders = Order.objects.for_merchant(merchant).filter(number__startswith="RACE-")
    assert orders.count() == ORDERS
    assert set(orders.values_list("payment_status", "paid_amount", "unpaid_amount", "total")) == {
        ("paid", D("120.00"), D("0.00"), D("120.00"))
    }
    commissions = CampaignOrder.objects.for_merchant(merchant).filter(counted=True).values_list("commission", flat=True)
    assert sorted(commissions) == [D("12.00")] * ORDERS
    for shopper in shoppers:  # 10 orders x 12 points
        assert points.points_balance(merchant=merchant, member=shopper) == 120
    assert deadlocks() == before
