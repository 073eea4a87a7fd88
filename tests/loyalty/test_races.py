"""Concurrent redemptions on PostgreSQL: the account row lock serialises them.

SQLite has no row locks (it serialises whole-database writes), so the race is
only meaningful on PostgreSQL; CI runs this file there.
"""

from decimal import Decimal as D

import pytest
from django.db import connection

from commerce.models import Order
from loyalty import selectors, services
from loyalty.models import PointsLedgerEntry
from tests.factories import OrderFactory
from tests.races import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock race needs PostgreSQL (SQLite locks the whole file)"
    ),
]


@pytest.mark.parametrize("attempt", range(5))
def test_two_redemptions_of_more_than_half_the_balance(merchant, member, attempt):
    services.points_adjust(merchant=merchant, member=member, points=100, reason="Welcome")
    orders = [OrderFactory(merchant=merchant, member=member, payment_status=Order.PaymentStatus.PENDING)
              for _ in range(2)]

    results = at_once([
        lambda order=order: services.points_redeem_for_order(merchant=merchant, member=member, points=60, order=order)
        for order in orders
    ])

    succeeded = [r for r in results if isinstance(r, services.Redemption)]
    refused = [r for r in results if isinstance(r, services.NotEnoughPoints)]
    assert (len(succeeded), len(refused)) == (1, 1), results
    assert succeeded[0].amount == D("6.00")
    assert selectors.points_balance(merchant=merchant, member=member) == 40
    redeemed = PointsLedgerEntry.objects.for_merchant(merchant).filter(source="checkout")
    assert [entry.points for entry in redeemed] == [-60]


def test_two_cash_requests_in_one_month(merchant, staff):
    services.points_adjust(merchant=merchant, staff=staff, points=1000, reason="Sales bonus")

    results = at_once([
        lambda: services.cash_redemption_request(merchant=merchant, staff=staff, points=100),
        lambda: services.cash_redemption_request(merchant=merchant, staff=staff, points=100),
    ])

    refused = [r for r in results if isinstance(r, services.CashRedemptionRefused)]
    assert len(refused) == 1, results
    assert selectors.points_balance(merchant=merchant, staff=staff) == 900


def test_replayed_order_events_at_once_earn_once(merchant, member):
    from loyalty.models import Offer

    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="100", event="order_paid", action="fixed_points", value=D("100")
    )
    order = OrderFactory(merchant=merchant, member=member, payment_status=Order.PaymentStatus.PAID)

    results = at_once([lambda: services.order_points_settle(merchant=merchant, order_id=order.pk)] * 3)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert selectors.points_balance(merchant=merchant, member=member) == 100
