"""Reads for points expiry: an account's open lots (what is left of each earning and when it
expires) and the merchant's points liability by expiry month. The rules are `loyalty.expiry`."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django_scopes import scopes_disabled

from omo.money import quantize_money

from . import expiry as rules
from .models import ExpiryNotice, LoyaltySettings, PointsAccount, PointsLedgerEntry



def expiry_settings(merchant) -> LoyaltySettings:
    """The merchant's loyalty settings (unsaved defaults when they have none yet)."""
    return LoyaltySettings.objects.for_merchant(merchant).filter(merchant=merchant).first() or LoyaltySettings(
        merchant=merchant
    )


def _movements(entries) -> Iterator[tuple[int, rules.Movement]]:
    for account_id, entry_id, at, points in entries:
        yield account_id, rules.Movement(entry_id=entry_id, at=at, points=points)


def merchants_with_points_expiry() -> list[int]:
    """Merchants whose points expire (beat queues one task each)."""
    with scopes_disabled():
        return list(
            LoyaltySettings.objects.filter(points_expire_months__isnull=False).values_list("merchant_id", flat=True)
        )


def account_open_lots(*, merchant, account_id: int, months: int | None) -> list[rules.Lot]:
    """The account's lots with points left, oldest first (one query)."""
    entries = PointsLedgerEntry.objects.for_merchant(merchant).filter(account_id=account_id)
    rows = entries.order_by("created_at", "id").values_list("account_id", "id", "created_at", "points")
    return rules.open_lots((movement for _account, movement in _movements(rows)), months=months, tz=merchant.tzinfo)


def accounts_open_lots(*, merchant, months: int | None, member_only: bool = False) -> Iterator[tuple[int, list]]:
    """(account id, open lots) for every account with points left: one query over their entries,
    read in account order (no query per account)."""
    accounts = PointsAccount.objects.for_merchant(merchant).filter(balance__gt=0)
    if member_only:
        accounts = accounts.filter(member__isnull=False)
    rows = (
        PointsLedgerEntry.objects.for_merchant(merchant)
        .filter(account__in=accounts)
        .order_by("account_id", "created_at", "id")
        .values_list("account_id", "id", "created_at", "points")
    )
    current, movements = None, []
    for account_id, movement in _movements(rows.iterator(chunk_size=2000)):
        if account_id != current:
            if current is not None:
                yield current, rules.open_lots(movements, months=months, tz=merchant.tzinfo)
            current, movements = account_id, []
        movements.append(movement)
    if current is not None:
        yield current, rules.open_lots(movements, months=months, tz=merchant.tzinfo)


def expiring_account_ids(*, merchant, now) -> list[int]:
    """Accounts with points whose expiry time has come."""
    months = expiry_settings(merchant).points_expire_months
    if not months:
        return []
    return [
        account_id
        for account_id, lots in accounts_open_lots(merchant=merchant, months=months)
        if rules.due_lots(lots, now=now)
    ]


def notices_due(*, merchant, now) -> list[tuple[PointsAccount, date, int]]:
    """(member account, expiry day, points) of the batches a consenting member has not yet been told
    about and that expire within the merchant's notice days."""
    settings = expiry_settings(merchant)
    if not settings.points_expire_months:
        return []
    batches = []
    for account_id, lots in accounts_open_lots(merchant=merchant, months=settings.points_expire_months,
                                               member_only=True):
        for day, points in rules.expiring_by_day(
            lots, now=now, within_days=settings.expiry_notice_days, tz=merchant.tzinfo
        ).items():
            batches.append((account_id, day, points))
    if not batches:
        return []
    sent = set(
        ExpiryNotice.objects.for_merchant(merchant)
        .filter(account_id__in={account_id for account_id, _day, _points in batches})
        .values_list("account_id", "expires_on")
    )
    accounts = PointsAccount.objects.for_merchant(merchant).select_related("member").in_bulk(
        {account_id for account_id, _day, _points in batches}
    )
    return [
        (accounts[account_id], day, points)
        for account_id, day, points in batches
        if (account_id, day) not in sent and accounts[account_id].member.points_notices
    ]


@dataclass(frozen=True)
class LiabilityRow:
    month: date | None  # first day of the expiry month; None: points that never expire
    points: int
    value: Decimal


@dataclass(frozen=True)
class Liability:
    rows: list[LiabilityRow]
    points: int
    value: Decimal
    point_value: Decimal
    expire_months: int | None


def points_liability(*, merchant) -> Liability:
    """Outstanding points of every account and their money value (the settings' point value), by
    the month they expire in (merchant's time zone), soonest first; never-expiring points last."""
    settings = expiry_settings(merchant)
    totals: dict = {}
    for _account_id, lots in accounts_open_lots(merchant=merchant, months=settings.points_expire_months):
        for key, points in rules.by_expiry_month(lots, tz=merchant.tzinfo).items():
            totals[key] = totals.get(key, 0) + points
    point_value = Decimal(settings.point_value)
    keys = sorted(key for key in totals if key is not None) + ([None] if None in totals else [])
    rows = [
        LiabilityRow(
            month=date(key[0], key[1], 1) if key else None,
            points=totals[key],
            value=quantize_money(totals[key] * point_value, merchant.currency),
        )
        for key in keys
    ]
    total_points = sum(row.points for row in rows)
    return Liability(
        rows=rows,
        points=total_points,
        value=quantize_money(total_points * point_value, merchant.currency),
        point_value=point_value,
        expire_months=settings.points_expire_months,
    )
