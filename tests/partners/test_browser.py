"""Headless Chromium: a partner logs in, switches merchant, opens a campaign and downloads the CSV."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from tests.browser import ARTIFACTS, MARKS
from tests.factories import MemberFactory, MerchantFactory, VariationFactory
from tests.partners.helpers import (
    bind,
    line,
    make_campaign,
    make_partner,
    referred_order,
)

PASSWORD = "Partner2026"

pytestmark = MARKS


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_partner_logs_in_switches_merchant_opens_campaign_and_downloads_csv(live_server, browser_page, tmp_path):
    acme = MerchantFactory(name="Acme Taiwan", slug="acme")
    beta = MerchantFactory(name="Beta Beauty", slug="beta")
    partner = make_partner(email="kol@example.com", name="Kim")
    partner.user.set_password(PASSWORD)
    partner.user.save()
    EmailAddress.objects.create(user=partner.user, email="kol@example.com", verified=True, primary=True)
    bind(acme, make_campaign(acme, name="Acme spring live"), partner)
    campaign = make_campaign(beta, name="Beta lipstick live", rate="10")
    bind(beta, campaign, partner)
    lipstick = VariationFactory(merchant=beta, product__name="Rose lipstick")
    referred_order(
        beta, campaign, number="B-2001", member=MemberFactory(merchant=beta, name="Chen Mei"),
        lines=[line(lipstick, 2, "450.00")], discounts=Decimal("50"), shipping=Decimal("60"), paid_amount=Decimal("910"),
    )
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)

    # Log in through the partner login page.
    page.goto(f"{live_server.url}/partners/login/?next=/partners/")
    page.fill("input[name=login]", "kol@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/partners/acme/")
    assert page.locator("text=Acme spring live").is_visible()

    # Switch merchant with the switcher.
    page.click(".merchant-switcher summary")
    page.click(".switcher-list >> text=Beta Beauty")
    page.wait_for_url(f"{live_server.url}/partners/beta/")
    assert page.locator("text=Beta lipstick live").is_visible()
    assert page.locator("text=Acme spring live").count() == 0

    # Open the campaign.
    page.click("text=View performance")
    page.wait_for_url(f"{live_server.url}/partners/beta/campaigns/{campaign.code}/")
    assert page.locator('[data-figure="order-count"]').inner_text() == "1"
    assert page.locator('[data-figure="commission-total"]').inner_text() == "NT$85.00"  # 10 % of 900 - 50
    page.click("text=+ B-2001")
    assert page.locator(".lines >> text=Rose lipstick").is_visible()
    page.screenshot(path=str(ARTIFACTS / "partner-campaign.png"), full_page=True)

    # Download the report.
    with page.expect_download() as download_info:
        page.click("text=Download report (CSV)")
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    content = target.read_text(encoding="utf-8-sig")
    assert download.suggested_filename == f"campaign-{campaign.code}-report.csv"
    assert "B-2001" in content and "850.00" in content and "85.00" in content and "C**" in content
