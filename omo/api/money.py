"""Money in API bodies: amounts in the merchant's currency with that currency's digits.

In: up to the currency's minor unit (KWD 3, TWD 2, JPY 0); more digits are refused with a
400 naming the field, never rounded. Out: a string with exactly those digits ("3.702" KWD,
"100.00" TWD, "1200" JPY). The currency is the merchant's (the serializer context's
`merchant`); without one, the columns' 3 places bound the input and the output keeps the
amount's own digits, at least two."""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

from omo.money import MONEY_PLACES, at_least_cents, money_text, quantize_money
from omo.moneyfield import MONEY_MAX_DIGITS, money_places_check


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(**kwargs)

    @property
    def currency(self) -> str:
        return getattr(self.context.get("merchant"), "currency", "") or ""

    def validate_precision(self, value):
        currency = self.currency
        if currency and value.is_finite():
            try:
                money_places_check(value, currency)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code="money_places") from None
            if value.adjusted() < MONEY_MAX_DIGITS:  # larger: refused as too many digits below
                value = quantize_money(value, currency)  # equal in value: only trailing zeros go
        return super().validate_precision(value)

    def to_representation(self, value):
        if value is None:
            return None
        value = Decimal(str(value))
        currency = self.currency
        text = money_text(value, currency) if currency else f"{at_least_cents(self.quantize(value)):f}"
        return text if _as_string(self) else Decimal(text)


class RateField(serializers.DecimalField):
    """A commission rate: a percentage, or an amount when the commission is fixed. Stored in a
    money column (3 places); written with its own digits, at least two ("10.00", "1.125")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        text = f"{at_least_cents(self.quantize(Decimal(str(value)))):f}"
        return text if _as_string(self) else Decimal(text)


def _as_string(field) -> bool:
    return getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
