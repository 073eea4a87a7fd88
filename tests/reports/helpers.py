"""Building performance and export scenarios for the reports tests."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from attribution.models import Attribution
from attribution.rollups import rollups_rebuild
from attribution.rules import Reason
from members.models import Member
from tests.factories import MemberFactory, OrderFactory

TAIPEI = ZoneInfo("Asia/Taipei")


def local(*args, tz=TAIPEI):
    """An aware datetime given as wall time in the merchant's zone (Asia/Taipei by default)."""
    return datetime(*args, tzinfo=tz)


def credited_order(merchant, staff, *, at, total="100.00", store=None, **fields):
    """An order credited to ``staff`` (at ``store``, default the staff's store)."""
    order = OrderFactory(merchant=merchant, placed_at=at, total=Decimal(total), **fields)
    Attribution.objects.for_merchant(merchant).create(
        merchant=merchant,
        order=order,
        reason=Reason.CREDITED,
        store=store or staff.store,
        staff=staff,
        click_at=at,
        order_at=at,
    )
    rollups_rebuild(merchant=merchant)  # rows written past the worker: add them up again
    return order


def uncredited_order(merchant, *, at, total="100.00", reason=Reason.NO_CLICK, **fields):
    order = OrderFactory(merchant=merchant, placed_at=at, total=Decimal(total), **fields)
    Attribution.objects.for_merchant(merchant).create(
        merchant=merchant, order=order, reason=reason, order_at=at
    )
    rollups_rebuild(merchant=merchant)
    return order


def registered_member(merchant, staff, *, at, store=None, **fields):
    member = MemberFactory(merchant=merchant, registered_by=staff, registered_store=store or staff.store, **fields)
    # created_at is set on insert; move it to the moment the test needs.
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(created_at=at)
    rollups_rebuild(merchant=merchant)
    return member


def now_at(monkeypatch, when):
    """Freeze django.utils.timezone.now for the reports code."""
    monkeypatch.setattr(timezone, "now", lambda: when)
