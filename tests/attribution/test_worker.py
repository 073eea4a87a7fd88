"""Attribution through a real Celery worker process on the real Redis broker (CI runs these)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from attribution.models import Attribution
from commerce import services
from tests.factories import ClickFactory, LinkFactory, MemberFactory

pytestmark = pytest.mark.worker


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_order_event_is_attributed_by_the_worker_process(celery_worker_process, merchant, staff, member):
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=3))

    order = services.order_create(merchant=merchant, number="W-1", channel="web", lines=[], member=member,
                                  item_subtotal="50.00")

    attributions = Attribution.objects.for_merchant(merchant)
    assert wait_for(lambda: attributions.filter(order=order).exists(), timeout=30), celery_worker_process.log()
    attribution = attributions.get(order=order)
    assert (attribution.reason, attribution.staff, attribution.store) == ("credited", staff, staff.store)


def test_worker_killed_mid_burst_loses_nothing_and_credits_once(celery_worker_process, merchant, staff):
    # Given 150 shoppers who each clicked Amy's link, and a worker that is killed part-way
    burst = 150
    members = [MemberFactory(merchant=merchant) for _ in range(burst)]
    for m in members:
        link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=m)
        ClickFactory(merchant=merchant, link=link, member=m, clicked_at=timezone.now() - timedelta(hours=1))
    attributions = Attribution.objects.for_merchant(merchant)
    # Drains of 10 orders, so the burst spans many tasks and the kill lands between them.
    celery_worker_process.restart(ATTRIBUTION_DRAIN_BATCH="10")

    # When their orders arrive and the worker is SIGKILLed after it has started on them
    for i, m in enumerate(members):
        services.order_create(merchant=merchant, number=f"B-{i}", channel="web", lines=[], member=m,
                              item_subtotal="10.00")
    assert wait_for(lambda: attributions.count() >= 10, timeout=30), celery_worker_process.log()
    celery_worker_process.kill()
    done_before_restart = attributions.count()
    assert done_before_restart < burst, "the worker finished before it could be killed; enlarge the burst"
    # A new worker redelivers the task that was in flight (acks_late) and takes the rest.
    celery_worker_process.restart(
        CELERY_VISIBILITY_TIMEOUT="2", CELERY_UNACKED_RESTORE_INTERVAL="1", CELERY_UNACKED_RESTORE_THROTTLE="1"
    )

    # Then every order is attributed exactly once, all credited to Amy
    assert wait_for(lambda: attributions.count() == burst, timeout=90), celery_worker_process.log()
    time.sleep(1)
    assert attributions.count() == burst
    assert attributions.filter(reason="credited", staff=staff).count() == burst
