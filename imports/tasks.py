from celery import shared_task

from omo.tenancy.tasks import TenantTask

from . import services


@shared_task(name="imports.check", base=TenantTask, acks_late=True)
def import_check_task(merchant_id, job_id):
    services.import_check_run(merchant=merchant_id, job_id=job_id)


@shared_task(name="imports.apply", base=TenantTask, acks_late=True)
def import_apply_task(merchant_id, job_id):
    services.import_apply_run(merchant=merchant_id, job_id=job_id)
