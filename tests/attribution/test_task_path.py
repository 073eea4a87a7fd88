"""SPEC section 3, rule by rule, through the real path: signed order API -> on_commit -> Celery
task -> rules -> stored Attribution. (The same rules run in `attribution_replay`.)"""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest

from attribution import services as attribution_services
from attribution.models import Attribution, AttributionDue
from commerce.models import Order
from omo.tenancy.models import Staff, Store
from tests.factories import ClickFactory, LinkFactory, MemberFactory, StaffFactory
from tests.order_api import order_payload, post_order

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=dt_timezone.utc)
H = timedelta(hours=1)


@pytest.fixture
def send(client, merchant, django_capture_on_commit_callbacks):
    """Deliver one order event and run what it queued after commit (the attribution task)."""

    def _send(number, member, at, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_order(client, merchant, order_payload(number, member, at, **extra))
        assert response.status_code in (200, 201), response.content
        return response

    return _send


def decision(merchant, number):
    attribution = Attribution.objects.for_merchant(merchant).select_related("staff", "store").get(order__number=number)
    return attribution.reason, attribution.staff and attribution.staff.display_name, attribution.store and attribution.store.name


@pytest.fixture
def amy_link(merchant, staff, member):
    return LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)


@pytest.fixture
def ben_link(merchant, member):
    ben = StaffFactory(merchant=merchant, display_name="Ben")
    return LinkFactory(merchant=merchant, staff=ben, store=ben.store, member=member)


def test_order_exactly_24h_after_click_is_credited_one_second_later_is_not(merchant, amy_link, send):
    late_member = MemberFactory(merchant=merchant)
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    ClickFactory(merchant=merchant, link=amy_link, member=late_member, clicked_at=T0)
    send("edge", amy_link.member, T0 + 24 * H)
    send("late", late_member, T0 + 24 * H + timedelta(seconds=1))
    assert decision(merchant, "edge") == ("credited", "Amy", "Taipei 101")
    assert decision(merchant, "late") == ("click_expired", None, None)


def test_latest_click_before_the_order_wins_across_staff(merchant, amy_link, ben_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)
    ClickFactory(merchant=merchant, link=ben_link, member=member, clicked_at=T0 + H)
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0 + 3 * H)  # after the order
    send("o1", member, T0 + 2 * H)
    assert decision(merchant, "o1")[1] == "Ben"


def test_only_the_first_order_after_a_click_is_credited(merchant, amy_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)
    send("first", member, T0 + H)
    send("second", member, T0 + 2 * H)
    assert decision(merchant, "first")[0] == "credited"
    assert decision(merchant, "second")[0] == "click_used"


def test_clicking_the_link_again_rearms_it(merchant, amy_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)
    send("first", member, T0 + H)
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0 + 2 * H)
    send("second", member, T0 + 3 * H)
    assert decision(merchant, "second") == ("credited", "Amy", "Taipei 101")


def test_resigned_staff_gets_no_credit_and_no_fallback_to_an_older_click(merchant, amy_link, ben_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=ben_link, member=member, clicked_at=T0)
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0 + H)
    Staff.objects.for_merchant(merchant).filter(pk=amy_link.staff_id).update(resigned_at=T0 + 2 * H)
    send("o1", member, T0 + 3 * H)
    assert decision(merchant, "o1") == ("staff_resigned", None, None)
    explanation = Attribution.objects.for_merchant(merchant).get(order__number="o1").explanation
    assert explanation.startswith("not credited: the staff member had resigned")


def test_removed_store_gets_no_credit_and_no_fallback(merchant, amy_link, ben_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=ben_link, member=member, clicked_at=T0)
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0 + H)
    Store.objects.for_merchant(merchant).filter(pk=amy_link.store_id).update(removed_at=T0 + 90 * timedelta(minutes=1))
    send("o1", member, T0 + 2 * H)
    assert decision(merchant, "o1") == ("store_removed", None, None)


def test_staff_resigned_after_the_order_keeps_the_credit(merchant, amy_link, send):
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    Staff.objects.for_merchant(merchant).filter(pk=amy_link.staff_id).update(resigned_at=T0 + 5 * H)
    send("o1", amy_link.member, T0 + H)
    assert decision(merchant, "o1")[0] == "credited"


def test_onward_shared_link_counts_for_the_clicking_account_on_any_device(merchant, amy_link, send):
    friend = MemberFactory(merchant=merchant)
    ClickFactory(merchant=merchant, link=amy_link, member=friend, clicked_at=T0, device="desktop")
    send("friend", friend, T0 + H)
    send("owner", amy_link.member, T0 + H)  # the member the link was made for never clicked
    assert decision(merchant, "friend") == ("credited", "Amy", "Taipei 101")
    assert decision(merchant, "owner")[0] == "no_click"


def test_whole_order_is_credited_even_without_the_recommended_items(merchant, amy_link, send):
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    send("o1", amy_link.member, T0 + H)  # lines hold only an unrelated product
    attribution = Attribution.objects.for_merchant(merchant).select_related("order").get(order__number="o1")
    assert attribution.credited
    assert attribution.order.total == 120


def test_cancelled_order_stays_listed_with_its_attribution(merchant, amy_link, send):
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    send("o1", amy_link.member, T0 + H)
    send("o1", amy_link.member, T0 + H, status="cancelled", updated_at=(T0 + 2 * H).isoformat())
    order = Order.objects.for_merchant(merchant).get(number="o1")
    assert order.status == "cancelled"
    assert decision(merchant, "o1")[0] == "credited"


