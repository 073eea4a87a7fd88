"""Points offers: the configurable examples from the sources, as tables.

Sources: seed-loymax-omnichannel-offers (online payment, app install,
Hypermarket discount) and seed-o2o-points-requirements (double points on
recommended products for a period, birthday/holiday multiples, normal vs
campaign points, traffic/sales split, daily share cap by amount, staff cash
once a month). Expected values are worked out by hand in the tables.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from loyalty.offers import (
    ActionKind,
    Award,
    EventFacts,
    EventKind,
    Filters,
    LineFacts,
    Offer,
    cap_share_points,
    cash_redemption_allowed,
    evaluate,
    local_day,
    points_to_reverse,
    cash_window,
    cash_window_next_open,
    referral_allowed,
    referral_parts,
    referral_split,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year: 16:00 UTC is local midnight

# --- Offers as a merchant would configure them --------------------------------

ONLINE_PAYMENT_100 = Offer(
    id=1,
    name="Online payment",
    event=EventKind.ORDER_PAID,
    action=ActionKind.FIXED_POINTS,
    value=D("100"),
    filters=Filters(payment_methods={"online"}),
)
APP_INSTALL_100 = Offer(
    id=2,
    name="Install the app",
    event=EventKind.APP_INSTALLED,
    action=ActionKind.FIXED_POINTS,
    value=D("100"),
)
HYPERMARKET_10_PCT = Offer(
    id=3,
    name="Hypermarket 10%",
    event=EventKind.ORDER_PAID,
    action=ActionKind.DISCOUNT_PERCENTAGE,
    value=D("10"),
    filters=Filters(store_attributes={"format": "Hypermarket"}),
)
BASE_1_PER_10 = Offer(
    id=4,
    name="1 point per 10.00",
    event=EventKind.ORDER_PAID,
    action=ActionKind.POINTS_PER_AMOUNT,
    value=D("1"),
    per_amount=D("10.00"),
)
RECOMMENDED_DOUBLE_JUNE = Offer(
    id=5,
    name="Double points on recommended products in June",
    event=EventKind.ORDER_PAID,
    action=ActionKind.MULTIPLIER,
    value=D("2"),
    filters=Filters(recommended_only=True, starts_on=date(2025, 6, 1), ends_on=date(2025, 6, 30)),
    campaign=True,
)
BIRTHDAY_DOUBLE = Offer(
    id=6,
    name="Double points on your birthday",
    event=EventKind.ORDER_PAID,
    action=ActionKind.MULTIPLIER,
    value=D("2"),
    filters=Filters(birthday_only=True),
    campaign=True,
)
BIRTHDAY_MONTH_DOUBLE = Offer(
    id=7,
    name="Double points in your birthday month",
    event=EventKind.ORDER_PAID,
    action=ActionKind.MULTIPLIER,
    value=D("2"),
    filters=Filters(birthday_month=True),
    campaign=True,
)
NATIONAL_DAY_TRIPLE = Offer(
    id=8,
    name="Triple points on National Day",
    event=EventKind.ORDER_PAID,
    action=ActionKind.MULTIPLIER,
    value=D("3"),
    filters=Filters(holidays={date(2025, 10, 1)}),
    campaign=True,
)
TV_2_PER_10 = Offer(
    id=9,
    name="2 points per 10.00 on TVs",
    event=EventKind.ORDER_PAID,
    action=ActionKind.POINTS_PER_AMOUNT,
    value=D("2"),
    per_amount=D("10.00"),
    filters=Filters(product_categories={"tv"}),
)
MEMBERS_5_PCT = Offer(
    id=10,
    name="Members 5%",
    event=EventKind.ORDER_PAID,
    action=ActionKind.DISCOUNT_PERCENTAGE,
    value=D("5"),
)
WELCOME_50 = Offer(
    id=11,
    name="Welcome 50",
    event=EventKind.ORDER_PAID,
    action=ActionKind.FIXED_POINTS,
    value=D("50"),
    stacking_group="welcome",
)
WELCOME_80 = Offer(
    id=12,
    name="Welcome 80",
    event=EventKind.ORDER_PAID,
    action=ActionKind.FIXED_POINTS,
    value=D("80"),
    stacking_group="welcome",
)
REFERRAL_SIGNUP_30 = Offer(
    id=13,
    name="Registered through a referral",
    event=EventKind.MEMBER_REGISTERED_VIA_REFERRAL,
    action=ActionKind.FIXED_POINTS,
    value=D("30"),
)
POS_STORE_7_ONLY = Offer(
    id=14,
    name="Store 7 at the till",
    event=EventKind.ORDER_PAID,
    action=ActionKind.FIXED_POINTS,
    value=D("15"),
    filters=Filters(channels={"pos"}, store_ids={7}),
)

# --- Event facts ----------------------------------------------------------------

TV_RECOMMENDED = LineFacts(product_id=101, category="tv", amount=D("120.00"), recommended=True)
FRIDGE = LineFacts(product_id=102, category="fridge", amount=D("80.00"), recommended=False)


def order(
    day: date = date(2025, 6, 10),
    *,
    lines: tuple[LineFacts, ...] = (TV_RECOMMENDED, FRIDGE),
    payment: str = "card",
    channel: str = "pos",
    store_id: int = 7,
    store_format: str = "Hypermarket",
    birthday: date | None = None,
) -> EventFacts:
    return EventFacts(
        kind=EventKind.ORDER_PAID,
        local_date=day,
        channel=channel,
        store_id=store_id,
        store_attributes={"format": store_format, "city": "Shenzhen"},
        payment_method=payment,
        lines=lines,
        member_birthday=birthday,
        order_amount=sum((line.amount for line in lines), D("0")),
    )


def plain(kind: EventKind, day: date = date(2025, 6, 10)) -> EventFacts:
    return EventFacts(kind=kind, local_date=day)


def summary(awards: list[Award]) -> list[tuple]:
    # (offer id, points, discount %, label) is what the ledger and checkout use.
    return [(a.offer_id, a.points, a.discount_percentage, str(a.label)) for a in awards]


# 200.00 order (TV 120.00 recommended + fridge 80.00): base 1 per 10.00 = 20.
# Recommended double in June: base on the TV line only = 12, so +12.
EVALUATE_CASES = [
    # Loymax: 100 points for paying online.
    ("online-payment-100", [ONLINE_PAYMENT_100], order(payment="online", channel="web"), "sum",
     [(1, 100, None, "normal")]),
    ("cash-payment-no-online-points", [ONLINE_PAYMENT_100], order(payment="cash"), "sum", []),
    # Loymax: 100 points for installing the app.
    ("app-installed-100", [APP_INSTALL_100], plain(EventKind.APP_INSTALLED), "sum",
     [(2, 100, None, "normal")]),
    ("order-is-not-an-app-install", [APP_INSTALL_100], order(), "sum", []),
    ("referral-registration-30", [REFERRAL_SIGNUP_30, APP_INSTALL_100],
     plain(EventKind.MEMBER_REGISTERED_VIA_REFERRAL), "sum", [(13, 30, None, "normal")]),
    # Loymax: 10% discount only in Hypermarket stores.
    ("hypermarket-10pct", [HYPERMARKET_10_PCT], order(store_format="Hypermarket"), "sum",
     [(3, 0, D("10"), "normal")]),
    ("supermarket-no-discount", [HYPERMARKET_10_PCT], order(store_format="Supermarket"), "sum", []),
    # Channel and store filters.
    ("store-7-at-pos", [POS_STORE_7_ONLY], order(), "sum", [(14, 15, None, "normal")]),
    ("store-8-at-pos", [POS_STORE_7_ONLY], order(store_id=8), "sum", []),
    ("store-7-but-web", [POS_STORE_7_ONLY], order(channel="web"), "sum", []),
    # O2O: double points on recommended products for a period.
    ("recommended-double-in-period", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(date(2025, 6, 10)),
     "sum", [(4, 20, None, "normal"), (5, 12, None, "campaign")]),
    ("recommended-double-first-day", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(date(2025, 6, 1)),
     "sum", [(4, 20, None, "normal"), (5, 12, None, "campaign")]),
    ("recommended-double-last-day", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(date(2025, 6, 30)),
     "sum", [(4, 20, None, "normal"), (5, 12, None, "campaign")]),
    ("recommended-double-before-period", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(date(2025, 5, 31)),
     "sum", [(4, 20, None, "normal")]),
    ("recommended-double-after-period", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(date(2025, 7, 1)),
     "sum", [(4, 20, None, "normal")]),
    ("non-recommended-lines-not-doubled", [BASE_1_PER_10, RECOMMENDED_DOUBLE_JUNE], order(lines=(FRIDGE,)),
     "sum", [(4, 8, None, "normal")]),
    # O2O: different points for different product types (TV 2 per 10.00 on 120.00).
    ("category-points-tv-line-only", [TV_2_PER_10], order(), "sum", [(9, 24, None, "normal")]),
    ("category-points-no-tv", [TV_2_PER_10], order(lines=(FRIDGE,)), "sum", []),
    # O2O: birthday double points.
    ("birthday-double-on-birthday", [BASE_1_PER_10, BIRTHDAY_DOUBLE],
     order(date(2025, 3, 15), birthday=date(1990, 3, 15)), "sum",
     [(4, 20, None, "normal"), (6, 20, None, "campaign")]),
    ("birthday-double-another-day", [BASE_1_PER_10, BIRTHDAY_DOUBLE],
     order(date(2025, 3, 16), birthday=date(1990, 3, 15)), "sum", [(4, 20, None, "normal")]),
    ("birthday-double-unknown-birthday", [BASE_1_PER_10, BIRTHDAY_DOUBLE],
     order(date(2025, 3, 15), birthday=None), "sum", [(4, 20, None, "normal")]),
    ("birthday-feb29-on-feb28-common-year", [BASE_1_PER_10, BIRTHDAY_DOUBLE],
     order(date(2025, 2, 28), birthday=date(2000, 2, 29)), "sum",
     [(4, 20, None, "normal"), (6, 20, None, "campaign")]),
    ("birthday-month-double-in-month", [BASE_1_PER_10, BIRTHDAY_MONTH_DOUBLE],
     order(date(2025, 3, 2), birthday=date(1990, 3, 15)), "sum",
     [(4, 20, None, "normal"), (7, 20, None, "campaign")]),
    ("birthday-month-double-other-month", [BASE_1_PER_10, BIRTHDAY_MONTH_DOUBLE],
     order(date(2025, 4, 15), birthday=date(1990, 3, 15)), "sum", [(4, 20, None, "normal")]),
    # O2O: holidays multiply points (x3 adds the base twice more).
    ("holiday-triple-on-holiday", [BASE_1_PER_10, NATIONAL_DAY_TRIPLE], order(date(2025, 10, 1)), "sum",
     [(4, 20, None, "normal"), (8, 40, None, "campaign")]),
    ("holiday-triple-day-after", [BASE_1_PER_10, NATIONAL_DAY_TRIPLE], order(date(2025, 10, 2)), "sum",
     [(4, 20, None, "normal")]),
    # Two multipliers add to the same base (x2 + x3 = x4), they do not compound to x6.
    ("birthday-on-holiday-multipliers-add", [BASE_1_PER_10, BIRTHDAY_DOUBLE, NATIONAL_DAY_TRIPLE],
     order(date(2025, 10, 1), birthday=date(1990, 10, 1)), "sum",
     [(4, 20, None, "normal"), (6, 20, None, "campaign"), (8, 40, None, "campaign")]),
    # Points round down: 25.00 -> 2.5 -> 2; 9.99 -> 0 and a 0 award is dropped.
    ("round-down-25", [BASE_1_PER_10],
     order(lines=(LineFacts(product_id=1, category="tv", amount=D("25.00")),)), "sum",
     [(4, 2, None, "normal")]),
    ("below-one-point-no-award", [BASE_1_PER_10],
     order(lines=(LineFacts(product_id=1, category="tv", amount=D("9.99")),)), "sum", []),
    # Stacking: 100 online + 20 base + 10% Hypermarket + 5% members.
    ("stacking-sum-keeps-all",
     [ONLINE_PAYMENT_100, BASE_1_PER_10, HYPERMARKET_10_PCT, MEMBERS_5_PCT], order(payment="online"), "sum",
     [(1, 100, None, "normal"), (4, 20, None, "normal"), (3, 0, D("10"), "normal"), (10, 0, D("5"), "normal")]),
    ("stacking-best-of-keeps-largest",
     [ONLINE_PAYMENT_100, BASE_1_PER_10, HYPERMARKET_10_PCT, MEMBERS_5_PCT], order(payment="online"), "best_of",
     [(1, 100, None, "normal"), (3, 0, D("10"), "normal")]),
    ("stacking-group-keeps-best-of-group", [WELCOME_50, BASE_1_PER_10, WELCOME_80], order(), "sum",
     [(4, 20, None, "normal"), (12, 80, None, "normal")]),
    ("best-of-with-multiplier", [BASE_1_PER_10, NATIONAL_DAY_TRIPLE], order(date(2025, 10, 1)), "best_of",
     [(8, 40, None, "campaign")]),
]


@pytest.mark.parametrize(
    ("offers", "event", "stacking", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in EVALUATE_CASES],
)
def test_evaluate(offers: list[Offer], event: EventFacts, stacking: str, expected: list[tuple]) -> None:
    # Given the merchant's offers and an event; when evaluated
    awards = evaluate(event, offers, stacking=stacking)
    # then exactly the expected awards, in offer order
    assert summary(awards) == expected


@pytest.mark.parametrize(
    ("offers", "event", "base_points", "expected"),
    [
        # The caller's base is the whole order's base.
        pytest.param([BIRTHDAY_DOUBLE], order(date(2025, 3, 15), birthday=date(1990, 3, 15)), 37,
                     [(6, 37, None, "campaign")], id="whole-order-multiplier-uses-given-base"),
        # Prorated to the recommended line: 50 * 120 / 200 = 30.
        pytest.param([RECOMMENDED_DOUBLE_JUNE], order(), 50, [(5, 30, None, "campaign")],
                     id="line-multiplier-prorates-given-base"),
    ],
)
def test_evaluate_with_given_base_points(
    offers: list[Offer], event: EventFacts, base_points: int, expected: list[tuple]
) -> None:
    assert summary(evaluate(event, offers, stacking="sum", base_points=base_points)) == expected


def test_discount_carries_the_amount_it_applies_to() -> None:
    # Given a 10% Hypermarket discount on a 200.00 order
    (award,) = evaluate(order(), [HYPERMARKET_10_PCT], stacking="sum")
    # then the checkout knows the base of the discount
    assert award.eligible_amount == D("200.00")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param(dict(action=ActionKind.POINTS_PER_AMOUNT, value=D("1")), id="per-amount-needs-per_amount"),
        pytest.param(dict(action=ActionKind.MULTIPLIER, value=D("0.5")), id="multiplier-below-one"),
        pytest.param(dict(action=ActionKind.DISCOUNT_PERCENTAGE, value=D("120")), id="discount-over-100"),
        pytest.param(dict(action=ActionKind.FIXED_POINTS, value=D("-1")), id="negative-points"),
    ],
)
def test_offer_rejects_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Offer(id=99, name="bad", event=EventKind.ORDER_PAID, **kwargs)


# --- Referral split -------------------------------------------------------------


@pytest.mark.parametrize(
    ("referrer", "staff", "link_staff", "online", "expected"),
    [
        pytest.param("sister-store", "staff-7", None, False,
                     [("sister-store", "traffic", 30), ("staff-7", "sales", 70)], id="in-store-with-closing-staff"),
        pytest.param("sister-store", None, None, True,
                     [("sister-store", "traffic", 30), ("sister-store", "sales", 70)], id="online-referrer-both"),
        pytest.param("sister-store", "staff-7", None, True,
                     [("sister-store", "traffic", 30), ("sister-store", "sales", 70)],
                     id="online-referrer-both-even-with-staff"),
        pytest.param("sister-store", None, "staff-9", True,
                     [("sister-store", "traffic", 30), ("staff-9", "sales", 70)], id="online-through-a-staff-link"),
        pytest.param("sister-store", "staff-7", "staff-9", False,
                     [("sister-store", "traffic", 30), ("staff-7", "sales", 70)], id="in-store-link-does-not-count"),
        pytest.param("sister-store", None, None, False, [("sister-store", "traffic", 30)],
                     id="in-store-no-closing-staff-no-sales-points"),
        pytest.param(None, "staff-7", None, False, [("staff-7", "sales", 70)], id="no-referrer-staff-still-sells"),
    ],
)
def test_referral_split(referrer, staff, link_staff, online, expected) -> None:
    shares = referral_split(
        referrer_id=referrer,
        closing_staff_id=staff,
        link_staff_id=link_staff,
        channel_is_online=online,
        sale_points=100,
        traffic_percent=30,
    )
    assert [(s.recipient_id, str(s.kind), s.points) for s in shares] == expected


@pytest.mark.parametrize(
    ("sale_points", "percent", "expected"),
    [
        pytest.param(40, 25, (10, 30), id="25-75"),
        pytest.param(2000, 25, (500, 1500), id="bigger-sale-bigger-parts"),
        pytest.param(101, 25, (25, 76), id="traffic-rounds-down-total-kept"),
        pytest.param(50, 0, (0, 50), id="all-sales"),
        pytest.param(50, 100, (50, 0), id="all-traffic"),
        pytest.param(0, 25, (0, 0), id="nothing-earned-nothing-split"),
    ],
)
def test_referral_parts_are_a_fixed_ratio_of_the_sales_points(sale_points, percent, expected) -> None:
    assert referral_parts(sale_points=sale_points, traffic_percent=percent) == expected


REGISTERED = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created_by_referral", "has_orders", "minutes_since_registering", "allowed"),
    [
        pytest.param(False, False, 0, True, id="just-registered"),
        pytest.param(False, False, 30, True, id="at-the-end-of-the-window"),
        pytest.param(False, False, 31, False, id="after-the-window"),
        pytest.param(False, True, 5, False, id="already-ordered"),
        pytest.param(True, False, 600, True, id="created-by-the-referral"),
    ],
)
def test_only_a_new_member_can_be_referred(created_by_referral, has_orders, minutes_since_registering, allowed):
    assert referral_allowed(
        created_by_referral=created_by_referral,
        has_orders=has_orders,
        registered_at=REGISTERED,
        at=REGISTERED + timedelta(minutes=minutes_since_registering),
        window_minutes=30,
    ) is allowed


@pytest.mark.parametrize("percent", [-1, 101])
def test_referral_ratio_is_a_percentage(percent) -> None:
    with pytest.raises(ValueError):
        referral_parts(sale_points=10, traffic_percent=percent)


# --- Cash redemption window: the merchant's days of the month -------------------------


@pytest.mark.parametrize(
    ("day", "first", "last", "next_open"),
    [
        pytest.param(date(2025, 11, 24), 25, 28, date(2025, 11, 25), id="before-the-window"),
        pytest.param(date(2025, 11, 25), 25, 28, None, id="first-day-open"),
        pytest.param(date(2025, 11, 28), 25, 28, None, id="last-day-open"),
        pytest.param(date(2025, 11, 29), 25, 28, date(2025, 12, 25), id="after-the-window-next-month"),
        pytest.param(date(2025, 12, 30), 25, 28, date(2026, 1, 25), id="after-the-window-next-year"),
        pytest.param(date(2025, 2, 28), 29, 31, None, id="february-days-past-its-end-mean-its-last-day"),
        pytest.param(date(2025, 2, 27), 29, 31, date(2025, 2, 28), id="february-opens-on-its-last-day"),
        pytest.param(date(2025, 7, 13), 1, 31, None, id="default-any-day"),
    ],
)
def test_cash_window(day, first, last, next_open) -> None:
    assert cash_window_next_open(day, first_day=first, last_day=last) == next_open


@pytest.mark.parametrize(("first", "last"), [(28, 25), (0, 5), (1, 32)])
def test_cash_window_is_days_of_a_month(first, last) -> None:
    with pytest.raises(ValueError):
        cash_window(date(2025, 11, 1), first_day=first, last_day=last)


# --- Daily share cap by amount, merchant-local day ------------------------------

# One earlier share award of 40 points at 09:00 Shanghai on 10 June (01:00 UTC).
EARLIER_SHARES = [(datetime(2025, 6, 10, 1, 0, tzinfo=UTC), 40)]


@pytest.mark.parametrize(
    ("at", "earlier", "requested", "cap", "expected"),
    [
        pytest.param(datetime(2025, 6, 10, 23, 59, tzinfo=SHANGHAI), EARLIER_SHARES, 20, 50, 10,
                     id="23:59-local-same-day-capped"),
        pytest.param(datetime(2025, 6, 11, 0, 0, tzinfo=SHANGHAI), EARLIER_SHARES, 20, 50, 20,
                     id="00:00-local-new-day"),
        # 17:30 UTC on 10 June (same UTC date as the earlier award) is 01:30 on 11 June locally.
        pytest.param(datetime(2025, 6, 10, 17, 30, tzinfo=UTC), EARLIER_SHARES, 20, 50, 20,
                     id="utc-same-date-but-next-local-day"),
        pytest.param(datetime(2025, 6, 10, 15, 59, tzinfo=UTC), EARLIER_SHARES, 20, 50, 10,
                     id="utc-15:59-is-local-23:59"),
        pytest.param(datetime(2025, 6, 10, 12, 0, tzinfo=SHANGHAI), EARLIER_SHARES, 20, 40, 0,
                     id="cap-reached"),
        pytest.param(datetime(2025, 6, 10, 12, 0, tzinfo=SHANGHAI), EARLIER_SHARES, 20, 30, 0,
                     id="cap-lowered-below-awarded-never-negative"),
        pytest.param(datetime(2025, 6, 10, 12, 0, tzinfo=SHANGHAI), [], 80, 50, 50,
                     id="one-big-share-capped-by-amount"),
    ],
)
def test_share_cap_at_local_day_boundary(
    at: datetime, earlier: list[tuple[datetime, int]], requested: int, cap: int, expected: int
) -> None:
    # Given what the member already received on the merchant's local day
    today = local_day(at, SHANGHAI)
    already = sum(points for when, points in earlier if local_day(when, SHANGHAI) == today)
    # when a share asks for more points, then the grant is capped by amount
    assert cap_share_points(already_awarded_today=already, requested=requested, daily_cap=cap) == expected


def test_local_day_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        local_day(datetime(2025, 6, 10, 12, 0), SHANGHAI)


# --- Staff cash redemption: once per calendar month, merchant-local -------------

MARCH_5 = datetime(2025, 3, 5, 10, 0, tzinfo=SHANGHAI)
# 16:30 UTC on 31 March is 00:30 on 1 April in Shanghai: an April redemption.
APRIL_1_LOCAL = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("previous", "at", "expected"),
    [
        pytest.param([], datetime(2025, 3, 20, 12, 0, tzinfo=SHANGHAI), True, id="first-redemption"),
        pytest.param([MARCH_5], datetime(2025, 3, 31, 12, 0, tzinfo=SHANGHAI), False, id="same-month-refused"),
        pytest.param([MARCH_5], datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI), True, id="next-month-allowed"),
        pytest.param([MARCH_5], datetime(2025, 3, 31, 15, 59, tzinfo=UTC), False, id="local-23:59-31-march"),
        pytest.param([MARCH_5], datetime(2025, 3, 31, 16, 0, tzinfo=UTC), True,
                     id="local-00:00-1-april-while-utc-march"),
        pytest.param([APRIL_1_LOCAL], datetime(2025, 4, 20, 12, 0, tzinfo=SHANGHAI), False,
                     id="utc-march-redemption-counts-for-local-april"),
        pytest.param([datetime(2024, 4, 10, 12, 0, tzinfo=SHANGHAI)], datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI),
                     True, id="same-month-last-year-allowed"),
    ],
)
def test_cash_redemption_once_per_month(previous: list[datetime], at: datetime, expected: bool) -> None:
    assert cash_redemption_allowed(previous_cash_redemptions=previous, at=at, tz=SHANGHAI) is expected


# --- Reversal of a cancelled / returned order -----------------------------------


@dataclass(frozen=True)
class Entry:
    points: int


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param([100, 20], 120, id="reverse-all-earned"),
        pytest.param([100, 20, -120], 0, id="already-reversed-not-twice"),
        pytest.param([100, -30], 70, id="after-partial-reversal"),
        pytest.param([Entry(100), Entry(12)], 112, id="ledger-entry-objects"),
        pytest.param([], 0, id="nothing-earned"),
    ],
)
def test_points_to_reverse(entries: list, expected: int) -> None:
    assert points_to_reverse(entries) == expected
