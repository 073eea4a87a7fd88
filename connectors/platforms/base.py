"""What every platform adapter turns a webhook into: plain data, no Django, no ORM.

Each platform module (shopify, woocommerce, shopline) offers:
- `verify(secret, body, headers) -> bool`: the platform's own signature over the raw body;
- `envelope(headers, body) -> (delivery_id, topic)`: the de-duplication id and the topic;
- `parse(topic, payload) -> Event`: the order, refund or nothing this delivery says.
Money arrives as strings (sometimes numbers) and becomes Decimal; times arrive in the shop's time
zone (or in UTC without an offset) and become aware UTC datetimes.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from omo.money import MONEY_PLACES

ZERO = Decimal("0")
# The money columns' scale (KWD has 3 digits); the merchant's currency's own digits are applied
# when the order is handed over (connectors.services._order_body).
PLACES = Decimal(1).scaleb(-MONEY_PLACES)


class PayloadError(ValueError):
    """The payload lacks something the mapping needs (or has it in a shape we cannot read)."""


@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    barcode: str = ""


@dataclass(frozen=True)
class RefundLine:
    sku: str
    name: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class RefundData:
    refund_id: str
    amount: Decimal
    lines: tuple[RefundLine, ...] = ()


@dataclass(frozen=True)
class Contact:
    email: str = ""
    phone: str = ""
    name: str = ""
    email_verified: bool = False
    phone_verified: bool = False


@dataclass(frozen=True)
class OrderData:
    order_id: str
    placed_at: datetime | None
    updated_at: datetime | None
    status: str
    payment_status: str
    delivery_status: str
    pos: bool
    created_from: str
    money: dict[str, Decimal]
    lines: tuple[Line, ...]
    contact: Contact | None = None
    payment_method: str = ""
    location_id: str = ""
    user_id: str = ""
    codes: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    refunds: tuple[RefundData, ...] = ()


@dataclass(frozen=True)
class Event:
    kind: str  # "order" | "refund" | "ignore"
    order: OrderData | None = None
    refund: RefundData | None = None
    order_id: str = ""  # the order a refund belongs to


IGNORE = Event(kind="ignore")


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def base64_matches(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not secret:
        return False
    expected = base64.b64encode(hmac_sha256(secret, body))
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "backslashreplace"))


def hex_matches(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not secret:
        return False
    expected = hmac_sha256(secret, body).hex().encode()
    return hmac.compare_digest(expected, header.strip().lower().encode("utf-8", "backslashreplace"))


def header(headers, name: str) -> str:
    """A header by case-insensitive name ('' when absent)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, item in headers.items():
            if key.lower() == lowered:
                return str(item)
        return ""
    return str(value)


def money(value, name: str = "amount") -> Decimal:
    """A platform amount ("12.50", 12.5, null) as Decimal to the money columns' scale."""
    if value is None or value == "":
        return ZERO
    try:
        amount = Decimal(str(value)).quantize(PLACES)
    except (InvalidOperation, ValueError) as exc:
        raise PayloadError(f"{name}: not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise PayloadError(f"{name}: not an amount: {value!r}")
    return amount


def utc(value, name: str = "time", *, naive_is_utc: bool = False) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime. A time without an offset is refused unless the
    platform documents it as UTC (WooCommerce's *_gmt fields)."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PayloadError(f"{name}: not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{name}: the time has no offset: {value!r}")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def quantity(value, name: str = "quantity") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"{name}: not a whole number: {value!r}") from exc
    if number < 0:
        raise PayloadError(f"{name}: negative: {value!r}")
    return number


def text(value, limit: int = 255) -> str:
    return "" if value is None else str(value).strip()[:limit]


def name_value_pairs(items) -> dict[str, str]:
    """Shopify/SHOPLINE `note_attributes` ([{"name", "value"}]) or WooCommerce `meta_data`
    ([{"key", "value"}]) as one dict."""
    found = {}
    for item in items or ():
        if isinstance(item, dict):
            key = item.get("name", item.get("key"))
            if key is not None and isinstance(item.get("value"), (str, int, float)):
                found[str(key)] = str(item["value"])
    return found
