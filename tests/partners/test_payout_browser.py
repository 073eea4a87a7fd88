"""Headless Chromium at phone size (390x844): an order arrives for a partner's campaign, the
commission goes pending -> approved (the merchant approves early) -> paid (payout batch, bank file,
marked paid); the partner follows it in the portal and keeps their payout details there."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from tests.browser import ARTIFACTS, MARKS, signed_in_page
from tests.factories import MemberFactory, MerchantFactory, StaffFactory, StoreFactory, VariationFactory
from tests.partners.helpers import bind, line, make_campaign, make_partner, referred_order

pytestmark = MARKS
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    contexts = []

    def open_page(live_server, user):
        context = chromium.new_context(accept_downloads=True, viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = signed_in_page(context, live_server, user)
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_commission_pending_approved_paid_at_phone_size(live_server, phone, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    acme = MerchantFactory(name="Acme Taiwan", slug="acme", currency="TWD")
    admin = StaffFactory(merchant=acme, store=StoreFactory(merchant=acme), role="admin").user
    partner = make_partner(email="kol@example.com", name="Kim")
    EmailAddress.objects.create(user=partner.user, email="kol@example.com", verified=True, primary=True)
    campaign = make_campaign(acme, name="Acme spring live", rate="10")
    bind(acme, campaign, partner)
    kol = phone(live_server, partner.user)
    shop = phone(live_server, admin)
    portal = f"{live_server.url}/partners/acme"

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
    assert kol.locator('[data-figure="pending"]').inner_text() == "TWD 85.00"
    assert kol.locator('[data-order="A-1001"] [data-col="commission-status"]').inner_text() == "Pending"
    _no_sideways_scroll(kol)
    kol.screenshot(path=str(ARTIFACTS / "partner-commission-pending-phone.png"), full_page=True)

    # The merchant approves it early: approved.
    shop.goto(f"{live_server.url}/m/acme/campaigns/{campaign.pk}/commissions/")
    shop.click('[data-order="A-1001"] >> text=Approve now')
    shop.wait_for_load_state()
    assert shop.locator('[data-order="A-1001"] [data-col="status"]').inner_text() == "Approved"
    kol.reload()
    assert kol.locator('[data-figure="approved"]').inner_text() == "TWD 85.00"
    assert kol.locator('[data-figure="pending"]').inner_text() == "TWD 0.00"

    # The merchant's payout page: create the batch, download the bank file, mark it paid.
    shop.goto(f"{live_server.url}/m/acme/payouts/")
    _no_sideways_scroll(shop)
    shop.click("text=Create payout")
    shop.wait_for_url(f"{live_server.url}/m/acme/payouts/*/")
    assert shop.locator('[data-figure="payout-total"]').inner_text() == "TWD 85.00"
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
    assert kol.locator('[data-figure="paid"]').inner_text() == "TWD 85.00"
    assert kol.locator('[data-order="A-1001"] [data-col="commission-status"]').inner_text() == "Paid"
    kol.goto(f"{portal}/payouts/")
    kol.click("table >> a")
    assert kol.locator('[data-figure="payout-amount"]').inner_text() == "TWD 85.00"
    assert kol.locator("text=A-1001").is_visible()
    _no_sideways_scroll(kol)
    kol.screenshot(path=str(ARTIFACTS / "partner-payout-phone.png"), full_page=True)
