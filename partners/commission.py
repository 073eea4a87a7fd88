"""Referral-campaign money rules (SPEC section 5, "Money rules") as pure functions.

No ORM and no I/O: the Celery worker that recomputes an order's commission and
the partner-portal reports both build plain facts and call :func:`compute`, so
there is exactly one copy of the rules.

The figures, for one order credited to one campaign:

* **Order total** = paid + unpaid order amount. Returns are *not* excluded.
* **Settlement amount** = item subtotal - discounts - store credit used
  - points redeemed - returned amount. Shipping, surcharges and taxes are not
  part of it. Never below zero.
* **Commission** is computed on the settlement amount, so returned items earn
  nothing:

  ========================  ===================================================
  whole order, percentage   settlement * rate / 100
  whole order, fixed        the fixed amount once per order; 0 once the
                            settlement is 0 (e.g. everything was returned)
  specific products, %      product settlement (below) * rate / 100
  specific products, fixed  rate per unit of matching products still kept
                            (quantity - returned quantity)
  ========================  ===================================================

* **Product settlement** (specific products, percentage) is the matching
  lines' share of the order settlement. Each line's net amount is its subtotal
  minus what was returned from it; the order settlement is spread over lines in
  proportion to those net amounts. When the order-level return equals the sum of
  the line returns this is exactly "allocate discounts, store credit and points
  to lines in proportion to their net subtotals"; when the merchant entered a
  return adjustment (order-level return differs from the line returns) the
  difference is spread the same way. Either way the shares of all lines add up
  to the order settlement, so one product's commission can never exceed what
  the whole order would earn at the same rate.
* **Tiers** (percentage campaigns only): the rate can rise with the partner's
  settled sales in a period, e.g. 10 % up to 50,000 and 12 % above. Tiers are
  marginal, like tax brackets: the part of an order's commission base that
  falls below a threshold earns the lower rate, the part above it the higher
  one, counting from the sales the partner already had in the period before
  this order (``prior_sales``). The sales counted are the commission bases
  (order settlement for whole order, product settlement for specific
  products), so a period's total commission depends only on its total sales,
  not on the order in which its orders came: see :func:`tiered_amount`.
* Gift lines never match "specific products": they were not bought, so paying
  commission per free unit is not what a merchant expects.
* Money is ``Decimal``; every figure is rounded half-up to the currency's ISO
  4217 minor unit. The commission is computed from the *rounded* settlement /
  product settlement, i.e. from the figure the partner sees, so a partner can
  check it by hand.

Order changes (callers apply these, there is no function for them):

* **Edit**: call :func:`compute` again on the edited figures and store the new
  result; the rules have no memory, so the result depends only on the figures.
* **Split**: the child orders keep the parent order's computed result. Callers
  copy the parent's :class:`CampaignResult` onto the children instead of
  recomputing from the children's figures.

The product sales ranking counts regular products, add-on items and bundles,
not gifts or custom products: see :func:`ranking_included`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, get_args

from omo.money import minor_unit, quantize_money  # noqa: F401  (part of this module's API)

LineKind = Literal["regular", "addon", "bundle", "gift", "custom"]
Condition = Literal["whole_order", "specific_products"]
CommissionType = Literal["percentage", "fixed"]

ZERO = Decimal("0")
HUNDRED = Decimal("100")


# Line kinds that appear in the product sales ranking (source: 一般商品、加購品、
# 組合商品 count; 贈品、自訂商品 do not).
_RANKED_KINDS: frozenset[str] = frozenset({"regular", "addon", "bundle"})
_LINE_KINDS: frozenset[str] = frozenset(get_args(LineKind))
_CONDITIONS: frozenset[str] = frozenset(get_args(Condition))
_COMMISSION_TYPES: frozenset[str] = frozenset(get_args(CommissionType))


def _as_money(value: object, name: str) -> Decimal:
    # Floats would bring binary rounding errors into money; refuse them loudly
    # rather than convert. Ints are exact, so they are accepted.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{name} must be finite, got {amount}")
    return amount


def _set_money(obj: object, *names: str) -> None:
    for name in names:
        # Frozen dataclass: normalise ints to Decimal once, at construction.
        object.__setattr__(obj, name, _as_money(getattr(obj, name), name))


@dataclass(frozen=True)
class LineFacts:
    """One order line as the rules need it.

    ``line_subtotal`` is the line's amount before order-level discounts;
    ``returned_quantity`` / ``returned_amount`` are what was returned from it.
    """

    product_id: str
    kind: LineKind
    quantity: int
    unit_price: Decimal
    line_subtotal: Decimal
    returned_quantity: int = 0
    returned_amount: Decimal = field(default=ZERO)

    def __post_init__(self) -> None:
        if self.kind not in _LINE_KINDS:
            raise ValueError(f"unknown line kind {self.kind!r}")
        if self.quantity < 0 or self.returned_quantity < 0:
            raise ValueError("quantities cannot be negative")
        if self.returned_quantity > self.quantity:
            raise ValueError("cannot return more units than were ordered")
        _set_money(self, "unit_price", "line_subtotal", "returned_amount")

    @property
    def kept_quantity(self) -> int:
        """Units the customer kept: returned units earn no commission."""
        return self.quantity - self.returned_quantity

    @property
    def net_amount(self) -> Decimal:
        """Line subtotal minus what was returned from it, never below zero."""
        return max(self.line_subtotal - self.returned_amount, ZERO)


@dataclass(frozen=True)
class OrderMoney:
    """An order's money figures, all in ``currency``.

    ``discounts``, ``store_credit``, ``points_redeemed`` and ``returned_amount``
    are positive amounts taken off the item subtotal.
    """

    item_subtotal: Decimal
    discounts: Decimal
    store_credit: Decimal
    points_redeemed: Decimal
    returned_amount: Decimal
    shipping: Decimal
    surcharge: Decimal
    tax: Decimal
    paid_amount: Decimal
    unpaid_amount: Decimal
    lines: tuple[LineFacts, ...]
    currency: str

    def __post_init__(self) -> None:
        _set_money(
            self,
            "item_subtotal",
            "discounts",
            "store_credit",
            "points_redeemed",
            "returned_amount",
            "shipping",
            "surcharge",
            "tax",
            "paid_amount",
            "unpaid_amount",
        )
        # A list would make the dataclass unhashable and mutable underneath.
        object.__setattr__(self, "lines", tuple(self.lines))


@dataclass(frozen=True)
class Tier:
    """From ``from_sales`` of settled sales in the period on, the rate is ``rate`` percent."""

    from_sales: Decimal
    rate: Decimal

    def __post_init__(self) -> None:
        _set_money(self, "from_sales", "rate")
        if self.from_sales < 0 or self.rate < 0:
            raise ValueError("tier threshold and rate cannot be negative")


@dataclass(frozen=True)
class CommissionRule:
    """A campaign's commission setting.

    ``rate`` is a percentage (``Decimal("10")`` = 10 %) for ``percentage`` and
    an amount in the order currency for ``fixed`` (per order for whole order,
    per unit for specific products). ``product_ids`` only matters for
    ``specific_products``.
    """

    condition: Condition
    commission_type: CommissionType
    rate: Decimal
    product_ids: frozenset[str] = field(default_factory=frozenset)
    # Higher rates from a threshold of settled sales in the period up (``rate`` is the rate from 0).
    tiers: tuple[Tier, ...] = ()

    def __post_init__(self) -> None:
        if self.condition not in _CONDITIONS:
            raise ValueError(f"unknown commission condition {self.condition!r}")
        if self.commission_type not in _COMMISSION_TYPES:
            raise ValueError(f"unknown commission type {self.commission_type!r}")
        _set_money(self, "rate")
        if self.rate < 0:
            raise ValueError("commission rate cannot be negative")
        object.__setattr__(self, "product_ids", frozenset(self.product_ids))
        tiers = tuple(sorted(self.tiers, key=lambda tier: tier.from_sales))
        if tiers and self.commission_type != "percentage":
            raise ValueError("commission tiers need a percentage commission")
        if len({tier.from_sales for tier in tiers}) != len(tiers) or any(tier.from_sales <= 0 for tier in tiers):
            raise ValueError("tier thresholds must be distinct and above zero")
        object.__setattr__(self, "tiers", tiers)

    def brackets(self) -> tuple[Tier, ...]:
        """The rate from 0, then each tier, by threshold."""
        return (Tier(from_sales=ZERO, rate=self.rate), *self.tiers)

    def matches(self, line: LineFacts) -> bool:
        """Whether ``line`` earns commission under a specific-products rule."""
        return line.kind != "gift" and line.product_id in self.product_ids


@dataclass(frozen=True)
class CampaignResult:
    """What is stored per credited order and shown in the partner portal."""

    settlement: Decimal
    commission: Decimal
    order_total: Decimal


def order_total(order: OrderMoney) -> Decimal:
    """Paid + unpaid order amount; returns are deliberately not taken off."""
    return quantize_money(order.paid_amount + order.unpaid_amount, order.currency)


def settlement_amount(order: OrderMoney) -> Decimal:
    """Item subtotal less discounts, store credit, points and returns.

    Shipping, surcharge and tax are left out on purpose: the partner is paid on
    goods sold, not on pass-through charges.
    """
    amount = (
        order.item_subtotal
        - order.discounts
        - order.store_credit
        - order.points_redeemed
        - order.returned_amount
    )
    # Deductions larger than the goods (e.g. a return adjustment) mean nothing
    # is left to earn on, not a debt owed by the partner.
    return quantize_money(max(amount, ZERO), order.currency)


def matching_settlement(order: OrderMoney, rule: CommissionRule) -> Decimal:
    """The matching lines' share of the settlement ("product settlement").

    Spread in proportion to each line's net amount (subtotal less returns), so
    the shares of all lines add up to the order settlement.
    """
    total_net = sum((line.net_amount for line in order.lines), ZERO)
    if total_net <= 0:
        return quantize_money(ZERO, order.currency)
    matching_net = sum(
        (line.net_amount for line in order.lines if rule.matches(line)), ZERO
    )
    share = settlement_amount(order) * matching_net / total_net
    return quantize_money(share, order.currency)


def matching_units(order: OrderMoney, rule: CommissionRule) -> int:
    """Units of matching products the customer kept (returned units excluded)."""
    return sum(line.kept_quantity for line in order.lines if rule.matches(line))


def tiered_amount(base: Decimal, prior_sales: Decimal, rule: CommissionRule) -> Decimal:
    """The (unrounded) percentage commission on ``base`` when the partner already had
    ``prior_sales`` in the period: each part of ``[prior, prior + base)`` earns the rate of the
    bracket it falls in. Without tiers this is ``base * rate / 100``."""
    base = _as_money(base, "base")
    prior = max(_as_money(prior_sales, "prior_sales"), ZERO)
    if base <= 0:
        return ZERO
    brackets = rule.brackets()
    amount = ZERO
    for index, bracket in enumerate(brackets):
        upper = brackets[index + 1].from_sales if index + 1 < len(brackets) else None
        low = max(prior, bracket.from_sales)
        high = prior + base if upper is None else min(prior + base, upper)
        if high > low:
            amount += (high - low) * bracket.rate / HUNDRED
    return amount


def commission_base(order: OrderMoney, rule: CommissionRule) -> Decimal:
    """The sales a percentage commission is computed on (and that count towards tiers): the order
    settlement for whole order, the product settlement for specific products."""
    if rule.condition == "whole_order":
        return settlement_amount(order)
    return matching_settlement(order, rule)


def settlement_column(order: OrderMoney, rule: CommissionRule) -> Decimal | int:
    """The order list's settlement column, which follows the campaign: whole order -> order
    settlement amount; specific products + percentage -> product settlement amount; specific
    products + fixed amount -> specified product quantity (units kept)."""
    if rule.condition == "whole_order":
        return settlement_amount(order)
    if rule.commission_type == "percentage":
        return matching_settlement(order, rule)
    return matching_units(order, rule)


def return_adjustment(order: OrderMoney) -> Decimal:
    """What the merchant entered on a return beyond the returned lines' amounts (order-level
    return less the line returns; negative when less was refunded than the items' value)."""
    lines_returned = sum((line.returned_amount for line in order.lines), ZERO)
    return quantize_money(order.returned_amount - lines_returned, order.currency)


