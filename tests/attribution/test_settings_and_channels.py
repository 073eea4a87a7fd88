"""SPEC section 3 (updated), rule by rule through the production path: commerce.services.order_create
-> on_commit -> attribution task (in-process Celery) -> rules -> stored Attribution. The same rules
run in `attribution_replay` (scenarios 13-17)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from attribution import services as attribution_services
from attribution.models import Attribution
from commerce import services as commerce_services
from tests.factories import ClickFactory, LinkFactory, MemberFactory, StaffFactory

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def place(merchant, django_capture_on_commit_callbacks):
    """Create an order through the order service and run what it queued after commit."""

    def _place(number, member, at, channel="web", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return commerce_services.order_create(
                merchant=merchant, number=number, channel=channel, lines=[], member=member, placed_at=at,
                item_subtotal="120.00", **extra,
            )

    return _place


@pytest.fixture
def amy_link(merchant, staff, member):
    return LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)


@pytest.fixture
def ben(merchant):
    return StaffFactory(merchant=merchant, display_name="Ben")


def attribution(merchant, number) -> Attribution:
    return Attribution.objects.for_merchant(merchant).select_related("staff", "store", "merchant").get(
        order__number=number
    )


def decision(merchant, number):
    row = attribution(merchant, number)
    return row.reason, row.staff and row.staff.display_name, row.store and row.store.name


def change_settings(merchant, **values):
    values = {"window_hours": 24, "in_store_credit": False, **values}
    return attribution_services.attribution_settings_change(merchant=merchant, changed_by=None, **values)


@pytest.mark.parametrize("channel", ["pos", "kiosk", "omo"])
def test_in_store_order_is_the_closing_staffs_and_does_not_use_the_click(merchant, amy_link, ben, place, channel):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)

    place("shop", member, T0 + H, channel=channel, closing_staff=ben, source_store=ben.store)
    place("web", member, T0 + 2 * H)

    assert decision(merchant, "shop") == ("in_store", None, None)
    assert decision(merchant, "web") == ("credited", "Amy", "Taipei 101")
    assert attribution(merchant, "shop").explanation == (
        "not credited: an in-store order is the sale of the store and staff who rang it up"
    )


@pytest.mark.parametrize("channel", ["api", "import"])
def test_api_and_imported_orders_are_not_online_and_do_not_use_the_click(merchant, amy_link, place, channel):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)

    place("other", member, T0 + H, channel=channel)
    place("web", member, T0 + 2 * H, channel="social")

    assert decision(merchant, "other")[0] == "not_online"
    assert decision(merchant, "web") == ("credited", "Amy", "Taipei 101")


def test_late_in_store_order_does_not_take_the_click_from_an_online_order(merchant, amy_link, ben, place):
    # The online order arrives first; an earlier in-store order arrives late (a store system catching up).
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)
    place("web", member, T0 + 2 * H)
    place("shop", member, T0 + H, channel="pos", closing_staff=ben)

    assert decision(merchant, "web")[0] == "credited"
    assert decision(merchant, "shop")[0] == "in_store"


def test_in_store_credit_on_judges_in_store_orders_like_online_ones(merchant, amy_link, ben, place):
    change_settings(merchant, in_store_credit=True)
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=timezone.now() - H)

    place("shop", member, timezone.now(), channel="pos", closing_staff=ben, source_store=ben.store)
    place("web", member, timezone.now() + H)

    assert decision(merchant, "shop") == ("credited", "Amy", "Taipei 101")
    assert decision(merchant, "web")[0] == "click_used"


def test_merchant_window_of_48_hours(merchant, amy_link, place):
    change_settings(merchant, window_hours=48)
    now = timezone.now()
    late = MemberFactory(merchant=merchant)
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=now - 47 * H)
    ClickFactory(merchant=merchant, link=amy_link, member=late, clicked_at=now - 47 * H)

    place("in-time", amy_link.member, now + H)
    place("late", late, now + H + timedelta(seconds=1))

    assert decision(merchant, "in-time") == ("credited", "Amy", "Taipei 101")
    assert decision(merchant, "late")[0] == "click_expired"
    # The reason names the merchant's window, not the seed's 24 hours.
    assert attribution(merchant, "late").explanation == (
        "not credited: the last link was opened more than 48 hours before the order"
    )


def test_settings_change_applies_to_orders_placed_after_it(merchant, amy_link, ben, place):
    # Given clicks 30 hours ago, and the merchant changes to a 48 h window with in-store credit now
    before_member, after_member, shop_member = (MemberFactory(merchant=merchant) for _ in range(3))
    clicked = timezone.now() - 30 * H
    for shopper in (before_member, after_member, shop_member):
        ClickFactory(merchant=merchant, link=amy_link, member=shopper, clicked_at=clicked)
    place("shop-before", shop_member, clicked + H, channel="pos", closing_staff=ben)
    changed = change_settings(merchant, window_hours=48, in_store_credit=True)

    # when orders are placed before and after the change (each decided after it)
    place("before", before_member, changed.effective_from - timedelta(seconds=1))
    place("after", after_member, changed.effective_from + timedelta(seconds=1))
    place("shop-after", shop_member, changed.effective_from + H)

    # then each was judged by the settings in force when it was placed
    assert decision(merchant, "before")[0] == "click_expired"  # 30 h > 24 h
    assert attribution(merchant, "before").window_hours == 24
    assert decision(merchant, "after") == ("credited", "Amy", "Taipei 101")  # 30 h <= 48 h
    assert attribution(merchant, "after").window_hours == 48
    # the in-store order placed before in-store credit was on did not use the click
    assert decision(merchant, "shop-before")[0] == "in_store"
    assert decision(merchant, "shop-after") == ("credited", "Amy", "Taipei 101")


def test_self_referral_is_not_credited_and_uses_up_the_click(merchant, staff, amy_link, ben, place):
    # Amy's own shopper account (same user) opens Amy's link and orders twice.
    own = MemberFactory(merchant=merchant, user=staff.user)
    ClickFactory(merchant=merchant, link=amy_link, member=own, clicked_at=T0)
    place("own-1", own, T0 + H)
    place("own-2", own, T0 + 2 * H)
    # Through a colleague's link her account is a shopper like any other.
    ben_link = LinkFactory(merchant=merchant, staff=ben, store=ben.store, member=own)
    ClickFactory(merchant=merchant, link=ben_link, member=own, clicked_at=T0 + 3 * H)
    place("own-3", own, T0 + 4 * H)

    assert decision(merchant, "own-1") == ("self_referral", None, None)
    assert attribution(merchant, "own-1").explanation == (
        "not credited: self-referral (the staff member ordered through their own link)"
    )
    assert decision(merchant, "own-2")[0] == "click_used"
    assert decision(merchant, "own-3") == ("credited", "Ben", ben.store.name)


def test_other_merchants_settings_do_not_apply(merchant, other_merchant, amy_link, place):
    change_settings(other_merchant, window_hours=72)
    now = timezone.now()
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=now - 30 * H)

    place("o1", amy_link.member, now)

    assert decision(merchant, "o1")[0] == "click_expired"


def test_batch_query_count_does_not_grow_with_the_orders(merchant, staff, django_assert_max_num_queries):
    change_settings(merchant, window_hours=48)
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store)

    def batch(size):
        ids = []
        colleague = StaffFactory(merchant=merchant)  # one shopper is a staff member's own account
        for i in range(size):
            shopper = MemberFactory(merchant=merchant, user=colleague.user if i == 0 else None)
            ClickFactory(merchant=merchant, link=link, member=shopper, clicked_at=T0)
            channel = ["web", "pos", "api"][i % 3]
            ids.append(commerce_services.order_create(
                merchant=merchant, number=f"b{size}-{i}", channel=channel, lines=[], member=shopper,
                placed_at=T0 + H,
            ).pk)
        return ids

    small, large = batch(3), batch(30)
    # 12, plus 3 for the performance rollups (lock the orders, their previous credit, the upsert
    # of the deltas) and 1 for their time zone.
    with django_assert_max_num_queries(16) as small_queries:
        attribution_services.orders_attribute(merchant_id=merchant.pk, order_ids=small)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        attribution_services.orders_attribute(merchant_id=merchant.pk, order_ids=large)
