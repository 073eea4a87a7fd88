"""Member events at the same moment on PostgreSQL: one event id is recorded once, and two awards
never spend the same budget (the deduction account's row lock serialises them)."""

from decimal import Decimal as D

import pytest
from django.db import connection

from loyalty import selectors, services
from loyalty.models import MemberEventInbox, Offer, PointsBudget
from tests.factories import MemberFactory
from tests.races import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row-lock race needs PostgreSQL (SQLite locks the whole file)"
    ),
]


def _install_offer(merchant, **fields):
    return Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Install", event="app_installed", action="fixed_points", value=D("100"), **fields
    )


def test_the_same_event_sent_twice_at_once_awards_once(merchant, member):
    _install_offer(merchant)

    results = at_once([
        lambda: services.member_event_record(merchant=merchant, event_id="e-1", event="app_install",
                                             email=member.email)
        for _ in range(2)
    ])

    assert sorted(r.outcome for r in results) == ["duplicate", "recorded"], results
    assert MemberEventInbox.objects.for_merchant(merchant).count() == 1
    assert selectors.points_balance(merchant=merchant, member=member) == 100


def test_two_awards_racing_for_the_last_of_a_budget(merchant):
    budget = PointsBudget.objects.for_merchant(merchant).create(merchant=merchant, name="Launch", budget=150)
    _install_offer(merchant, deduction_account=budget)
    members = [MemberFactory(merchant=merchant) for _ in range(2)]

    results = at_once([
        lambda m=m, i=i: services.member_event_record(merchant=merchant, event_id=f"i-{i}", event="app_install",
                                                      email=m.email)
        for i, m in enumerate(members)
    ])

    assert sorted(r.points for r in results) == [50, 100], results
    (row,) = selectors.budget_list(merchant=merchant)
    assert (row.awarded, row.remaining) == (150, 0)
