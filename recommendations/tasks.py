from celery import shared_task

from omo.tenancy.tasks import TenantTask

from . import services


@shared_task(name="recommendations.sms_deliver", base=TenantTask, acks_late=True)
def sms_deliver_task(merchant_id, outbox_id):
    services.sms_deliver(merchant_id=merchant_id, outbox_id=outbox_id)
