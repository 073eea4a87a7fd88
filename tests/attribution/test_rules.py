"""Table-driven tests of attribution.rules.decide (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from attribution.rules import (
    WINDOW,
    ClickFacts,
    Decision,
    OrderFacts,
    Reason,
    click_lookback,
    decide,
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
