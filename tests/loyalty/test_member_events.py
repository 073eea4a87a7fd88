"""Member events from outside (issue 17 item 3): the signed member-events API, offers triggered by
each event, the points' lifetime and the deduction account (budget) an offer draws on."""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from commerce import signing
from loyalty import selectors
from loyalty.models import MemberEventInbox, Offer, PointsBudget, PointsLedgerEntry
from tests.factories import MemberFactory, MerchantFactory, StaffFactory

pytestmark = pytest.mark.django_db

URL = "/m/{slug}/api/member-events/"


def post_event(client, merchant, payload, *, secret=None, body=None):
    body = body if body is not None else json.dumps(payload).encode()
    timestamp = int(time.time())
    return client.post(
        URL.format(slug=merchant.slug), data=body, content_type="application/json",
        HTTP_X_OMO_TIMESTAMP=str(timestamp),
        HTTP_X_OMO_SIGNATURE=signing.sign(secret or merchant.order_api_secret, timestamp, body),
    )


def event(member, name="app_install", event_id="evt-1", **extra):
    return {"event_id": event_id, "event": name, "member": {"email": member.email}, **extra}


def offer(merchant, **fields):
    values = {"name": "Offer", "action": "fixed_points", "value": D("100"), **fields}
    return Offer.objects.for_merchant(merchant).create(merchant=merchant, **values)


def balance(merchant, member):
    return selectors.points_balance(merchant=merchant, member=member)


def test_a_signed_app_install_event_awards_100_once(client, merchant, member):
    offer(merchant, name="Install the app", event="app_installed")

    first = post_event(client, merchant, event(member))
    again = post_event(client, merchant, event(member))  # redelivery of the same event id
    other_id = post_event(client, merchant, event(member, event_id="evt-2"))  # installed again

    assert first.status_code == 201
    assert first.json() == {"event_id": "evt-1", "outcome": "recorded", "points": 100}
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert again.json()["points"] == 0
    assert other_id.json() == {"event_id": "evt-2", "outcome": "recorded", "points": 0}
    assert balance(merchant, member) == 100
    assert MemberEventInbox.objects.for_merchant(merchant).count() == 2


def test_member_found_by_phone_in_any_format(client, merchant):
    member = MemberFactory(merchant=merchant, phone="+886912345678")
    offer(merchant, name="Follow us", event="follow_official_account", value=D("20"))

    response = post_event(client, merchant, {"event_id": "f-1", "event": "follow_official_account",
                                             "member": {"phone": "0912 345 678"}})

    assert response.status_code == 201, response.json()
    assert balance(merchant, member) == 20


@pytest.mark.parametrize(
    "name, offer_event, points",
    [
        ("follow_official_account", "follow_official_account", 20),
        ("birthday_set", "birthday_set", 30),
        ("profile_completed", "profile_completed", 50),
    ],
)
def test_each_member_event_triggers_its_offers_once_per_member(client, merchant, member, name, offer_event, points):
    offer(merchant, name=name, event=offer_event, value=D(points))
    offer(merchant, name="Install", event="app_installed", value=D("100"))  # another event's offer

    post_event(client, merchant, event(member, name, event_id="a"))
    post_event(client, merchant, event(member, name, event_id="b"))

    assert balance(merchant, member) == points


def test_custom_events_match_by_name_and_earn_per_event(client, merchant, member):
    offer(merchant, name="Survey", event="custom", custom_event="survey_done", value=D("15"))
    offer(merchant, name="Any custom", event="custom", value=D("1"))

    survey = post_event(client, merchant, event(member, "custom:survey_done", event_id="s-1"))
    post_event(client, merchant, event(member, "custom:survey_done", event_id="s-2"))
    other = post_event(client, merchant, event(member, "custom:store_visit", event_id="v-1"))

    assert survey.json()["points"] == 16
    assert other.json()["points"] == 1
    assert balance(merchant, member) == 33


def test_a_bad_signature_is_refused_with_401(client, merchant, member):
    offer(merchant, name="Install", event="app_installed")

    response = post_event(client, merchant, event(member), secret="not-the-secret")

    assert response.status_code == 401
    assert set(response.json()) == {"error", "details"}
    assert balance(merchant, member) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"event_id": "x", "event": "app_install"},  # no member
        {"event_id": "x", "event": "dance", "member": {"email": "member@example.com"}},
        {"event_id": "x", "event": "custom:", "member": {"email": "member@example.com"}},
        {"event_id": "x", "event": "app_install", "member": {"email": "nobody@example.com"}},
        {"event_id": "x", "event": "app_install", "member": {}},
        [1, 2],
    ],
)
def test_a_bad_body_answers_400_with_the_common_error_body(client, merchant, payload):
    MemberFactory(merchant=merchant, email="member@example.com")

    response = post_event(client, merchant, payload)

    assert response.status_code == 400
    assert set(response.json()) == {"error", "details"}
    assert not MemberEventInbox.objects.for_merchant(merchant).exists()


def test_invalid_json_answers_400(client, merchant):
    response = post_event(client, merchant, None, body=b"{not json")

    assert response.status_code == 400
    assert set(response.json()) == {"error", "details"}


def test_another_merchants_member_is_unknown(client, merchant):
    other = MerchantFactory(slug="other-brand")
    stranger = MemberFactory(merchant=other, email="stranger@example.com")
    offer(merchant, name="Install", event="app_installed")

    response = post_event(client, merchant, event(stranger))

    assert response.status_code == 400
    assert balance(other, stranger) == 0


