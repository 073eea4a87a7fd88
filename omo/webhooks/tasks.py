from celery import shared_task

from omo.tenancy.tasks import TenantTask, requeue_due

from . import services


@shared_task(name="webhooks.deliver", base=TenantTask, acks_late=True)
def deliver_task(merchant_id, delivery_id):
    """One attempt of one delivery; a no-op unless the delivery is due (idempotent per delivery)."""
    services.delivery_attempt(merchant=merchant_id, delivery_id=delivery_id)


@shared_task(name="webhooks.endpoint_disabled_notify", base=TenantTask, acks_late=True)
def endpoint_disabled_notify_task(merchant_id, endpoint_id):
    services.endpoint_disabled_notify(merchant=merchant_id, endpoint_id=endpoint_id)


@shared_task(name="webhooks.sweep_due")
def sweep_due_task():
    """Beat: queue every delivery whose retry is due (and any whose first event was lost)."""
    return requeue_due(services.due_delivery_ids, deliver_task, grace_seconds=0)
