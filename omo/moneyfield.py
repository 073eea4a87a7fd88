"""The money column: numeric with 3 decimal places, enough for every currency's minor unit
(KWD, BHD, OMR, JOD have 3; omo.money).

An amount reads back with its own digits but at least two (`omo.money.at_least_cents`): a TWD
100.000 reads 100.00 as it did from the 2-place columns, a KWD 1.234 reads 1.234. Which digits
a person sees is the formatters' choice (omo.formats, omo.money.money_text), by currency."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from omo.money import MONEY_PLACES, at_least_cents, exceeds_minor_unit, minor_unit

# 12 digits before the point, as the 2-place columns had (commerce.services.MONEY_MAX).
MONEY_MAX_DIGITS = 12 + MONEY_PLACES


class MoneyField(models.DecimalField):
    def __init__(self, *args, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_PLACES, **kwargs):
        super().__init__(*args, max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def from_db_value(self, value, expression, connection):
        return at_least_cents(value)


def money_places_message(currency: str) -> str:
    """Why an amount with more decimal places than its currency has is refused (never rounded)."""
    places = minor_unit(currency)
    if not places:
        return _("%(currency)s amounts have no decimal places.") % {"currency": currency}
    return ngettext(
        "%(currency)s amounts have at most %(places)d decimal place.",
        "%(currency)s amounts have at most %(places)d decimal places.",
        places,
    ) % {"currency": currency, "places": places}


def money_places_check(amount: Decimal, currency: str) -> None:
    """ValidationError when ``amount`` has more decimal places than ``currency`` (KWD 1.2345, JPY 10.5)."""
    if exceeds_minor_unit(amount, currency):
        raise ValidationError(money_places_message(currency), code="money_places")


class MoneyFormField(forms.DecimalField):
    """A form's amount in ``currency``: at most that currency's decimal places (refused, not
    rounded); the columns' 3 places when no currency is given."""

    def __init__(self, *, currency: str = "", **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(**kwargs)
        self.currency = currency

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and self.currency and value.is_finite():
            money_places_check(value, self.currency)
