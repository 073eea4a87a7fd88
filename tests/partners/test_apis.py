"""Campaigns in the merchant API (/api/v1/campaigns/, invitations/): admins and API keys only,
merchant-scoped, the partner set only by an accepted invitation, binding refusal with a clear message."""

import pytest

from omo.api.publicid import public_id
from partners.models import Campaign
from tests.factories import ProductFactory, StaffFactory
from tests.partners.helpers import bind, make_campaign, make_partner


@pytest.fixture
def admin_client(client, merchant, store):
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    return client


def _list(merchant):
    return f"/m/{merchant.slug}/api/v1/campaigns/"


def _detail(merchant, campaign):
    return f"{_list(merchant)}{public_id(campaign)}/"


def test_create_and_read_a_campaign(admin_client, merchant):
    product = ProductFactory(merchant=merchant)
    response = admin_client.post(
        _list(merchant),
        {"name": "Live", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-03-01T00:00:00Z", "currency": "TWD",
         "condition": "specific_products", "commission_type": "fixed", "rate": "15.00",
         "products": [public_id(product)]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["products"] == [public_id(product)] and body["partner"] is None and len(body["code"]) == 8
    detail = admin_client.get(f"{_list(merchant)}{body['id']}/")
    assert detail.json()["rate"] == "15.00"


def test_products_of_another_merchant_are_refused(admin_client, merchant, other_merchant):
    theirs = ProductFactory(merchant=other_merchant)
    response = admin_client.post(
        _list(merchant),
        {"name": "Live", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-03-01T00:00:00Z", "currency": "TWD",
         "condition": "specific_products", "commission_type": "fixed", "rate": "15", "products": [public_id(theirs)]},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "products"
    assert not Campaign.objects.for_merchant(merchant).exists()


def test_invitation_for_a_bound_campaign_is_refused_with_a_clear_message(admin_client, merchant):
    campaign = make_campaign(merchant)
    url = f"/m/{merchant.slug}/api/v1/invitations/"
    first = admin_client.post(url, {"campaign": public_id(campaign), "email": "kim@example.com"},
                              content_type="application/json")
    assert first.status_code == 201 and "/partners/invite/" in first.json()["invite_url"]

    bind(merchant, campaign, make_partner(email="kim@example.com"))
    second = admin_client.post(url, {"campaign": public_id(campaign), "email": "lee@example.com"},
                               content_type="application/json")

    assert second.status_code == 409
    assert "Binding is permanent and cannot be changed." in second.json()["details"]["campaign"][0]
    partner = admin_client.get(_detail(merchant, campaign)).json()["partner"]
    assert partner == public_id(Campaign.objects.for_merchant(merchant).get(pk=campaign.pk).partner)


def test_cannot_see_the_other_merchants_campaigns(admin_client, merchant, other_merchant):
    theirs = make_campaign(other_merchant)
    make_campaign(merchant, name="Mine")
    assert [c["name"] for c in admin_client.get(_list(merchant)).json()["results"]] == ["Mine"]
    assert admin_client.get(_detail(merchant, theirs)).status_code == 404
    assert admin_client.get(_list(other_merchant)).status_code == 404


def test_store_staff_are_refused(staff_client, merchant):
    assert staff_client.get(_list(merchant)).status_code == 403


def test_patch_changes_only_what_is_sent_and_refuses_a_new_currency(admin_client, merchant, other_merchant):
    campaign = make_campaign(merchant, rate="10", name="Spring KOL")
    response = admin_client.patch(_detail(merchant, campaign), {"rate": "12.50"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["rate"], response.json()["name"], response.json()["code"]) == ("12.50", "Spring KOL", campaign.code)

    refused = admin_client.patch(_detail(merchant, campaign), {"currency": "USD"}, content_type="application/json")
    assert refused.status_code == 400 and "currency" in refused.json()["details"]
    backwards = admin_client.patch(
        _detail(merchant, campaign), {"ends_at": "2000-01-01T00:00:00Z"}, content_type="application/json"
    )
    assert backwards.status_code == 400 and "ends_at" in backwards.json()["details"]
    foreign = make_campaign(other_merchant, name="Theirs")
    assert admin_client.patch(_detail(merchant, foreign), {"name": "Mine"}, content_type="application/json").status_code == 404
    assert Campaign.objects.for_merchant(other_merchant).get(pk=foreign.pk).name == "Theirs"


def test_old_campaign_api_path_moves_to_v1(admin_client, merchant):
    campaign = make_campaign(merchant)
    moved = admin_client.get(f"/m/{merchant.slug}/api/campaigns/{campaign.pk}/")
    assert moved.status_code == 308 and moved["Location"] == _detail(merchant, campaign)
