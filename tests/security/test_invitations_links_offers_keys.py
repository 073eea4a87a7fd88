"""Issue 13, must-fix 8 (invitations), 9 (share links), 10 (admin offer form) and the API key
scopes and expiry of the ASVS round."""

from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.models import Product
from loyalty.models import Offer
from omo.api.keys import api_key_create
from partners import services as partner_services
from partners.models import Campaign
from recommendations.models import SmsOutbox
from tests.factories import LinkFactory, StaffFactory, StoreFactory, UserFactory
from tests.partners.helpers import make_campaign, make_partner

pytestmark = pytest.mark.django_db


def verified_partner(email):
    partner = make_partner(email=email)
    EmailAddress.objects.create(user=partner.user, email=email, verified=True, primary=True)
    return partner


def accept(client, invitation):
    return client.post(reverse("partners:invite", kwargs={"token": invitation.token}))


def bound_partner(merchant, campaign):
    return Campaign.objects.for_merchant(merchant).get(pk=campaign.pk).partner


# --- must-fix 8: invitations --------------------------------------------------------------------

def test_an_addressed_invitation_binds_only_the_account_that_verified_that_email(client, merchant):
    campaign = make_campaign(merchant)
    invitation = partner_services.invitation_create(merchant=merchant, campaign=campaign, email="kim@example.com")
    holder_of_the_link = verified_partner("mallory@example.com")
    client.force_login(holder_of_the_link.user)

    refused = accept(client, invitation)

    assert refused.status_code == 403
    assert "sent to another email address" in refused.content.decode()
    assert bound_partner(merchant, campaign) is None

    unverified = make_partner(email="kim2@example.com")
    EmailAddress.objects.create(user=unverified.user, email="kim2@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=unverified.user, email="kim@example.com", verified=False)
    client.force_login(unverified.user)
    assert accept(client, invitation).status_code == 403

    kim = verified_partner("kim@example.com")
    client.force_login(kim.user)
    assert accept(client, invitation).status_code == 302
    assert bound_partner(merchant, campaign) == kim


def test_invitations_expire_after_the_merchants_setting(client, merchant):
    merchant.invitation_valid_days = 3
    merchant.save()
    campaign = make_campaign(merchant)
    invitation = partner_services.invitation_create(merchant=merchant, campaign=campaign)
    assert timedelta(days=2, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=3)
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    client.force_login(verified_partner("kim@example.com").user)

    shown = client.get(reverse("partners:invite", kwargs={"token": invitation.token}))
    posted = accept(client, invitation)

    assert shown.status_code == posted.status_code == 410
    assert "This invitation has expired" in posted.content.decode()
    assert bound_partner(merchant, campaign) is None
    assert Client().get(reverse("partners:invite", kwargs={"token": invitation.token})).status_code == 410


def test_the_default_lifetime_is_14_days(merchant):
    invitation = partner_services.invitation_create(merchant=merchant, campaign=make_campaign(merchant))
    assert timedelta(days=13, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=14)


def test_the_merchant_withdraws_an_invitation_from_the_campaign_page(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    campaign = make_campaign(merchant)
    invitation = partner_services.invitation_create(merchant=merchant, campaign=campaign)
    client.force_login(admin.user)
    page = client.get(reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}))
    revoke_url = reverse("campaigns:invitation-revoke", kwargs={
        "merchant": merchant.slug, "campaign_id": campaign.pk, "invitation_id": invitation.pk})
    assert revoke_url in page.content.decode()

    assert client.post(revoke_url).status_code == 302

    partner = Client()
    partner.force_login(verified_partner("kim@example.com").user)
    response = accept(partner, invitation)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert bound_partner(merchant, campaign) is None


def test_only_the_merchants_admin_can_withdraw(client, merchant, other_merchant, store):
    campaign = make_campaign(merchant)
    invitation = partner_services.invitation_create(merchant=merchant, campaign=campaign)
    url = reverse("campaigns:invitation-revoke", kwargs={
        "merchant": merchant.slug, "campaign_id": campaign.pk, "invitation_id": invitation.pk})
    client.force_login(StaffFactory(merchant=merchant, store=store, role="staff").user)
    assert client.post(url).status_code == 403
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- must-fix 9: share links --------------------------------------------------------------------

