"""Loyalty pages as shoppers, staff and the merchant admin see them."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from loyalty import selectors, services
from loyalty.models import Offer, OfferStore, Referral
from members.models import Member
from members.services import member_for_user
from tests.factories import MemberFactory, StaffFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, merchant, **kwargs):
    return reverse(f"loyalty:{name}", kwargs={"merchant": merchant.slug, **kwargs})


@pytest.fixture
def admin_client(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin", display_name="Boss")
    client.force_login(admin.user)
    return client


# --- Shopper: my points ---------------------------------------------------------------------

def test_shopper_sees_balance_and_history(client, merchant):
    user = UserFactory(email="ann@example.com")
    member = member_for_user(merchant=merchant, user=user)
    services.points_adjust(merchant=merchant, member=member, points=120, reason="Welcome gift")
    client.force_login(user)

    response = client.get(url("my_points", merchant))

    assert response.status_code == 200
    assert response.context["balance"] == 120
    assert b"Welcome gift" in response.content


def test_history_is_paginated(client, merchant):
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    for i in range(25):
        services.points_adjust(merchant=merchant, member=member, points=1, reason=f"gift {i}")
    client.force_login(user)

    first = client.get(url("my_points", merchant))
    second = client.get(url("my_points", merchant), {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5


def test_points_page_needs_login(client, merchant):
    response = client.get(url("my_points", merchant))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_shopper_sees_only_this_merchants_points(client, merchant, other_merchant):
    user = UserFactory()
    theirs = member_for_user(merchant=other_merchant, user=user)
    services.points_adjust(merchant=other_merchant, member=theirs, points=70, reason="Other brand")
    client.force_login(user)

    response = client.get(url("my_points", merchant))

    assert response.context["balance"] == 0
    assert b"Other brand" not in response.content


# --- Staff tablet: member's balance -------------------------------------------------------------

def test_staff_sees_member_balance_on_tablet(staff_client, merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=55, reason="Gift")

    response = staff_client.get(url("member_points", merchant, member_id=member.pk))

    assert response.status_code == 200
    assert response.context["balance"] == 55


def test_tablet_cannot_open_another_merchants_member(staff_client, merchant, other_merchant):
    theirs = MemberFactory(merchant=other_merchant)

    response = staff_client.get(url("member_points", merchant, member_id=theirs.pk))

    assert response.status_code == 404


def test_balance_tag_for_the_member_profile(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=42, reason="Gift")
    request = RequestFactory().get("/")
    request.merchant = merchant

    html = Template("{% load loyalty_tags %}{% member_points_balance member %}").render(
        Context({"request": request, "member": member})
    )

    assert "<strong>42</strong>" in html


# --- Staff: cash redemption ---------------------------------------------------------------------

def test_staff_redeems_points_for_cash_once_a_month(staff_client, merchant, staff):
    services.points_adjust(merchant=merchant, staff=staff, points=500, reason="Sales bonus")

    first = staff_client.post(url("cash", merchant), {"points": 200}, follow=True)
    second = staff_client.post(url("cash", merchant), {"points": 100})

    assert "200 points exchanged for 20.00 TWD" in first.content.decode()
    assert second.status_code == 200
    assert "once per calendar month" in second.content.decode()
    assert selectors.points_balance(merchant=merchant, staff=staff) == 300


def _today(merchant):
    return timezone.localtime(timezone.now(), merchant.tzinfo).date()


def test_cash_button_is_disabled_outside_the_merchants_days_and_says_when(staff_client, merchant, staff):
    services.points_adjust(merchant=merchant, staff=staff, points=500, reason="Bonus")
    today = _today(merchant)
    other = 1 if today.day != 1 else 2  # a window of one day that is not today
    services.loyalty_settings_save(merchant=merchant, cash_redemption_first_day=other, cash_redemption_last_day=other)

    page = staff_client.get(url("cash", merchant)).content.decode()
    refused = staff_client.post(url("cash", merchant), {"points": 100}).content.decode()

    assert f"Cash can be requested on days {other} to {other} of each month." in page
    assert "The next chance is" in page
    assert re.search(r'<button type="submit"[^>]*disabled', page)
    assert "The next chance is" in refused
    assert selectors.points_balance(merchant=merchant, staff=staff) == 500


def test_cash_button_is_enabled_inside_the_merchants_days(staff_client, merchant, staff):
    services.points_adjust(merchant=merchant, staff=staff, points=500, reason="Bonus")
    today = _today(merchant)
    services.loyalty_settings_save(merchant=merchant, cash_redemption_first_day=today.day,
                                   cash_redemption_last_day=today.day)

    page = staff_client.get(url("cash", merchant)).content.decode()
    staff_client.post(url("cash", merchant), {"points": 100})

    assert f"days {today.day} to {today.day}" in page and "The next chance" not in page
    assert not re.search(r'<button type="submit"[^>]*disabled', page)
    assert selectors.points_balance(merchant=merchant, staff=staff) == 400


def test_cash_page_is_for_staff_only(client, merchant):
    client.force_login(UserFactory())

    assert client.get(url("cash", merchant)).status_code == 404


def test_cash_page_refuses_more_points_than_the_balance(staff_client, merchant, staff):
    response = staff_client.post(url("cash", merchant), {"points": 10})

    assert "Not enough points" in response.content.decode()


# --- Merchant admin: offers, settings, payroll ---------------------------------------------------------

def test_admin_configures_the_hypermarket_offer_without_code(admin_client, merchant):
    hyper = StoreFactory(merchant=merchant, attributes={"format": "Hypermarket"})

    response = admin_client.post(url("offer_new", merchant), {
        "name": "Hypermarket 10%", "active": "on", "event": "order_paid", "action": "discount_percentage",
        "value": "10", "position": "0", "store_attributes": "format = Hypermarket", "stores": [hyper.pk],
        "channels": ["pos"], "payment_methods": "card, cash",
    })

    assert response.status_code == 302
    offer = Offer.objects.for_merchant(merchant).get()
    assert (offer.store_attributes, offer.channels, offer.payment_methods) == (
        {"format": "Hypermarket"}, ["pos"], ["card", "cash"]
    )
    assert list(OfferStore.objects.for_merchant(merchant).filter(offer=offer).values_list("store_id", flat=True)) == [hyper.pk]


def test_admin_offer_form_rejects_inconsistent_actions(admin_client, merchant):
    response = admin_client.post(url("offer_new", merchant), {
        "name": "Broken", "event": "order_paid", "action": "points_per_amount", "value": "1", "position": "0",
    })

    assert response.status_code == 200
    assert "per_amount" in response.content.decode()
    assert not Offer.objects.for_merchant(merchant).exists()


def test_admin_edits_an_offer(admin_client, merchant):
    offer = Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Online 100", event="order_paid", action="fixed_points", value=D("100")
    )

    page = admin_client.get(url("offer_edit", merchant, offer_id=offer.pk))
    admin_client.post(url("offer_edit", merchant, offer_id=offer.pk), {
        "name": "Online 150", "active": "on", "event": "order_paid", "action": "fixed_points", "value": "150",
        "position": "0", "payment_methods": "online",
    })

    assert page.status_code == 200
    offer.refresh_from_db()
    assert (offer.name, offer.value, offer.payment_methods) == ("Online 150", D("150"), ["online"])


def test_admin_cannot_edit_another_merchants_offer(admin_client, merchant, other_merchant):
    theirs = Offer.objects.for_merchant(other_merchant).create(
        merchant=other_merchant, name="Theirs", event="order_paid", action="fixed_points", value=D("1")
    )

    assert admin_client.get(url("offer_edit", merchant, offer_id=theirs.pk)).status_code == 404


def test_offers_pages_are_for_the_merchant_admin_only(staff_client, merchant):
    assert staff_client.get(url("offers", merchant)).status_code == 403
    assert staff_client.get(url("settings", merchant)).status_code == 403
    assert staff_client.get(url("payroll_csv", merchant), {"month": "2025-11"}).status_code == 403


def test_admin_saves_settings(admin_client, merchant):
    response = admin_client.post(url("settings", merchant), {
        "stacking": "best_of", "share_daily_cap": "80", "referral_traffic_percent": "25", "referral_new_member_minutes": "45",
        "cash_redemption_first_day": "25", "cash_redemption_last_day": "28",
        "point_value": "0.05", "holidays": "2025-10-01\n2025-01-01",
    })

    assert response.status_code == 302
    settings = selectors.loyalty_settings_get(merchant=merchant)
    assert (settings.stacking, settings.share_daily_cap, settings.holidays, settings.referral_traffic_percent,
            settings.referral_new_member_minutes, settings.cash_redemption_first_day, settings.cash_redemption_last_day,
            ) == ("best_of", 80, ["2025-01-01", "2025-10-01"], 25, 45, 25, 28)
    page = admin_client.get(url("offers", merchant)).content.decode()
    assert "25 % / 75 %" in page


def test_admin_settings_refuse_a_traffic_share_over_100_percent(admin_client, merchant):
    response = admin_client.post(url("settings", merchant), {
        "stacking": "sum", "share_daily_cap": "80", "referral_traffic_percent": "120", "referral_new_member_minutes": "30",
        "point_value": "0.10", "cash_redemption_first_day": "1", "cash_redemption_last_day": "31",
    })

    assert response.status_code == 200
    assert selectors.loyalty_settings_get(merchant=merchant).referral_traffic_percent is None


def test_admin_settings_refuse_a_cash_window_that_ends_before_it_starts(admin_client, merchant):
    response = admin_client.post(url("settings", merchant), {
        "stacking": "sum", "share_daily_cap": "80", "referral_traffic_percent": "", "referral_new_member_minutes": "30",
        "point_value": "0.10", "cash_redemption_first_day": "28", "cash_redemption_last_day": "25",
    })

    assert response.status_code == 200
    assert "cannot be before the first" in response.content.decode()


def test_admin_settings_reject_a_bad_holiday(admin_client, merchant):
    response = admin_client.post(url("settings", merchant), {
        "stacking": "sum", "share_daily_cap": "80", "referral_traffic_percent": "", "referral_new_member_minutes": "30",
        "cash_redemption_first_day": "1", "cash_redemption_last_day": "31",
        "point_value": "0.10", "holidays": "National Day",
    })

    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_payroll_csv_lists_the_months_cash_redemptions(admin_client, merchant, store):
    amy = StaffFactory(merchant=merchant, store=store, display_name="Amy")
    bob = StaffFactory(merchant=merchant, store=StoreFactory(merchant=merchant, name="Xinyi"), display_name="=Bob")
    for person in (amy, bob):
        services.points_adjust(merchant=merchant, staff=person, points=1000, reason="Bonus")
    services.cash_redemption_request(merchant=merchant, staff=amy, points=300, at=datetime(2025, 11, 5, 2, tzinfo=UTC))
    # 16:30 UTC on 30 Nov is 1 Dec in Taipei: December payroll.
    services.cash_redemption_request(merchant=merchant, staff=bob, points=100,
                                     at=datetime(2025, 11, 30, 16, 30, tzinfo=UTC))
    services.cash_redemption_request(merchant=merchant, staff=bob, points=200, at=datetime(2025, 11, 10, 2, tzinfo=UTC))

    response = admin_client.get(url("payroll_csv", merchant), {"month": "2025-11"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Month", "Store", "Staff"]
    assert [row[:3] + row[5:] for row in rows[1:]] == [
        ["2025-11", "Taipei 101", "Amy", "300", "30.00", "TWD"],
        ["2025-11", "Xinyi", "'=Bob", "200", "20.00", "TWD"],
    ]


def test_payroll_csv_needs_a_month(admin_client, merchant):
    assert admin_client.get(url("payroll_csv", merchant), {"month": "November"}).status_code == 400


def test_payroll_csv_leaves_out_other_merchants(admin_client, merchant, other_merchant):
    theirs = StaffFactory(merchant=other_merchant, display_name="Zed")
    services.points_adjust(merchant=other_merchant, staff=theirs, points=100, reason="Bonus")
    services.cash_redemption_request(merchant=other_merchant, staff=theirs, points=100,
                                     at=datetime(2025, 11, 5, 2, tzinfo=UTC))

    response = admin_client.get(url("payroll_csv", merchant), {"month": "2025-11"})

    assert "Zed" not in b"".join(response.streaming_content).decode()


def test_history_times_are_in_the_merchants_timezone(client, merchant):
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Share", event="share", action="fixed_points", value=D("5")
    )
    # 15:30 UTC is 23:30 in Taipei.
    services.share_points_award(merchant=merchant, staff_or_member=member, link_id=1,
                                at=datetime(2025, 6, 10, 15, 30, tzinfo=UTC))
    client.force_login(user)

    response = client.get(url("my_points", merchant))

    assert "11:30:00\u202fPM GMT+08:00" in response.content.decode()  # with the zone shown (omo.formats)


# --- Referral QR ----------------------------------------------------------------------------------

def test_scanning_a_store_referral_code_records_the_referral(client, merchant):
    sister = StoreFactory(merchant=merchant, name="Sister brand", code="sister")
    user = UserFactory()
    client.force_login(user)

    response = client.get(url("referral_join", merchant, store_code="sister"), follow=True)

    member = member_for_user(merchant=merchant, user=user)
    assert member.referral.referrer_store == sister
    assert "Sister brand introduced you" in response.content.decode()


def test_first_referral_wins(client, merchant):
    first = StoreFactory(merchant=merchant, code="first")
    StoreFactory(merchant=merchant, code="second")
    user = UserFactory()
    client.force_login(user)

    client.get(url("referral_join", merchant, store_code="first"))
    client.get(url("referral_join", merchant, store_code="second"))

    assert member_for_user(merchant=merchant, user=user).referral.referrer_store == first


def test_an_existing_member_scanning_a_code_is_told_it_changes_nothing(client, merchant):
    StoreFactory(merchant=merchant, name="Sister brand", code="sister")
    user = UserFactory()
    member = member_for_user(merchant=merchant, user=user)
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(created_at=timezone.now() - timedelta(days=90))
    client.force_login(user)

    response = client.get(url("referral_join", merchant, store_code="sister"), follow=True)

    page = response.content.decode()
    assert "already a member" in page and "changes nothing" in page
    assert "introduced you" not in page
    assert not Referral.objects.for_merchant(merchant).filter(member=member).exists()


def test_referral_code_of_another_merchants_store_is_not_found(client, merchant, other_merchant):
    StoreFactory(merchant=other_merchant, code="theirs")
    client.force_login(UserFactory())

    assert client.get(url("referral_join", merchant, store_code="theirs")).status_code == 404


def test_referral_join_needs_login(client, merchant, store):
    response = client.get(url("referral_join", merchant, store_code=store.code))

    assert "/accounts/login/" in response["Location"]


def test_admin_prints_a_stores_referral_qr(admin_client, merchant, store):
    response = admin_client.get(url("referral_qr", merchant, store_code=store.code))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_points_redeemable_is_capped_by_balance_and_amount(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=500, reason="Gift")

    assert selectors.points_redeemable(merchant=merchant, member=member, amount=D("20.00")) == 200
    assert selectors.points_redeemable(merchant=merchant, member=member, amount=D("999.00")) == 500
