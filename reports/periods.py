"""Time ranges of the reports, in the merchant's time zone. Pure: no ORM.

A range is a span of whole local days, inclusive at both ends as a person reads it
("1 to 7 March"); in storage it is the half-open UTC interval
[first day 00:00 local, day after the last day 00:00 local), so an order at 23:59:59
local on the last day is in and one at 00:00:00 the next day is out, whatever the
server's time zone and across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TODAY = "today"
LAST_7_DAYS = "7d"
LAST_30_DAYS = "30d"
CUSTOM = "custom"

CHOICES = [
    (TODAY, _("Today")),
    (LAST_7_DAYS, _("Last 7 days")),
    (LAST_30_DAYS, _("Last 30 days")),
    (CUSTOM, _("Custom")),
]
_DAYS = {TODAY: 1, LAST_7_DAYS: 7, LAST_30_DAYS: 30}
# A custom range longer than this is refused: a year of daily points is the most a chart shows usefully.
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    key: str
    first_day: dt.date
    last_day: dt.date
    tz: ZoneInfo

    @property
    def start(self) -> dt.datetime:
        """First instant inside the range (aware, local midnight of the first day)."""
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=self.tz)

    @property
    def end(self) -> dt.datetime:
        """First instant after the range (aware, local midnight after the last day)."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def hourly(self) -> bool:
        """A one-day range is charted by hour, longer ones by day."""
        return self.days == 1

    def buckets(self) -> list:
        """Every chart bucket of the range: local hours (0-23) of the day, or the dates."""
        if self.hourly:
            return list(range(24))
        return [self.first_day + dt.timedelta(days=n) for n in range(self.days)]


def _parse_date(value, name):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Enter a valid date for %(name)s (YYYY-MM-DD).") % {"name": name}) from None


def period_resolve(*, key: str, tz: ZoneInfo, now: dt.datetime, first_day=None, last_day=None) -> Period:
    """The period the user picked. ``now`` is any aware instant; "today" is its local date."""
    key = key or LAST_7_DAYS
    today = now.astimezone(tz).date()
    if key in _DAYS:
        return Period(key, today - dt.timedelta(days=_DAYS[key] - 1), today, tz)
    if key != CUSTOM:
        raise ValidationError(_("Unknown time range."))
    if not first_day or not last_day:
        raise ValidationError(_("Choose the first and the last day of the range."))
    first, last = _parse_date(first_day, "start"), _parse_date(last_day, "end")
    if first > last:
        raise ValidationError(_("The first day must not be after the last day."))
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(_("Choose at most %(days)d days.") % {"days": MAX_DAYS})
    return Period(CUSTOM, first, last, tz)


def day_bounds(*, tz: ZoneInfo, first_day=None, last_day=None):
    """UTC-comparable bounds of an optional day range (either end may be missing)."""
    start = end = None
    if first_day:
        start = dt.datetime.combine(_parse_date(first_day, "from"), dt.time.min, tzinfo=tz)
    if last_day:
        end = dt.datetime.combine(_parse_date(last_day, "to") + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    if start and end and start >= end:
        raise ValidationError(_("The first day must not be after the last day."))
    return start, end
