"""Money amounts: Decimal, rounded half-up to the currency's minor unit (SPEC section 5)."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units. Anything not listed uses 2, the ISO value for most
# currencies.
_MINOR_UNITS: dict[str, int] = {
    "TWD": 2,
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "RUB": 2,
    "SGD": 2,
    "MYR": 2,
    "THB": 2,
    "PHP": 2,
    "IDR": 2,
    "AUD": 2,
    "CAD": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
}
_DEFAULT_MINOR_UNIT = 2


def minor_unit(currency: str) -> int:
    """Decimal places of ``currency`` (ISO 4217); 2 when unknown."""
    return _MINOR_UNITS.get(currency.strip().upper(), _DEFAULT_MINOR_UNIT)


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the currency's minor unit (0.005 -> 0.01)."""
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)
