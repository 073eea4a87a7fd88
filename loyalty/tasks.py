from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from members.models import Member

from omo.tenancy.models import Merchant
from omo.tenancy.tasks import TenantTask, requeue_due

from . import expiry_selectors, selectors, services
from .models import Offer
from .offers import local_day
from .services import expiry


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


@shared_task(name="loyalty.sweep_points_due")
def sweep_points_due_task():
    """Beat, every minute: settle the points of orders whose event never reached a worker."""
    return requeue_due(services.points_due_order_ids, order_points_task)


@shared_task(name="loyalty.birthday_sweep")
def birthday_sweep_task():
    """Beat, hourly: queue each merchant with birthday offers (its local day comes round at its own midnight)."""
    merchant_ids = selectors.merchants_with_active_offers(event=Offer.Event.BIRTHDAY)
    for merchant_id in merchant_ids:
        merchant_birthdays_task.delay(merchant_id)
    return len(merchant_ids)


@shared_task(name="loyalty.merchant_birthdays", base=TenantTask, acks_late=True)
def merchant_birthdays_task(merchant_id: int):
    """Award today's birthday offers to the merchant's members; once a year each (ledger key)."""
    merchant = Merchant.objects.get(pk=merchant_id)
    day = local_day(timezone.now(), merchant.tzinfo)
    awarded = 0
    for member in Member.objects.for_merchant(merchant).filter(
        pk__in=selectors.birthday_member_ids(merchant=merchant, day=day)
    ):
        awarded += len(services.birthday_award(merchant=merchant, member=member))
    return awarded


@shared_task(name="loyalty.expiry_sweep")
def expiry_sweep_task():
    """Beat, hourly: queue each merchant whose points expire (one task per merchant)."""
    merchant_ids = expiry_selectors.merchants_with_points_expiry()
    for merchant_id in merchant_ids:
        merchant_points_expiry_task.delay(merchant_id)
    return len(merchant_ids)


@shared_task(name="loyalty.merchant_points_expiry", base=TenantTask, acks_late=True)
def merchant_points_expiry_task(merchant_id: int):
    """Expire the merchant's due points, then send the notices now due. Idempotent: expiry entries
    are keyed by the lot they expire, notices recorded once per batch."""
    merchant = Merchant.objects.get(pk=merchant_id)
    expired = expiry.merchant_points_expire(merchant=merchant)
    notified = expiry.expiry_notices_send(merchant=merchant)
    return {"expired": expired, "notified": notified}
