"""Headless Chromium at phone size: a partner picks a date range and sees the clicks chart drawn
(Chart.js from our static files, no inline script), their coupon code and the QR code of their link."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from partners import clicks
from tests.browser import ARTIFACTS, MARKS
from tests.factories import MerchantFactory
from tests.partners.helpers import bind, make_campaign, make_partner

PASSWORD = "Partner2026"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"

pytestmark = MARKS


@pytest.mark.django_db(transaction=True)
def test_partner_sees_the_clicks_chart_coupon_and_qr_on_a_phone(live_server, chromium):
    acme = MerchantFactory(name="Acme Taiwan", slug="acme")
    partner = make_partner(email="kol@example.com", name="Kim")
    partner.user.set_password(PASSWORD)
    partner.user.save()
    EmailAddress.objects.create(user=partner.user, email="kol@example.com", verified=True, primary=True)
    campaign = make_campaign(acme, name="Acme spring live")
    bind(acme, campaign, partner)
    now = timezone.now()
    for day in range(5):
        for visitor in range(day + 1):
            clicks.click_record(merchant=acme, campaign=campaign, visitor=f"v{day}-{visitor}", user_agent=BROWSER,
                                now=now - timedelta(days=day))

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/partners/login/?next=/partners/")
        page.fill("input[name=login]", "kol@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/partners/acme/")
        page.goto(f"{live_server.url}/partners/acme/campaigns/{campaign.code}/")
        page.wait_for_selector("#partner-chart[data-rendered=true]")
        assert page.locator('[data-figure="clicks"]').inner_text() == "15"
        assert page.locator('[data-testid="coupon-code"]').inner_text().startswith("KIM")
        assert page.evaluate("document.querySelector('figure.qr img').naturalWidth") > 0

        today = timezone.localtime(now, acme.tzinfo).date()
        page.fill("#id_from", (today - timedelta(days=1)).isoformat())
        page.fill("#id_to", today.isoformat())
        page.click("[data-testid=range-overview] button[type=submit]")
        page.wait_for_selector("#partner-chart[data-rendered=true]")
        assert page.locator('[data-figure="clicks"]').inner_text() == "3"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "partner-clicks-phone.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
