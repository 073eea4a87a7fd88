"""Writes on orders. Every path that saves an order event ends by queuing attribution."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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
    returned_amount: Decimal = Decimal("0")
    recommended: bool = False


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
        line_subtotal=line.unit_price * line.quantity,
        returned_quantity=line.returned_quantity,
        returned_amount=line.returned_amount,
        recommended=line.recommended,
    )


def order_total(money: dict) -> Decimal:
    """Order amount the shopper pays: items less deductions plus shipping, surcharge and tax."""
    return (
        money.get("item_subtotal", Decimal("0"))
        - money.get("discounts", Decimal("0"))
        - money.get("store_credit", Decimal("0"))
        - money.get("points_redeemed", Decimal("0"))
        + money.get("shipping", Decimal("0"))
        + money.get("surcharge", Decimal("0"))
        + money.get("tax", Decimal("0"))
    )


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
    recommendation_link=None,
    status: str = Order.Status.PROCESSING,
    payment_status: str = Order.PaymentStatus.PENDING,
    payment_method: str = "",
    attribute: bool = True,
    **money,
) -> Order:
    """Save an order with its lines and queue its attribution after commit.

    Missing money figures are derived: item subtotal from the lines, total from the
    subtotal and deductions, unpaid = total - paid.
    """
    money = {k: Decimal(v) for k, v in money.items()}
    unknown = set(money) - set(MONEY_FIELDS)
    if unknown:
        raise TypeError(f"unknown money fields: {sorted(unknown)}")
    money.setdefault("item_subtotal", sum((line.unit_price * line.quantity for line in lines), Decimal("0")))
    money.setdefault("total", order_total(money))
    money.setdefault("unpaid_amount", money["total"] - money.get("paid_amount", Decimal("0")))
    order = Order.objects.for_merchant(merchant).create(
        merchant=merchant,
        number=number,
        member=member,
        channel=channel,
        created_from=created_from,
        source_store=source_store,
        closing_staff=closing_staff,
        recommendation_link=recommendation_link,
        status=status,
        payment_status=payment_status,
        payment_method=payment_method,
        placed_at=placed_at or timezone.now(),
        currency=merchant.currency,
        **money,
    )
    OrderLine.objects.for_merchant(merchant).bulk_create([build_line(merchant, order, line) for line in lines])
    if attribute:
        order_changed(order)
    return order


@transaction.atomic
def order_cancel(*, merchant, order: Order) -> Order:
    """Cancelling keeps the order and its attribution listed; performance leaves it out."""
    order = Order.objects.for_merchant(merchant).select_for_update().get(pk=order.pk)
    if order.status != Order.Status.CANCELLED:
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        order_changed(order)
    return order


def next_order_number(merchant) -> str:
    """Readable, unique storefront order numbers: date plus a random suffix."""
    return f"W{timezone.now():%y%m%d}-{secrets.token_hex(4).upper()}"
