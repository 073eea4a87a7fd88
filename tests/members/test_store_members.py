"""The manager's list of the members that belong to their store (issue 17 item 5)."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.models import Order
from tests.factories import MemberFactory, OrderFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def url(merchant):
    return reverse("members:store_list", kwargs={"merchant": merchant.slug})


@pytest.fixture
def other_store(merchant):
    return StoreFactory(merchant=merchant, name="Kaohsiung", code="khh")


@pytest.fixture
def manager(merchant, store):
    return StaffFactory(merchant=merchant, store=store, role="manager", display_name="Mia")


def login(client, staff):
    client.force_login(staff.user)
    return client


def test_manager_sees_members_of_their_store_with_spending_and_masked_contacts(client, merchant, store, other_store,
                                                                                 staff, manager):
    walk_in = MemberFactory(merchant=merchant, name="Ann", phone="+886912345678", email="ann@example.com",
                            registered_store=store)
    by_staff = MemberFactory(merchant=merchant, name="Ben", registered_store=None, registered_by=staff)
    elsewhere = MemberFactory(merchant=merchant, name="Cid", registered_store=other_store)
    OrderFactory(merchant=merchant, member=walk_in, total=D("300.00"), channel=Order.Channel.POS)
    OrderFactory(merchant=merchant, member=walk_in, total=D("200.00"))
    OrderFactory(merchant=merchant, member=walk_in, total=D("999.00"), status=Order.Status.CANCELLED)
    OrderFactory(merchant=merchant, member=elsewhere, total=D("50.00"))

    response = login(client, manager).get(url(merchant))

    assert response.status_code == 200
    rows = {member.name: (spending.gross_orders, spending.accumulated) for member, spending in response.context["rows"]}
    assert rows == {"Ann": (2, D("500.00")), "Ben": (0, D("0.00"))}
    page = response.content.decode()
    assert "500.00" in page
    assert "+886 9** *** 678" in page and "a***@example.com" in page
    assert "912345678" not in page and "ann@example.com" not in page
    assert by_staff.name in page and "Cid" not in page


def test_manager_cannot_pick_another_store(client, merchant, other_store, manager):
    MemberFactory(merchant=merchant, name="Cid", registered_store=other_store)

    response = login(client, manager).get(url(merchant), {"store": other_store.pk})

    assert [member.name for member, _s in response.context["rows"]] == []


def test_admin_sees_every_store_or_one(client, merchant, store, other_store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    MemberFactory(merchant=merchant, name="Ann", registered_store=store)
    MemberFactory(merchant=merchant, name="Cid", registered_store=other_store)
    login(client, admin)

    everyone = client.get(url(merchant))
    one = client.get(url(merchant), {"store": other_store.pk})

    assert sorted(m.name for m, _s in everyone.context["rows"]) == ["Ann", "Cid"]
    assert [m.name for m, _s in one.context["rows"]] == ["Cid"]


def test_the_list_is_paged_and_its_queries_do_not_grow_with_the_page(client, merchant, store, manager):
    for _ in range(30):
        member = MemberFactory(merchant=merchant, registered_store=store)
        OrderFactory(merchant=merchant, member=member, total=D("10.00"))
    login(client, manager)
    client.get(url(merchant))  # warm the session and caches

    with CaptureQueriesContext(connection) as queries:
        first = client.get(url(merchant))
    second = client.get(url(merchant), {"page": 2})

    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 5
    assert len(queries) < 15


def test_staff_get_403_and_another_merchants_staff_404(client, merchant, staff, other_merchant):
    assert login(client, staff).get(url(merchant)).status_code == 403
    other_manager = StaffFactory(merchant=other_merchant, role="manager")
    assert login(client, other_manager).get(url(merchant)).status_code == 404


def test_admin_picking_another_merchants_store_is_404(client, merchant, store, other_merchant):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    theirs = StoreFactory(merchant=other_merchant)

    assert login(client, admin).get(url(merchant), {"store": theirs.pk}).status_code == 404


def test_the_staff_menu_links_the_list_for_managers_only(client, merchant, staff, manager):
    search = reverse("members:search", kwargs={"merchant": merchant.slug})

    assert url(merchant) in login(client, manager).get(search).content.decode()
    assert url(merchant) not in login(client, staff).get(search).content.decode()


def test_a_manager_without_a_store_sees_no_members(client, merchant, store):
    MemberFactory(merchant=merchant, registered_store=store)
    floating = StaffFactory(merchant=merchant, store=None, role="manager")

    assert login(client, floating).get(url(merchant)).status_code == 403
