"""Member tiers (issue 17 item 8): tiers by 12-month spending, a points multiplier per tier on
order points, a "minimum tier" offer filter, and the tier on the member's page."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse

from commerce.services import LineInput, order_cancel, order_create
from loyalty import selectors, services
from loyalty.models import Offer, Tier
from loyalty.offers import EventFacts, EventKind, Filters, Offer as RuleOffer, evaluate
from tests.factories import MemberFactory, MerchantFactory, StaffFactory

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)


def order(merchant, member, amount, *, placed_at, payment_status="paid"):
    return order_create(
        merchant=merchant, number=f"TIER-{next(_numbers)}", channel="pos",
        lines=[LineInput(variation=None, quantity=1, unit_price=D(amount), product_name="Thing")],
        member=member, placed_at=placed_at, payment_status=payment_status, payment_method="card",
    )


def tiers(merchant):
    Tier.objects.for_merchant(merchant).create(merchant=merchant, name="Silver", threshold=D("1000"),
                                               multiplier=D("1.5"))
    Tier.objects.for_merchant(merchant).create(merchant=merchant, name="Gold", threshold=D("5000"),
                                               multiplier=D("2"))


def base_offer(merchant):
    # 1 point per 10.00 paid.
    return Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="1 per 10", event="order_paid", action="points_per_amount",
        value=D("1"), per_amount=D("10"),
    )


def settle(merchant, order_):
    return services.order_points_settle(merchant=merchant, order_id=order_.pk)


def tier_name(merchant, member, at=NOW):
    tier = selectors.member_tier(merchant=merchant, member=member, at=at)
    return tier.name if tier else None


def test_tier_follows_the_last_12_months_of_paid_spending(merchant, member):
    tiers(merchant)
    order(merchant, member, "900.00", placed_at=NOW - timedelta(days=400))  # older than 12 months
    assert tier_name(merchant, member) is None
    order(merchant, member, "1200.00", placed_at=NOW - timedelta(days=30))
    assert tier_name(merchant, member) == "Silver"
    order(merchant, member, "4000.00", placed_at=NOW - timedelta(days=10))
    assert tier_name(merchant, member) == "Gold"
    order(merchant, member, "9000.00", placed_at=NOW - timedelta(days=5), payment_status="unpaid")
    assert tier_name(merchant, member) == "Gold"


def test_a_cancelled_order_drops_the_tier_at_once(merchant, member):
    tiers(merchant)
    big = order(merchant, member, "5000.00", placed_at=NOW - timedelta(days=3))
    assert tier_name(merchant, member) == "Gold"

    order_cancel(merchant=merchant, order=big)

    assert tier_name(merchant, member) is None


def test_a_gold_member_earns_2x_and_a_silver_member_1_5x(merchant):
    tiers(merchant)
    base_offer(merchant)
    gold, silver, plain = (MemberFactory(merchant=merchant) for _ in range(3))
    order(merchant, gold, "6000.00", placed_at=NOW - timedelta(days=60))
    order(merchant, silver, "1000.00", placed_at=NOW - timedelta(days=60))

    earned = {}
    for name, member in (("gold", gold), ("silver", silver), ("plain", plain)):
        new = order(merchant, member, "300.00", placed_at=NOW)
        settle(merchant, new)
        earned[name] = sum(e.points for e in selectors.ledger_list(merchant=merchant, member=member)
                           if e.order_id == new.pk)

    assert earned == {"gold": 60, "silver": 45, "plain": 30}


def test_the_order_itself_does_not_lift_its_own_tier(merchant, member):
    tiers(merchant)
    base_offer(merchant)

    first = order(merchant, member, "6000.00", placed_at=NOW)
    settle(merchant, first)

    assert selectors.points_balance(merchant=merchant, member=member) == 600
    assert tier_name(merchant, member, at=NOW + timedelta(minutes=1)) == "Gold"


def test_min_tier_offer_applies_to_that_tier_and_higher(merchant):
    tiers(merchant)
    silver_tier = Tier.objects.for_merchant(merchant).get(name="Silver")
    Offer.objects.for_merchant(merchant).create(
        merchant=merchant, name="Members' bonus", event="order_paid", action="fixed_points", value=D("50"),
        min_tier=silver_tier,
    )
    gold, silver, plain = (MemberFactory(merchant=merchant) for _ in range(3))
    order(merchant, gold, "6000.00", placed_at=NOW - timedelta(days=60))
    order(merchant, silver, "1000.00", placed_at=NOW - timedelta(days=60))

    balances = {}
    for name, member in (("gold", gold), ("silver", silver), ("plain", plain)):
        settle(merchant, order(merchant, member, "100.00", placed_at=NOW))
        balances[name] = selectors.points_balance(merchant=merchant, member=member)

    # The bonus is campaign-free fixed points, so Gold's x2 and Silver's x1.5 apply to it too.
    assert balances == {"gold": 100, "silver": 75, "plain": 0}


def test_engine_tier_multiplier_leaves_campaign_points_alone():
    day = NOW.date()
    offers = [
        RuleOffer(id=1, name="base", event="order_paid", action="points_per_amount", value=D("1"),
                  per_amount=D("10")),
        RuleOffer(id=2, name="campaign", event="order_paid", action="fixed_points", value=D("40"), campaign=True),
        RuleOffer(id=3, name="gold only", event="order_paid", action="fixed_points", value=D("5"), campaign=True,
                  filters=Filters(min_tier_threshold=D("5000"))),
    ]
    facts = EventFacts(kind=EventKind.ORDER_PAID, local_date=day, order_amount=D("200"),
                       tier_threshold=D("5000"), tier_multiplier=D("2"))

    awards = {a.offer_id: a.points for a in evaluate(facts, offers, stacking="sum")}

    assert awards == {1: 40, 2: 40, 3: 5}


def test_member_page_shows_the_tier(client, merchant, store, member):
    tiers(merchant)
    order(merchant, member, "5500.00", placed_at=datetime.now(UTC) - timedelta(days=1))
    client.force_login(StaffFactory(merchant=merchant, store=store).user)

    page = client.get(reverse("loyalty:member_points", kwargs={"merchant": merchant.slug, "member_id": member.pk}))

    assert page.status_code == 200
    assert "Gold (×2)" in page.content.decode()


def test_tiers_are_per_merchant(merchant, member):
    other = MerchantFactory(slug="other-brand")
    tiers(other)
    order(merchant, member, "9000.00", placed_at=NOW - timedelta(days=1))

    assert tier_name(merchant, member) is None


def test_checkout_preview_shows_the_tier_points(merchant, member):
    tiers(merchant)
    base_offer(merchant)
    order(merchant, member, "5000.00", placed_at=datetime.now(UTC) - timedelta(days=2))

    awards = services.offers_preview(merchant=merchant, member=member, amount=D("300.00"))

    assert [award.points for award in awards] == [60]
