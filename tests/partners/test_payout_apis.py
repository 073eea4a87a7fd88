"""Merchant API /m/<merchant>/api/v1/: commissions (approve/reject), payouts, adjustments, tiers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omo.api.publicid import public_id
from partners.models import CampaignOrder, Commission
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
    assert [(c["order_number"], c["amount"], c["status"]) for c in listed["results"]] == [("A-1", "20.00", "pending")]
    commission_id = listed["results"][0]["id"]
    assert commission_id == public_id(item.campaign_order) and commission_id.startswith("comm_")
    assert listed["results"][0]["order"] == public_id(item.campaign_order.order)

    approved = admin_client.post(api(merchant, f"commissions/{commission_id}/approve/"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = admin_client.post(api(merchant, f"commissions/{commission_id}/approve/"))
    assert again.status_code == 200  # approving an approved commission changes nothing

    today = timezone.localdate(timezone=merchant.tzinfo).isoformat()
    created = admin_client.post(api(merchant, "payouts/"), {"period_start": today, "period_end": today,
                                                             "currency": campaign.currency},
                                content_type="application/json")
    assert created.status_code == 201, created.content
    payout = created.json()
    assert payout["id"].startswith("pay_") and payout["updated_at"]
    assert payout["total"] == "20.00" and payout["lines"][0]["amount"] == "20.00"
    assert payout["lines"][0]["partner"].startswith("ptnr_")
    empty = admin_client.post(api(merchant, "payouts/"), {"period_start": today, "period_end": today,
                                                           "currency": campaign.currency},
                              content_type="application/json")
    assert empty.status_code == 400

    paid = admin_client.post(api(merchant, f"payouts/{payout['id']}/paid/"))
    assert paid.json()["status"] == "paid"
    commission = admin_client.get(api(merchant, f"commissions/{commission_id}/")).json()
    assert commission["status"] == "paid" and commission["payout"] == payout["id"] and commission["paid_at"]
    assert [c["id"] for c in admin_client.get(api(merchant, f"commissions/?payout={payout['id']}")).json()["results"]] == [
        commission_id]
    rejected = admin_client.post(api(merchant, f"commissions/{commission_id}/reject/"), {"reason": "Too late"},
                                 content_type="application/json")
    assert rejected.status_code == 409 and rejected.json()["error"]["code"] == "in_payout"

    adjustment = admin_client.post(api(merchant, "commission-adjustments/"),
                                   {"commission": commission_id, "amount": "-5.00", "reason": "Goodwill refund"},
                                   content_type="application/json")
    assert adjustment.status_code == 201, adjustment.content
    assert adjustment.json()["id"].startswith("adj_") and adjustment.json()["commission"] == commission_id
    listed = admin_client.get(api(merchant, f"commission-adjustments/?open=true&commission={commission_id}")).json()
    assert [a["amount"] for a in listed["results"]] == ["-5.00"]
    numeric = admin_client.post(api(merchant, "commission-adjustments/"),
                                {"commission": item.pk, "amount": "-5.00", "reason": "Numeric id"},
                                content_type="application/json")
    assert numeric.status_code == 400 and numeric.json()["error"]["param"] == "commission"


def test_commission_changes_show_in_updated_after(admin_client, merchant, referred):
    """A commission's `updated_at` is the last change of the order's figures or of its lifecycle."""
    _campaign, item = referred
    commission_id = public_id(item.campaign_order)
    now = timezone.now()
    CampaignOrder.objects.for_merchant(merchant).filter(pk=item.campaign_order_id).update(
        updated_at=now - timedelta(days=2))
    Commission.objects.for_merchant(merchant).filter(pk=item.pk).update(updated_at=now - timedelta(days=2))
    since = (now - timedelta(days=1)).isoformat()
    assert admin_client.get(api(merchant, "commissions/"), {"updated_after": since}).json()["results"] == []

    approved = admin_client.post(api(merchant, f"commissions/{commission_id}/approve/"))
    assert approved.status_code == 200 and approved.json()["updated_at"] > since
    changed = admin_client.get(api(merchant, "commissions/"), {"updated_after": since}).json()["results"]
    assert [c["id"] for c in changed] == [commission_id]
    assert admin_client.get(api(merchant, "commissions/"), {"updated_before": since}).json()["results"] == []
    assert admin_client.get(api(merchant, "commissions/?ordering=-updated_at")).status_code == 200
    assert admin_client.get(api(merchant, "commissions/?colour=red")).status_code == 400


def test_reject_needs_a_reason(admin_client, merchant, referred):
    _campaign, item = referred
    commission_id = public_id(item.campaign_order)
    empty = admin_client.post(api(merchant, f"commissions/{commission_id}/reject/"), {}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["error"]["param"] == "reason"
    response = admin_client.post(api(merchant, f"commissions/{commission_id}/reject/"), {"reason": "Self order"},
                                 content_type="application/json")
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "Self order"
    approve = admin_client.post(api(merchant, f"commissions/{commission_id}/approve/"))
    assert approve.status_code == 409 and approve.json()["error"]["code"] == "not_pending"
    assert admin_client.post(api(merchant, f"commissions/{item.pk}/approve/")).status_code == 404  # numeric id


def test_payout_terms_and_tiers(admin_client, merchant, referred):
    campaign, _item = referred
    campaign_id = public_id(campaign)
    url = api(merchant, f"campaign-payout-terms/{campaign_id}/")
    before = admin_client.get(url)
    assert {k: v for k, v in before.json().items() if k != "updated_at"} == {
        "id": campaign_id, "return_window_days": 14, "tiers": []}
    stale = admin_client.put(url, {"return_window_days": 7, "tiers": []}, content_type="application/json",
                             HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    response = admin_client.put(url, {"return_window_days": 7, "tiers": [{"from_sales": "50000", "rate": "12"}]},
                                content_type="application/json", HTTP_IF_MATCH=before["ETag"])
    assert response.status_code == 200, response.content
    assert response.json()["tiers"] == [{"from_sales": "50000.00", "rate": "12.00"}]
    assert response.json()["updated_at"] >= before.json()["updated_at"]
    listed = admin_client.get(api(merchant, "campaign-payout-terms/"), {"updated_after": before.json()["updated_at"]})
    assert [t["id"] for t in listed.json()["results"]] == [campaign_id]
    tiers = admin_client.get(api(merchant, f"commission-tiers/?campaign={campaign_id}")).json()["results"]
    assert [(t["from_sales"], t["rate"], t["campaign"]) for t in tiers] == [("50000.00", "12.00", campaign_id)]
    assert tiers[0]["id"].startswith("tier_")
    assert admin_client.get(api(merchant, f"commission-tiers/?campaign={campaign.pk}")).status_code == 400


def test_other_merchant_gets_404(client, merchant, other_merchant, referred):
    campaign, item = referred
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.post(api(other_merchant, f"commissions/{public_id(item.campaign_order)}/approve/")).status_code == 404
    assert client.get(api(other_merchant, f"campaign-payout-terms/{public_id(campaign)}/")).status_code == 404
    assert client.get(api(other_merchant, "campaign-payout-terms/")).json()["results"] == []
    assert client.get(api(other_merchant, "commissions/")).json()["results"] == []


def test_schema_lists_the_payout_resources(client, settings, db):
    settings.API_DOCS_PUBLIC = True
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ("commissions/", "commissions/{id}/approve/", "commissions/{id}/reject/", "payouts/",
                 "payouts/{id}/paid/", "commission-adjustments/", "commission-tiers/", "campaign-payout-terms/{id}/"):
        assert f"/m/{{merchant}}/api/v1/{path}" in paths, path