def commission(order: OrderMoney, rule: CommissionRule, prior_sales: Decimal = ZERO) -> Decimal:
    """The partner's commission on ``order`` under ``rule``, rounded half-up. ``prior_sales``:
    the partner's settled sales in the period before this order (only tiers read it)."""
    if rule.condition == "whole_order":
        settlement = settlement_amount(order)
        if rule.commission_type == "percentage":
            amount = tiered_amount(settlement, prior_sales, rule)
        else:
            # Once per order, but nothing is owed on an order that settles at 0.
            amount = rule.rate if settlement > 0 else ZERO
    elif rule.commission_type == "percentage":
        amount = tiered_amount(matching_settlement(order, rule), prior_sales, rule)
    else:
        amount = rule.rate * matching_units(order, rule)
    return quantize_money(max(amount, ZERO), order.currency)


def compute(order: OrderMoney, rule: CommissionRule, prior_sales: Decimal = ZERO) -> CampaignResult:
    """All stored figures for one credited order; used by worker and reports."""
    return CampaignResult(
        settlement=settlement_amount(order),
        commission=commission(order, rule, prior_sales),
        order_total=order_total(order),
    )


def ranking_included(kind: str) -> bool:
    """Whether a line of ``kind`` counts in the product sales ranking."""
    if kind not in _LINE_KINDS:
        # Fail closed on a kind we do not know rather than guess.
        raise ValueError(f"unknown line kind {kind!r}")
    return kind in _RANKED_KINDS
