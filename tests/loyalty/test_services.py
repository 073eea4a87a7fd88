"""Points through the database: offers configured as rows, orders, shares, redemptions.

The five source examples (seed-loymax-omnichannel-offers, seed-o2o-points-
requirements) are configured as `Offer` rows and run through the services,
not only through the pure engine. Times: the merchant is in Asia/Taipei
(UTC+8, no DST), so local midnight is 16:00 UTC.
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attribution.services import order_attribute
from commerce.models import Order, OrderLine
from commerce.services import LineInput, order_cancel, order_create
from loyalty import selectors, services
from loyalty.models import LoyaltySettings, Offer, PointsAccount, PointsLedgerEntry, Referral
from loyalty.offers import LineFacts
from members.models import Member
from omo.tenancy.scoping import merchant_scope
from tests.factories import ClickFactory, LinkFactory, MemberFactory, StaffFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
JUNE_10 = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 in Taipei
JULY_10 = datetime(2025, 7, 10, 4, 0, tzinfo=UTC)


def make_offer(merchant, stores=(), **fields):
    offer = Offer.objects.for_merchant(merchant).create(merchant=merchant, **fields)
    with merchant_scope(merchant):
        offer.stores.set(stores, through_defaults={"merchant": merchant})
    return offer


def base_offer(merchant):
    # Normal points: 1 point per 10.00 paid.
    return make_offer(
        merchant, name="1 per 10", event="order_paid", action="points_per_amount", value=D("1"), per_amount=D("10")
    )


def tv_and_fridge():
    # 200.00 order: TV 120.00 that came from a recommendation link + fridge 80.00.
    return [
        LineInput(variation=None, quantity=1, unit_price=D("120.00"), product_name="TV", category="tv",
                  recommended=True),
        LineInput(variation=None, quantity=1, unit_price=D("80.00"), product_name="Fridge", category="fridge"),
    ]


def paid_order(merchant, member, *, lines=None, channel="pos", store=None, payment_method="card",
               placed_at=JUNE_10, closing_staff=None, payment_status="paid"):
    return order_create(
        merchant=merchant,
        number=f"T-{next(_numbers)}",
        channel=channel,
        lines=lines if lines is not None else tv_and_fridge(),
        member=member,
        placed_at=placed_at,
        source_store=store,
        closing_staff=closing_staff,
        payment_status=payment_status,
        payment_method=payment_method,
    )


def ledger(merchant, member=None, staff=None):
    """(kind, points, label, source) oldest first, as the member's history shows them."""
    entries = selectors.ledger_list(merchant=merchant, member=member, staff=staff)
    return [(e.kind, e.points, e.label, e.source) for e in reversed(list(entries))]


def balance(merchant, member=None, staff=None):
    return selectors.points_balance(merchant=merchant, member=member, staff=staff)


def settle(merchant, order):
    return services.order_points_settle(merchant=merchant, order_id=order.pk)


# --- The source examples, table-driven ----------------------------------------------

def online_payment_100(merchant):
    make_offer(merchant, name="Online payment", event="order_paid", action="fixed_points", value=D("100"),
               payment_methods=["online"])


def recommended_double_in_june(merchant):
    base_offer(merchant)
    make_offer(merchant, name="Double on recommended, June", event="order_paid", action="multiplier", value=D("2"),
               recommended_only=True, starts_on=date(2025, 6, 1), ends_on=date(2025, 6, 30), campaign=True)


def birthday_double(merchant):
    base_offer(merchant)
    make_offer(merchant, name="Birthday double", event="order_paid", action="multiplier", value=D("2"),
               birthday_only=True, campaign=True)


ORDER_EXAMPLES = [
    # (id, configure, order kwargs, member birthday, expected ledger)
    ("online-payment-earns-100", online_payment_100, {"payment_method": "online", "channel": "web"}, None,
     [("earn", 100, "normal", "order_paid")]),
    ("cash-payment-earns-nothing", online_payment_100, {"payment_method": "cash"}, None, []),
    # Base 20 on 200.00; the recommended TV's base is 12, doubled adds 12 campaign points.
    ("recommended-double-in-period", recommended_double_in_june, {}, None,
     [("earn", 20, "normal", "order_paid"), ("earn", 12, "campaign", "order_paid")]),
    ("recommended-double-after-period", recommended_double_in_june, {"placed_at": JULY_10}, None,
     [("earn", 20, "normal", "order_paid")]),
    ("birthday-double-on-birthday", birthday_double, {}, date(1990, 6, 10),
     [("earn", 20, "normal", "order_paid"), ("earn", 20, "campaign", "order_paid")]),
    ("birthday-double-other-day", birthday_double, {}, date(1990, 6, 11),
     [("earn", 20, "normal", "order_paid")]),
    # 16:30 UTC on 9 June is 00:30 on 10 June in Taipei: the merchant's day decides.
    ("birthday-in-merchant-timezone", birthday_double, {"placed_at": datetime(2025, 6, 9, 16, 30, tzinfo=UTC)},
     date(1990, 6, 10), [("earn", 20, "normal", "order_paid"), ("earn", 20, "campaign", "order_paid")]),
]


