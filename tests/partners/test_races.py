"""Duplicate events of one order processed at the same time never double count (PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from partners import services
from partners.models import CampaignOrder, CampaignProductSales, CampaignStats
from tests.factories import MerchantFactory, VariationFactory
from tests.partners.helpers import line, make_campaign, referred_order


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_events_count_once(on_postgres):
    merchant = MerchantFactory()
    campaign = make_campaign(merchant, rate="10")
    tea = VariationFactory(merchant=merchant)
    orders = [
        referred_order(merchant, campaign, number=f"R{n}", lines=[line(tea, 1, "100.00")], paid_amount=Decimal("100"))
        for n in range(3)
    ]
    # Back to "saved, not computed yet" so that every thread has real work to race on.
    CampaignOrder.objects.for_merchant(merchant).update(
        counted=False, settlement=0, commission=0, order_total=0, ranked_quantities={}, computed_at=None
    )
    CampaignStats.objects.for_merchant(merchant).update(order_count=0, order_total=0, commission_total=0, settlement_total=0)
    CampaignProductSales.objects.for_merchant(merchant).update(quantity=0)
    barrier = threading.Barrier(6)
    errors = []

    def worker(order_id):
        try:
            barrier.wait()
            services.campaign_order_recompute(merchant=merchant.pk, order_id=order_id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(o.pk,)) for o in orders for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    stats = CampaignStats.objects.for_merchant(merchant).get(campaign=campaign)
    assert (stats.order_count, stats.order_total, stats.commission_total) == (3, Decimal("300.00"), Decimal("30.00"))
    assert CampaignProductSales.objects.for_merchant(merchant).get(campaign=campaign).quantity == 3
