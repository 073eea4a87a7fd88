from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from omo import metrics
from omo.tenancy.tasks import TenantTask

from . import due, services

BATCH_SIZE = 1000
# A burst of order events queues one drain per merchant: the first event of a quiet merchant
# queues it DRAIN_DELAY seconds ahead and holds a key as long; events meanwhile (their marks
# committed before the drain reads the marks) ride on it. The drain needs no shared key itself.
DRAIN_DELAY = 1
DRAIN_KEY = "attribution:drain:{}"
RETRY = {
    "acks_late": True,  # losing this task loses a staff member's credit
    "autoretry_for": (OperationalError,),  # e.g. a deadlock or a dropped connection
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="attribution.attribute_order", base=TenantTask, **RETRY)
def attribute_order_task(merchant_id: int, order_id: int):
    """One order. Order events no longer queue it (they mark the order due for a drain); kept so
    messages queued before that change are still consumed."""
    return services.orders_attribute(merchant_id=merchant_id, order_ids=[order_id])


@shared_task(name="attribution.attribute_orders", base=TenantTask, **RETRY)
def attribute_orders_task(merchant_id: int, order_ids: list[int]):
    """A batch (imports, the sweeper, the benchmark): same decisions, a few queries per batch."""
    return services.orders_attribute(merchant_id=merchant_id, order_ids=order_ids)


def enqueue_batches(merchant_id: int, order_ids: list[int], size: int = BATCH_SIZE) -> int:
    for start in range(0, len(order_ids), size):
        attribute_orders_task.delay(merchant_id, order_ids[start : start + size])
    return len(order_ids)


@shared_task(name="attribution.drain_due", base=TenantTask, **RETRY)
def drain_due_task(merchant_id: int):
    """Decide the merchant's due orders in one batch; a full batch queues the next at once."""
    batch = settings.ATTRIBUTION_DRAIN_BATCH
    drained = due.due_drain(merchant_id=merchant_id, limit=batch)
    if drained >= batch:
        drain_due_task.delay(merchant_id)
    return drained


def drain_request(merchant_id: int, order_id: int | None = None) -> None:
    """The attribution follower's step after an order event commits (settings.ORDER_FOLLOWERS):
    its order is marked due; queue a drain unless one is already queued for these seconds.
    Without a broker (tasks run in-process) the drain runs now, so the order is decided at once."""
    if drain_due_task.app.conf.task_always_eager:
        drain_due_task.delay(merchant_id)
    elif cache.add(DRAIN_KEY.format(merchant_id), 1, DRAIN_DELAY):
        drain_due_task.apply_async((merchant_id,), countdown=DRAIN_DELAY)


@shared_task(name="attribution.sweep_unattributed")
def sweep_unattributed_task():
    """Beat: drain merchants with orders due for over 30 s (an event or its drain was lost, e.g.
    Redis was down when they were saved). Reads only the due marks: one probe per merchant."""
    counts = due.due_counts(older_than=timezone.now() - timedelta(seconds=30))
    for merchant_id in counts:
        drain_due_task.delay(merchant_id)
    queued = sum(counts.values())
    metrics.sweeper_requeued(task=drain_due_task.name, count=queued)
    return queued
