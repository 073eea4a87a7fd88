from decimal import Decimal

from django.core.management import call_command

from commerce.models import Order, Product
from loyalty import selectors as loyalty_selectors
from loyalty.models import ExpiryNotice, Offer, PointsLedgerEntry, Tier
from partners.models import CampaignOrder
from members.models import Member
from omo.tenancy.models import Merchant, Staff, Store


def _counts():
    counts = {}
    for merchant in Merchant.objects.all():
        counts[merchant.slug] = tuple(
            model.objects.for_merchant(merchant).count()
            for model in (Store, Staff, Member, Product, Order, Offer, CampaignOrder, PointsLedgerEntry)
        )
    return counts


def test_seed_demo_creates_demo_data_and_is_idempotent(db, capsys, django_capture_on_commit_callbacks):
    # The seed commits, then the order followers (attribution, partner figures, points) run.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", orders=60)
    first = _counts()
    assert first["demo"][:4] == (3, 6, 53, 200)  # 50 shoppers and 3 brought by a referral
    assert first["demo"][4] == 63  # 60 and the 3 referred shoppers' orders
    offers, referred, ledger = first["demo"][5:]
    assert offers >= 5 and referred > 0 and ledger > 0  # points and partner pages have content
    assert "north" in first
    demo = Merchant.objects.get(slug="demo")
    tiers = {tier.name: tier.multiplier for tier in Tier.objects.for_merchant(demo)}
    assert tiers == {"Silver": Decimal("1.5"), "Gold": Decimal("2")}
    (budget,) = loyalty_selectors.budget_list(merchant=demo)
    assert budget.name == "App launch" and budget.remaining == budget.budget
    reached = {loyalty_selectors.member_tier(merchant=demo, member=m) for m in Member.objects.for_merchant(demo)}
    assert reached - {None}  # some demo member is in a tier
    assert ExpiryNotice.objects.for_merchant(demo).filter(points=120).count() == 1  # an expiry notice to show
    # The referral split: the referring store earns the traffic part, the helping staff the sales part.
    split = PointsLedgerEntry.objects.for_merchant(demo).filter(source__in=["referral_traffic", "referral_sales"])
    assert {e.source for e in split} == {"referral_traffic", "referral_sales"}
    assert "admin@demo.example" in capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", orders=60)
    assert _counts() == first
