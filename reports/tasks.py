from celery import shared_task

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask

from . import services


@shared_task(
    name="reports.export_orders",
    base=TenantTask,
    acks_late=True,  # a lost export leaves the admin waiting on a bar that never moves
    # A million-row export takes minutes, longer than the default task limits.
    time_limit=3600,
    soft_time_limit=3300,
)
def export_orders_task(merchant_id: int, job_id: int):
    merchant = Merchant.objects.get(pk=merchant_id)
    job = services.export_job_run(merchant=merchant, job_id=job_id)
    return job.status if job else None