def test_same_event_three_times_and_out_of_order_gives_one_attribution_each(merchant, amy_link, send):
    member = amy_link.member
    ClickFactory(merchant=merchant, link=amy_link, member=member, clicked_at=T0)
    # The later order arrives first, then the earlier one three times.
    send("later", member, T0 + 2 * H)
    assert decision(merchant, "later")[0] == "credited"
    outcomes = [send("earlier", member, T0 + H).json()["outcome"] for _ in range(3)]
    assert outcomes == ["created", "duplicate", "duplicate"]
    assert Order.objects.for_merchant(merchant).filter(number="earlier").count() == 1
    assert Attribution.objects.for_merchant(merchant).filter(order__number__in=["earlier", "later"]).count() == 2
    # Decided by time, not by arrival: the earlier order was the first after the click.
    assert decision(merchant, "earlier")[0] == "credited"
    assert decision(merchant, "later")[0] == "click_used"


def test_stale_update_arriving_late_does_not_overwrite_a_newer_one(merchant, member, send):
    send("o1", member, T0)
    send("o1", member, T0, status="cancelled", updated_at=(T0 + 2 * H).isoformat())
    response = send("o1", member, T0, status="confirmed", updated_at=(T0 + H).isoformat())
    assert response.json()["outcome"] == "stale"
    assert Order.objects.for_merchant(merchant).get(number="o1").status == "cancelled"


def test_running_the_task_again_keeps_one_attribution(merchant, amy_link, send):
    from attribution.tasks import attribute_order_task

    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    send("o1", amy_link.member, T0 + H)
    order = Order.objects.for_merchant(merchant).get(number="o1")
    for _ in range(3):  # a retried or redelivered task
        attribute_order_task.delay(merchant.pk, order.pk)
    assert Attribution.objects.for_merchant(merchant).filter(order=order).count() == 1
    assert decision(merchant, "o1")[0] == "credited"


def test_attribution_explanation_names_staff_store_and_delay(merchant, amy_link, send):
    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    send("o1", amy_link.member, T0 + 3 * H)
    text = Attribution.objects.for_merchant(merchant).get(order__number="o1").explanation
    # T0 is 02:00 UTC = 10:00 in Taipei, the merchant's timezone.
    assert text.startswith("credited to Amy at Taipei 101: clicked link ")
    assert "at 2026-03-01 10:00, ordered 3h 00m later" in text


def test_sweeper_attributes_orders_whose_event_was_lost(merchant, amy_link):
    from attribution.tasks import sweep_unattributed_task
    from commerce import services

    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    # Saved, but its event never reached a worker: the test's transaction never commits, so no task runs.
    order = services.order_create(merchant=merchant, number="lost", channel="web", lines=[],
                                  member=amy_link.member, placed_at=T0 + H)
    due = AttributionDue.objects.for_merchant(merchant)
    assert sweep_unattributed_task.delay().get() == 0  # just saved: its event may still be on its way
    due.filter(order_id=order.pk).update(marked_at=T0)
    assert not Attribution.objects.for_merchant(merchant).filter(order=order).exists()
    assert sweep_unattributed_task.delay().get() == 1
    assert decision(merchant, "lost") == ("credited", "Amy", "Taipei 101")
    assert not due.exists() and sweep_unattributed_task.delay().get() == 0  # decided: no longer due


def test_a_sweep_with_nothing_due_reads_one_index_per_merchant(merchant, other_merchant, amy_link,
                                                               django_assert_max_num_queries):
    from attribution.tasks import sweep_unattributed_task
    from commerce import services

    for n in range(20):  # decided orders: the old sweep scanned them all, every minute
        services.order_create(merchant=merchant, number=f"done-{n}", channel="web", lines=[],
                              member=amy_link.member, placed_at=T0 + H)
    AttributionDue.objects.for_merchant(merchant).update(marked_at=T0)
    assert sweep_unattributed_task.delay().get() == 20
    assert Attribution.objects.for_merchant(merchant).count() == 20

    with django_assert_max_num_queries(1 + 2) as captured:  # the merchants, then one probe each
        assert sweep_unattributed_task.delay().get() == 0
    probes = [q["sql"] for q in captured.captured_queries if "attributiondue" in q["sql"]]
    assert len(probes) == 2 and all("commerce_order" not in sql for sql in probes)


def test_an_order_changed_while_its_drain_decides_stays_due(merchant, amy_link, monkeypatch):
    """A drain clears only the marks it read: an event marking the order again meanwhile (the
    drain may have read the order before that change) leaves it due for the next drain."""
    from attribution import due as attribution_due
    from commerce import services

    ClickFactory(merchant=merchant, link=amy_link, member=amy_link.member, clicked_at=T0)
    order = services.order_create(merchant=merchant, number="o1", channel="web", lines=[],
                                  member=amy_link.member, placed_at=T0 + H)
    marks = AttributionDue.objects.for_merchant(merchant)
    decide = attribution_services.orders_attribute

    def decide_then_change(**kwargs):  # the order is changed again while the drain decides
        decided = decide(**kwargs)
        attribution_due.order_attribution_due(Order.objects.for_merchant(merchant).get(pk=order.pk))
        return decided

    monkeypatch.setattr(attribution_services, "orders_attribute", decide_then_change)
    assert attribution_due.due_drain(merchant_id=merchant.pk) == 1
    monkeypatch.undo()
    assert list(marks.values_list("order_id", flat=True)) == [order.pk]
    assert attribution_due.due_drain(merchant_id=merchant.pk) == 1
    assert not marks.exists()
    assert decision(merchant, "o1")[0] == "credited"