def test_event_ids_are_per_merchant(client, merchant, member):
    other = MerchantFactory(slug="other-brand")
    other_member = MemberFactory(merchant=other, email=member.email)
    offer(merchant, name="Install", event="app_installed")
    Offer.objects.for_merchant(other).create(merchant=other, name="Install", event="app_installed",
                                             action="fixed_points", value=D("40"))

    post_event(client, merchant, event(member))
    response = post_event(client, other, event(other_member))

    assert response.json()["outcome"] == "recorded"
    assert balance(other, other_member) == 40


def test_points_lifetime_is_stored_on_the_earn_entry(client, merchant, member):
    offer(merchant, name="Install", event="app_installed", points_lifetime_days=90)
    offer(merchant, name="Follow", event="follow_official_account", value=D("10"))
    at = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)

    post_event(client, merchant, event(member, occurred_at=at.isoformat()))
    post_event(client, merchant, event(member, "follow_official_account", event_id="f", occurred_at=at.isoformat()))

    entries = {e.source: e for e in PointsLedgerEntry.objects.for_merchant(merchant)}
    assert entries["app_installed"].expires_at == at + timedelta(days=90)
    assert entries["follow_official_account"].expires_at is None


def test_a_deduction_account_is_drawn_down_and_never_overspent(client, merchant):
    budget = PointsBudget.objects.for_merchant(merchant).create(merchant=merchant, name="App launch", budget=250)
    offer(merchant, name="Install", event="app_installed", deduction_account=budget)
    members = [MemberFactory(merchant=merchant) for _ in range(4)]

    points = [post_event(client, merchant, event(m, event_id=f"i-{i}")).json()["points"]
              for i, m in enumerate(members)]

    assert points == [100, 100, 50, 0]  # the third award is cut to what is left, the fourth gets nothing
    (row,) = selectors.budget_list(merchant=merchant)
    assert (row.name, row.budget, row.awarded, row.remaining) == ("App launch", 250, 250, 0)


def test_budget_page_lists_awarded_and_remaining_points(client, merchant, member, store):
    budget = PointsBudget.objects.for_merchant(merchant).create(merchant=merchant, name="Welcome gifts", budget=1000)
    offer(merchant, name="Install", event="app_installed", deduction_account=budget)
    post_event(client, merchant, event(member))

    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    page = client.get(f"/m/{merchant.slug}/loyalty/budgets/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Welcome gifts" in text
    assert "100" in text and "900" in text


def test_budget_page_is_for_merchant_admins_only(merchant, staff_client):
    assert staff_client.get(f"/m/{merchant.slug}/loyalty/budgets/").status_code in (302, 403, 404)


def test_member_events_api_is_in_the_openapi_schema(client, settings):
    settings.API_DOCS_PUBLIC = True

    paths = client.get("/api/schema/?format=json").json()["paths"]

    operation = paths["/m/{merchant}/api/member-events/"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"X-OMO-Timestamp", "X-OMO-Signature"} <= headers


def test_admin_configures_a_custom_event_offer_with_lifetime_budget_and_tier(client, merchant, store, other_merchant):
    from loyalty.models import Tier

    budget = PointsBudget.objects.for_merchant(merchant).create(merchant=merchant, name="Surveys", budget=500)
    gold = Tier.objects.for_merchant(merchant).create(merchant=merchant, name="Gold", threshold=D("5000"))
    foreign = PointsBudget.objects.for_merchant(other_merchant).create(merchant=other_merchant, name="Theirs",
                                                                       budget=9)
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    url = f"/m/{merchant.slug}/loyalty/offers/new/"
    fields = {"name": "Survey 15", "active": "on", "event": "custom", "custom_event": "survey_done",
              "action": "fixed_points", "value": "15", "position": "0", "points_lifetime_days": "30",
              "min_tier": gold.pk}

    refused = client.post(url, {**fields, "deduction_account": foreign.pk})
    saved = client.post(url, {**fields, "deduction_account": budget.pk})

    assert refused.status_code == 200  # another merchant's account is not a choice
    assert saved.status_code == 302
    offer_ = Offer.objects.for_merchant(merchant).get()
    assert (offer_.custom_event, offer_.points_lifetime_days, offer_.deduction_account_id, offer_.min_tier_id) == (
        "survey_done", 30, budget.pk, gold.pk
    )


def test_points_taken_back_go_back_to_the_deduction_account(merchant, member):
    from commerce.services import LineInput, order_cancel, order_create
    from loyalty import services

    budget = PointsBudget.objects.for_merchant(merchant).create(merchant=merchant, name="Summer", budget=1000)
    offer(merchant, name="Summer 1 per 10", event="order_paid", action="points_per_amount", value=D("1"),
          per_amount=D("10"), deduction_account=budget)
    placed = order_create(
        merchant=merchant, number="B-1", channel="pos", member=member, payment_status="paid",
        lines=[LineInput(variation=None, quantity=1, unit_price=D("300.00"), product_name="Thing")],
    )
    services.order_points_settle(merchant=merchant, order_id=placed.pk)
    assert selectors.budget_list(merchant=merchant)[0].remaining == 970

    order_cancel(merchant=merchant, order=placed)
    services.order_points_settle(merchant=merchant, order_id=placed.pk)

    assert selectors.budget_list(merchant=merchant)[0].remaining == 1000
    assert balance(merchant, member) == 0


def test_a_custom_event_name_on_another_event_is_refused(merchant):
    from django.core.exceptions import ValidationError

    bad = Offer(merchant=merchant, name="Odd", event="order_paid", action="fixed_points", value=D("5"),
                custom_event="survey_done")

    with pytest.raises(ValidationError) as error:
        bad.clean()

    assert "custom_event" in error.value.message_dict