@pytest.fixture
def link(merchant, store):
    return LinkFactory(merchant=merchant, staff=StaffFactory(merchant=merchant, store=store, display_name="Amy"))


def share_urls(merchant, link):
    base = f"/m/{merchant.slug}/staff/links/{link.pk}/"
    return [base, base + "qr.png", base + "qr.svg"]


def test_another_staff_member_cannot_open_or_text_someone_elses_link(client, merchant, store, link):
    colleague = StaffFactory(merchant=merchant, store=store, role="staff")
    client.force_login(colleague.user)
    for url in share_urls(merchant, link):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/m/{merchant.slug}/staff/links/{link.pk}/sms/").status_code == 403
    assert SmsOutbox.objects.for_merchant(merchant).count() == 0


def test_manager_of_another_store_cannot_either(client, merchant, link):
    manager = StaffFactory(merchant=merchant, store=StoreFactory(merchant=merchant, code="khh"), role="manager")
    client.force_login(manager.user)
    assert client.get(share_urls(merchant, link)[0]).status_code == 403


@pytest.mark.parametrize("who", ["own", "manager", "admin"])
def test_the_links_staff_their_manager_and_admins_can(client, merchant, store, link, who):
    user = {
        "own": lambda: link.staff.user,
        "manager": lambda: StaffFactory(merchant=merchant, store=store, role="manager").user,
        "admin": lambda: StaffFactory(merchant=merchant, store=None, role="admin").user,
    }[who]()
    client.force_login(user)
    for url in share_urls(merchant, link):
        assert client.get(url).status_code == 200, url
    assert client.post(f"/m/{merchant.slug}/staff/links/{link.pk}/sms/").status_code == 302


def test_another_merchants_link_stays_404(client, other_merchant, merchant, link):
    client.force_login(StaffFactory(merchant=other_merchant, role="admin").user)
    assert client.get(f"/m/{other_merchant.slug}/staff/links/{link.pk}/").status_code == 404


# --- must-fix 10: admin offer form --------------------------------------------------------------

def test_admin_offer_form_without_a_value_is_a_form_error_not_a_500(client, merchant):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:loyalty_offer_add"), {
        "merchant": merchant.pk, "name": "App install", "active": "on", "position": "0",
        "event": "app_installed", "action": "fixed_points", "value": "",
        "channels": "[]", "store_attributes": "{}", "payment_methods": "[]", "product_categories": "[]",
    })
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Offer.objects.for_merchant(merchant).exists()


# --- API keys: scopes and expiry ----------------------------------------------------------------

def api(merchant, path, raw, client=None, method="get", **data):
    client = client or Client()
    kwargs = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    if method == "get":
        return client.get(f"/m/{merchant.slug}/api/v1/{path}", **kwargs)
    return getattr(client, method)(f"/m/{merchant.slug}/api/v1/{path}", data, content_type="application/json",
                                   **kwargs)


def test_a_read_only_key_cannot_write(merchant, store):
    raw = api_key_create(merchant=merchant, name="BI", scopes={"catalog": "read"})[1]
    assert api(merchant, "stores/", raw).status_code == 200
    assert api(merchant, "stores/", raw, method="post", name="New", code="new").status_code == 403
    assert api(merchant, "orders/", raw).status_code == 403  # a group not granted


def test_a_write_key_writes_its_group_only(merchant, store):
    raw = api_key_create(merchant=merchant, name="PIM", scopes={"catalog": "write"})[1]
    assert api(merchant, "stores/", raw, method="post", name="New", code="new").status_code == 201
    assert api(merchant, "members/", raw, method="post", phone="0912345678").status_code == 403


def test_an_expired_key_is_401(merchant, store):
    key, raw = api_key_create(merchant=merchant, name="Temp", expires_at=timezone.now() + timedelta(hours=1))
    assert api(merchant, "stores/", raw).status_code == 200
    key.expires_at = timezone.now() - timedelta(seconds=1)
    key.save()
    assert api(merchant, "stores/", raw).status_code == 401