@pytest.mark.parametrize(("configure", "order_kwargs", "birthday", "expected"),
                         [pytest.param(*case[1:], id=case[0]) for case in ORDER_EXAMPLES])
def test_order_examples(merchant, configure, order_kwargs, birthday, expected):
    configure(merchant)
    member = MemberFactory(merchant=merchant, birthday=birthday)

    settle(merchant, paid_order(merchant, member, **order_kwargs))

    assert ledger(merchant, member) == expected
    assert balance(merchant, member) == sum(points for _, points, _, _ in expected)


def test_app_install_earns_100_once(merchant, member):
    make_offer(merchant, name="Install the app", event="app_installed", action="fixed_points", value=D("100"))

    services.app_install_award(merchant=merchant, member=member)
    services.app_install_award(merchant=merchant, member=member)  # reinstalling earns nothing more

    assert ledger(merchant, member) == [("earn", 100, "normal", "app_installed")]


@pytest.mark.parametrize(("store_format", "expected"), [("Hypermarket", [D("10")]), ("Mini-market", [])])
def test_hypermarket_discount_10_percent(merchant, member, store_format, expected):
    make_offer(merchant, name="Hypermarket 10%", event="order_paid", action="discount_percentage", value=D("10"),
               store_attributes={"format": "Hypermarket"})
    store = StoreFactory(merchant=merchant, attributes={"format": store_format})

    awards = services.offers_preview(
        merchant=merchant, member=member, channel="pos", store=store,
        lines=[LineFacts(product_id=1, category="tv", amount=D("300.00"))],
    )

    assert [award.discount_percentage for award in awards] == expected
    assert all(award.eligible_amount == D("300.00") for award in awards)


def test_discount_offer_writes_no_ledger_entry(merchant, member):
    make_offer(merchant, name="Hypermarket 10%", event="order_paid", action="discount_percentage", value=D("10"),
               store_attributes={"format": "Hypermarket"})
    store = StoreFactory(merchant=merchant, attributes={"format": "Hypermarket"})

    settle(merchant, paid_order(merchant, member, store=store))

    assert ledger(merchant, member) == []


def test_offer_for_specific_stores_and_categories(merchant, member):
    flagship = StoreFactory(merchant=merchant)
    make_offer(merchant, stores=[flagship], name="2 per 10 on TVs at the flagship", event="order_paid",
               action="points_per_amount", value=D("2"), per_amount=D("10"), product_categories=["tv"])

    settle(merchant, paid_order(merchant, member, store=StoreFactory(merchant=merchant)))
    settle(merchant, paid_order(merchant, member, store=flagship))

    assert ledger(merchant, member) == [("earn", 24, "normal", "order_paid")]


def test_holiday_calendar_triple_points(merchant):
    services.loyalty_settings_save(merchant=merchant, holidays=["2025-10-01"])
    base_offer(merchant)
    make_offer(merchant, name="Triple on holidays", event="order_paid", action="multiplier", value=D("3"),
               holidays_only=True, campaign=True)
    member = MemberFactory(merchant=merchant)

    settle(merchant, paid_order(merchant, member, placed_at=datetime(2025, 10, 1, 2, tzinfo=UTC)))
    settle(merchant, paid_order(merchant, member, placed_at=datetime(2025, 10, 2, 2, tzinfo=UTC)))

    assert ledger(merchant, member) == [
        ("earn", 20, "normal", "order_paid"), ("earn", 40, "campaign", "order_paid"),
        ("earn", 20, "normal", "order_paid"),
    ]


def test_holidays_only_offer_with_empty_calendar_never_applies(merchant, member):
    make_offer(merchant, name="Holiday 50", event="order_paid", action="fixed_points", value=D("50"),
               holidays_only=True)

    settle(merchant, paid_order(merchant, member))

    assert balance(merchant, member) == 0


def test_inactive_offer_earns_nothing(merchant, member):
    make_offer(merchant, name="Off", event="order_paid", action="fixed_points", value=D("50"), active=False)

    settle(merchant, paid_order(merchant, member))

    assert balance(merchant, member) == 0


# --- Stacking ---------------------------------------------------------------------------

@pytest.mark.parametrize(("stacking", "expected"), [
    ("sum", [("earn", 20, "normal", "order_paid"), ("earn", 100, "normal", "order_paid")]),
    ("best_of", [("earn", 100, "normal", "order_paid")]),
])
def test_stacking_set_by_the_merchant(merchant, member, stacking, expected):
    services.loyalty_settings_save(merchant=merchant, stacking=stacking)
    base_offer(merchant)
    online_payment_100(merchant)

    settle(merchant, paid_order(merchant, member, payment_method="online", channel="web"))

    assert ledger(merchant, member) == expected


