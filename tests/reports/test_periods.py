from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from reports.periods import period_resolve

NEW_YORK = ZoneInfo("America/New_York")


def test_a_day_of_daylight_saving_change_is_23_hours_long():
    # 8 March 2026: clocks in New York jump from 02:00 to 03:00.
    period = period_resolve(key="custom", tz=NEW_YORK, now=datetime.now(dt_timezone.utc),
                            first_day="2026-03-08", last_day="2026-03-08")

    assert period.end.astimezone(dt_timezone.utc) - period.start.astimezone(dt_timezone.utc) == timedelta(hours=23)
    assert period.start.astimezone(dt_timezone.utc) == datetime(2026, 3, 8, 5, 0, tzinfo=dt_timezone.utc)
    assert period.hourly and len(period.buckets()) == 24


def test_30_days_ends_today_in_the_merchants_zone():
    now = datetime(2026, 3, 9, 23, 30, tzinfo=dt_timezone.utc)  # already 10 March in Taipei

    period = period_resolve(key="30d", tz=ZoneInfo("Asia/Taipei"), now=now)

    assert (period.first_day.isoformat(), period.last_day.isoformat()) == ("2026-02-09", "2026-03-10")
    assert len(period.buckets()) == 30


@pytest.mark.parametrize(
    ("first", "last"),
    [("2026-03-02", "2026-03-01"), ("", "2026-03-01"), ("2026-13-01", "2026-03-01"), ("2024-01-01", "2026-01-01")],
)
def test_bad_custom_ranges_are_refused(first, last):
    with pytest.raises(ValidationError):
        period_resolve(key="custom", tz=NEW_YORK, now=datetime.now(dt_timezone.utc), first_day=first, last_day=last)
