from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from omo import metrics
from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask

from . import services

BATCH_SIZE = 1000
RETRY = {
    "acks_late": True,  # losing this task loses a staff member's credit
    "autoretry_for": (OperationalError,),  # e.g. a deadlock or a dropped connection
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="attribution.attribute_order", base=TenantTask, **RETRY)
def attribute_order_task(merchant_id: int, order_id: int):
    return services.orders_attribute(merchant_id=merchant_id, order_ids=[order_id])


@shared_task(name="attribution.attribute_orders", base=TenantTask, **RETRY)
def attribute_orders_task(merchant_id: int, order_ids: list[int]):
    """A batch (imports, the sweeper, the benchmark): same decisions, a few queries per batch."""
    return services.orders_attribute(merchant_id=merchant_id, order_ids=order_ids)


def enqueue_batches(merchant_id: int, order_ids: list[int], size: int = BATCH_SIZE) -> int:
    for start in range(0, len(order_ids), size):
        attribute_orders_task.delay(merchant_id, order_ids[start : start + size])
    return len(order_ids)


@shared_task(name="attribution.sweep_unattributed")
def sweep_unattributed_task():
    """Beat: queue orders whose attribution event never ran (e.g. Redis was down when saved)."""
    cutoff = timezone.now() - timedelta(seconds=30)
    queued = 0
    for merchant_id in Merchant.objects.values_list("pk", flat=True):
        ids = services.unattributed_order_ids(merchant_id=merchant_id, older_than=cutoff, limit=50 * BATCH_SIZE)
        queued += enqueue_batches(merchant_id, ids)
    metrics.sweeper_requeued(task=attribute_orders_task.name, count=queued)
    return queued
