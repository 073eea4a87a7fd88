from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask, requeue_due

from . import clicks, notifications, payouts, services


@shared_task(
    name="partners.order_campaign_update",
    base=TenantTask,
    acks_late=True,  # losing this event would leave a partner's figures stale
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def order_campaign_update_task(merchant_id: int, order_id: int):
    """Recompute a referred order's figures and its campaign's aggregates; no-op without a campaign.

    Safe to run for every order event (create, edit, cancel, split) and to replay.
    """
    record = services.campaign_order_recompute(merchant=merchant_id, order_id=order_id)
    return str(record.commission) if record else None


@shared_task(
    name="partners.campaign_recompute",
    base=TenantTask,
    acks_late=True,  # losing it would leave the figures on the old commission rules
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def campaign_recompute_task(merchant_id: int, campaign_id: int):
    """After a campaign's commission rules changed: recompute each referred order (one short
    transaction each, idempotent, so a retry or a replay after a crash is safe)."""
    order_ids = services.campaign_order_ids(merchant=merchant_id, campaign_id=campaign_id)
    for order_id in order_ids:
        services.campaign_order_recompute(merchant=merchant_id, order_id=order_id)
    return len(order_ids)


@shared_task(name="partners.sweep_uncomputed")
def sweep_uncomputed_task():
    """Beat, every minute: queue referred orders whose recompute never ran, or not since their last
    change (e.g. the broker was down)."""
    return requeue_due(services.uncomputed_order_ids, order_campaign_update_task)


# --- partner-growth: the daily digest of new referred orders ------------------------------------


@shared_task(name="partners.digest_sweep")
def digest_sweep_task(day: str | None = None):
    """Beat, daily: one digest task per partner who takes the digest (each is idempotent per day)."""
    day = day or timezone.now().date().isoformat()
    partner_ids = notifications.digest_partner_ids()
    for partner_id in partner_ids:
        partner_digest_task.delay(partner_id, day)
    return len(partner_ids)


@shared_task(
    name="partners.partner_digest",
    acks_late=True,
    autoretry_for=(OperationalError, OSError),  # the database or the mail server, briefly away
    retry_backoff=True,
    max_retries=5,
)
def partner_digest_task(partner_id: int, day: str):
    """Mail one partner their new referred orders; a rerun on the same day sends nothing."""
    digest = notifications.partner_digest_send(partner_id=partner_id, day=date.fromisoformat(day))
    return digest.order_count if digest else 0


@shared_task(name="partners.clicks_prune")
def clicks_prune_task():
    """Beat, daily: click rows past `PARTNER_CLICK_RETENTION_DAYS` go, merchant by merchant."""
    before = timezone.now() - timedelta(days=settings.PARTNER_CLICK_RETENTION_DAYS)
    return sum(clicks.clicks_prune(merchant=merchant_id, before=before)
               for merchant_id in Merchant.objects.values_list("pk", flat=True))


# --- commission lifecycle (partners/payouts.py) ---------------------------------------------


@shared_task(name="partners.commission_approve_due", base=TenantTask, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def commission_approve_due_task(merchant_id: int, commission_id: int):
    """Approve one pending commission whose return window has passed (idempotent)."""
    item = payouts.commission_approve_due(merchant=merchant_id, commission_id=commission_id)
    return item.status if item else None


@shared_task(name="partners.sweep_commissions_due")
def sweep_commissions_due_task():
    """Beat: queue the approval of pending commissions whose return window has passed."""
    return requeue_due(payouts.due_commission_ids, commission_approve_due_task, grace_seconds=0)


@shared_task(name="partners.commission_month_recompute", base=TenantTask, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def commission_month_recompute_task(merchant_id: int, record_id: int):
    """A referred order's settled sales changed in a campaign with tiers: recompute the later orders
    of its month (their prior sales changed). Each is idempotent."""
    order_ids = payouts.later_in_month_order_ids(merchant=merchant_id, record_id=record_id)
    for order_id in order_ids:
        services.campaign_order_recompute(merchant=merchant_id, order_id=order_id)
    return len(order_ids)
