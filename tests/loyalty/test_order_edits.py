"""Edited paid orders (issue 17 item 9): an edit re-settles the order's points against the offers
and facts kept when it first earned, with new ledger entries; later changes to offers, holiday
calendars or store formats never move the points of past orders; a replay writes nothing."""

from decimal import Decimal as D

import pytest

from commerce.models import Order
from commerce.services import LineInput, order_cancel, order_update
from loyalty import services
from loyalty.models import (
    LoyaltySettings,
    OrderPointsBasis,
    PointsAccount,
    PointsLedgerEntry,
)
from tests.factories import MemberFactory, StoreFactory
from tests.loyalty.test_services import (
    JUNE_10,
    balance,
    base_offer,
    make_offer,
    paid_order,
    settle,
)

pytestmark = pytest.mark.django_db


def lines(*amounts, category="tea"):
    return [LineInput(variation=None, quantity=1, unit_price=D(a), product_name=f"Item {i}", category=category)
            for i, a in enumerate(amounts)]


def edit(merchant, order, *amounts, category="tea"):
    order_update(merchant=merchant, order=order, changes={}, lines=lines(*amounts, category=category))
    order.refresh_from_db()
    return settle(merchant, order)


def entries(merchant, order):
    """(kind, points, description) of the order's entries, oldest first."""
    rows = PointsLedgerEntry.objects.for_merchant(merchant).filter(order=order).order_by("pk")
    return [(e.kind, e.points, e.description) for e in rows]


@pytest.fixture
def order(merchant, member):
    base_offer(merchant)  # 1 point per 10.00
    order = paid_order(merchant, member, lines=lines("200.00"))
    settle(merchant, order)
    assert balance(merchant, member) == 20
    return order


def test_an_edit_up_earns_the_difference_and_down_takes_it_back(merchant, member, order):
    written = edit(merchant, order, "300.00")
    assert [(e.kind, e.points) for e in written] == [("earn", 10)]
    assert balance(merchant, member) == 30
    edit(merchant, order, "150.00")
    assert balance(merchant, member) == 15
    number = order.number
    assert entries(merchant, order) == [
        ("earn", 20, "1 per 10: 1.00 points per 10.00 on 200.00"),
        ("earn", 10, f"Order {number} edited"),
        ("reverse", -15, f"Order {number} edited"),
    ]


def test_a_replayed_event_writes_nothing(merchant, member, order):
    edit(merchant, order, "300.00")
    count = len(entries(merchant, order))
    assert settle(merchant, order) == [] and settle(merchant, order) == []
    assert len(entries(merchant, order)) == count and balance(merchant, member) == 30


def test_editing_back_and_forth_never_rewrites_old_entries(merchant, member, order):
    first = PointsLedgerEntry.objects.for_merchant(merchant).get(order=order)
    for amounts, expected in ((("300.00",), 30), (("150.00",), 15), (("300.00",), 30), (("200.00",), 20)):
        edit(merchant, order, *amounts)
        assert balance(merchant, member) == expected
    first.refresh_from_db()
    assert (first.points, first.balance_after) == (20, 20)
    assert len(entries(merchant, order)) == 5


def test_an_offer_deactivated_or_changed_after_the_order_does_not_move_its_points(merchant, member, order):
    offer = PointsLedgerEntry.objects.for_merchant(merchant).get(order=order).offer
    offer.value, offer.per_amount = D("5"), D("10")  # now 5 points per 10.00
    offer.save()
    edit(merchant, order, "300.00")
    assert balance(merchant, member) == 30  # still 1 per 10, on 300.00
    offer.active = False
    offer.save()
    make_offer(merchant, name="New offer", event="order_paid", action="fixed_points", value=D("500"))
    edit(merchant, order, "100.00")
    assert balance(merchant, member) == 10


