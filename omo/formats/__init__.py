"""Money, times and dates as a person reads them: one formatter each, in the active language.

Money goes through Babel's CLDR currency patterns (`format_currency`'s pattern): the locale's
grouping and symbol, and the currency's minor unit (omo.money: JPY 0, KWD 3, most others 2),
unless the merchant chose how many digits to show (Merchant.money_decimals, e.g. TWD with 0).

Times are shown in the active time zone (the merchant's on its pages and in the admin:
omo.tenancy.middleware) with the zone written after them. Django's own date formats get the
zone too (the packages beside this file, FORMAT_MODULE_PATH), so admin change lists show it.

The money columns keep 3 decimal places (omo.moneyfield), so a 3-digit currency (KWD, BHD, OMR,
JOD) is stored, shown and exported with all its digits.
"""

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from django.utils import timezone
from django.utils.translation import get_language, to_locale

from omo.money import minor_unit


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def current_locale() -> Locale:
    return _locale(get_language() or "en")


def money_digits(currency: str, decimals: int | None = None) -> int:
    """Digits after the decimal point: the merchant's choice when set, else the currency's minor unit."""
    return minor_unit(currency or "") if decimals is None else int(decimals)


def format_money(amount, currency: str, *, decimals: int | None = None, locale: Locale | None = None) -> str:
    """`amount` in `currency` as the active language writes it: "NT$1,200", "1 200,00 NT$", "KWD1.250"."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    locale = locale or current_locale()
    currency = (currency or "").strip().upper() or "XXX"
    digits = money_digits(currency, decimals)
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern.apply(value, locale, currency=currency, currency_digits=False)


def merchant_money(amount, merchant) -> str:
    """`amount` in the merchant's currency with the merchant's digits."""
    return format_money(amount, merchant.currency, decimals=getattr(merchant, "money_decimals", None))


def format_when(value, *, tz=None, locale: Locale | None = None) -> str:
    """A moment in the active (or given) zone, in the locale's format, with the zone shown:
    "Dec 3, 2026, 12:23 AM GMT+08:00"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        tz = tz or timezone.get_current_timezone()
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        local = value.astimezone(tz)
        locale = locale or current_locale()
        return f"{format_datetime(local, 'medium', locale=locale)} {format_datetime(local, 'ZZZZ', locale=locale)}"
    return format_day(value, locale=locale)


def format_day(value, *, locale: Locale | None = None) -> str:
    """A date in the locale's format ("Dec 3, 2026", "2026年12月3日", "3 дек. 2026 г.")."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return format_date(value, "medium", locale=locale or current_locale())
