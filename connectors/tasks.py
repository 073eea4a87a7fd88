from celery import shared_task
from django.db import InterfaceError, OperationalError

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask, requeue_due

from . import selectors, services


@shared_task(
    name="connectors.process_delivery",
    base=TenantTask,
    acks_late=True,  # a delivery whose worker died is processed by the next one
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def process_delivery_task(merchant_id: int, delivery_id: int):
    """Map one stored webhook delivery onto the order service. Idempotent (the delivery's status)."""
    merchant = Merchant.objects.get(pk=merchant_id)
    return services.delivery_process(merchant=merchant, delivery_id=delivery_id).status


@shared_task(name="connectors.sweep_pending")
def sweep_pending_task():
    """Beat, every minute: process deliveries stored whose task never reached a worker."""
    return requeue_due(selectors.pending_delivery_ids, process_delivery_task)
