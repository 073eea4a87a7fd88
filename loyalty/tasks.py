from celery import shared_task
from django.db import OperationalError

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask

from . import services


@shared_task(
    name="loyalty.order_points",
    base=TenantTask,
    acks_late=True,  # losing this task loses a member's points
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def order_points_task(merchant_id: int, order_id: int):
    """Earn or reverse an order's points. Idempotent: ledger keys make a replay write nothing."""
    merchant = Merchant.objects.get(pk=merchant_id)
    return len(services.order_points_settle(merchant=merchant, order_id=order_id))
