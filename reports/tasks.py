from celery import shared_task
from django.conf import settings

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask, requeue_due

from . import services


@shared_task(
    name="reports.export_orders",
    base=TenantTask,
    acks_late=True,  # a lost export leaves the admin waiting on a bar that never moves
    # Many million rows take minutes, longer than the default task limits; the broker's
    # visibility timeout is derived from this limit (settings).
    time_limit=settings.REPORTS_EXPORT_TIME_LIMIT,
    soft_time_limit=settings.REPORTS_EXPORT_TIME_LIMIT - 30,
)
def export_orders_task(merchant_id: int, job_id: int):
    merchant = Merchant.objects.get(pk=merchant_id)
    job = services.export_job_run(merchant=merchant, job_id=job_id)
    return job.status if job else None


@shared_task(name="reports.sweep_stalled_exports")
def sweep_stalled_exports_task():
    """Beat, every minute: run exports whose task was lost (Redis restored or flushed)."""
    return requeue_due(services.export_jobs_stalled_ids, export_orders_task, grace_seconds=120)
