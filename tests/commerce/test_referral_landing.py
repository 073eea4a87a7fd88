"""Issue 14 item 9: a partner's referral link lands on the shop saying who referred the shopper,
and the checkout has the referral code filled in."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from commerce.models import Order
from tests.factories import ProductFactory, UserFactory, VariationFactory
from tests.partners.helpers import bind, make_campaign, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(merchant):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, make_partner(email="kim@example.com", name="Kim KOL"))
    return campaign


def test_the_referral_link_lands_on_the_shop_naming_the_partner_not_their_email(client, merchant, campaign):
    response = client.get(reverse("campaigns:referral", kwargs={"merchant": "acme", "code": campaign.code}), follow=True)
    page = response.content.decode()
    assert 'data-testid="referral-banner"' in page
    assert "Kim KOL referred you to Acme Taiwan." in page and campaign.code in page
    assert "kim@example.com" not in page


def test_the_checkout_is_prefilled_with_the_code_and_the_order_carries_it(client, merchant, campaign):
    client.get(reverse("campaigns:referral", kwargs={"merchant": "acme", "code": campaign.code}))
    client.force_login(UserFactory())
    variation = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant), price=D("100"))
    client.post(reverse("storefront:cart_add", kwargs={"merchant": "acme"}), {"variation": variation.pk})

    page = client.get(reverse("storefront:checkout", kwargs={"merchant": "acme"})).content.decode()
    assert f'name="referral_code" value="{campaign.code}"' in page and "Referred by Kim KOL." in page
    client.post(
        reverse("storefront:checkout", kwargs={"merchant": "acme"}),
        {"referral_code": campaign.code, "payment_method": "in_store"},
    )
    assert Order.objects.for_merchant(merchant).get().campaign_code == campaign.code


def test_no_banner_without_a_referral_or_at_another_merchant(client, merchant, other_merchant, campaign):
    assert 'data-testid="referral-banner"' not in client.get("/m/acme/shop/").content.decode()
    client.get(reverse("campaigns:referral", kwargs={"merchant": "acme", "code": campaign.code}))
    assert 'data-testid="referral-banner"' not in client.get("/m/other/shop/").content.decode()
