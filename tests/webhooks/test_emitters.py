"""The places that emit outbound webhooks today: members, points ledger, attribution, referred
orders' commission. Each event arrives signed at the merchant's loopback receiver."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from attribution.services import order_attribute
from commerce.services import LineInput, order_create
from loyalty import services as loyalty
from loyalty.models import Offer, PointsLedgerEntry
from members.services import member_register
from omo.api.keys import api_key_create
from omo.api.publicid import public_id
from omo.webhooks import services
from omo.webhooks.models import EventType, WebhookPolicy
from partners import payouts
from partners.models import CampaignOrder, Commission
from tests.factories import ClickFactory, LinkFactory, MemberFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

from .receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(merchant):
    WebhookPolicy.objects.create(merchant=merchant, allow_private_targets=True)
    with receiver() as state:
        _endpoint, state.secret = services.endpoint_create(merchant=merchant, url=state.url,
                                                           event_types=EventType.values)
        yield state


def received(hook, type=None):
    events = [Webhook(hook.secret).verify(body, headers) for headers, body in hook.requests]
    return [event for event in events if type is None or event["type"] == type]


def lines():
    return [LineInput(variation=None, quantity=1, unit_price=D("200.00"), product_name="TV")]


def test_member_created_when_staff_register_a_member(merchant, staff, hook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member = member_register(merchant=merchant, phone="0912 345 678", email="Amy@Example.com", staff=staff)
    [event] = received(hook, "member.created")
    assert event["data"]["member"]["id"] == public_id(member) and event["data"]["member"]["id"].startswith("mem_")
    assert event["data"]["member"]["registered_by"] == public_id(staff)
    assert event["data"]["member"]["registered_store"] == public_id(staff.store)
    assert event["data"]["member"]["phone"] == "+886912345678"
    assert event["data"]["member"]["email"] == "amy@example.com"


def test_points_earned_and_redeemed(merchant, member, hook, django_capture_on_commit_callbacks):
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="1 per 10", event="order_paid", action="points_per_amount", value=D("1"),
        per_amount=D("10"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(merchant=merchant, number="P-1", channel="web", lines=lines(), member=member,
                             placed_at=timezone.now() - timedelta(hours=1), payment_status="paid",
                             payment_method="card")
        loyalty.order_points_settle(merchant=merchant, order_id=order.pk)
    [earned] = received(hook, "points.earned")
    assert earned["data"]["entry"]["points"] == 20
    entry = PointsLedgerEntry.objects.for_merchant(merchant).get(order=order)
    assert earned["data"]["entry"]["id"] == public_id(entry)
    assert earned["data"]["account"]["id"] == public_id(entry.account)
    assert earned["data"]["account"]["member"] == public_id(member)
    assert earned["data"]["order"] == public_id(order)
    with django_capture_on_commit_callbacks(execute=True):
        unpaid = order_create(merchant=merchant, number="P-2", channel="web", lines=lines(), member=member,
                              placed_at=timezone.now(), payment_status="pending")
        loyalty.points_redeem_for_order(merchant=merchant, member=member, points=15, order=unpaid)
    [redeemed] = received(hook, "points.redeemed")
    assert redeemed["data"]["entry"]["points"] == -15
    assert redeemed["data"]["entry"]["balance_after"] == 5


def test_order_attributed_then_credit_changed(merchant, staff, member, hook, django_capture_on_commit_callbacks):
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    t0 = timezone.now() - timedelta(hours=3)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=t0)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(merchant=merchant, number="A-1", channel="web", lines=lines(), member=member,
                             placed_at=t0 + timedelta(hours=1))
    [attributed] = received(hook, "order.attributed")
    assert attributed["data"]["order"] == {"id": public_id(order), "number": "A-1"}
    assert attributed["data"]["store"]["id"] == public_id(staff.store)
    assert attributed["data"]["store"]["code"] == staff.store.code
    assert attributed["data"]["staff"] == {"id": public_id(staff), "name": staff.display_name}
    assert attributed["data"]["link"] == public_id(link)
    # Deciding again changes nothing: no new event
    with django_capture_on_commit_callbacks(execute=True):
        order_attribute(merchant_id=merchant.pk, order_id=order.pk)
    assert len(received(hook, "order.attributed")) == 1 and not received(hook, "order.credit_changed")
    # A late-arriving earlier order takes the click: A-1's credit moves away
    with django_capture_on_commit_callbacks(execute=True):
        earlier = order_create(merchant=merchant, number="A-0", channel="web", lines=lines(), member=member,
                               placed_at=t0 + timedelta(minutes=30))
    [changed] = received(hook, "order.credit_changed")
    assert changed["data"]["order"]["number"] == "A-1"
    assert changed["data"]["credited"] is False
    assert changed["data"]["order"]["id"] == public_id(order)
    assert changed["data"]["previous"]["staff"] == public_id(staff)
    assert changed["data"]["previous"]["store"] == public_id(staff.store)
    assert {e["data"]["order"]["number"] for e in received(hook, "order.attributed")} == {"A-1", earlier.number}


def test_commission_created_for_a_referred_order(merchant, hook, django_capture_on_commit_callbacks):
    campaign = make_campaign(merchant, rate="10")
    partner = make_partner()
    bind(merchant, campaign, partner)
    with django_capture_on_commit_callbacks(execute=True):
        order = referred_order(merchant, campaign, number="C-1", lines=lines(),
                               placed_at=timezone.now() - timedelta(hours=1))
    [created] = received(hook, "commission.created")
    assert created["data"]["commission"]["amount"] == "20.00"
    assert created["data"]["order"]["number"] == "C-1"
    assert created["data"]["campaign"] == {"id": public_id(campaign), "code": campaign.code, "name": campaign.name}
    assert created["data"]["order"]["id"] == public_id(order)
    # the commission is the `commissions` resource of the API: one per referred order
    assert created["data"]["commission"]["id"] == public_id(CampaignOrder.objects.for_merchant(merchant).get(order=order))
    assert created["data"]["commission"]["id"].startswith("comm_")
    assert created["data"]["partner"]["id"] == public_id(partner)
    assert json.loads(hook.requests[0][1])["type"]  # bodies are JSON
    assert order.campaign_code == campaign.code


def test_other_merchants_endpoints_receive_nothing(merchant, other_merchant, hook, staff,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        MemberFactory(merchant=other_merchant)
        member_register(merchant=other_merchant, email="someone@example.com")
    assert hook.requests == []


def test_commission_approved_and_paid_reach_the_endpoint_and_the_partners_inbox(
    merchant, hook, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = make_campaign(merchant, rate="10")
    partner = make_partner(email="kol@example.com")
    bind(merchant, campaign, partner)
    tea = VariationFactory(merchant=merchant, product__name="Tea", price=D("100"))
    with django_capture_on_commit_callbacks(execute=True):
        order = referred_order(merchant, campaign, number="W-1", lines=[line(tea, 3, "100.00")],
                               paid_amount=D("300"), payment_status="paid")
    item = Commission.objects.for_merchant(merchant).get(campaign_order__order=order)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        payouts.commission_approve(merchant=merchant, commission=item)
    [approved] = received(hook, "commission.approved")
    assert approved["data"]["order"]["number"] == "W-1" and approved["data"]["commission"]["amount"] == "30.00"
    assert [m.to for m in mailoutbox] == [["kol@example.com"]]

    today = timezone.localdate(timezone=merchant.tzinfo)
    with django_capture_on_commit_callbacks(execute=True):
        payout = payouts.payout_create(merchant=merchant, period_start=today - timedelta(days=30), period_end=today,
                                       currency=campaign.currency)
        payouts.payout_mark_paid(merchant=merchant, payout=payout)
        payouts.payout_mark_paid(merchant=merchant, payout=payout)  # a double tap: paid once
    [paid] = received(hook, "commission.paid")
    assert paid["data"]["commission"]["id"] == approved["data"]["commission"]["id"]
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["kol@example.com"] and "30" in mailoutbox[1].body


def test_a_webhooks_ids_are_the_ones_the_api_shows(merchant, staff, member, hook, client,
                                                   django_capture_on_commit_callbacks):
    """An integrator matches an event with the API: the order id in order.attributed is the id
    GET /m/<merchant>/api/v1/orders/ returns for that order (never a primary key)."""
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        order_create(merchant=merchant, number="M-1", channel="web", lines=lines(), member=member,
                     placed_at=timezone.now() - timedelta(hours=1))
    [attributed] = received(hook, "order.attributed")
    raw = api_key_create(merchant=merchant, name="ERP")[1]
    response = client.get(f"/m/{merchant.slug}/api/v1/orders/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    [listed] = [o for o in response.json()["results"] if o["number"] == "M-1"]
    assert attributed["data"]["order"]["id"] == listed["id"]
    detail = client.get(f"/m/{merchant.slug}/api/v1/orders/{listed['id']}/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert detail.status_code == 200 and detail.json()["number"] == "M-1"