def test_a_later_holiday_calendar_or_store_format_does_not_move_past_points(merchant, member):
    store = StoreFactory(merchant=merchant, attributes={"format": "Hypermarket"})
    LoyaltySettings.objects.for_merchant(merchant).update_or_create(merchant=merchant, defaults={"holidays": ["2025-06-10"]})
    make_offer(merchant, name="Holiday 50", event="order_paid", action="fixed_points", value=D("50"), holidays_only=True)
    make_offer(merchant, name="Hypermarket 2 per 10", event="order_paid", action="points_per_amount", value=D("2"),
               per_amount=D("10"), store_attributes={"format": "Hypermarket"})
    order = paid_order(merchant, member, lines=lines("100.00"), store=store, placed_at=JUNE_10)
    settle(merchant, order)
    assert balance(merchant, member) == 50 + 20
    LoyaltySettings.objects.for_merchant(merchant).filter(merchant=merchant).update(holidays=[])
    store.attributes = {"format": "Convenience"}
    store.save()
    edit(merchant, order, "200.00")
    assert balance(merchant, member) == 50 + 40


def test_an_offer_of_the_basis_that_now_matches_earns_on_the_edit(merchant, member):
    make_offer(merchant, name="Fridge bonus", event="order_paid", action="fixed_points", value=D("30"),
               product_categories=["fridge"])
    order = paid_order(merchant, member, lines=lines("100.00"))
    assert settle(merchant, order) == []
    assert OrderPointsBasis.objects.for_merchant(merchant).filter(order=order).exists()
    order_update(merchant=merchant, order=order, changes={},
                 lines=[*lines("100.00"), *lines("80.00", category="fridge")])
    settle(merchant, order)
    assert balance(merchant, member) == 30
    make_offer(merchant, name="Offer created later", event="order_paid", action="fixed_points", value=D("99"))
    assert settle(merchant, order) == [] and balance(merchant, member) == 30


def test_cancelling_an_edited_order_takes_back_all_its_points(merchant, member, order):
    edit(merchant, order, "300.00")
    order_cancel(merchant=merchant, order=order)
    settle(merchant, order)
    assert balance(merchant, member) == 0


def test_a_pending_order_keeps_no_basis_until_it_is_paid(merchant, member):
    base_offer(merchant)
    order = paid_order(merchant, member, lines=lines("200.00"), payment_status=Order.PaymentStatus.PENDING)
    settle(merchant, order)
    assert not OrderPointsBasis.objects.for_merchant(merchant).exists()
    order_update(merchant=merchant, order=order, changes={"payment_status": "paid"}, lines=lines("300.00"))
    settle(merchant, order)
    assert balance(merchant, member) == 30


def store_balance(merchant, store):
    account = PointsAccount.objects.for_merchant(merchant).filter(store=store).first()
    return account.balance if account else 0


def test_an_edit_moves_the_referral_split_at_the_ratio_kept(merchant, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    member = MemberFactory(merchant=merchant)
    services.referral_record(merchant=merchant, member=member, referrer_store=sister, channel="sister-store QR")
    order = paid_order(merchant, member, lines=lines("1000.00"), store=store, closing_staff=staff)
    settle(merchant, order)
    assert (store_balance(merchant, sister), balance(merchant, staff=staff)) == (25, 75)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=50)  # later: no effect
    edit(merchant, order, "2000.00")
    assert (balance(merchant, member), store_balance(merchant, sister), balance(merchant, staff=staff)) == (200, 50, 150)
    edit(merchant, order, "400.00")
    assert (balance(merchant, member), store_balance(merchant, sister), balance(merchant, staff=staff)) == (40, 10, 30)


def test_a_refund_undone_gives_the_points_back_as_an_undo(merchant, member, order):
    order_update(merchant=merchant, order=order, changes={"payment_status": "refunded"})
    settle(merchant, order)
    order_update(merchant=merchant, order=order, changes={"payment_status": "paid"})
    settle(merchant, order)
    assert balance(merchant, member) == 20
    assert [d for _, _, d in entries(merchant, order)][1:] == [
        f"Order {order.number} cancelled or returned", f"Order {order.number}: refund or return undone",
    ]
