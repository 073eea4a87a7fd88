"""Expiry and a redemption at the same moment (PostgreSQL): the account row lock serialises
them, so the balance never goes negative and no point is both spent and expired."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from commerce.models import Order
from loyalty import selectors, services
from loyalty.models import LoyaltySettings, PointsLedgerEntry
from loyalty.services import expiry
from loyalty.services.ledger import Kind, Source, _post, account_lock
from tests.factories import OrderFactory
from tests.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempt", range(5))
def test_expiry_and_redemption_at_the_same_moment(on_postgres, merchant, member, attempt):
    LoyaltySettings.objects.for_merchant(merchant).update_or_create(
        merchant=merchant, defaults={"points_expire_months": 6}
    )
    with transaction.atomic():
        account = account_lock(merchant=merchant, member=member)
        _post(account, kind=Kind.ADJUST, points=100, source=Source.MANUAL, key="old",
              at=datetime(2024, 1, 10, tzinfo=UTC))
    order = OrderFactory(merchant=merchant, member=member, payment_status=Order.PaymentStatus.PENDING)

    results = at_once([
        lambda: expiry.merchant_points_expire(merchant=merchant),
        lambda: services.points_redeem_for_order(merchant=merchant, member=member, points=80, order=order),
    ])

    entries = PointsLedgerEntry.objects.for_merchant(merchant).order_by("id")
    balance = selectors.points_balance(merchant=merchant, member=member)
    assert balance == 0
    assert all(entry.balance_after >= 0 for entry in entries)
    redeemed = [-e.points for e in entries if e.kind == Kind.REDEEM]
    expired = [-e.points for e in entries if e.kind == Kind.EXPIRE]
    assert sum(redeemed) + sum(expired) == 100  # each point either spent or expired, once
    if isinstance(results[1], services.Redemption):  # the redemption came first
        assert (redeemed, expired) == ([80], [20])
    else:  # the expiry came first: the redemption is refused
        assert isinstance(results[1], services.NotEnoughPoints), results
        assert (redeemed, expired) == ([], [100])
