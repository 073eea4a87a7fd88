"""Points expiry, as pure rules (no Django, no ORM): which points of an account are still open,
when they expire, and which are due.

Every positive ledger movement (earned, adjusted up, a redemption given back) opens a *lot*
that expires `months` after it was earned. Every negative movement (redemption, reversal,
adjustment down, an earlier expiry) takes points from the oldest open lots first (FIFO), so the
points a member spends are always the ones closest to expiring, and an expiry written for a
lot leaves that lot empty: running the expiry again finds nothing more to take.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo


@dataclass(frozen=True)
class Movement:
    """One ledger entry as the rules see it (ordered by time, then id)."""

    entry_id: int
    at: datetime
    points: int


@dataclass(frozen=True)
class Lot:
    """Points earned by one entry, what is left of them, and when what is left expires."""

    entry_id: int
    earned_at: datetime
    points: int
    remaining: int
    expires_at: datetime | None


def add_months(moment: datetime, months: int) -> datetime:
    """The same local time `months` later; the 31st becomes the month's last day (30th, 28th...)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def open_lots(movements: Iterable[Movement], *, months: int | None, tz: tzinfo) -> list[Lot]:
    """The lots with points left, oldest first, after every negative movement took its points
    from the oldest lots. `months` None: points never expire (`expires_at` None). Expiry dates
    are counted in the merchant's time zone `tz`."""
    lots: list[Lot] = []
    for movement in sorted(movements, key=lambda m: (m.at, m.entry_id)):
        if movement.points > 0:
            expires_at = add_months(movement.at.astimezone(tz), months) if months else None
            lots.append(Lot(movement.entry_id, movement.at, movement.points, movement.points, expires_at))
            continue
        to_take = -movement.points
        for index, lot in enumerate(lots):
            if to_take == 0:
                break
            taken = min(lot.remaining, to_take)
            if taken:
                lots[index] = replace(lot, remaining=lot.remaining - taken)
                to_take -= taken
    return [lot for lot in lots if lot.remaining > 0]


def due_lots(lots: Iterable[Lot], *, now: datetime) -> list[Lot]:
    """The lots whose expiry time has come (points left in them expire now)."""
    return [lot for lot in lots if lot.expires_at is not None and lot.expires_at <= now]


def expiring_by_day(lots: Iterable[Lot], *, now: datetime, within_days: int, tz: tzinfo) -> dict[date, int]:
    """Points that expire after `now` and at most `within_days` days later, by local expiry day
    (one notice per day's batch)."""
    by_day: dict[date, int] = {}
    for lot in lots:
        if lot.expires_at is None or lot.expires_at <= now:
            continue
        if (lot.expires_at - now).total_seconds() > within_days * 86400:
            continue
        day = lot.expires_at.astimezone(tz).date()
        by_day[day] = by_day.get(day, 0) + lot.remaining
    return by_day


def by_expiry_month(lots: Iterable[Lot], *, tz: tzinfo) -> dict[tuple[int, int] | None, int]:
    """Outstanding points by (year, month) of expiry in the merchant's time zone; None: never expire."""
    months: dict[tuple[int, int] | None, int] = {}
    for lot in lots:
        key = None
        if lot.expires_at is not None:
            local = lot.expires_at.astimezone(tz)
            key = (local.year, local.month)
        months[key] = months.get(key, 0) + lot.remaining
    return months
