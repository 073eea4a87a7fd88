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


def quantize_money(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` half-up to the currency's minor unit (TWD 0.005 -> 0.01, KWD 0.0005 -> 0.001, JPY 0.5 -> 1)."""
    exponent = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(exponent, rounding=rounding)


# Money columns keep 3 decimal places: the largest minor unit above (BHD, KWD, OMR, JOD).
MONEY_PLACES = 3
_CENT = Decimal("0.01")


def exceeds_minor_unit(amount: Decimal, currency: str) -> bool:
    """``amount`` has more (non-zero) decimal places than ``currency`` has: 1.2345 KWD, 10.5 JPY.

    Such an amount is refused where it comes in, never rounded silently. Trailing zeros do not
    count (1.2340 KWD is fine); no rounding happens here, so a huge amount cannot overflow."""
    if not amount.is_finite():
        return False
    return -amount.normalize().as_tuple().exponent > minor_unit(currency)


def at_least_cents(amount: Decimal | None) -> Decimal | None:
    """A stored amount with its own digits but at least two: 100.000 -> 100.00, 1.234 stays.

    What a 3-place money column reads back as, so a 2-digit amount keeps the text it had in
    2-place columns (CSV files, API figures, messages); a KWD 1.230 reads 1.23 and is shown
    with its currency's digits by the formatters (omo.formats, `money_text`)."""
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent >= -2:
        return amount
    cents = amount.quantize(_CENT)
    return cents if cents == amount else amount


def money_text(amount: Decimal | None, currency: str) -> str:
    """An amount as plain text with exactly the currency's digits (CSV cells): "1.234" KWD,
    "100.00" TWD, "1200" JPY; empty for no amount."""
    if amount is None:
        return ""
    return f"{quantize_money(Decimal(amount), currency):f}"
