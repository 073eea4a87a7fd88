"""Public read API: balance and ledger history, one merchant at a time."""

import pytest

from loyalty import selectors
from loyalty.models import PointsAccount, PointsLedgerEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _credit(merchant, member, points, key):
    account, _ = PointsAccount.objects.for_merchant(merchant).get_or_create(merchant=merchant, member=member)
    account.balance += points
    account.save()
    return PointsLedgerEntry.objects.for_merchant(merchant).create(
        merchant=merchant, account=account, kind="earn", points=points, balance_after=account.balance,
        source="manual", idempotency_key=key,
    )


def test_member_without_points_has_zero_balance_and_no_history(merchant, member):
    assert selectors.points_balance(merchant=merchant, member=member) == 0
    assert list(selectors.ledger_list(merchant=merchant, member=member)) == []


def test_balance_and_history_newest_first(merchant, member):
    first = _credit(merchant, member, 30, "a")
    second = _credit(merchant, member, 20, "b")

    assert selectors.points_balance(merchant=merchant, member=member) == 50
    assert list(selectors.ledger_list(merchant=merchant, member=member)) == [second, first]


def test_cannot_see_the_other_merchants_member(merchant, other_merchant):
    theirs = MemberFactory(merchant=other_merchant)
    _credit(other_merchant, theirs, 40, "x")

    assert selectors.points_balance(merchant=merchant, member=theirs) == 0
    assert list(selectors.ledger_list(merchant=merchant, member=theirs)) == []
