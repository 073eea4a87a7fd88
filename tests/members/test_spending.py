"""The accumulated-spending formula of SPEC section 1, term by term."""

from decimal import Decimal as D

from commerce.spending import ONLINE, OTHERS, RETAIL, OrderFigures, channel_group, spending_overview


def test_no_orders_has_no_average_order_value():
    overview = spending_overview([])
    assert overview.accumulated == D("0")
    assert overview.gross_orders == 0
    assert overview.average_order_value is None


def test_total_of_orders_through_all_channels():
    overview = spending_overview(
        [OrderFigures(RETAIL, total=D("100")), OrderFigures(ONLINE, total=D("250")), OrderFigures(OTHERS, total=D("50"))]
    )
    assert overview.accumulated == D("400")
    assert overview.gross_orders == 3
    assert overview.average_order_value == D("133.33")


def test_cancelled_orders_are_taken_out_of_amount_and_count():
    overview = spending_overview([OrderFigures(ONLINE, total=D("100")), OrderFigures(ONLINE, total=D("80"), cancelled=True)])
    assert overview.accumulated == D("100")
    assert overview.gross_orders == 1


def test_cancelled_order_contributes_nothing_even_with_returns_or_edits():
    cancelled = OrderFigures(RETAIL, total=D("80"), cancelled=True, returned=D("30"), preorder_paid=D("20"))
    assert spending_overview([cancelled]).accumulated == D("0")


def test_paid_off_preorder_amount_is_added_for_retail_orders_only():
    retail = spending_overview([OrderFigures(RETAIL, total=D("100"), preorder_paid=D("40"))])
    online = spending_overview([OrderFigures(ONLINE, total=D("100"), preorder_paid=D("40"))])
    assert retail.accumulated == D("140")
    assert online.accumulated == D("100")


def test_outstanding_preorder_amount_is_subtracted_in_every_channel():
    overview = spending_overview(
        [OrderFigures(RETAIL, total=D("100"), preorder_outstanding=D("60")), OrderFigures(ONLINE, total=D("100"), preorder_outstanding=D("10"))]
    )
    assert overview.accumulated == D("130")


def test_returned_amount_is_subtracted_for_retail_orders_only():
    retail = spending_overview([OrderFigures(RETAIL, total=D("100"), returned=D("30"))])
    online = spending_overview([OrderFigures(ONLINE, total=D("100"), returned=D("30"))])
    assert retail.accumulated == D("70")
    assert online.accumulated == D("100")


def test_edited_amount_is_added_for_online_orders_only():
    online = spending_overview([OrderFigures(ONLINE, total=D("100"), edited=D("-15"))])
    retail = spending_overview([OrderFigures(RETAIL, total=D("100"), edited=D("-15"))])
    assert online.accumulated == D("85")
    assert retail.accumulated == D("100")


def test_every_term_together():
    overview = spending_overview(
        [
            OrderFigures(RETAIL, total=D("1000"), preorder_paid=D("300"), preorder_outstanding=D("200"), returned=D("100")),
            OrderFigures(ONLINE, total=D("500"), edited=D("50"), preorder_outstanding=D("20")),
            OrderFigures(OTHERS, total=D("70")),
            OrderFigures(ONLINE, total=D("999"), cancelled=True),
        ]
    )
    # 1000+500+70+999 - 999 + 300 - (200+20) - 100 + 50
    assert overview.accumulated == D("1600")
    assert overview.gross_orders == 3
    assert overview.average_order_value == D("533.33")


def test_aggregated_buckets_equal_single_orders():
    single = spending_overview([OrderFigures(ONLINE, total=D("10")), OrderFigures(ONLINE, total=D("20"))])
    bucket = spending_overview([OrderFigures(ONLINE, total=D("30"), count=2)])
    assert single == bucket


def test_channel_split_counts_orders_that_are_not_cancelled():
    overview = spending_overview(
        [
            OrderFigures(RETAIL, count=2),
            OrderFigures(ONLINE, count=3),
            OrderFigures(ONLINE, count=1, cancelled=True),
            OrderFigures(OTHERS, count=1),
        ]
    )
    assert overview.orders_by_group == {RETAIL: 2, ONLINE: 3, OTHERS: 1}
    assert overview.chart[1] == (ONLINE, 3, 100)


def test_channel_groups():
    assert [channel_group(c) for c in ("pos", "kiosk", "omo")] == [RETAIL] * 3
    assert [channel_group(c) for c in ("web", "message_center", "social", "post_sale")] == [ONLINE] * 4
    assert [channel_group(c) for c in ("api", "import")] == [OTHERS] * 2
    # An order from a recommendation link counts as Online store whatever its channel.
    assert channel_group("pos", from_recommendation=True) == ONLINE