def test_keys_created_through_the_api_are_read_only_unless_scoped(client, merchant, store):
    client.force_login(StaffFactory(merchant=merchant, store=store, role="admin").user)
    created = client.post(f"/m/{merchant.slug}/api/v1/api-keys/", {"name": "ERP"}, content_type="application/json")
    scoped = client.post(f"/m/{merchant.slug}/api/v1/api-keys/", {
        "name": "PIM", "scopes": {"catalog": "write"}, "expires_at": (timezone.now() + timedelta(days=30)).isoformat(),
    }, content_type="application/json")
    past = client.post(f"/m/{merchant.slug}/api/v1/api-keys/", {
        "name": "Old", "expires_at": (timezone.now() - timedelta(days=1)).isoformat()}, content_type="application/json")
    unknown = client.post(f"/m/{merchant.slug}/api/v1/api-keys/", {"name": "X", "scopes": {"everything": "write"}},
                          content_type="application/json")

    assert created.status_code == 201 and set(created.json()["scopes"].values()) == {"read"}
    raw = created.json()["key"]
    assert api(merchant, "stores/", raw, method="post", name="New", code="new").status_code == 403
    assert scoped.status_code == 201 and scoped.json()["scopes"] == {"catalog": "write"}
    assert past.status_code == 400 and unknown.status_code == 400


# --- API docs, Permissions-Policy, CSP ----------------------------------------------------------

def test_api_docs_are_for_signed_in_merchant_users_when_not_public(client, settings, merchant, store):
    settings.API_DOCS_PUBLIC = False
    for url in ("/api/schema/", "/api/docs/"):
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())  # a shopper
    assert client.get("/api/schema/").status_code == 404
    client.force_login(StaffFactory(merchant=merchant, store=store).user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_permissions_policy_allows_only_our_camera(client):
    policy = client.get("/")["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_production_csp_has_no_unsafe_inline_styles_and_templates_need_none():
    production = Path("omo/settings/production.py").read_text()  # importing it needs the production env
    style_src = next(line for line in production.splitlines() if '"style-src"' in line)
    assert "unsafe-inline" not in style_src
    for template in Path("templates").rglob("*.html"):
        text = template.read_text()
        assert " style=" not in text and "<style>" not in text.replace("inline <style>", ""), template


def test_product_images_only_from_the_merchants_hosts(merchant, store):
    merchant.image_hosts = ["cdn.acme.example"]
    merchant.save()
    raw = api_key_create(merchant=merchant, name="PIM", scopes={"catalog": "write"})[1]
    good = api(merchant, "products/", raw, method="post", name="Tea", image_url="https://cdn.acme.example/t.png")
    tracker = api(merchant, "products/", raw, method="post", name="Tea", image_url="https://evil.example/p.gif")
    plain = api(merchant, "products/", raw, method="post", name="Tea", image_url="http://cdn.acme.example/t.png")
    assert good.status_code == 201
    assert tracker.status_code == plain.status_code == 400 and "image_url" in tracker.json()["details"]


def test_csp_img_src_lists_only_the_merchants_image_hosts(client, settings, merchant):
    settings.MIDDLEWARE = ["csp.middleware.CSPMiddleware", *settings.MIDDLEWARE]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    merchant.image_hosts = ["cdn.acme.example"]
    merchant.save()

    shop = client.get(f"/m/{merchant.slug}/shop/")["Content-Security-Policy"]
    home = client.get("/")["Content-Security-Policy"]

    assert "img-src 'self' data: https://cdn.acme.example" in shop
    assert "https:" not in home.replace("https://", "")
    assert "cdn.acme.example" not in home


def test_product_admin_refuses_images_from_other_hosts(client, merchant):
    merchant.image_hosts = ["cdn.acme.example"]
    merchant.save()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"merchant": merchant.pk, "name": "Tea", "category": "General", "kind": "regular", "published": "on",
            "description": "", "variations-TOTAL_FORMS": "0", "variations-INITIAL_FORMS": "0"}

    refused = client.post(reverse("admin:commerce_product_add"), {**form, "image_url": "https://evil.example/x.gif"})
    saved = client.post(reverse("admin:commerce_product_add"), {**form, "image_url": "https://cdn.acme.example/t.png"})

    assert refused.status_code == 200 and "image hosts" in refused.content.decode()
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Product.objects.for_merchant(merchant).get().image_url == "https://cdn.acme.example/t.png"
