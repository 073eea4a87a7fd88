"""Writes on orders: the one order service.

Every way an order comes in (storefront checkout, the signed order API, the Django admin, a
connector) creates, updates and cancels it through `order_create` / `order_update` /
`order_cancel`. Each checks the money figures, saves, and tells the followers once
(`events.order_changed`: in-transaction marks, after-commit tasks).
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omo import metrics
from omo.money import exceeds_minor_unit
from omo.moneyfield import money_places_message

from .events import order_changed
from .models import Order, OrderLine, Variation

MONEY_FIELDS = (
    "item_subtotal",
    "discounts",
    "store_credit",
    "points_redeemed",
    "shipping",
    "surcharge",
    "tax",
    "total",
    "paid_amount",
    "unpaid_amount",
    "returned_amount",
    "preorder_paid",
    "preorder_outstanding",
    "edited_amount",
)
# What `order_update` may change besides money; `number`, `merchant` and `currency` never change.
ORDER_FIELDS = (
    "member",
    "channel",
    "created_from",
    "source_store",
    "closing_staff",
    "recommendation_token",
    "campaign_code",
    "parent",
    "status",
    "payment_status",
    "payment_method",
    "delivery_status",
    "placed_at",
    "is_preorder",
)
ZERO = Decimal("0")
# The money columns (numeric(15, 3)) hold 12 digits before the point: a larger figure is refused
# with its name, never a 500.
MONEY_MAX = Decimal("999999999999.99")
# An order cannot be placed before the platform's time or more than a day ahead of the clock.
PLACED_AT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
PLACED_AT_AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class LineInput:
    variation: Variation | None
    quantity: int
    unit_price: Decimal
    product_name: str = ""
    sku: str = ""
    kind: str = ""
    category: str = ""
    returned_quantity: int = 0
    returned_amount: Decimal = ZERO
    recommended: bool = False

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


def build_line(merchant, order, line: LineInput) -> OrderLine:
    variation = line.variation
    product = variation.product if variation else None
    return OrderLine(
        merchant=merchant,
        order=order,
        variation=variation,
        product_name=line.product_name or (str(variation) if variation else ""),
        sku=line.sku or (variation.sku if variation else ""),
        kind=line.kind or (product.kind if product else "regular"),
        category=line.category or (product.category if product else ""),
        quantity=line.quantity,
        unit_price=line.unit_price,
        line_subtotal=line.subtotal,
        returned_quantity=line.returned_quantity,
        returned_amount=line.returned_amount,
        recommended=line.recommended,
    )


def order_total(money: dict) -> Decimal:
    """Order amount the shopper pays: the goods less deductions (never below zero) plus
    shipping, surcharge and tax."""
    goods = (
        money.get("item_subtotal", ZERO)
        - money.get("discounts", ZERO)
        - money.get("store_credit", ZERO)
        - money.get("points_redeemed", ZERO)
    )
    return max(goods, ZERO) + money.get("shipping", ZERO) + money.get("surcharge", ZERO) + money.get("tax", ZERO)


TOTAL_INPUTS = ("item_subtotal", "discounts", "store_credit", "points_redeemed", "shipping", "surcharge", "tax")


def _money_derive(current: dict, given: dict, lines: list[LineInput] | None) -> dict:
    """The order's figures after an event that gave `given` (and maybe new `lines`).

    What the event leaves out follows from what it gave: the item subtotal from new lines, the
    total from its parts when one of them changed, and the unpaid amount from the total and the
    paid amount. A figure the event gives is taken as it is, and then checked.
    """
    money = {**current, **given}
    if lines and "item_subtotal" not in given:  # no lines: an order sent without line details
        money["item_subtotal"] = sum((line.subtotal for line in lines), ZERO)
    if "total" not in given and any(money[k] != current.get(k, ZERO) for k in TOTAL_INPUTS):
        money["total"] = order_total(money)
    if "unpaid_amount" not in given and (
        money["total"] != current.get("total", ZERO) or money["paid_amount"] != current.get("paid_amount", ZERO)
    ):
        money["unpaid_amount"] = money["total"] - money["paid_amount"]
    return money


def _money_check(money: dict, given: dict, lines: list[LineInput] | None, currency: str) -> None:
    """Figures that cannot all be true are refused, naming the field (nothing is written).

    An amount with more decimal places than the currency has (KWD 1.2345, JPY 10.5) is refused
    too: rounding it here would change what the shop said."""
    errors = {}
    for name in MONEY_FIELDS:
        if abs(money[name]) > MONEY_MAX:
            errors[name] = _("This amount is too large.")
        elif name in given and exceeds_minor_unit(given[name], currency):
            errors[name] = money_places_message(currency)
    for line in lines or ():
        if line.subtotal > MONEY_MAX:
            errors["lines"] = _("A line's quantity × unit price is too large.")
        elif exceeds_minor_unit(line.unit_price, currency) or exceeds_minor_unit(line.returned_amount, currency):
            errors["lines"] = money_places_message(currency)
    if errors:
        raise ValidationError(errors)
    if lines and "item_subtotal" in given:
        from_lines = sum((line.subtotal for line in lines), ZERO)
        if given["item_subtotal"] != from_lines:
            errors["item_subtotal"] = _("The item subtotal %(given)s does not match the lines (%(lines)s).") % {
                "given": given["item_subtotal"], "lines": from_lines,
            }
    if money["paid_amount"] + money["unpaid_amount"] != money["total"]:
        field = "unpaid_amount" if "unpaid_amount" in given else "paid_amount"
        errors[field] = _("Paid %(paid)s plus unpaid %(unpaid)s must add up to the order amount %(total)s.") % {
            "paid": money["paid_amount"], "unpaid": money["unpaid_amount"], "total": money["total"],
        }
    if money["returned_amount"] > max(money["total"], money["item_subtotal"]):
        errors["returned_amount"] = _("The returned amount cannot exceed the order amount.")
    if errors:
        raise ValidationError(errors)


def _placed_at_check(placed_at) -> None:
    if placed_at.tzinfo is None:
        raise ValidationError({"placed_at": _("The order time needs a time zone.")})
    if not (PLACED_AT_EARLIEST <= placed_at <= timezone.now() + PLACED_AT_AHEAD):
        raise ValidationError({"placed_at": _("The order time must be between 2000 and tomorrow.")})


def _lines_write(merchant, order: Order, lines: list[LineInput]) -> None:
    OrderLine.objects.for_merchant(merchant).bulk_create([build_line(merchant, order, line) for line in lines])


@transaction.atomic
def order_create(
    *,
    merchant,
    number: str,
    channel: str,
    lines: list[LineInput],
    member=None,
    placed_at=None,
    created_from: str = "",
    source_store=None,
    closing_staff=None,
    recommendation_token: str = "",
    campaign_code: str = "",
    parent=None,
    status: str = Order.Status.PROCESSING,
    payment_status: str = Order.PaymentStatus.PENDING,
    payment_method: str = "",
    delivery_status: str = Order.DeliveryStatus.PENDING,
    is_preorder: bool = False,
    **money,
) -> Order:
    """Save a new order with its lines and tell the followers (after commit: attribution,
    partner figures, points).

    Missing money figures are derived (item subtotal from the lines, total from the subtotal and
    deductions, unpaid = total - paid) and all of them are checked: ValidationError names the
    field.
    """
    unknown = set(money) - set(MONEY_FIELDS)
    if unknown:
        raise TypeError(f"unknown money fields: {sorted(unknown)}")
    given = {k: Decimal(v) for k, v in money.items()}
    figures = _money_derive(dict.fromkeys(MONEY_FIELDS, ZERO), given, lines)
    _money_check(figures, given, lines, merchant.currency)
    placed_at = placed_at or timezone.now()
    _placed_at_check(placed_at)
    order = Order.objects.for_merchant(merchant).create(
        merchant=merchant,
        number=number,
        member=member,
        channel=channel,
        created_from=created_from,
        source_store=source_store,
        closing_staff=closing_staff,
        recommendation_token=recommendation_token,
        campaign_code=campaign_code.strip().upper(),
        parent=parent,
        status=status,
        payment_status=payment_status,
        payment_method=payment_method,
        delivery_status=delivery_status,
        is_preorder=is_preorder,
        placed_at=placed_at,
        currency=merchant.currency,
        **figures,
    )
    _lines_write(merchant, order, lines)
    order_changed(order)
    _count_on_commit("created")
    return order


@transaction.atomic
def order_update(*, merchant, order: Order, changes: dict, lines: list[LineInput] | None = None) -> Order:
    """Apply an edit: only the fields in `changes` (and the lines, when given) change.

    Money figures the edit leaves out follow from those it gives (see `_money_derive`); all are
    checked before anything is written. The followers hear of it once, and only when something
    changed. Returns the order as it is now (the caller's instance is left as it was).
    """
    unknown = set(changes) - set(MONEY_FIELDS) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    order = Order.objects.for_merchant(merchant).select_for_update().get(pk=order.pk)
    given = {k: Decimal(v) for k, v in changes.items() if k in MONEY_FIELDS}
    figures = _money_derive({k: getattr(order, k) for k in MONEY_FIELDS}, given, lines)
    if given or lines is not None:  # a status-only edit does not re-judge figures it leaves alone
        _money_check(figures, given, lines, merchant.currency)
    if "placed_at" in changes:
        _placed_at_check(changes["placed_at"])
    values = {**{k: v for k, v in changes.items() if k in ORDER_FIELDS}, **figures}
    if "campaign_code" in values:
        values["campaign_code"] = (values["campaign_code"] or "").strip().upper()
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, values[name])
    if changed:
        order.save(update_fields=[*changed, "updated_at"])
    if lines is not None and _lines_differ(merchant, order, lines):
        OrderLine.objects.for_merchant(merchant).filter(order=order).delete()
        _lines_write(merchant, order, lines)
        changed.append("lines")
    if changed:
        order_changed(order)
        _count_on_commit("cancelled" if "status" in changed and order.status == Order.Status.CANCELLED else "updated")
    return order


def _count_on_commit(outcome: str) -> None:
    """omo_order_events_total{source="service"}: every order change, whichever way it came in."""
    transaction.on_commit(lambda: metrics.order_event(source="service", outcome=outcome), robust=True)


def _lines_differ(merchant, order: Order, lines: list[LineInput]) -> bool:
    key = ("variation_id", "product_name", "sku", "quantity", "unit_price", "returned_quantity", "returned_amount")
    current = list(OrderLine.objects.for_merchant(merchant).filter(order=order).order_by("pk").values_list(*key))
    wanted = [build_line(merchant, order, line) for line in lines]
    return current != [tuple(getattr(line, k) for k in key) for line in wanted]


def order_cancel(*, merchant, order: Order) -> Order:
    """Cancelling keeps the order and its attribution listed; performance leaves it out."""
    return order_update(merchant=merchant, order=order, changes={"status": Order.Status.CANCELLED})


def order_lock(*, merchant, number: str) -> None:
    """Serialise the events of one order number until the end of the transaction.

    Taken before anything else is read or written, so a create and an update of a new order
    arriving together run one after the other (the second sees the first's order) instead of
    racing on the insert and on the rows it touches (members, due marks) into deadlocks.
    PostgreSQL: a transaction-level advisory lock; SQLite already runs one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"order:{merchant.pk}:{number}"])


def next_order_number(merchant) -> str:
    """Readable, unique storefront order numbers: date plus a random suffix."""
    return f"W{timezone.now():%y%m%d}-{secrets.token_hex(4).upper()}"