def test_offers_in_one_stacking_group_never_add_up(merchant, member):
    make_offer(merchant, name="Welcome 50", event="order_paid", action="fixed_points", value=D("50"),
               stacking_group="welcome")
    make_offer(merchant, name="Welcome 80", event="order_paid", action="fixed_points", value=D("80"),
               stacking_group="welcome")

    settle(merchant, paid_order(merchant, member))

    assert ledger(merchant, member) == [("earn", 80, "normal", "order_paid")]


# --- Order events: once, online and offline one balance, reversals ---------------------------

def test_online_and_offline_orders_earn_into_one_balance(merchant, member, store):
    base_offer(merchant)

    settle(merchant, paid_order(merchant, member, channel="web"))
    settle(merchant, paid_order(merchant, member, channel="pos", store=store))

    assert balance(merchant, member) == 40
    assert PointsAccount.objects.for_merchant(merchant).filter(member=member).count() == 1


def test_replayed_order_event_earns_once(merchant, member):
    base_offer(merchant)
    order = paid_order(merchant, member)

    settle(merchant, order)
    settle(merchant, order)

    assert balance(merchant, member) == 20
    assert len(ledger(merchant, member)) == 1


def test_unpaid_order_earns_when_paid(merchant, member):
    base_offer(merchant)
    order = paid_order(merchant, member, payment_status="pending")

    settle(merchant, order)
    assert balance(merchant, member) == 0

    Order.objects.for_merchant(merchant).filter(pk=order.pk).update(payment_status="paid")
    settle(merchant, order)
    assert balance(merchant, member) == 20


def test_guest_order_earns_nothing(merchant):
    base_offer(merchant)

    assert settle(merchant, paid_order(merchant, None)) == []


def test_cancelled_order_reverses_with_new_entries(merchant, member):
    recommended_double_in_june(merchant)
    order = paid_order(merchant, member)
    settle(merchant, order)
    earned = list(PointsLedgerEntry.objects.for_merchant(merchant).values_list("pk", "points"))

    order_cancel(merchant=merchant, order=order)
    settle(merchant, order)
    settle(merchant, order)  # replay reverses nothing more

    assert ledger(merchant, member) == [
        ("earn", 20, "normal", "order_paid"), ("earn", 12, "campaign", "order_paid"),
        ("reverse", -20, "normal", "order_paid"), ("reverse", -12, "campaign", "order_paid"),
    ]
    assert balance(merchant, member) == 0
    # The earning entries are untouched.
    assert list(PointsLedgerEntry.objects.for_merchant(merchant).filter(kind="earn").values_list("pk", "points")) \
        == earned


def test_returned_line_reverses_its_points(merchant, member):
    recommended_double_in_june(merchant)
    order = paid_order(merchant, member)
    settle(merchant, order)

    # The recommended TV (120.00) comes back.
    tv = OrderLine.objects.for_merchant(merchant).filter(order=order, product_name="TV")
    tv.update(returned_quantity=1, returned_amount=D("120.00"))
    Order.objects.for_merchant(merchant).filter(pk=order.pk).update(returned_amount=D("120.00"))
    settle(merchant, order)
    settle(merchant, order)

    # Kept: fridge 80.00 earns 8 base, no recommended line left to double.
    assert ledger(merchant, member) == [
        ("earn", 20, "normal", "order_paid"), ("earn", 12, "campaign", "order_paid"),
        ("reverse", -12, "normal", "order_paid"), ("reverse", -12, "campaign", "order_paid"),
    ]
    assert balance(merchant, member) == 8


def test_reversal_never_takes_the_balance_below_zero(merchant, member):
    base_offer(merchant)
    order = paid_order(merchant, member)
    settle(merchant, order)
    services.points_redeem_for_order(merchant=merchant, member=member, points=15,
                                     order=paid_order(merchant, member, payment_status="pending"))

    order_cancel(merchant=merchant, order=order)
    settle(merchant, order)

    assert balance(merchant, member) == 0
    last = selectors.ledger_list(merchant=merchant, member=member).first()
    assert last.points == -5
    assert "15 points already spent" in last.description


def test_cancelled_order_gives_back_the_points_redeemed_on_it(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=100, reason="Welcome")
    order = paid_order(merchant, member, payment_status="pending")
    redemption = services.points_redeem_for_order(merchant=merchant, member=member, points=60, order=order)
    assert redemption.amount == D("6.00")  # 0.10 a point by default
    assert balance(merchant, member) == 40

    order_cancel(merchant=merchant, order=order)
    settle(merchant, order)

    assert balance(merchant, member) == 100


def test_order_task_runs_after_commit(merchant, member, django_capture_on_commit_callbacks):
    base_offer(merchant)

    with django_capture_on_commit_callbacks(execute=True):
        paid_order(merchant, member)  # the order service queues the points follower

    assert balance(merchant, member) == 20


