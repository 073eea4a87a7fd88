"""Writes of the per-day campaign figures: link clicks as they come, and the counted orders moved
by `services.campaign_order_recompute` (issue 15 item 4).

The portal's date-range overview reads only `CampaignDay` rows (one per day), never the click
or order rows, so it stays cheap on a campaign with millions of either.
"""

import hashlib
import hmac
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from omo.tenancy.models import Merchant

from . import guards
from .models import Campaign, CampaignClick, CampaignDay, CampaignOrder


def _merchant(merchant) -> Merchant:
    """Services take the merchant or its id (tasks pass ids); the day rows need its time zone."""
    return merchant if isinstance(merchant, Merchant) else Merchant.objects.get(pk=merchant)


def visitor_id(*, merchant_id: int, ip: str, user_agent: str) -> str:
    """A keyed hash of the visitor's address and browser: the same visitor gets the same id, and
    the raw IP is never stored (nor recoverable without the secret key)."""
    key = hashlib.sha256(f"partners.visitor:{settings.SECRET_KEY}".encode()).digest()
    message = f"{merchant_id}|{ip}|{(user_agent or '')[:400]}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def local_day(merchant, when: datetime) -> date:
    """The merchant's calendar day of `when` (the day the partner sees it under)."""
    return timezone.localtime(when, merchant.tzinfo).date()


def _day_add(merchant, campaign_id: int, day: date, **deltas) -> None:
    days = CampaignDay.objects.for_merchant(merchant)
    updates = {name: F(name) + value for name, value in deltas.items() if value}
    if not updates:
        return
    updates["updated_at"] = timezone.now()  # a queryset update() does not run auto_now
    if days.filter(campaign_id=campaign_id, day=day).update(**updates):
        return
    try:
        with transaction.atomic():
            days.create(merchant_id=merchant.pk, campaign_id=campaign_id, day=day, **deltas)
    except IntegrityError:  # created meanwhile by another event
        days.filter(campaign_id=campaign_id, day=day).update(**updates)


@transaction.atomic
def click_record(*, merchant, campaign: Campaign, visitor: str, user_agent: str, now: datetime | None = None) -> bool:
    """Count an open of the campaign's link; True when it counted. Bots never count, nor a visitor's
    repeated opens within 30 minutes (`guards.click_counts`)."""
    if guards.is_bot(user_agent):
        return False
    now = now or timezone.now()
    clicks = CampaignClick.objects.for_merchant(merchant)
    last = (
        clicks.filter(campaign=campaign, visitor=visitor, clicked_at__gte=now - guards.CLICK_WINDOW)
        .order_by("-clicked_at").values_list("clicked_at", flat=True).first()
    )
    if not guards.click_counts(last_counted=last, now=now):
        return False
    clicks.create(merchant=merchant, campaign=campaign, visitor=visitor, clicked_at=now)
    _day_add(merchant, campaign.pk, local_day(merchant, now), clicks=1)
    return True


def order_day_move(*, merchant, record: CampaignOrder, old: tuple, new: tuple) -> None:
    """Move a referred order's figures between day rows: `old`/`new` are (placed_at, counted,
    order_total, commission) as stored before and as computed now (inside the recompute's lock)."""
    if old == new:
        return
    merchant = _merchant(merchant)
    for (placed_at, counted, total, commission), sign in ((old, -1), (new, 1)):
        if counted and placed_at is not None:
            _day_add(
                merchant, record.campaign_id, local_day(merchant, placed_at),
                order_count=sign, order_total=sign * total, commission=sign * commission,
            )


@transaction.atomic
def campaign_days_rebuild(*, merchant, campaign: Campaign) -> int:
    """Repair tool (and backfill): the order figures of every day rebuilt from the stored per-order
    figures; the click counts stay. Returns the number of days with orders."""
    merchant = _merchant(merchant)
    tz = merchant.tzinfo
    per_day = (
        CampaignOrder.objects.for_merchant(merchant).filter(campaign=campaign, counted=True)
        .annotate(day=TruncDate("placed_at", tzinfo=tz)).values("day")
        .annotate(n=Count("pk"), total=Sum("order_total"), commission=Sum("commission"))
    )
    days = CampaignDay.objects.for_merchant(merchant).filter(campaign=campaign)
    now = timezone.now()
    days.update(order_count=0, order_total=Decimal("0.00"), commission=Decimal("0.00"), updated_at=now)
    existing = set(days.values_list("day", flat=True))
    new_rows = []
    for row in per_day:
        values = {"order_count": row["n"], "order_total": row["total"] or 0, "commission": row["commission"] or 0}
        if row["day"] in existing:
            days.filter(day=row["day"]).update(**values, updated_at=now)
        else:
            new_rows.append(CampaignDay(merchant_id=merchant.pk, campaign=campaign, day=row["day"], **values))
    CampaignDay.objects.for_merchant(merchant).bulk_create(new_rows, batch_size=1000)
    return len(per_day)


def clicks_prune(*, merchant, before: datetime) -> int:
    """Delete click rows older than `before`: only the last 30 minutes matter for de-duplication and
    the per-day counters keep the figures, so the hashed visitor ids are not kept longer."""
    deleted, _by_model = CampaignClick.objects.for_merchant(merchant).filter(clicked_at__lt=before).delete()
    return deleted
