"""Expiry and a redemption at the same moment (PostgreSQL): the account row lock serialises
them, so the balance never goes negative and no point is both spent and expired."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connections, transaction

from commerce.models import Order
from loyalty import selectors, services
from loyalty.models import LoyaltySettings, PointsLedgerEntry
from loyalty.services import expiry
from loyalty.services.ledger import Kind, Source, _post, account_lock
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects which call failed and why
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


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

    results = _race([
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