def test_staff_shopping_earns_into_the_staff_balance(merchant, store):
    base_offer(merchant)
    user = UserFactory()
    amy = StaffFactory(merchant=merchant, store=store, user=user)
    as_shopper = MemberFactory(merchant=merchant, user=user)

    settle(merchant, paid_order(merchant, as_shopper))

    assert balance(merchant, staff=amy) == 20
    assert balance(merchant, as_shopper) == 20


# --- Referral split ---------------------------------------------------------------------------

# 25 % traffic / 75 % sales of the points the sale earns; the base offer gives 1 point per 10.00,
# so the 200.00 order earns the member 20 points: 5 traffic points and 15 sales points.
REFERRAL_CASES = [
    # (id, referrer kind, channel, closing staff?, expected {who: [(source, points)]})
    ("offline-sale-helped-by-staff", "store", "pos", True,
     {"referrer": [("referral_traffic", 5)], "closer": [("referral_sales", 15)]}),
    ("online-sale-referrer-gets-both", "store", "web", True,
     {"referrer": [("referral_traffic", 5), ("referral_sales", 15)], "closer": []}),
    ("person-referrer-offline", "member", "pos", True,
     {"referrer": [("referral_traffic", 5)], "closer": [("referral_sales", 15)]}),
    ("staff-referrer-online", "staff", "web", False,
     {"referrer": [("referral_traffic", 5), ("referral_sales", 15)], "closer": []}),
    ("offline-sale-nobody-closed", "store", "pos", False,
     {"referrer": [("referral_traffic", 5)], "closer": []}),
]


def _sources(merchant, **owner):
    return [(source, points) for _, points, _, source in ledger(merchant, **owner)]


def _store_sources(merchant, store):
    account = PointsAccount.objects.for_merchant(merchant).filter(store=store).first()
    entries = PointsLedgerEntry.objects.for_merchant(merchant).filter(account=account).order_by("id")
    return [(e.source, e.points) for e in entries] if account else []


def _referred_member(merchant, referrer, kind="store"):
    member = MemberFactory(merchant=merchant)
    services.referral_record(merchant=merchant, member=member, **{f"referrer_{kind}": referrer},
                             channel="sister-store QR")
    return member


@pytest.mark.parametrize(("referrer_kind", "channel", "closed", "expected"),
                         [pytest.param(*case[1:], id=case[0]) for case in REFERRAL_CASES])
def test_referral_split(merchant, store, staff, referrer_kind, channel, closed, expected):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    referrer = {
        "store": StoreFactory(merchant=merchant, name="Sister brand"),
        "member": MemberFactory(merchant=merchant),
        "staff": StaffFactory(merchant=merchant),
    }[referrer_kind]
    member = _referred_member(merchant, referrer, referrer_kind)

    closing_staff = staff if closed else None
    order = paid_order(merchant, member, channel=channel, store=store, closing_staff=closing_staff)
    order_attribute(merchant_id=merchant.pk, order_id=order.pk)  # no link opened: credits nobody
    settle(merchant, order)

    if referrer_kind == "store":
        got = _store_sources(merchant, referrer)
    else:
        got = _sources(merchant, **{referrer_kind: referrer})
    assert got == expected["referrer"]
    assert _sources(merchant, staff=staff) == expected["closer"]
    assert balance(merchant, member) == 20  # the buyer keeps their own points; the split is extra


