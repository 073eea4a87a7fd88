"""Table-driven tests of attribution.rules.decide (pure: no database)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from attribution.rules import (
    WINDOW,
    Channel,
    ClickFacts,
    Decision,
    OrderFacts,
    Policy,
    Reason,
    click_lookback,
    decide,
    longest_window,
    policy_at,
)

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)
S = timedelta(seconds=1)


def click(id: str, at: datetime, staff: str = "u1", store: str = "s1") -> ClickFacts:
    return ClickFacts(id=id, link_id=f"l-{staff}", staff_id=staff, store_id=store, at=at)


def order(id: str, at: datetime) -> OrderFacts:
    return OrderFacts(id=id, at=at)


# (case, order, clicks, other orders, resigned, removed, reason, staff credited)
CASES = [
    ("no clicks", order("o1", T0), [], [], {}, {}, Reason.NO_CLICK, None),
    ("only a click after the order", order("o1", T0), [click("c1", T0 + S)], [], {}, {},
     Reason.NO_CLICK, None),
    ("click at the order instant", order("o1", T0), [click("c1", T0)], [], {}, {},
     Reason.CREDITED, "u1"),
    ("exactly 24h", order("o1", T0 + WINDOW), [click("c1", T0)], [], {}, {},
     Reason.CREDITED, "u1"),
    ("24h and one second", order("o1", T0 + WINDOW + S), [click("c1", T0)], [], {}, {},
     Reason.CLICK_EXPIRED, None),
    ("expired latest click, no fallback needed either", order("o1", T0 + 30 * H),
     [click("c1", T0), click("c2", T0 + 5 * H, staff="u2")], [], {}, {},
     Reason.CLICK_EXPIRED, None),
    ("latest click wins across staff", order("o1", T0 + 3 * H),
     [click("c2", T0 + 2 * H, staff="u2"), click("c1", T0 + H)], [], {}, {},
     Reason.CREDITED, "u2"),
    ("same instant: larger click id wins", order("o1", T0 + H),
     [click("c2", T0, staff="u2"), click("c1", T0)], [], {}, {},
     Reason.CREDITED, "u2"),
    ("earlier order used the click", order("o2", T0 + 2 * H), [click("c1", T0)],
     [order("o1", T0 + H)], {}, {}, Reason.CLICK_USED, None),
    ("order at the click instant used it", order("o2", T0 + H), [click("c1", T0)],
     [order("o1", T0)], {}, {}, Reason.CLICK_USED, None),
    ("same instant, smaller id is first", order("o2", T0 + H), [click("c1", T0)],
     [order("o1", T0 + H)], {}, {}, Reason.CLICK_USED, None),
    ("same instant, this one has the smaller id", order("o1", T0 + H), [click("c1", T0)],
     [order("o2", T0 + H)], {}, {}, Reason.CREDITED, "u1"),
    ("later orders do not matter", order("o1", T0 + H), [click("c1", T0)],
     [order("o2", T0 + 2 * H)], {}, {}, Reason.CREDITED, "u1"),
    ("the order itself in other_orders is skipped", order("o1", T0 + H), [click("c1", T0)],
     [order("o1", T0 + H)], {}, {}, Reason.CREDITED, "u1"),
    ("order before the click does not use it", order("o2", T0 + 2 * H),
     [click("c1", T0 + H)], [order("o1", T0)], {}, {}, Reason.CREDITED, "u1"),
    ("re-click re-arms", order("o2", T0 + 3 * H), [click("c1", T0), click("c2", T0 + 2 * H)],
     [order("o1", T0 + H)], {}, {}, Reason.CREDITED, "u1"),
    ("staff resigned at the order instant", order("o1", T0 + H), [click("c1", T0)], [],
     {"u1": T0 + H}, {}, Reason.STAFF_RESIGNED, None),
    ("staff resigns after the order", order("o1", T0 + H), [click("c1", T0)], [],
     {"u1": T0 + H + S}, {}, Reason.CREDITED, "u1"),
    ("still employed (None)", order("o1", T0 + H), [click("c1", T0)], [],
     {"u1": None}, {"s1": None}, Reason.CREDITED, "u1"),
    ("resigned staff: no fallback to an older click", order("o1", T0 + 3 * H),
     [click("c1", T0, staff="u1"), click("c2", T0 + H, staff="u2")], [],
     {"u2": T0 + 2 * H}, {}, Reason.STAFF_RESIGNED, None),
    ("removed store: no fallback to an older click", order("o1", T0 + 3 * H),
     [click("c1", T0, store="s1"), click("c2", T0 + H, staff="u2", store="s2")], [],
     {}, {"s2": T0 + 2 * H}, Reason.STORE_REMOVED, None),
    ("store removed after the order", order("o1", T0 + H), [click("c1", T0)], [],
     {}, {"s1": T0 + 2 * H}, Reason.CREDITED, "u1"),
]


@pytest.mark.parametrize(
    ("the_order", "clicks", "others", "resigned", "removed", "reason", "staff"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(the_order, clicks, others, resigned, removed, reason, staff):
    # Given the member's clicks and other orders; when deciding
    decision = decide(
        order=the_order,
        clicks=clicks,
        other_orders=others,
        staff_resigned_at=resigned,
        store_removed_at=removed,
    )

    # then the reason and credited staff match, and the store follows the staff
    assert decision.reason is reason
    assert decision.staff_id == staff
    assert decision.credited is (reason is Reason.CREDITED)
    if decision.credited:
        assert decision.store_id == decision.click.store_id
    else:
        assert decision.store_id is None


def test_decision_keeps_the_judged_click_and_delay():
    c1 = click("c1", T0)
    decision = decide(
        order=order("o1", T0 + WINDOW + S),
        clicks=[c1],
        other_orders=[],
        staff_resigned_at={},
        store_removed_at={},
    )

    assert decision.click == c1
    assert decision.delay == WINDOW + S
    assert Decision(Reason.NO_CLICK, None).delay is None


def test_latest_click_alone_gives_the_same_decision():
    # click_lookback lets callers pre-filter; only the latest click matters.
    the_order = order("o1", T0 + 5 * H)
    clicks = [click("c1", T0), click("c2", T0 + 2 * H, staff="u2"), click("c3", T0 + 6 * H)]
    eligible = [c for c in clicks if click_lookback(the_order.at) <= c.at <= the_order.at]
    latest = max(eligible, key=lambda c: (c.at, c.id))

    full = decide(order=the_order, clicks=clicks, other_orders=[],
                  staff_resigned_at={}, store_removed_at={})
    alone = decide(order=the_order, clicks=[latest], other_orders=[],
                   staff_resigned_at={}, store_removed_at={})

    assert click_lookback(the_order.at) == the_order.at - WINDOW
    assert full == alone
    assert full.staff_id == "u2"


def test_non_utc_offsets_compare_as_instants():
    plus8 = timezone(timedelta(hours=8))
    clicked = datetime(2025, 3, 1, 18, 0, tzinfo=plus8)  # 10:00 UTC
    decision = decide(
        order=order("o1", T0 + WINDOW),
        clicks=[click("c1", clicked)],
        other_orders=[],
        staff_resigned_at={},
        store_removed_at={},
    )

    assert decision.credited


def test_naive_order_time_is_rejected():
    with pytest.raises(ValueError):
        decide(order=order("o1", datetime(2025, 3, 1)), clicks=[], other_orders=[],
               staff_resigned_at={}, store_removed_at={})


# --- channels, merchant settings and self-referral (SPEC section 3, updated) ---------------



def shop(id: str, at: datetime) -> OrderFacts:
    return OrderFacts(id=id, at=at, channel=Channel.STORE)


def api(id: str, at: datetime) -> OrderFacts:
    return OrderFacts(id=id, at=at, channel=Channel.OTHER)


def judge(the_order, clicks, others=(), policies=()):
    return decide(order=the_order, clicks=clicks, other_orders=list(others), staff_resigned_at={},
                  store_removed_at={}, policies=policies)


def test_in_store_order_is_not_credited_to_a_link_and_keeps_the_click():
    clicks = [click("c1", T0)]
    in_store = shop("o1", T0 + H)

    assert judge(in_store, clicks).reason is Reason.IN_STORE
    assert judge(in_store, clicks).click is None
    assert judge(order("o2", T0 + 2 * H), clicks, [in_store]).reason is Reason.CREDITED


def test_api_and_imported_orders_are_not_online_and_keep_the_click():
    clicks = [click("c1", T0)]
    imported = api("o1", T0 + H)

    assert judge(imported, clicks).reason is Reason.NOT_ONLINE
    # not even with in-store credit on
    assert judge(imported, clicks, policies=[Policy(in_store_credit=True)]).reason is Reason.NOT_ONLINE
    assert judge(order("o2", T0 + 2 * H), clicks, [imported]).reason is Reason.CREDITED


def test_in_store_credit_judges_in_store_orders_like_online_ones():
    policies = [Policy(in_store_credit=True)]
    clicks = [click("c1", T0)]
    in_store = shop("o1", T0 + H)

    assert judge(in_store, clicks, policies=policies).staff_id == "u1"
    assert judge(order("o2", T0 + 2 * H), clicks, [in_store], policies).reason is Reason.CLICK_USED
    assert judge(shop("o3", T0 + WINDOW + S), clicks, policies=policies).reason is Reason.CLICK_EXPIRED


@pytest.mark.parametrize(("hours", "after", "reason"), [
    (48, 48 * H, Reason.CREDITED),
    (48, 48 * H + S, Reason.CLICK_EXPIRED),
    (1, H, Reason.CREDITED),
    (1, H + S, Reason.CLICK_EXPIRED),
])
def test_window_length_is_the_merchants(hours, after, reason):
    decision = judge(order("o1", T0 + after), [click("c1", T0)], policies=[Policy(window_hours=hours)])

    assert decision.reason is reason
    assert decision.policy.window_hours == hours


def test_settings_apply_to_orders_placed_after_the_change():
    change = T0 + 10 * H
    policies = [Policy(window_hours=48, in_store_credit=True, effective_from=change)]
    clicks = [click("c1", T0)]

    # before the change: the defaults (24 h, in-store not judged)
    assert judge(order("o1", T0 + 9 * H), clicks, policies=policies).policy == Policy()
    assert judge(shop("o2", T0 + 9 * H), clicks, policies=policies).reason is Reason.IN_STORE
    # from the change on: the new settings
    assert judge(order("o3", T0 + 30 * H), clicks, policies=policies).reason is Reason.CREDITED
    assert judge(shop("o4", change), clicks, policies=policies).reason is Reason.CREDITED


def test_an_in_store_order_uses_the_click_only_if_judged_when_it_was_placed():
    clicks = [click("c1", T0)]
    turned_on = [Policy(in_store_credit=True, effective_from=T0 + 2 * H)]
    turned_off = [Policy(in_store_credit=True), Policy(in_store_credit=False, effective_from=T0 + 2 * H)]

    # the in-store order at T0+1h came before in-store credit was turned on: the click is still free
    assert judge(order("o2", T0 + 3 * H), clicks, [shop("o1", T0 + H)], turned_on).reason is Reason.CREDITED
    # it came while in-store credit was on: it took the click
    assert judge(order("o2", T0 + 3 * H), clicks, [shop("o1", T0 + H)], turned_off).reason is Reason.CLICK_USED


def test_self_referral_is_not_credited_and_uses_the_click():
    clicks = [click("c1", T0, staff="u1")]
    own = OrderFacts(id="o1", at=T0 + H, member_staff_id="u1")

    decision = judge(own, clicks)
    assert decision.reason is Reason.SELF_REFERRAL
    assert decision.staff_id is None and decision.click == clicks[0]
    assert judge(OrderFacts(id="o2", at=T0 + 2 * H, member_staff_id="u1"), clicks, [own]).reason is Reason.CLICK_USED


def test_a_staff_members_own_account_is_credited_through_a_colleagues_link():
    decision = judge(OrderFacts(id="o1", at=T0 + H, member_staff_id="u1"), [click("c1", T0, staff="u2")])

    assert decision.reason is Reason.CREDITED and decision.staff_id == "u2"


def test_policy_at_and_longest_window():
    first = Policy(window_hours=12, effective_from=T0)
    second = Policy(window_hours=72, effective_from=T0 + H)
    same_time = Policy(window_hours=6, effective_from=T0 + H)

    assert policy_at([first, second], T0 - S) == Policy()
    assert policy_at([second, first], T0 + 30 * S) is first
    assert policy_at([first, second], T0 + H) is second
    assert policy_at([first, second, same_time], T0 + 2 * H) is same_time
    always = Policy(window_hours=5)
    assert policy_at([first, always], T0 - S) is always
    assert policy_at([first, always], T0) is first
    assert longest_window([first, second]) == timedelta(hours=72)
    assert longest_window([first]) == WINDOW


@pytest.mark.parametrize("hours", [0, -1, 8761, True, 1.5])
def test_policy_refuses_a_bad_window(hours):
    with pytest.raises(ValueError):
        Policy(window_hours=hours)


def test_rules_module_imports_no_django():
    code = "import sys, attribution.rules; sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=root).returncode == 0
