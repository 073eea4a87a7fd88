"""A merchant admin edits a referral campaign: name, period and commission rules. A change of the
rules recomputes the commission of the orders already referred; code, partner and currency stay."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from partners.models import Campaign, CampaignOrder, CampaignStats
from tests.factories import ProductFactory, StaffFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, merchant, store):
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    return client


def edit_url(campaign, merchant="acme"):
    return reverse("campaigns:edit", kwargs={"merchant": merchant, "campaign_id": campaign.pk})


def form_data(campaign, **changes):
    data = {
        "name": campaign.name, "starts_at": "2025-01-01T00:00", "ends_at": "2030-01-01T00:00",
        "currency": campaign.currency, "condition": campaign.condition,
        "commission_type": campaign.commission_type, "rate": str(campaign.rate),
    }
    return {**data, **changes}


def test_a_new_rate_recomputes_the_commission_of_orders_already_referred(
    admin_client, merchant, django_capture_on_commit_callbacks
):
    tea = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Tea"), price=D("100"))
    with django_capture_on_commit_callbacks(execute=True):
        campaign = make_campaign(merchant, rate="10")
        bind(merchant, campaign, make_partner())
        referred_order(merchant, campaign, number="R-1", lines=[line(tea, 2, "100.00")])
    assert CampaignStats.objects.for_merchant(merchant).get(campaign=campaign).commission_total == D("20.00")

    page = admin_client.get(edit_url(campaign))
    assert page.status_code == 200 and 'value="Spring KOL"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(edit_url(campaign), form_data(campaign, name="Summer KOL", rate="15"))

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.rate, campaign.partner is not None) == ("Summer KOL", D("15.00"), True)
    assert CampaignOrder.objects.for_merchant(merchant).get(campaign=campaign).commission == D("30.00")
    assert CampaignStats.objects.for_merchant(merchant).get(campaign=campaign).commission_total == D("30.00")


def test_bad_input_answers_400_with_the_reason_and_changes_nothing(admin_client, merchant):
    campaign = make_campaign(merchant, rate="10")
    response = admin_client.post(edit_url(campaign), form_data(campaign, ends_at="2020-01-01T00:00", rate="150"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The campaign must end after it starts." in page and "cannot exceed 100" in page
    # The currency is not an input here: a posted one is ignored.
    admin_client.post(edit_url(campaign), form_data(campaign, currency="USD"))
    campaign.refresh_from_db()
    assert (campaign.rate, campaign.currency) == (D("10.00"), merchant.currency)


def test_only_the_merchants_admins_can_edit_its_campaigns(client, merchant, other_merchant, store):
    campaign = make_campaign(merchant)
    foreign = make_campaign(other_merchant, name="Their campaign")
    client.force_login(StaffFactory(merchant=merchant, store=store, role="staff").user)
    assert client.get(edit_url(campaign)).status_code in (403, 404)
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    assert client.get(edit_url(foreign)).status_code == 404  # another merchant's id under our prefix
    assert client.post(edit_url(foreign), form_data(foreign, name="Hijacked")).status_code == 404
    assert Campaign.objects.for_merchant(other_merchant).get(pk=foreign.pk).name == "Their campaign"
