from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask

from . import services


@shared_task(
    name="attribution.attribute_order",
    base=TenantTask,
    acks_late=True,  # losing this task loses a staff member's credit
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def attribute_order_task(merchant_id: int, order_id: int):
    attribution = services.order_attribute(merchant_id=merchant_id, order_id=order_id)
    return attribution.reason if attribution else None


@shared_task(name="attribution.sweep_unattributed")
def sweep_unattributed_task():
    """Beat: queue orders whose attribution event never ran (e.g. Redis was down when saved)."""
    cutoff = timezone.now() - timedelta(seconds=30)
    queued = 0
    for merchant_id in Merchant.objects.values_list("pk", flat=True):
        for order_id in services.unattributed_order_ids(merchant_id=merchant_id, older_than=cutoff):
            attribute_order_task.delay(merchant_id, order_id)
            queued += 1
    return queued
