"""Headless Chromium at phone size (390x844): a KOL opens the merchant's invitation link, signs up
as a partner, confirms their e-mail and binds the campaign; an order arrives for it, the
commission goes pending -> approved (the merchant approves early) -> paid (payout batch, bank file,
marked paid); the partner follows it in the portal and keeps their payout details there."""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from partners import services
from partners.models import Partner

from tests.browser import ARTIFACTS, MARKS, signed_in_page
from tests.factories import MemberFactory, MerchantFactory, StaffFactory, StoreFactory, VariationFactory
from tests.partners.helpers import line, make_campaign, referred_order

pytestmark = MARKS
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    contexts = []

    def open_page(live_server, user=None):
        context = chromium.new_context(accept_downloads=True, viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = signed_in_page(context, live_server, user) if user else context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_partner_signs_up_and_is_paid_at_phone_size(live_server, phone, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    acme = MerchantFactory(name="Acme Taiwan", slug="acme", currency="TWD")
    admin = StaffFactory(merchant=acme, store=StoreFactory(merchant=acme), role="admin").user
    campaign = make_campaign(acme, name="Acme spring live", rate="10")
    invitation = services.invitation_create(merchant=acme, campaign=campaign)
    kol = phone(live_server)  # not signed in: a visitor with the merchant's invitation link
    shop = phone(live_server, admin)
    portal = f"{live_server.url}/partners/acme"
    invite_url = f"{live_server.url}/partners/invite/{invitation.token}/"

    # The KOL opens the invitation link and signs up from it.
    kol.goto(invite_url)
    assert "Acme spring live" in kol.locator("h1").inner_text()
    _no_sideways_scroll(kol)
    kol.click("text=Create a partner account")
    kol.wait_for_url(re.compile(r".*/partners/signup/\?next=.*"))
    kol.fill("input[name=name]", "Kim")
    kol.fill("input[name=email]", "kol@example.com")
    kol.fill("input[name=password1]", "Partner2026")
    kol.fill("input[name=password2]", "Partner2026")
    _no_sideways_scroll(kol)
    kol.screenshot(path=str(ARTIFACTS / "partner-signup-phone.png"), full_page=True)
    kol.click("form.stack button[type=submit]")
    kol.wait_for_load_state()
    assert Partner.objects.filter(user__email="kol@example.com").exists()
    assert [m.to for m in mail.outbox] == [["kol@example.com"]]

    # The link in the e-mail confirms the address, signs the partner in and takes them back to the
    # invitation (the sign-up's `next`), where they bind the campaign.
    kol.goto(re.search(r"https?://\S+", mail.outbox[0].body).group(0))
    kol.click("form button[type=submit]")
    kol.wait_for_load_state()
    assert EmailAddress.objects.get(email="kol@example.com").verified
    kol.wait_for_url(invite_url)
    kol.click("text=Bind this campaign to my account")
    kol.wait_for_url(f"{portal}/campaigns/{campaign.code}/")
    campaign.refresh_from_db()
    assert campaign.partner.user.email == "kol@example.com"

    # The partner keeps their payout details in the portal.
    kol.goto(f"{portal}/payout-details/")
    kol.fill("input[name=account_holder]", "Kim Lin")
    kol.fill("input[name=bank_name]", "Cathay United Bank")
    kol.fill("input[name=bank_code]", "013")
    kol.fill("input[name=account_number]", "123456789012")
    kol.click("form.stack button[type=submit]")
    kol.wait_for_url(f"{portal}/payouts/")
    assert "123456789012" in kol.locator("[data-testid=payout-details]").inner_text()

    # An order arrives: pending.
    tea = VariationFactory(merchant=acme, product__name="Oolong tea")
    referred_order(acme, campaign, number="A-1001", member=MemberFactory(merchant=acme, name="Chen Mei"),
                   lines=[line(tea, 2, "450.00")], discounts=Decimal("50"), paid_amount=Decimal("850"),
                   payment_status="paid")
    kol.goto(f"{portal}/campaigns/{campaign.code}/")
    assert kol.locator('[data-figure="pending"]').inner_text() == "NT$85.00"
    assert kol.locator('[data-order="A-1001"] [data-col="commission-status"]').inner_text() == "Pending"
    _no_sideways_scroll(kol)
    kol.screenshot(path=str(ARTIFACTS / "partner-commission-pending-phone.png"), full_page=True)

    # The merchant approves it early: approved.
    shop.goto(f"{live_server.url}/m/acme/campaigns/{campaign.pk}/commissions/")
    shop.click('[data-order="A-1001"] >> text=Approve now')
    shop.wait_for_load_state()
    assert shop.locator('[data-order="A-1001"] [data-col="status"]').inner_text() == "Approved"
    kol.reload()
    assert kol.locator('[data-figure="approved"]').inner_text() == "NT$85.00"
    assert kol.locator('[data-figure="pending"]').inner_text() == "NT$0.00"

    # The merchant's payout page: create the batch, download the bank file, mark it paid.
    shop.goto(f"{live_server.url}/m/acme/payouts/")
    _no_sideways_scroll(shop)
    shop.click("text=Create payout")
    shop.wait_for_url(f"{live_server.url}/m/acme/payouts/*/")
    assert shop.locator('[data-figure="payout-total"]').inner_text() == "NT$85.00"
    with shop.expect_download() as download_info:
        shop.click("text=Bank transfer file (CSV)")
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    bank_file = target.read_text(encoding="utf-8-sig")
    assert "Kim Lin" in bank_file and "123456789012" in bank_file and "85.00" in bank_file
    shop.screenshot(path=str(ARTIFACTS / "merchant-payout-phone.png"), full_page=True)
    _no_sideways_scroll(shop)
    shop.click("text=Mark paid")
    shop.wait_for_load_state()
    assert shop.locator('[data-figure="payout-status"]').inner_text().startswith("Paid")

    # The partner sees it paid, and the payout with its order.
    kol.reload()
    assert kol.locator('[data-figure="paid"]').inner_text() == "NT$85.00"
    assert kol.locator('[data-order="A-1001"] [data-col="commission-status"]').inner_text() == "Paid"
    kol.goto(f"{portal}/payouts/")
    kol.click("table >> a")
    assert kol.locator('[data-figure="payout-amount"]').inner_text() == "NT$85.00"
    assert kol.locator("text=A-1001").is_visible()
    _no_sideways_scroll(kol)
    kol.screenshot(path=str(ARTIFACTS / "partner-payout-phone.png"), full_page=True)
