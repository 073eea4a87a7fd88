"""Merchant API /m/<merchant>/api/v1/: commissions (approve/reject), payouts, adjustments, tiers."""

from decimal import Decimal

import pytest
from django.utils import timezone

from partners.models import Commission
from tests.factories import StaffFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

D = Decimal


def api(merchant, path):
    return f"/m/{merchant.slug}/api/v1/{path}"


@pytest.fixture
def admin_client(client, merchant, store):
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    return client


@pytest.fixture
def referred(merchant, django_capture_on_commit_callbacks):
    campaign = make_campaign(merchant, rate="10")
    bind(merchant, campaign, make_partner(email="kol@example.com"))
    tea = VariationFactory(merchant=merchant, price=D("100"))
    with django_capture_on_commit_callbacks(execute=True):
        order = referred_order(merchant, campaign, number="A-1", lines=[line(tea, 2, "100.00")],
                               paid_amount=D("200"), payment_status="paid")
    return campaign, Commission.objects.for_merchant(merchant).get(campaign_order__order=order)


def test_approve_payout_paid_adjustment_through_the_api(admin_client, merchant, referred):
    campaign, item = referred
    listed = admin_client.get(api(merchant, "commissions/?status=pending")).json()
    assert [(c["order"], c["amount"], c["status"]) for c in listed["results"]] == [("A-1", "20.00", "pending")]

    approved = admin_client.post(api(merchant, f"commissions/{item.pk}/approve/"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    today = timezone.localdate(timezone=merchant.tzinfo).isoformat()
    created = admin_client.post(api(merchant, "payouts/"), {"period_start": today, "period_end": today,
                                                             "currency": campaign.currency},
                                content_type="application/json")
    assert created.status_code == 201, created.content
    payout = created.json()
    assert payout["total"] == "20.00" and payout["lines"][0]["amount"] == "20.00"
    empty = admin_client.post(api(merchant, "payouts/"), {"period_start": today, "period_end": today,
                                                           "currency": campaign.currency},
                              content_type="application/json")
    assert empty.status_code == 400

    paid = admin_client.post(api(merchant, f"payouts/{payout['id']}/paid/"))
    assert paid.json()["status"] == "paid"

    adjustment = admin_client.post(api(merchant, "commission-adjustments/"),
                                   {"commission": item.pk, "amount": "-5.00", "reason": "Goodwill refund"},
                                   content_type="application/json")
    assert adjustment.status_code == 201, adjustment.content
    assert admin_client.get(api(merchant, "commission-adjustments/?open=true")).json()["results"][0]["amount"] == "-5.00"


def test_reject_needs_a_reason(admin_client, merchant, referred):
    _campaign, item = referred
    assert admin_client.post(api(merchant, f"commissions/{item.pk}/reject/"), {}, content_type="application/json").status_code == 400
    response = admin_client.post(api(merchant, f"commissions/{item.pk}/reject/"), {"reason": "Self order"},
                                 content_type="application/json")
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "Self order"


def test_payout_terms_and_tiers(admin_client, merchant, referred):
    campaign, _item = referred
    url = api(merchant, f"campaign-payout-terms/{campaign.pk}/")
    assert admin_client.get(url).json() == {"campaign": campaign.pk, "return_window_days": 14, "tiers": []}
    response = admin_client.put(url, {"return_window_days": 7, "tiers": [{"from_sales": "50000", "rate": "12"}]},
                                content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["tiers"] == [{"from_sales": "50000.00", "rate": "12.00"}]
    tiers = admin_client.get(api(merchant, f"commission-tiers/?campaign={campaign.pk}")).json()["results"]
    assert [(t["from_sales"], t["rate"]) for t in tiers] == [("50000.00", "12.00")]


def test_other_merchant_gets_404(client, merchant, other_merchant, referred):
    campaign, item = referred
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.post(api(other_merchant, f"commissions/{item.pk}/approve/")).status_code == 404
    assert client.get(api(other_merchant, f"campaign-payout-terms/{campaign.pk}/")).status_code == 404
    assert client.get(api(other_merchant, "commissions/")).json()["results"] == []


def test_schema_lists_the_payout_resources(client, settings, db):
    settings.API_DOCS_PUBLIC = True
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ("commissions/", "commissions/{id}/approve/", "commissions/{id}/reject/", "payouts/",
                 "payouts/{id}/paid/", "commission-adjustments/", "commission-tiers/", "campaign-payout-terms/{id}/"):
        assert f"/m/{{merchant}}/api/v1/{path}" in paths, path
