"""Demo data for points expiry: a 12-month policy, a member who agreed to notices with points
earned 11 months and 3 weeks ago, and the notice the expiry job sends them (the console SMS
backend prints it). Idempotent: the earning is keyed, the notice is once per batch."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from loyalty.models import LoyaltySettings
from loyalty.services import expiry
from loyalty.services.ledger import Kind, Source, _post, account_lock
from members.models import Member


def seed_expiry(merchant) -> None:
    LoyaltySettings.objects.for_merchant(merchant).update_or_create(
        merchant=merchant, defaults={"points_expire_months": 12, "expiry_notice_days": 14}
    )
    member = Member.objects.for_merchant(merchant).exclude(phone="").order_by("pk").first()
    if member is None:
        return
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(points_notices=True)
    member.points_notices = True
    with transaction.atomic():
        account = account_lock(merchant=merchant, member=member)
        _post(account, kind=Kind.ADJUST, points=120, source=Source.MANUAL, key="demo:expiring-points",
              at=timezone.now() - timedelta(days=365 - 14 + 7), description="Demo: points about to expire")
    expiry.expiry_notices_send(merchant=merchant)
