from decimal import Decimal as D

import pytest

from commerce.selectors import member_orders, member_spending
from tests.factories import LinkFactory, MemberFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_spending_reads_every_term_from_the_orders(merchant, member, store):
    OrderFactory(merchant=merchant, member=member, channel="pos", source_store=store, total=D("1000"),
                 is_preorder=True, preorder_paid=D("300"), preorder_outstanding=D("200"), returned_amount=D("100"))
    OrderFactory(merchant=merchant, member=member, channel="web", total=D("500"), edited_amount=D("50"),
                 preorder_outstanding=D("20"))
    OrderFactory(merchant=merchant, member=member, channel="import", total=D("70"))
    OrderFactory(merchant=merchant, member=member, channel="social", total=D("999"), status="cancelled")
    overview = member_spending(merchant=merchant, member=member)
    assert overview.accumulated == D("1600.00")
    assert overview.gross_orders == 3
    assert overview.orders_by_group == {"retail": 1, "online": 1, "others": 1}


def test_an_order_from_a_recommendation_counts_as_online(merchant, member):
    OrderFactory(merchant=merchant, member=member, channel="omo", recommendation_token=LinkFactory(merchant=merchant).token)
    assert member_spending(merchant=merchant, member=member).orders_by_group["online"] == 1


def test_split_child_orders_are_not_counted_twice(merchant, member):
    parent = OrderFactory(merchant=merchant, member=member, total=D("100"))
    OrderFactory(merchant=merchant, member=member, total=D("60"), parent=parent)
    assert member_spending(merchant=merchant, member=member).accumulated == D("100")
    assert list(member_orders(merchant=merchant, member=member)) == [parent]


def test_other_members_and_merchants_orders_are_not_counted(merchant, other_merchant, member):
    OrderFactory(merchant=merchant, member=MemberFactory(merchant=merchant), total=D("10"))
    foreign_member = MemberFactory(merchant=other_merchant)
    OrderFactory(merchant=other_merchant, member=foreign_member, total=D("20"))
    assert member_spending(merchant=merchant, member=member).gross_orders == 0
    assert member_spending(merchant=merchant, member=foreign_member).gross_orders == 0
    assert list(member_orders(merchant=merchant, member=foreign_member)) == []
