"""Referred orders end to end: stored order -> worker task -> per-order figures and campaign aggregates.

Table-driven: each case is an order as the shop stores it (lines, returns, discounts, store
credit, points, shipping, surcharge, tax) with the settlement and commission a partner must
see, worked out by hand in the comment beside it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commerce.models import Order, OrderLine
from commerce.services import order_cancel
from partners import services
from partners.models import CampaignOrder, CampaignProductSales, CampaignStats
from partners.tasks import order_campaign_update_task
from tests.factories import OrderFactory, ProductFactory, VariationFactory
from tests.partners.helpers import line, make_campaign, referred_order

D = Decimal


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def catalog(merchant):
    def variation(kind="regular", price="100.00", name=None):
        product = ProductFactory(merchant=merchant, kind=kind, **({"name": name} if name else {}))
        return VariationFactory(merchant=merchant, product=product, price=D(price))

    return {
        "tea": variation(name="Tea", price="100.00"),
        "cup": variation(name="Cup", price="250.00"),
        "addon": variation(kind="addon", name="Spoon", price="30.00"),
        "bundle": variation(kind="bundle", name="Gift box", price="500.00"),
        "gift": variation(kind="gift", name="Free sample", price="0.00"),
        "custom": variation(kind="custom", name="Engraving", price="80.00"),
    }


def _stats(merchant, campaign):
    return CampaignStats.objects.for_merchant(merchant).get(campaign=campaign)


def _ranking(merchant, campaign):
    return {
        row.product_name: row.quantity
        for row in CampaignProductSales.objects.for_merchant(merchant).filter(campaign=campaign, quantity__gt=0)
    }


# (name, campaign (condition, type, rate, products), lines [(variation, qty, price, returned qty)], money, settlement, commission, order total)
CASES = [
    (
        "whole order 10 %, plain",
        ("whole_order", "percentage", "10", ()),
        [("tea", 2, "100.00", 0)],
        {"paid_amount": "200.00"},
        "200.00",  # 2 x 100
        "20.00",  # 10 % of 200
        "200.00",
    ),
    (
        "whole order 10 %, discount, store credit, points; shipping/surcharge/tax left out",
        ("whole_order", "percentage", "10", ()),
        [("tea", 3, "100.00", 0), ("cup", 1, "250.00", 0)],
        {
            "discounts": "50.00",
            "store_credit": "20.00",
            "points_redeemed": "30.00",
            "shipping": "60.00",
            "surcharge": "15.00",
            "tax": "25.00",
            "paid_amount": "200.00",
            "unpaid_amount": "350.00",
        },
        "450.00",  # 550 - 50 - 20 - 30 (shipping 60, surcharge 15, tax 25 not included)
        "45.00",  # 10 % of 450
        "550.00",  # paid 200 + unpaid 350
    ),
    (
        "whole order 10 %, one unit returned: commission on the kept goods, order total unchanged",
        ("whole_order", "percentage", "10", ()),
        [("tea", 3, "100.00", 1)],
        {"returned_amount": "100.00", "paid_amount": "300.00"},
        "200.00",  # 300 - 100 returned
        "20.00",  # 10 % of 200
        "300.00",  # returns are not taken off the order total
    ),
    (
        "whole order 7.5 %, half-up rounding",
        ("whole_order", "percentage", "7.5", ()),
        [("tea", 1, "100.00", 0), ("addon", 1, "30.00", 0)],
        {"discounts": "0.90", "paid_amount": "129.10"},
        "129.10",  # 130 - 0.90
        "9.68",  # 129.10 x 7.5 % = 9.6825 -> 9.68
        "129.10",
    ),
    (
        "whole order 15 %, half-up at exactly .5 of the minor unit",
        ("whole_order", "percentage", "15", ()),
        [("tea", 1, "100.00", 0)],
        {"discounts": "99.90", "paid_amount": "0.10"},
        "0.10",  # 100 - 99.90
        "0.02",  # 0.10 x 15 % = 0.015 -> 0.02 (half up, not half even)
        "0.10",
    ),
    (
        "whole order fixed 50 per order",
        ("whole_order", "fixed", "50", ()),
        [("tea", 4, "100.00", 0)],
        {"paid_amount": "400.00"},
        "400.00",
        "50.00",  # once per order
        "400.00",
    ),
    (
        "whole order fixed, everything returned: nothing owed",
        ("whole_order", "fixed", "50", ()),
        [("tea", 2, "100.00", 2)],
        {"returned_amount": "200.00", "paid_amount": "200.00"},
        "0.00",
        "0.00",
        "200.00",
    ),
    (
        "specific products 10 %: the product's share of the settlement",
        ("specific_products", "percentage", "10", ("cup",)),
        [("tea", 3, "100.00", 0), ("cup", 1, "250.00", 0)],
        {"discounts": "55.00", "paid_amount": "495.00"},
        "495.00",  # 550 - 55
        "22.50",  # cup share 495 x 250/550 = 225.00; 10 % = 22.50
        "495.00",
    ),
    (
        "specific products fixed 20 per unit, returned units excluded",
        ("specific_products", "fixed", "20", ("tea",)),
        [("tea", 5, "100.00", 2), ("cup", 1, "250.00", 0)],
        {"returned_amount": "200.00", "paid_amount": "750.00"},
        "550.00",  # 750 - 200
        "60.00",  # 3 kept tea units x 20
        "750.00",
    ),
    (
        "specific products fixed per unit: gifts of the product earn nothing",
        ("specific_products", "fixed", "20", ("tea", "gift")),
        [("tea", 1, "100.00", 0), ("gift", 3, "0.00", 0)],
        {"paid_amount": "100.00"},
        "100.00",
        "20.00",  # 1 tea unit; the 3 free samples are gifts
        "100.00",
    ),
    (
        "specific products 10 %, product not in the order",
        ("specific_products", "percentage", "10", ("bundle",)),
        [("tea", 2, "100.00", 0)],
        {"paid_amount": "200.00"},
        "200.00",
        "0.00",
        "200.00",
    ),
    (
        "deductions above the goods: settlement floors at zero",
        ("whole_order", "percentage", "10", ()),
        [("tea", 1, "100.00", 0)],
        {"discounts": "80.00", "points_redeemed": "40.00", "shipping": "60.00", "paid_amount": "60.00", "unpaid_amount": "0.00"},
        "0.00",  # 100 - 80 - 40 < 0 -> 0
        "0.00",
        "60.00",
    ),
]


@pytest.mark.parametrize(
    "campaign_rule, lines, money, settlement, commission, total",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_referred_order_figures(
    merchant, catalog, run_on_commit, campaign_rule, lines, money, settlement, commission, total
):
    condition, commission_type, rate, product_names = campaign_rule
    campaign = make_campaign(
        merchant,
        condition=condition,
        commission_type=commission_type,
        rate=rate,
        products=[catalog[name].product for name in product_names],
    )
    order_lines = [
        line(catalog[name], qty, price, returned_quantity=returned, returned_amount=D(price) * returned)
        for name, qty, price, returned in lines
    ]

    order = run_on_commit(referred_order, merchant, campaign, number="R-1", lines=order_lines, **money)

    record = CampaignOrder.objects.for_merchant(merchant).get(order=order)
    assert (str(record.settlement), str(record.commission), str(record.order_total)) == (settlement, commission, total)
    stats = _stats(merchant, campaign)
    assert (stats.order_count, str(stats.commission_total), str(stats.order_total)) == (1, commission, total)


def test_overview_counts_processing_confirmed_completed_not_cancelled(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    for number, status in [("A", "processing"), ("B", "confirmed"), ("C", "completed"), ("D", "cancelled")]:
        run_on_commit(
            referred_order, merchant, campaign, number=number, status=status,
            lines=[line(catalog["tea"], 1, "100.00")], paid_amount=D("100"),
        )

    stats = _stats(merchant, campaign)
    assert (stats.order_count, stats.order_total, stats.commission_total) == (3, D("300.00"), D("30.00"))


def test_cancelling_takes_the_order_out_and_a_replayed_event_changes_nothing(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    order = run_on_commit(
        referred_order, merchant, campaign, number="A", lines=[line(catalog["tea"], 2, "100.00")], paid_amount=D("200")
    )
    order_campaign_update_task.delay(merchant.pk, order.pk)  # duplicate event
    assert _stats(merchant, campaign).order_count == 1
    assert _stats(merchant, campaign).commission_total == D("20.00")
    assert _ranking(merchant, campaign) == {"Tea": 2}

    order_cancel(merchant=merchant, order=order)
    order_campaign_update_task.delay(merchant.pk, order.pk)
    order_campaign_update_task.delay(merchant.pk, order.pk)

    stats = _stats(merchant, campaign)
    assert (stats.order_count, stats.order_total, stats.commission_total) == (0, D("0.00"), D("0.00"))
    assert _ranking(merchant, campaign) == {}


def test_editing_an_order_recomputes_its_commission(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    order = run_on_commit(
        referred_order, merchant, campaign, number="A", lines=[line(catalog["tea"], 2, "100.00")], paid_amount=D("200")
    )
    before = _stats(merchant, campaign).updated_at

    # The merchant edits the order: one more unit and a 20 discount.
    Order.objects.for_merchant(merchant).filter(pk=order.pk).update(
        item_subtotal=D("300"), discounts=D("20"), paid_amount=D("280")
    )
    OrderLine.objects.for_merchant(merchant).filter(order=order).update(quantity=3, line_subtotal=D("300"))
    order_campaign_update_task.delay(merchant.pk, order.pk)

    record = CampaignOrder.objects.for_merchant(merchant).get(order=order)
    assert (record.settlement, record.commission, record.order_total) == (D("280.00"), D("28.00"), D("280.00"))
    stats = _stats(merchant, campaign)
    assert (stats.order_count, stats.commission_total, stats.order_total) == (1, D("28.00"), D("280.00"))
    assert stats.updated_at >= before
    assert _ranking(merchant, campaign) == {"Tea": 3}


def test_split_children_keep_the_parent_result_and_are_not_counted_twice(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    parent = run_on_commit(
        referred_order, merchant, campaign, number="P", lines=[line(catalog["tea"], 3, "100.00")], paid_amount=D("300")
    )
    child = OrderFactory(merchant=merchant, number="P-1", parent=parent, item_subtotal=D("100"), paid_amount=D("100"))

    order_campaign_update_task.delay(merchant.pk, child.pk)
    # The checkout/API passing the code for the child too returns the parent's record.
    record = run_on_commit(services.order_referral_record, merchant=merchant, order=child, code=campaign.code)

    assert record.order_id == parent.pk
    assert not CampaignOrder.objects.for_merchant(merchant).filter(order=child).exists()
    stats = _stats(merchant, campaign)
    assert (stats.order_count, stats.commission_total) == (1, D("30.00"))


def test_ranking_by_units_regular_addon_bundle_without_gifts_or_custom(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    run_on_commit(
        referred_order, merchant, campaign, number="A",
        lines=[
            line(catalog["tea"], 2, "100.00"),
            line(catalog["addon"], 5, "30.00"),
            line(catalog["bundle"], 1, "500.00"),
            line(catalog["gift"], 9, "0.00"),
            line(catalog["custom"], 7, "80.00"),
        ],
    )
    run_on_commit(
        referred_order, merchant, campaign, number="B", lines=[line(catalog["tea"], 4, "100.00", returned_quantity=1, returned_amount=D("100"))]
    )

    from partners.selectors import campaign_ranking

    ranking = [(row.product_name, row.quantity) for row in campaign_ranking(merchant=merchant, campaign=campaign)]
    # Units sold (returns are counted, as for the order total); gifts and custom products never appear.
    assert ranking == [("Tea", 6), ("Spoon", 5), ("Gift box", 1)]


def test_orders_without_a_campaign_are_a_no_op(merchant, catalog, run_on_commit):
    order = OrderFactory(merchant=merchant)
    assert order_campaign_update_task.delay(merchant.pk, order.pk).get() is None
    assert not CampaignOrder.objects.for_merchant(merchant).exists()


def test_unknown_code_is_refused_with_a_clear_message(merchant):
    order = OrderFactory(merchant=merchant)
    with pytest.raises(ValidationError, match="Unknown referral code"):
        services.order_referral_record(merchant=merchant, order=order, code="NOPE1234")


def test_a_code_of_another_merchant_is_unknown(merchant, other_merchant):
    theirs = make_campaign(other_merchant)
    order = OrderFactory(merchant=merchant)
    with pytest.raises(ValidationError, match="Unknown referral code"):
        services.order_referral_record(merchant=merchant, order=order, code=theirs.code)


def test_a_code_outside_the_campaign_period_is_refused(merchant):
    now = timezone.now()
    campaign = make_campaign(merchant, starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=1))
    order = OrderFactory(merchant=merchant, placed_at=now)
    with pytest.raises(ValidationError, match="not running"):
        services.order_referral_record(merchant=merchant, order=order, code=campaign.code)


def test_blank_code_records_nothing_and_codes_are_case_insensitive(merchant, run_on_commit):
    campaign = make_campaign(merchant)
    order = OrderFactory(merchant=merchant)
    assert services.order_referral_record(merchant=merchant, order=order, code="  ") is None
    record = run_on_commit(services.order_referral_record, merchant=merchant, order=order, code=campaign.code.lower())
    assert record.campaign == campaign


def test_stats_rebuild_matches_the_incremental_figures(merchant, catalog, run_on_commit):
    campaign = make_campaign(merchant, rate="10")
    for n in range(3):
        run_on_commit(
            referred_order, merchant, campaign, number=f"A{n}", lines=[line(catalog["tea"], n + 1, "100.00")],
            paid_amount=D(100 * (n + 1)),
        )
    incremental = _stats(merchant, campaign)
    rebuilt = services.campaign_stats_rebuild(merchant=merchant, campaign=campaign)
    assert (rebuilt.order_count, rebuilt.order_total, rebuilt.commission_total) == (
        incremental.order_count, incremental.order_total, incremental.commission_total,
    )
    assert _ranking(merchant, campaign) == {"Tea": 6}


def test_beat_sweep_computes_orders_whose_event_was_lost(merchant, catalog):
    from datetime import timedelta as td

    from partners.tasks import sweep_uncomputed_task

    campaign = make_campaign(merchant, rate="10")
    # The referral is stored but its on-commit event never runs (no capture of on-commit callbacks).
    order = referred_order(merchant, campaign, number="LOST", lines=[line(catalog["tea"], 1, "100.00")], paid_amount=D("100"))
    CampaignOrder.objects.for_merchant(merchant).filter(order=order).update(updated_at=timezone.now() - td(minutes=2))
    assert _stats(merchant, campaign).order_count == 0

    assert sweep_uncomputed_task.delay().get() == 1

    assert _stats(merchant, campaign).commission_total == D("10.00")
    assert sweep_uncomputed_task.delay().get() == 0


def test_beat_sweep_recomputes_an_order_whose_edit_event_was_lost(merchant, catalog, run_on_commit):
    from datetime import timedelta as td

    from partners.tasks import sweep_uncomputed_task

    campaign = make_campaign(merchant, rate="10")
    order = run_on_commit(
        referred_order, merchant, campaign, number="EDIT", lines=[line(catalog["tea"], 1, "100.00")], paid_amount=D("100")
    )
    assert _stats(merchant, campaign).commission_total == D("10.00")
    # The order is cancelled, but its event never reaches a worker (its on-commit callbacks do not run).
    order_cancel(merchant=merchant, order=order)
    assert _stats(merchant, campaign).commission_total == D("10.00")
    CampaignOrder.objects.for_merchant(merchant).filter(order=order).update(updated_at=timezone.now() - td(minutes=2))

    assert sweep_uncomputed_task.delay().get() == 1

    assert (_stats(merchant, campaign).order_count, _stats(merchant, campaign).commission_total) == (0, D("0.00"))
    assert sweep_uncomputed_task.delay().get() == 0
