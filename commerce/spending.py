"""The member spending overview (SPEC section 1): pure rules on plain figures, no ORM.

Accumulated spending =   total of orders created through all channels
                       − cancelled order amount
                       + paid-off pre-order amount (retail store orders)
                       − outstanding pre-order amount
                       − returned amount (retail store orders)
                       + edited order amount (online store orders)
Gross orders = orders created − cancelled orders.
Average order value = accumulated spending / gross orders (no orders: no AOV).

A cancelled order adds its total and takes it away again, and its pre-order, return and
edit figures no longer count: a cancelled order contributes nothing. Orders that came
through a recommendation link count as Online store whatever their channel.

The inputs are "buckets": one row per order, or one row per group of orders sharing a
channel group and status with summed figures (the selector aggregates in the database), so
the overview stays current on every request with no daily batch.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from omo.money import quantize_money

from . import channels
from .channels import ONLINE, OTHERS, RETAIL

GROUPS = (RETAIL, ONLINE, OTHERS)

ZERO = Decimal("0.00")


def channel_group(channel: str, *, from_recommendation: bool = False) -> str:
    """A recommended-product order counts as Online whatever its channel (SPEC section 1)."""
    return ONLINE if from_recommendation else channels.channel_group(channel)


@dataclass(frozen=True)
class OrderFigures:
    """One order, or the sums over several orders of the same group and cancellation state."""

    group: str
    cancelled: bool = False
    count: int = 1
    total: Decimal = ZERO
    preorder_paid: Decimal = ZERO
    preorder_outstanding: Decimal = ZERO
    returned: Decimal = ZERO
    edited: Decimal = ZERO


@dataclass(frozen=True)
class SpendingOverview:
    accumulated: Decimal
    gross_orders: int
    average_order_value: Decimal | None
    orders_by_group: dict = field(default_factory=dict)

    @property
    def chart(self) -> list[tuple[str, int, int]]:
        """(group, count, percent of the largest group) for a bar chart."""
        peak = max(self.orders_by_group.values(), default=0) or 1
        return [(group, self.orders_by_group.get(group, 0), round(100 * self.orders_by_group.get(group, 0) / peak)) for group in GROUPS]


def spending_overview(rows: Iterable[OrderFigures], currency: str = "") -> SpendingOverview:
    """The overview of a member's order buckets; the AOV is rounded to `currency`'s minor unit (2 digits when not given)."""
    created_amount = cancelled_amount = preorder_paid = preorder_outstanding = returned = edited = ZERO
    created = cancelled = 0
    by_group = dict.fromkeys(GROUPS, 0)
    for row in rows:
        created += row.count
        created_amount += row.total
        if row.cancelled:
            cancelled += row.count
            cancelled_amount += row.total
            continue
        by_group[row.group] += row.count
        preorder_outstanding += row.preorder_outstanding
        if row.group == RETAIL:
            preorder_paid += row.preorder_paid
            returned += row.returned
        if row.group == ONLINE:
            edited += row.edited
    accumulated = created_amount - cancelled_amount + preorder_paid - preorder_outstanding - returned + edited
    gross = created - cancelled
    aov = quantize_money(accumulated / gross, currency) if gross else None
    return SpendingOverview(accumulated=accumulated, gross_orders=gross, average_order_value=aov, orders_by_group=by_group)