def test_referral_split_is_a_ratio_so_a_bigger_sale_gives_bigger_parts(merchant, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    member = _referred_member(merchant, sister)
    big = [LineInput(variation=None, quantity=1, unit_price=D("20000.00"), product_name="Sofa", category="sofa")]
    small = [LineInput(variation=None, quantity=1, unit_price=D("1000.00"), product_name="Lamp", category="lamp")]

    settle(merchant, paid_order(merchant, member, lines=small, store=store, closing_staff=staff))
    settle(merchant, paid_order(merchant, member, lines=big, store=store, closing_staff=staff))

    # 1,000.00 earns 100 points (25 / 75); 20,000.00 earns 2,000 points (500 / 1,500).
    assert _store_sources(merchant, sister) == [("referral_traffic", 25), ("referral_traffic", 500)]
    assert _sources(merchant, staff=staff) == [("referral_sales", 75), ("referral_sales", 1500)]
    assert balance(merchant, member) == 2100


def test_referral_split_rounds_the_traffic_part_down_and_keeps_the_total(merchant, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    friend = MemberFactory(merchant=merchant)
    member = _referred_member(merchant, friend, "member")
    lines = [LineInput(variation=None, quantity=1, unit_price=D("1010.00"), product_name="TV", category="tv")]

    settle(merchant, paid_order(merchant, member, lines=lines, store=store, closing_staff=staff))

    # 101 points: 25.25 traffic rounds down to 25, the sales part is the other 76.
    assert (balance(merchant, friend), balance(merchant, staff=staff)) == (25, 76)


def test_online_sale_through_a_staff_members_link_gives_that_staff_the_sales_part(merchant, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    member = _referred_member(merchant, sister)
    amy = StaffFactory(merchant=merchant, store=store, display_name="Amy")
    link = LinkFactory(merchant=merchant, staff=amy, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=JUNE_10 - timedelta(hours=2))

    order = paid_order(merchant, member, channel="web", store=store)
    assert order_attribute(merchant_id=merchant.pk, order_id=order.pk).staff == amy
    settle(merchant, order)

    assert _store_sources(merchant, sister) == [("referral_traffic", 5)]
    assert _sources(merchant, staff=amy) == [("referral_sales", 15)]
    assert balance(merchant, member) == 20


def test_online_referred_sale_waits_for_its_attribution(merchant, store):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    member = _referred_member(merchant, sister)
    amy = StaffFactory(merchant=merchant, store=store)
    link = LinkFactory(merchant=merchant, staff=amy, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=JUNE_10 - timedelta(hours=2))
    order = paid_order(merchant, member, channel="web", store=store)

    # The loyalty follower runs before the attribution follower: nothing is written yet and the
    # order stays due, so the sweeper settles it again.
    assert settle(merchant, order) == []
    assert services.points_due_order_ids(merchant=merchant, older_than=timezone.now()) == [order.pk]

    order_attribute(merchant_id=merchant.pk, order_id=order.pk)
    settle(merchant, order)

    assert (balance(merchant, member), balance(merchant, staff=amy)) == (20, 15)
    assert _store_sources(merchant, sister) == [("referral_traffic", 5)]
    assert services.points_due_order_ids(merchant=merchant, older_than=timezone.now()) == []


def test_no_split_when_the_merchant_sets_no_ratio(merchant, store, staff):
    base_offer(merchant)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    member = _referred_member(merchant, sister)

    settle(merchant, paid_order(merchant, member, store=store, closing_staff=staff))

    assert (balance(merchant, member), balance(merchant, staff=staff), _store_sources(merchant, sister)) == (20, 0, [])


def test_sale_of_a_member_nobody_referred_has_no_split(merchant, member, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)

    settle(merchant, paid_order(merchant, member, store=store, closing_staff=staff))

    assert balance(merchant, staff=staff) == 0


def test_cancelled_referred_sale_reverses_both_shares(merchant, store, staff):
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    friend = MemberFactory(merchant=merchant)
    member = _referred_member(merchant, friend, "member")
    order = paid_order(merchant, member, store=store, closing_staff=staff)
    settle(merchant, order)

    order_cancel(merchant=merchant, order=order)
    settle(merchant, order)

    assert (balance(merchant, friend), balance(merchant, staff=staff)) == (0, 0)
    assert _sources(merchant, staff=staff) == [("referral_sales", 15), ("referral_sales", -15)]


def test_registration_through_referral_rewards_the_referrer_once(merchant):
    make_offer(merchant, name="Bring a friend", event="member_registered_via_referral", action="fixed_points",
               value=D("30"))
    friend, newcomer = MemberFactory(merchant=merchant), MemberFactory(merchant=merchant)

    services.referral_record(merchant=merchant, member=newcomer, referrer_member=friend)
    services.referral_record(merchant=merchant, member=newcomer, referrer_member=friend)

    assert ledger(merchant, friend) == [("earn", 30, "normal", "member_registered_via_referral")]


def _registered_minutes_ago(merchant, minutes):
    member = MemberFactory(merchant=merchant)
    Member.objects.for_merchant(merchant).filter(pk=member.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    member.refresh_from_db()
    return member


def _bring_a_friend_30(merchant):
    make_offer(merchant, name="Bring a friend", event="member_registered_via_referral", action="fixed_points",
               value=D("30"))


def test_a_member_registered_minutes_ago_without_orders_can_be_referred(merchant):
    _bring_a_friend_30(merchant)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    newcomer = _registered_minutes_ago(merchant, 29)

    referral = services.referral_record(merchant=merchant, member=newcomer, referrer_store=sister)

    assert referral.referrer_store == sister
    assert _store_sources(merchant, sister) == [("member_registered_via_referral", 30)]


@pytest.mark.parametrize(("minutes", "with_order"), [
    pytest.param(31, False, id="registered-31-minutes-ago"),
    pytest.param(5, True, id="already-ordered"),
])
def test_an_existing_member_scanning_a_code_changes_nothing(merchant, store, staff, minutes, with_order):
    _bring_a_friend_30(merchant)
    base_offer(merchant)
    services.loyalty_settings_save(merchant=merchant, referral_traffic_percent=25)
    sister = StoreFactory(merchant=merchant, name="Sister brand")
    regular = _registered_minutes_ago(merchant, minutes)
    if with_order:
        settle(merchant, paid_order(merchant, regular, store=store))

    with pytest.raises(services.ReferralRefused, match="already a member"):
        services.referral_record(merchant=merchant, member=regular, referrer_store=sister)
    settle(merchant, paid_order(merchant, regular, store=store, closing_staff=staff))

    assert not Referral.objects.for_merchant(merchant).filter(member=regular).exists()
    # No registration points and no traffic part of later orders for the sister store.
    assert _store_sources(merchant, sister) == []
    assert balance(merchant, staff=staff) == 0


def test_the_new_member_window_is_the_merchants_setting(merchant):
    services.loyalty_settings_save(merchant=merchant, referral_new_member_minutes=120)
    sister = StoreFactory(merchant=merchant)

    services.referral_record(merchant=merchant, member=_registered_minutes_ago(merchant, 90), referrer_store=sister)
    with pytest.raises(services.ReferralRefused):
        services.referral_record(merchant=merchant, member=_registered_minutes_ago(merchant, 121),
                                 referrer_store=sister)


def test_a_member_the_referral_created_is_referred_even_with_no_window(merchant):
    services.loyalty_settings_save(merchant=merchant, referral_new_member_minutes=0)
    sister = StoreFactory(merchant=merchant)
    newcomer = _registered_minutes_ago(merchant, 1)

    with pytest.raises(services.ReferralRefused):
        services.referral_record(merchant=merchant, member=newcomer, referrer_store=sister)
    referral = services.referral_record(merchant=merchant, member=newcomer, referrer_store=sister,
                                        created_by_referral=True)

    assert referral.referrer_store == sister


def test_referral_needs_exactly_one_referrer_of_this_merchant(merchant, other_merchant, member, store):
    with pytest.raises(ValidationError):
        services.referral_record(merchant=merchant, member=member)
    with pytest.raises(ValidationError):
        services.referral_record(merchant=merchant, member=member, referrer_store=StoreFactory(merchant=other_merchant))


# --- Share points: capped per local day by amount ----------------------------------------------

def _share_offer(merchant, points=30):
    make_offer(merchant, name="Share", event="share", action="fixed_points", value=D(points))


def test_share_points_capped_by_amount_and_reset_at_local_midnight(merchant, staff):
    services.loyalty_settings_save(merchant=merchant, share_daily_cap=100)
    _share_offer(merchant)
    links = [LinkFactory(merchant=merchant, staff=staff) for _ in range(6)]
    # 15:xx UTC is 23:xx in Taipei; 16:05 UTC is 00:05 the next local day.
    times = [datetime(2025, 6, 10, 15, minute, tzinfo=UTC) for minute in (0, 10, 20, 30, 40)]
    times.append(datetime(2025, 6, 10, 16, 5, tzinfo=UTC))

    granted = []
    for link, at in zip(links, times, strict=True):
        entries = services.share_points_award(merchant=merchant, staff_or_member=staff, link_id=link.pk, at=at)
        granted.append(sum(e.points for e in entries))

    assert granted == [30, 30, 30, 10, 0, 30]
    assert balance(merchant, staff=staff) == 130


def test_share_cap_counts_points_not_shares(merchant, member):
    services.loyalty_settings_save(merchant=merchant, share_daily_cap=100)
    _share_offer(merchant, points=5)

    granted = [
        sum(e.points for e in services.share_points_award(merchant=merchant, staff_or_member=member,
                                                          link_id=link_id, at=JUNE_10))
        for link_id in range(1, 23)
    ]

    assert granted == [5] * 20 + [0, 0]  # 20 shares of 5 points fill a 100-point cap


def test_sharing_the_same_link_again_earns_nothing(merchant, member):
    _share_offer(merchant)

    services.share_points_award(merchant=merchant, staff_or_member=member, link_id=7, at=JUNE_10)
    services.share_points_award(merchant=merchant, staff_or_member=member, link_id=7, at=JUNE_10)

    assert balance(merchant, member) == 30


# --- Redemption --------------------------------------------------------------------------------

def test_checkout_redemption_refused_beyond_the_balance(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=50, reason="Welcome")
    order = paid_order(merchant, member, payment_status="pending")

    with pytest.raises(services.NotEnoughPoints, match="balance is 50"):
        services.points_redeem_for_order(merchant=merchant, member=member, points=51, order=order)

    assert balance(merchant, member) == 50


def test_checkout_redemption_is_idempotent_per_order(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=50, reason="Welcome")
    order = paid_order(merchant, member, payment_status="pending")

    services.points_redeem_for_order(merchant=merchant, member=member, points=20, order=order)
    again = services.points_redeem_for_order(merchant=merchant, member=member, points=20, order=order)

    assert again.amount == D("2.00")
    assert balance(merchant, member) == 30


CASH_CASES = [
    # (id, earlier request times, this request time, allowed)
    ("first-of-the-month", [], datetime(2025, 11, 3, 2, tzinfo=UTC), True),
    ("second-in-same-month", [datetime(2025, 11, 3, 2, tzinfo=UTC)], datetime(2025, 11, 20, 2, tzinfo=UTC), False),
    # 16:30 UTC on 30 Nov is 00:30 on 1 Dec in Taipei: a new payroll month.
    ("next-local-month", [datetime(2025, 11, 3, 2, tzinfo=UTC)], datetime(2025, 11, 30, 16, 30, tzinfo=UTC), True),
    # 15:30 UTC on 30 Nov is still 23:30 on 30 Nov in Taipei.
    ("last-local-minutes-of-month", [datetime(2025, 11, 3, 2, tzinfo=UTC)],
     datetime(2025, 11, 30, 15, 30, tzinfo=UTC), False),
]


@pytest.mark.parametrize(("earlier", "at", "allowed"), [pytest.param(*c[1:], id=c[0]) for c in CASH_CASES])
def test_staff_cash_redemption_once_per_calendar_month(merchant, staff, earlier, at, allowed):
    services.points_adjust(merchant=merchant, staff=staff, points=1000, reason="Sales bonus")
    for when in earlier:
        services.cash_redemption_request(merchant=merchant, staff=staff, points=100, at=when)

    if allowed:
        entry = services.cash_redemption_request(merchant=merchant, staff=staff, points=100, at=at)
        assert (entry.points, entry.cash_amount, entry.store) == (-100, D("10.00"), staff.store)
    else:
        with pytest.raises(services.CashRedemptionRefused, match="once per calendar month"):
            services.cash_redemption_request(merchant=merchant, staff=staff, points=100, at=at)
        assert balance(merchant, staff=staff) == 1000 - 100 * len(earlier)


CASH_WINDOW_CASES = [
    # (id, earlier request times, this request time, refused with) — days 25 to 28, Taipei (UTC+8)
    ("day-before-the-window", [], datetime(2025, 11, 24, 2, tzinfo=UTC), "days 25 to 28 of each month"),
    # 16:30 UTC on 24 Nov is 00:30 on 25 Nov in Taipei: the window is open.
    ("first-local-minutes-of-the-window", [], datetime(2025, 11, 24, 16, 30, tzinfo=UTC), None),
    ("last-day", [], datetime(2025, 11, 28, 2, tzinfo=UTC), None),
    ("day-after-the-window", [], datetime(2025, 11, 29, 2, tzinfo=UTC), "The next chance is Dec. 25, 2025"),
    ("still-once-a-month", [datetime(2025, 11, 25, 2, tzinfo=UTC)], datetime(2025, 11, 27, 2, tzinfo=UTC),
     "once per calendar month"),
    ("next-months-window", [datetime(2025, 11, 25, 2, tzinfo=UTC)], datetime(2025, 12, 26, 2, tzinfo=UTC), None),
]


@pytest.mark.parametrize(("earlier", "at", "refused"), [pytest.param(*c[1:], id=c[0]) for c in CASH_WINDOW_CASES])
def test_staff_cash_only_on_the_merchants_days_of_the_month(merchant, staff, earlier, at, refused):
    services.loyalty_settings_save(merchant=merchant, cash_redemption_first_day=25, cash_redemption_last_day=28)
    services.points_adjust(merchant=merchant, staff=staff, points=1000, reason="Sales bonus")
    for when in earlier:
        services.cash_redemption_request(merchant=merchant, staff=staff, points=100, at=when)

    if refused is None:
        entry = services.cash_redemption_request(merchant=merchant, staff=staff, points=300, at=at)
        assert (entry.points, entry.cash_amount) == (-300, D("30.00"))
        assert balance(merchant, staff=staff) == 1000 - 100 * len(earlier) - 300
    else:
        with pytest.raises(services.CashRedemptionRefused, match=refused):
            services.cash_redemption_request(merchant=merchant, staff=staff, points=300, at=at)
        assert balance(merchant, staff=staff) == 1000 - 100 * len(earlier)


def test_cash_window_settings_must_be_in_order(merchant):
    with pytest.raises(ValidationError):
        services.loyalty_settings_save(merchant=merchant, cash_redemption_first_day=28, cash_redemption_last_day=25)


def test_shoppers_cannot_redeem_for_cash(merchant, member):
    with pytest.raises(services.CashRedemptionRefused, match="Only staff"):
        services.cash_redemption_request(merchant=merchant, staff=member, points=10)


def test_cash_redemption_needs_the_points(merchant, staff):
    services.points_adjust(merchant=merchant, staff=staff, points=40, reason="Bonus")

    with pytest.raises(services.NotEnoughPoints):
        services.cash_redemption_request(merchant=merchant, staff=staff, points=41)

    # A refused request does not use up the month's chance.
    services.cash_redemption_request(merchant=merchant, staff=staff, points=40)
    assert balance(merchant, staff=staff) == 0


def test_database_refuses_a_negative_balance(merchant, member):
    from django.db import IntegrityError, transaction

    account = services.account_lock(merchant=merchant, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.for_merchant(merchant).filter(pk=account.pk).update(balance=-1)


def test_settings_default_when_never_saved(merchant):
    settings = selectors.loyalty_settings_get(merchant=merchant)

    assert (settings.stacking, settings.share_daily_cap) == (LoyaltySettings.StackingMode.SUM, 100)


def test_split_orders_keep_the_parent_orders_points(merchant, member):
    base_offer(merchant)
    parent = paid_order(merchant, member)
    settle(merchant, parent)
    child = paid_order(merchant, member)
    Order.objects.for_merchant(merchant).filter(pk=child.pk).update(parent=parent)

    settle(merchant, child)

    assert balance(merchant, member) == 20


# --- Birthday event ---------------------------------------------------------------------------

BIRTHDAY_CASES = [
    # (id, member birthday, now, points)
    ("on-the-day", date(1990, 6, 10), JUNE_10, 50),
    ("day-before", date(1990, 6, 11), JUNE_10, 0),
    # 16:30 UTC on 9 June is already 10 June in Taipei.
    ("merchant-local-day", date(1990, 6, 10), datetime(2025, 6, 9, 16, 30, tzinfo=UTC), 50),
    ("leap-day-in-common-year", date(2000, 2, 29), datetime(2025, 2, 28, 4, tzinfo=UTC), 50),
    ("no-birthday-known", None, JUNE_10, 0),
]


@pytest.mark.parametrize(("birthday", "now", "points"), [pytest.param(*c[1:], id=c[0]) for c in BIRTHDAY_CASES])
def test_birthday_points_once_a_year(merchant, birthday, now, points):
    make_offer(merchant, name="Happy birthday", event="birthday", action="fixed_points", value=D("50"), campaign=True)
    member = MemberFactory(merchant=merchant, birthday=birthday)

    services.birthday_award(merchant=merchant, member=member, at=now)
    services.birthday_award(merchant=merchant, member=member, at=now)

    assert balance(merchant, member) == points


def test_birthday_sweep_awards_todays_members(merchant, other_merchant):
    from django.utils import timezone

    from loyalty.tasks import birthday_sweep_task

    make_offer(merchant, name="Happy birthday", event="birthday", action="fixed_points", value=D("50"))
    today = timezone.localtime(timezone.now(), merchant.tzinfo).date()
    celebrating = MemberFactory(merchant=merchant, birthday=today.replace(year=1990) if (today.month, today.day)
                                != (2, 29) else date(1992, 2, 29))
    not_today = MemberFactory(merchant=merchant, birthday=date(1990, 1, 1) if today.month != 1 else date(1990, 7, 1))
    elsewhere = MemberFactory(merchant=other_merchant, birthday=celebrating.birthday)

    birthday_sweep_task.delay()
    birthday_sweep_task.delay()

    assert balance(merchant, celebrating) == 50
    assert balance(merchant, not_today) == 0
    assert balance(other_merchant, elsewhere) == 0  # that merchant has no birthday offer


def test_expiry_is_an_entry_and_never_overdraws(merchant, member):
    services.points_adjust(merchant=merchant, member=member, points=30, reason="Gift")

    services.points_expire(merchant=merchant, member=member, points=50, reason="2025 points expire", key="exp-2025")
    services.points_expire(merchant=merchant, member=member, points=50, reason="2025 points expire", key="exp-2025")

    assert ledger(merchant, member) == [("adjust", 30, "normal", "manual"), ("expire", -30, "normal", "manual")]
    assert balance(merchant, member) == 0


def test_beat_sweep_settles_the_points_of_an_order_whose_event_was_lost(merchant, member):
    from datetime import timedelta

    from django.utils import timezone

    from loyalty.models import PointsDue
    from loyalty.tasks import sweep_points_due_task

    base_offer(merchant)
    # A paid order through the normal write path, whose event never reaches a worker (its
    # on-commit callbacks do not run here).
    order = order_create(merchant=merchant, number="LOST-1", channel="pos", lines=tv_and_fridge(), member=member,
                         placed_at=JUNE_10, payment_status="paid", payment_method="card")
    assert ledger(merchant, member) == []
    assert sweep_points_due_task.delay().get() == 0  # not yet: the event may still be on its way
    PointsDue.objects.for_merchant(merchant).filter(order=order).update(due_since=timezone.now() - timedelta(minutes=2))

    assert sweep_points_due_task.delay().get() == 1

    assert ledger(merchant, member) == [("earn", 20, "normal", "order_paid")]
    assert sweep_points_due_task.delay().get() == 0  # settled: no longer due


def test_guest_orders_are_never_due(merchant):
    from loyalty.models import PointsDue

    order_create(merchant=merchant, number="GUEST-1", channel="pos", lines=tv_and_fridge(), payment_status="paid")
    assert not PointsDue.objects.for_merchant(merchant).exists()
