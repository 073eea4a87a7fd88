from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.services import LineInput, order_cancel, order_create
from members.models import Member
from tests.factories import MemberFactory, OrderFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def search_url(merchant):
    return reverse("members:search", kwargs={"merchant": merchant.slug})


def detail_url(merchant, member):
    return reverse("members:detail", kwargs={"merchant": merchant.slug, "member_id": member.pk})


def test_search_by_local_phone_finds_the_member(staff_client, merchant):
    member = MemberFactory(merchant=merchant, phone="+886912345678", name="Lin")
    response = staff_client.get(search_url(merchant), {"q": "0912 345 678"})
    assert detail_url(merchant, member) in response.content.decode()


def test_search_by_email_ignores_case(staff_client, merchant):
    member = MemberFactory(merchant=merchant, email="lin@example.com")
    response = staff_client.get(search_url(merchant), {"q": " LIN@Example.com "})
    assert detail_url(merchant, member) in response.content.decode()


def test_partial_input_says_no_member_and_offers_registration(staff_client, merchant):
    MemberFactory(merchant=merchant, phone="+886912345678")
    response = staff_client.get(search_url(merchant), {"q": "0912"})
    page = response.content.decode()
    assert "No member found" in page
    assert reverse("members:register", kwargs={"merchant": merchant.slug}) in page
    assert 'value="0912"' in page  # the register form is prefilled


def test_register_on_the_spot_opens_the_new_profile(staff_client, merchant, staff):
    response = staff_client.post(
        reverse("members:register", kwargs={"merchant": merchant.slug}), {"phone": "0922 000 111", "name": "Chen"}
    )
    member = Member.objects.for_merchant(merchant).get(phone="+886922000111")
    assert response.status_code == 302 and response["Location"] == detail_url(merchant, member)
    assert member.registered_by == staff and member.registered_store == staff.store


def test_register_refuses_a_duplicate_with_a_message(staff_client, merchant):
    MemberFactory(merchant=merchant, phone="+886922000111")
    response = staff_client.post(reverse("members:register", kwargs={"merchant": merchant.slug}), {"phone": "0922000111"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_profile_shows_overview_and_channel_split(staff_client, merchant, member, store):
    OrderFactory(merchant=merchant, member=member, channel="pos", source_store=store, total=D("300"))
    OrderFactory(merchant=merchant, member=member, channel="web", total=D("100"))
    OrderFactory(merchant=merchant, member=member, channel="api", total=D("50"))
    OrderFactory(merchant=merchant, member=member, channel="web", total=D("999"), status="cancelled")
    response = staff_client.get(detail_url(merchant, member))
    overview = response.context["overview"]
    assert overview.accumulated == D("450")
    assert overview.gross_orders == 3
    assert overview.average_order_value == D("150.00")
    assert overview.orders_by_group == {"retail": 1, "online": 1, "others": 1}
    page = response.content.decode()
    assert 'data-testid="accumulated">NT$450.00' in page
    assert "Taipei 101" in page  # the retail record shows its store


def test_overview_follows_order_events_immediately(staff_client, merchant, member):
    url = reverse("members:overview", kwargs={"merchant": merchant.slug, "member_id": member.pk})
    assert staff_client.get(url).context["overview"].gross_orders == 0
    order = order_create(
        merchant=merchant, number="N1", channel="web", member=member, lines=[LineInput(None, 2, D("60"), product_name="Tea")]
    )
    assert staff_client.get(url).context["overview"].accumulated == D("120")
    order_cancel(merchant=merchant, order=order)
    assert staff_client.get(url).context["overview"].gross_orders == 0


def test_spending_records_newest_first_and_paginated(staff_client, merchant, member):
    now = timezone.now()
    for i in range(12):
        OrderFactory(merchant=merchant, member=member, number=f"R{i:02d}", placed_at=now - timedelta(days=i))
    first = staff_client.get(detail_url(merchant, member)).context["records"]
    assert [o.number for o in first][:2] == ["R00", "R01"] and len(first) == 10
    url = reverse("members:records", kwargs={"merchant": merchant.slug, "member_id": member.pk})
    second = staff_client.get(url, {"page": 2}).context["records"]
    assert [o.number for o in second] == ["R10", "R11"]


def test_points_balance_is_shown_when_loyalty_provides_it(staff_client, merchant, member):
    response = staff_client.get(detail_url(merchant, member))
    assert response.context["points"] == 0  # loyalty.selectors.points_balance exists and starts at 0
    assert reverse("loyalty:member_points", kwargs={"merchant": "acme", "member_id": member.pk}) in response.content.decode()


@pytest.mark.parametrize("name", ["detail", "overview", "records"])
def test_other_merchants_member_is_not_found(staff_client, other_merchant, name):
    foreign = MemberFactory(merchant=other_merchant)
    url = reverse(f"members:{name}", kwargs={"merchant": "acme", "member_id": foreign.pk})
    assert staff_client.get(url).status_code == 404


def test_staff_of_another_merchant_gets_404(client, merchant, other_merchant, member):
    outsider = StaffFactory(merchant=other_merchant, store=StoreFactory(merchant=other_merchant))
    client.force_login(outsider.user)
    assert client.get(detail_url(merchant, member)).status_code == 404
    assert client.get(search_url(merchant), {"q": member.email}).status_code == 404
    assert client.post(reverse("members:register", kwargs={"merchant": merchant.slug}), {"phone": "0922000333"}).status_code == 404


def test_search_does_not_find_another_merchants_member(staff_client, merchant, other_merchant):
    MemberFactory(merchant=other_merchant, email="elsewhere@example.com", phone="+886955000111")
    for q in ("elsewhere@example.com", "0955000111"):
        response = staff_client.get(search_url(merchant), {"q": q})
        assert response.context["member"] is None and "No member found" in response.content.decode()
