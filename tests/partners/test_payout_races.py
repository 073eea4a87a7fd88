"""Two payout batches created at the same moment never take the same commission; an approval and a
rejection at once leave one state and totals that add up (PostgreSQL row locks)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import payouts
from partners.models import Commission, CommissionTotals, PayoutLine
from tests.factories import MerchantFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order
from tests.races import at_once


@pytest.mark.django_db(transaction=True)
def test_concurrent_payouts_take_each_commission_once(on_postgres):
    merchant = MerchantFactory()
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner(email="kol@example.com"))
    tea = VariationFactory(merchant=merchant)
    for n in range(3):
        referred_order(merchant, campaign, number=f"R{n}", lines=[line(tea, 1, "100.00")], paid_amount=Decimal("100"))
    for item in Commission.objects.for_merchant(merchant):
        payouts.commission_approve(merchant=merchant, commission=item)
    today = timezone.localdate(timezone=merchant.tzinfo)

    def create():
        return payouts.payout_create(merchant=merchant.pk, period_start=today, period_end=today,
                                     currency=campaign.currency)

    results = at_once([create, create])

    created = [r for r in results if not isinstance(r, Exception)]
    assert len(created) == 1 and created[0].total == Decimal("30.00")
    assert all(isinstance(r, ValidationError) for r in results if isinstance(r, Exception))
    assert PayoutLine.objects.for_merchant(merchant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_approve_and_reject_at_once_leave_one_state(on_postgres):
    merchant = MerchantFactory()
    campaign = make_campaign(merchant, rate="10")
    tea = VariationFactory(merchant=merchant)
    referred_order(merchant, campaign, number="R1", lines=[line(tea, 1, "100.00")], paid_amount=Decimal("100"))
    item = Commission.objects.for_merchant(merchant).get()

    at_once([
        lambda: payouts.commission_approve(merchant=merchant.pk, commission=item),
        lambda: payouts.commission_reject(merchant=merchant.pk, commission=item, reason="Duplicate"),
    ])

    item.refresh_from_db()
    totals = CommissionTotals.objects.for_merchant(merchant).get(campaign=campaign)
    assert item.status in ("approved", "rejected")
    assert totals.pending == 0
    assert totals.approved + totals.rejected == Decimal("10.00")
    assert getattr(totals, item.status) == Decimal("10.00")
