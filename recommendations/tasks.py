from celery import shared_task

from omo.tenancy.tasks import TenantTask, requeue_due

from omo.tenancy.models import Merchant

from . import cards, services


@shared_task(name="recommendations.sms_deliver", base=TenantTask, acks_late=True)
def sms_deliver_task(merchant_id, outbox_id):
    services.sms_deliver(merchant_id=merchant_id, outbox_id=outbox_id)


@shared_task(name="recommendations.sweep_sms_queued")
def sweep_sms_queued_task():
    """Beat, every minute: deliver texts whose delivery task never arrived (lost with Redis)."""
    return requeue_due(services.sms_undelivered_ids, sms_deliver_task, grace_seconds=120)


@shared_task(name="recommendations.cards_build", base=TenantTask)
def cards_build_task(merchant_id, link_ids):
    """After a share: the new links' cards, so the shopper's first open finds them (idempotent)."""
    return cards.cards_build_for(merchant=Merchant.objects.get(pk=merchant_id), link_ids=link_ids)


@shared_task(name="recommendations.cards_refresh", base=TenantTask)
def cards_refresh_task(merchant_id, variation_ids, staff_ids, store_ids):
    """After a catalog edit: the cards showing what changed, rebuilt from the committed rows."""
    return cards.cards_refresh(merchant=Merchant.objects.get(pk=merchant_id), variation_ids=variation_ids,
                               staff_ids=staff_ids, store_ids=store_ids)
