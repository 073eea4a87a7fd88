"""Table-driven tests for the campaign money rules (SPEC section 5).

Every expected figure is worked out by hand in the table (the arithmetic is in
the comment beside it), never by calling the code under test. Expected money is
compared as a string so the rounding to the currency's minor unit is checked
too ("100.00", not "100").
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from partners.commission import (
    CampaignResult,
    CommissionRule,
    LineFacts,
    OrderMoney,
    commission,
    compute,
    matching_settlement,
    matching_units,
    minor_unit,
    order_total,
    quantize_money,
    ranking_included,
    settlement_amount,
)

D = Decimal


def line(
    product_id: str,
    quantity: int,
    unit_price: str,
    *,
    kind: str = "regular",
    returned_quantity: int = 0,
) -> LineFacts:
    """A line whose subtotal is quantity * price and whose returns are whole units."""
    price = D(unit_price)
    return LineFacts(
        product_id=product_id,
        kind=kind,  # type: ignore[arg-type]
        quantity=quantity,
        unit_price=price,
        line_subtotal=price * quantity,
        returned_quantity=returned_quantity,
        returned_amount=price * returned_quantity,
    )


def order(
    lines: tuple[LineFacts, ...] = (),
    *,
    item_subtotal: str | None = None,
    discounts: str = "0",
    store_credit: str = "0",
    points_redeemed: str = "0",
    returned_amount: str | None = None,
    shipping: str = "0",
    surcharge: str = "0",
    tax: str = "0",
    paid_amount: str = "0",
    unpaid_amount: str = "0",
    currency: str = "TWD",
) -> OrderMoney:
    """An order; subtotal and returns default to the sum over its lines."""
    return OrderMoney(
        item_subtotal=(
            D(item_subtotal)
            if item_subtotal is not None
            else sum((ln.line_subtotal for ln in lines), D(0))
        ),
        discounts=D(discounts),
        store_credit=D(store_credit),
        points_redeemed=D(points_redeemed),
        returned_amount=(
            D(returned_amount)
            if returned_amount is not None
            else sum((ln.returned_amount for ln in lines), D(0))
        ),
        shipping=D(shipping),
        surcharge=D(surcharge),
        tax=D(tax),
        paid_amount=D(paid_amount),
        unpaid_amount=D(unpaid_amount),
        lines=lines,
        currency=currency,
    )


def whole(commission_type: str, rate: str) -> CommissionRule:
    return CommissionRule(
        condition="whole_order",
        commission_type=commission_type,  # type: ignore[arg-type]
        rate=D(rate),
    )


def specific(commission_type: str, rate: str, *product_ids: str) -> CommissionRule:
    return CommissionRule(
        condition="specific_products",
        commission_type=commission_type,  # type: ignore[arg-type]
        rate=D(rate),
        product_ids=frozenset(product_ids),
    )


# A: 2 x 300 = 600, B: 1 x 400 = 400; item subtotal 1000.
A2 = line("A", 2, "300")
B1 = line("B", 1, "400")


# --- minor units and rounding ------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("TWD", 2),
        ("CNY", 2),
        ("HKD", 2),
        ("USD", 2),
        ("EUR", 2),
        ("RUB", 2),
        ("SGD", 2),
        ("MYR", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("KWD", 3),
        ("jpy", 0),
        ("XYZ", 2),
    ],
    ids=lambda v: str(v),
)
def test_minor_unit_follows_iso_4217(currency: str, expected: int) -> None:
    assert minor_unit(currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "TWD", "0.01"),
        ("0.004", "TWD", "0.00"),
        ("1.005", "USD", "1.01"),  # a float 1.005 would round down to 1.00
        ("2.675", "EUR", "2.68"),
        ("100", "TWD", "100.00"),
        ("2.5", "JPY", "3"),
        ("3.5", "KRW", "4"),
        ("4.5", "JPY", "5"),  # banker's rounding would give 4
        ("1.4999", "JPY", "1"),
        ("0.0005", "KWD", "0.001"),
        ("0.015", "XYZ", "0.02"),
    ],
    ids=[
        "0.005-up",
        "0.004-down",
        "1.005-usd",
        "2.675-eur",
        "pads-to-2dp",
        "jpy-2.5",
        "krw-3.5",
        "jpy-4.5-not-bankers",
        "jpy-1.4999",
        "kwd-3dp",
        "unknown-currency-2dp",
    ],
)
def test_quantize_money_rounds_half_up(amount: str, currency: str, expected: str) -> None:
    assert str(quantize_money(D(amount), currency)) == expected


# --- order total ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (order((A2, B1), paid_amount="1000"), "1000.00"),
        (order((A2, B1), paid_amount="600", unpaid_amount="400"), "1000.00"),
        (order((A2, B1), unpaid_amount="1000"), "1000.00"),
        # 1000 items + 60 shipping + 50 tax paid; one B returned: not taken off.
        (
            order((A2, line("B", 1, "400", returned_quantity=1)), shipping="60",
                  tax="50", paid_amount="1110"),
            "1110.00",
        ),
        # Everything returned: the order total still counts what was ordered.
        (
            order((line("A", 2, "300", returned_quantity=2),), paid_amount="600"),
            "600.00",
        ),
        (order((line("A", 1, "1500"),), paid_amount="1500", currency="JPY"), "1500"),
    ],
    ids=["paid", "paid+unpaid", "unpaid", "partial-return-kept", "full-return-kept", "jpy"],
)
def test_order_total_is_paid_plus_unpaid_returns_included(
    money: OrderMoney, expected: str
) -> None:
    assert str(order_total(money)) == expected


# --- settlement amount -----------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (order((A2, B1)), "1000.00"),  # 1000
        (order((A2, B1), discounts="100"), "900.00"),  # 1000 - 100
        (order((A2, B1), store_credit="50"), "950.00"),  # 1000 - 50
        (order((A2, B1), points_redeemed="30"), "970.00"),  # 1000 - 30
        (order((A2, line("B", 1, "400", returned_quantity=1))), "600.00"),  # 1000 - 400
        (
            order((line("A", 2, "300", returned_quantity=1), B1)),
            "700.00",  # 1000 - 300
        ),
        (
            order((A2, B1), discounts="100", store_credit="50", points_redeemed="30",
                  returned_amount="200"),
            "620.00",  # 1000 - 100 - 50 - 30 - 200
        ),
        (
            order((A2, B1), shipping="60", surcharge="20", tax="50"),
            "1000.00",  # shipping, surcharge and tax are not items
        ),
        (
            order((A2, B1), discounts="100", shipping="60", surcharge="20", tax="50"),
            "900.00",  # 1000 - 100; extras still ignored
        ),
        (order((line("A", 2, "300", returned_quantity=2),)), "0.00"),  # 600 - 600
        (order((line("A", 1, "100"),), discounts="150"), "0.00"),  # 100 - 150 -> 0
        (order((line("A", 3, "333.335"),), currency="TWD"), "1000.01"),  # 1000.005 half-up
        (order((line("A", 1, "1500"),), discounts="120", currency="JPY"), "1380"),
        (order((), item_subtotal="0"), "0.00"),
    ],
    ids=[
        "plain",
        "discount",
        "store-credit",
        "points",
        "return-whole-line",
        "return-one-unit",
        "all-deductions",
        "shipping-surcharge-tax-excluded",
        "discount-with-extras",
        "fully-returned",
        "deductions-exceed-subtotal-floor-0",
        "half-up-to-minor-unit",
        "jpy",
        "empty-order",
    ],
)
def test_settlement_amount(money: OrderMoney, expected: str) -> None:
    assert str(settlement_amount(money)) == expected


# --- commission --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "rule", "expected"),
    [
        # Whole order, percentage: settlement * rate / 100.
        (order((A2, B1)), whole("percentage", "10"), "100.00"),  # 1000 * 10%
        (
            order((A2, B1), discounts="100", store_credit="50", points_redeemed="30",
                  returned_amount="200"),
            whole("percentage", "10"),
            "62.00",  # 620 * 10%
        ),
        (
            order((A2, B1), shipping="60", surcharge="20", tax="50"),
            whole("percentage", "10"),
            "100.00",  # extras earn nothing: 1000 * 10%
        ),
        (
            order((line("A", 2, "300", returned_quantity=1), B1)),
            whole("percentage", "10"),
            "70.00",  # (1000 - 300) * 10%
        ),
        (
            order((line("A", 2, "300", returned_quantity=2), line("B", 1, "400", returned_quantity=1))),
            whole("percentage", "10"),
            "0.00",  # all returned
        ),
        (
            order((line("A", 1, "333.33"),)),
            whole("percentage", "7.5"),
            "25.00",  # 333.33 * 7.5% = 24.99975 -> 25.00
        ),
        (
            order((line("A", 1, "0.05"),)),
            whole("percentage", "10"),
            "0.01",  # 0.005 -> 0.01 half-up
        ),
        (
            order((line("A", 1, "0.04"),)),
            whole("percentage", "10"),
            "0.00",  # 0.004 -> 0.00
        ),
        (
            order((line("A", 1, "1005"),), currency="JPY"),
            whole("percentage", "10"),
            "101",  # 100.5 -> 101
        ),
        (
            order((line("A", 1, "1004"),), currency="JPY"),
            whole("percentage", "10"),
            "100",  # 100.4 -> 100
        ),
        # Whole order, fixed: once per order, 0 when nothing is left to settle.
        (order((A2, B1)), whole("fixed", "50"), "50.00"),
        (order((A2, B1), discounts="100"), whole("fixed", "50"), "50.00"),
        (
            order((line("A", 2, "300", returned_quantity=1), B1)),
            whole("fixed", "50"),
            "50.00",  # partial return: still one order
        ),
        (
            order((line("A", 2, "300", returned_quantity=2),)),
            whole("fixed", "50"),
            "0.00",  # fully returned: settlement 0
        ),
        (
            order((line("A", 1, "100"),), discounts="100"),
            whole("fixed", "50"),
            "0.00",  # discounted to 0: settlement 0
        ),
        (order((line("A", 1, "1000"),), currency="JPY"), whole("fixed", "99.5"), "100"),
        # Specific products, percentage: matching lines' share of the settlement.
        (order((A2, B1)), specific("percentage", "10", "A"), "60.00"),  # 600 * 10%
        (
            order((A2, B1), discounts="100"),
            specific("percentage", "10", "A"),
            "54.00",  # A gets 100 * 600/1000 = 60 of the discount: 540 * 10%
        ),
        (
            order((A2, B1), discounts="100", store_credit="50", points_redeemed="50"),
            specific("percentage", "10", "A"),
            "48.00",  # settlement 800; A share 800 * 600/1000 = 480 -> 48
        ),
        (
            order((A2, B1), shipping="80", surcharge="20", tax="50"),
            specific("percentage", "10", "A"),
            "60.00",  # extras excluded: 600 * 10%
        ),
        (
            order((line("A", 2, "300", returned_quantity=1), B1)),
            specific("percentage", "10", "A"),
            "30.00",  # A keeps 300; settlement 700 * 300/700 = 300 -> 30
        ),
        (
            order((line("A", 2, "300", returned_quantity=1), B1), discounts="70"),
            specific("percentage", "10", "A"),
            "27.00",  # settlement 630; A share 630 * 300/700 = 270 -> 27
        ),
        (
            order((A2, line("B", 1, "400", returned_quantity=1)), discounts="100"),
            specific("percentage", "10", "A"),
            "50.00",  # B returned, all discount on A: 1000-100-400 = 500 -> 50
        ),
        (
            order((line("A", 2, "300", returned_quantity=2), B1)),
            specific("percentage", "10", "A"),
            "0.00",  # matching product fully returned
        ),
        (
            order((A2, line("B", 1, "400", returned_quantity=1)), returned_amount="450"),
            specific("percentage", "10", "A"),
            "55.00",  # 50 return adjustment spread over kept lines: 550 * 600/600
        ),
        (order((A2, B1)), specific("percentage", "10", "Z"), "0.00"),  # nothing matches
        (order((A2, B1)), specific("percentage", "10", "A", "B"), "100.00"),  # = whole order
        (
            order((A2, B1, line("A", 1, "0", kind="gift"))),
            specific("percentage", "10", "A"),
            "60.00",  # a free gift of A adds nothing
        ),
        (
            order((line("A", 1, "100"), line("B", 1, "200")), discounts="10"),
            specific("percentage", "5", "A"),
            "4.83",  # share 290 * 100/300 = 96.666.. -> 96.67; * 5% = 4.8335 -> 4.83
        ),
        (
            order((line("A", 1, "1000"), line("B", 1, "2000")), discounts="10",
                  currency="JPY"),
            specific("percentage", "10", "A"),
            "100",  # share 2990 * 1000/3000 = 996.67 -> 997; * 10% = 99.7 -> 100
        ),
        # Specific products, fixed: rate per kept unit of matching products.
        (order((A2, B1)), specific("fixed", "15", "A"), "30.00"),  # 2 * 15
        (order((A2, B1)), specific("fixed", "15", "A", "B"), "45.00"),  # 3 * 15
        (order((A2, B1), discounts="500"), specific("fixed", "15", "A"), "30.00"),  # per unit
        (
            order((line("A", 2, "300", returned_quantity=1), B1)),
            specific("fixed", "15", "A"),
            "15.00",  # (2 - 1) * 15
        ),
        (
            order((line("A", 2, "300", returned_quantity=2), B1)),
            specific("fixed", "15", "A"),
            "0.00",  # (2 - 2) * 15
        ),
        (
            order((A2, line("A", 1, "0", kind="gift"))),
            specific("fixed", "15", "A"),
            "30.00",  # gift unit not counted: 2 * 15
        ),
        (
            order((line("C", 3, "50", kind="addon"), line("D", 1, "900", kind="bundle"))),
            specific("fixed", "15", "C", "D"),
            "60.00",  # add-ons and bundles count: 4 * 15
        ),
        (order((A2, B1)), specific("fixed", "15", "Z"), "0.00"),  # nothing matches
        (order((line("A", 3, "100"),), currency="JPY"), specific("fixed", "33.5", "A"), "101"),
    ],
    ids=[
        "whole-pct-plain",
        "whole-pct-all-deductions",
        "whole-pct-extras-excluded",
        "whole-pct-partial-return",
        "whole-pct-full-return",
        "whole-pct-fractional-rate",
        "whole-pct-0.005-half-up",
        "whole-pct-0.004-down",
        "whole-pct-jpy-half-up",
        "whole-pct-jpy-down",
        "whole-fixed-plain",
        "whole-fixed-discount-unchanged",
        "whole-fixed-partial-return",
        "whole-fixed-full-return-zero",
        "whole-fixed-settles-zero",
        "whole-fixed-jpy-rounded",
        "spec-pct-plain",
        "spec-pct-discount-allocated",
        "spec-pct-credit-points-allocated",
        "spec-pct-extras-excluded",
        "spec-pct-partial-return",
        "spec-pct-partial-return-discount",
        "spec-pct-other-line-returned",
        "spec-pct-full-return",
        "spec-pct-return-adjustment",
        "spec-pct-no-match",
        "spec-pct-all-products-equals-whole",
        "spec-pct-gift-ignored",
        "spec-pct-half-up",
        "spec-pct-jpy",
        "spec-fixed-per-unit",
        "spec-fixed-two-products",
        "spec-fixed-discount-unchanged",
        "spec-fixed-partial-return",
        "spec-fixed-full-return",
        "spec-fixed-gift-not-counted",
        "spec-fixed-addon-bundle",
        "spec-fixed-no-match",
        "spec-fixed-jpy-rounded",  # 3 * 33.5 = 100.5 -> 101
    ],
)
def test_commission(money: OrderMoney, rule: CommissionRule, expected: str) -> None:
    assert str(commission(money, rule)) == expected


@pytest.mark.parametrize(
    ("money", "rule", "settlement", "units"),
    [
        (order((A2, B1), discounts="100"), specific("percentage", "10", "A"), "540.00", 2),
        (
            order((line("A", 2, "300", returned_quantity=1), B1), discounts="70"),
            specific("fixed", "15", "A"),
            "270.00",  # 630 * 300/700
            1,
        ),
        (order((), item_subtotal="0"), specific("percentage", "10", "A"), "0.00", 0),
    ],
    ids=["discount", "partial-return", "no-lines"],
)
def test_product_settlement_and_units_shown_for_specific_products(
    money: OrderMoney, rule: CommissionRule, settlement: str, units: int
) -> None:
    assert str(matching_settlement(money, rule)) == settlement
    assert matching_units(money, rule) == units


# --- compute: what the worker and reports store ---------------------------------

# A 2 x 300, B 2 x 200 with one B returned; discount 100, credit 50, points 50;
# shipping 60, surcharge 10, tax 40.
# paid = 1000 - 100 - 50 - 50 + 60 + 10 + 40 = 910 (before the return refund).
# settlement = 1000 - 100 - 50 - 50 - 200 = 600; net A 600, B 200 of 800.
MIXED = order(
    (A2, line("B", 2, "200", returned_quantity=1)),
    discounts="100",
    store_credit="50",
    points_redeemed="50",
    shipping="60",
    surcharge="10",
    tax="40",
    paid_amount="910",
)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (whole("percentage", "10"), ("600.00", "60.00", "910.00")),
        (whole("fixed", "30"), ("600.00", "30.00", "910.00")),
        (specific("percentage", "10", "A"), ("600.00", "45.00", "910.00")),  # 450 * 10%
        (specific("percentage", "10", "B"), ("600.00", "15.00", "910.00")),  # 150 * 10%
        (specific("fixed", "5", "A"), ("600.00", "10.00", "910.00")),  # 2 * 5
        (specific("fixed", "5", "A", "B"), ("600.00", "15.00", "910.00")),  # 3 * 5
    ],
    ids=["whole-pct", "whole-fixed", "spec-pct-A", "spec-pct-B", "spec-fixed-A", "spec-fixed-AB"],
)
def test_compute_returns_all_stored_figures(
    rule: CommissionRule, expected: tuple[str, str, str]
) -> None:
    result = compute(MIXED, rule)

    assert isinstance(result, CampaignResult)
    assert (str(result.settlement), str(result.commission), str(result.order_total)) == expected


# --- edits recompute --------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "edit", "rule", "expected_before", "expected_after"),
    [
        (
            order((A2, B1), paid_amount="1000"),
            {"lines": (A2,), "item_subtotal": D("600"), "paid_amount": D("600")},
            whole("percentage", "10"),
            ("1000.00", "100.00", "1000.00"),
            ("600.00", "60.00", "600.00"),  # B removed by the edit
        ),
        (
            order((A2, B1), paid_amount="1000"),
            {"discounts": D("200"), "paid_amount": D("800")},
            specific("percentage", "10", "A"),
            ("1000.00", "60.00", "1000.00"),
            ("800.00", "48.00", "800.00"),  # A share 800 * 600/1000
        ),
        (
            order((A2, B1), paid_amount="1000"),
            {"lines": (line("A", 5, "300"), B1), "item_subtotal": D("1900"),
             "paid_amount": D("1900")},
            specific("fixed", "15", "A"),
            ("1000.00", "30.00", "1000.00"),
            ("1900.00", "75.00", "1900.00"),  # 5 * 15
        ),
        (
            order((A2,), paid_amount="600"),
            {"lines": (A2,), "discounts": D("600"), "paid_amount": D("0")},
            whole("fixed", "50"),
            ("600.00", "50.00", "600.00"),
            ("0.00", "0.00", "0.00"),  # edited down to nothing to settle
        ),
    ],
    ids=["line-removed", "discount-added", "quantity-raised", "discounted-to-zero"],
)
def test_edit_recomputes_from_edited_figures(
    before: OrderMoney,
    edit: dict[str, object],
    rule: CommissionRule,
    expected_before: tuple[str, str, str],
    expected_after: tuple[str, str, str],
) -> None:
    # Given an order and its stored result
    first = compute(before, rule)
    # When the merchant edits it and the same rules run on the edited figures
    after = compute(dataclasses.replace(before, **edit), rule)
    # Then the result follows the edit, and the rules kept no memory of it
    as_strings = lambda r: (str(r.settlement), str(r.commission), str(r.order_total))  # noqa: E731
    assert as_strings(first) == expected_before
    assert as_strings(after) == expected_after
    assert as_strings(compute(before, rule)) == expected_before


# --- product sales ranking ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("regular", True), ("addon", True), ("bundle", True), ("gift", False), ("custom", False)],
    ids=["regular", "addon", "bundle", "gift", "custom"],
)
def test_ranking_included(kind: str, expected: bool) -> None:
    assert ranking_included(kind) is expected


def test_ranking_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError):
        ranking_included("voucher")


# --- bad input fails loudly -------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: LineFacts("A", "regular", 1, 1.5, D("1.5")), TypeError),  # type: ignore[arg-type]
        (lambda: dataclasses.replace(order((A2,)), discounts=0.1), TypeError),
        (lambda: LineFacts("A", "regular", 1, D("1"), D("1"), returned_quantity=2), ValueError),
        (lambda: LineFacts("A", "regular", -1, D("1"), D("1")), ValueError),
        (lambda: LineFacts("A", "voucher", 1, D("1"), D("1")), ValueError),  # type: ignore[arg-type]
        (lambda: whole("percentage", "-1"), ValueError),
        (lambda: whole("tiered", "10"), ValueError),
        (lambda: CommissionRule("per_store", "fixed", D("1")), ValueError),  # type: ignore[arg-type]
    ],
    ids=[
        "float-price",
        "float-discount",
        "return-more-than-ordered",
        "negative-quantity",
        "unknown-kind",
        "negative-rate",
        "unknown-type",
        "unknown-condition",
    ],
)
def test_invalid_facts_are_rejected(build, error: type[Exception]) -> None:  # noqa: ANN001
    with pytest.raises(error):
        build()


def test_int_money_is_accepted_as_decimal() -> None:
    money = OrderMoney(1000, 0, 0, 0, 0, 0, 0, 0, 1000, 0, (), "TWD")

    assert isinstance(money.item_subtotal, Decimal)
    assert str(settlement_amount(money)) == "1000.00"
