from celery import shared_task

from omo.tenancy.tasks import TenantTask, requeue_due

from . import services


@shared_task(name="recommendations.sms_deliver", base=TenantTask, acks_late=True)
def sms_deliver_task(merchant_id, outbox_id):
    services.sms_deliver(merchant_id=merchant_id, outbox_id=outbox_id)


@shared_task(name="recommendations.sweep_sms_queued")
def sweep_sms_queued_task():
    """Beat, every minute: deliver texts whose delivery task never arrived (lost with Redis)."""
    return requeue_due(services.sms_undelivered_ids, sms_deliver_task, grace_seconds=120)
