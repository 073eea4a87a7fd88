"""The merchant's commission/payout pages and the partner's payout pages: what each side sees, and
404 for another merchant's or another partner's ids (never a 500)."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from omo.audit.models import AuditEvent
from partners import payouts
from partners.models import Commission, CommissionTier, PayoutLine
from tests.factories import StaffFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal


@pytest.fixture
def admin_client(client, merchant, store):
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    return client


@pytest.fixture
def kim(db):
    partner = make_partner(email="kim@example.com")
    EmailAddress.objects.create(user=partner.user, email="kim@example.com", verified=True, primary=True)
    return partner


@pytest.fixture
def paid(merchant, kim, django_capture_on_commit_callbacks):
    """A campaign of Kim's with one order whose commission (20.00) was paid out."""
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant, price=D("100"))
    with django_capture_on_commit_callbacks(execute=True):
        order = referred_order(merchant, campaign, number="K-1", lines=[line(tea, 2, "100.00")],
                               paid_amount=D("200"), payment_status="paid")
    item = Commission.objects.for_merchant(merchant).get(campaign_order__order=order)
    payouts.commission_approve(merchant=merchant, commission=item)
    today = timezone.localdate(timezone=merchant.tzinfo)
    payout = payouts.payout_create(merchant=merchant, period_start=today, period_end=today, currency=campaign.currency)
    payouts.payout_mark_paid(merchant=merchant, payout=payout)
    return campaign, item, payout


def test_merchant_rejects_from_the_page_and_the_partner_sees_the_reason(admin_client, client, merchant, kim,
                                                                        django_capture_on_commit_callbacks):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    tea = VariationFactory(merchant=merchant, price=D("100"))
    with django_capture_on_commit_callbacks(execute=True):
        referred_order(merchant, campaign, number="K-9", lines=[line(tea, 1, "100.00")], paid_amount=D("100"))
    item = Commission.objects.for_merchant(merchant).get()
    page = admin_client.get(f"/m/{merchant.slug}/campaigns/{campaign.pk}/commissions/")
    assert page.status_code == 200 and "K-9" in page.content.decode()
    response = admin_client.post(f"/m/{merchant.slug}/commissions/{item.pk}/reject/", {"reason": "Test order"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "rejected"
    event = AuditEvent.objects.for_merchant(merchant).get(action="commission.reject")
    assert event.details["reason"] == "Test order" and event.actor is not None

    client.force_login(kim.user)
    portal = client.get(f"/partners/{merchant.slug}/campaigns/{campaign.code}/").content.decode()
    assert "Rejected: Test order" in portal


def test_payout_terms_page_saves_tiers(admin_client, merchant):
    campaign = make_campaign(merchant, rate="10")
    url = f"/m/{merchant.slug}/campaigns/{campaign.pk}/payout-terms/"
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(url, {"return_window_days": "7", "tier_1_from": "50000"})
    assert bad.status_code == 400
    ok = admin_client.post(url, {"return_window_days": "7", "tier_1_from": "50000", "tier_1_rate": "12"})
    assert ok.status_code == 302
    assert list(CommissionTier.objects.for_merchant(merchant).values_list("from_sales", "rate")) == [
        (D("50000.00"), D("12.00"))
    ]


def test_rules_page_explains_tiers_and_window(client, merchant, kim):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, kim)
    payouts.campaign_payout_terms_set(merchant=merchant, campaign=campaign, return_window_days=7,
                                      tiers=[payouts.TierInput(from_sales=D("50000"), rate=D("12"))])
    client.force_login(kim.user)
    page = client.get(f"/partners/{merchant.slug}/campaigns/{campaign.code}/rules/").content.decode()
    assert "Commission tiers" in page and "12.00 %" in page and "50000.00" in page
    assert "7 days have passed after its order completed" in page


def test_payout_pages_and_bank_file(admin_client, client, merchant, kim, paid):
    campaign, item, payout = paid
    payouts.payout_details_set(partner=kim, account_holder="Kim Lin", bank_name="Bank", account_number="999")
    detail = admin_client.get(f"/m/{merchant.slug}/payouts/{payout.pk}/").content.decode()
    assert "20.00" in detail and "Kim Lin" in detail
    response = admin_client.get(f"/m/{merchant.slug}/payouts/{payout.pk}/transfer.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Kim Lin" in body and "999" in body and "20.00" in body
    assert AuditEvent.objects.for_merchant(merchant).filter(action="payout.export").exists()

    client.force_login(kim.user)
    listing = client.get(f"/partners/{merchant.slug}/payouts/").content.decode()
    line_id = PayoutLine.objects.for_merchant(merchant).get().pk
    assert f"/partners/{merchant.slug}/payouts/{line_id}/" in listing
    one = client.get(f"/partners/{merchant.slug}/payouts/{line_id}/").content.decode()
    assert "K-1" in one and "20.00" in one


def test_other_merchant_and_other_partner_get_404(client, merchant, other_merchant, paid):
    campaign, item, payout = paid
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.get(f"/m/{other_merchant.slug}/payouts/{payout.pk}/").status_code == 404
    assert client.get(f"/m/{other_merchant.slug}/payouts/{payout.pk}/transfer.csv").status_code == 404
    assert client.post(f"/m/{other_merchant.slug}/commissions/{item.pk}/approve/").status_code == 404
    assert client.post(f"/m/{other_merchant.slug}/payouts/{payout.pk}/paid/").status_code == 404

    lee = make_partner(email="lee@example.com", name="Lee")
    EmailAddress.objects.create(user=lee.user, email="lee@example.com", verified=True, primary=True)
    bind(merchant, make_campaign(merchant, name="Lee's"), lee)
    client.force_login(lee.user)
    line_id = PayoutLine.objects.for_merchant(merchant).get().pk
    assert client.get(f"/partners/{merchant.slug}/payouts/{line_id}/").status_code == 404
    assert "K-1" not in client.get(f"/partners/{merchant.slug}/payouts/").content.decode()
