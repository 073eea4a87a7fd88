"""Partner sign-up (password policy, email verification), invitations and permanent binding."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from omo.accounts.models import User
from partners import services
from partners.models import Campaign, Invitation, Partner
from partners.validators import PartnerPasswordValidator
from tests.factories import StaffFactory
from tests.partners.helpers import bind, make_campaign, make_partner


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Abcdefg1", True),  # 8 characters: shortest allowed
        ("Abcdefghijklmnopqr12", True),  # 20 characters: the source's old maximum
        ("Abcdef1", False),  # 7 characters
        ("Abcdefghijklmnopqrs12", True),  # 21 characters: long passwords are welcome
        ("Ab1" + "x" * 61, True),  # 64 characters
        ("Ab1" + "x" * 126, False),  # 129 characters
        ("abcdefg1", False),  # no upper case
        ("ABCDEFG1", False),  # no lower case
        ("Abcdefgh", False),  # no digit
        ("12345678", False),  # digits only
        ("Pässwort9", True),  # other characters are allowed beside the three kinds
    ],
)
def test_partner_password_policy(password, ok):
    validator = PartnerPasswordValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password)


def test_help_text_states_the_rule():
    assert "8 to 128 characters" in PartnerPasswordValidator().get_help_text()


def _signup(client, password, email="kol@example.com", next_url=None):
    url = reverse("partners:signup") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"name": "Kim", "email": email, "password1": password, "password2": password})


def test_signup_form_shows_the_rule(client, db):
    page = client.get(reverse("partners:signup")).content.decode()
    assert "8 to 128 characters long and contain upper-case letters, lower-case letters and digits" in page


def test_signup_refuses_a_password_without_upper_case(client, db):
    response = _signup(client, "weakpassw0rd")
    assert response.status_code == 200
    assert "The password must contain an upper-case letter." in response.content.decode()
    assert not User.objects.filter(email="kol@example.com").exists()


def test_signup_creates_a_partner_and_requires_email_verification(client, db):
    response = _signup(client, "Strong1Pass")

    user = User.objects.get(email="kol@example.com")
    assert Partner.objects.filter(user=user).exists()
    assert user.name == "Kim"
    # Not logged in until the email is verified (mandatory for partners).
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1 and "kol@example.com" in mail.outbox[0].to

    # The link logs the partner straight into the portal (same browser session).
    confirm_url = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    client.get(confirm_url)
    confirmed = client.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified
    assert confirmed["Location"] == reverse("partners:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_account_for_all_merchants(client, merchant, other_merchant):
    partner = make_partner(email="kol@example.com")
    EmailAddress.objects.create(user=partner.user, email=partner.user.email, verified=True, primary=True)
    a = make_campaign(merchant)
    b = make_campaign(other_merchant)
    client.force_login(partner.user)
    for campaign in (a, b):
        invitation = services.invitation_create(merchant=campaign.merchant, campaign=campaign)
        client.post(reverse("partners:invite", kwargs={"token": invitation.token}))
    assert Partner.objects.count() == 1
    assert {c.merchant_id for c in Campaign.objects.for_merchant(merchant).filter(partner=partner)} == {merchant.pk}
    assert Campaign.objects.for_merchant(other_merchant).get(pk=b.pk).partner == partner


def test_binding_is_permanent(merchant):
    campaign = make_campaign(merchant)
    kim, lee = make_partner(email="kim@example.com"), make_partner(email="lee@example.com")
    bind(merchant, campaign, kim)
    bind(merchant, campaign, kim)  # the same partner again is harmless

    with pytest.raises(ValidationError, match="permanent"):
        bind(merchant, campaign, lee)
    with pytest.raises(ValidationError, match="permanent"):
        services.invitation_create(merchant=merchant, campaign=campaign, email="lee@example.com")
    assert Campaign.objects.for_merchant(merchant).get(pk=campaign.pk).partner == kim


def test_an_invitation_link_used_after_binding_is_refused_with_a_message(client, merchant):
    campaign = make_campaign(merchant)
    invitation = services.invitation_create(merchant=merchant, campaign=campaign)
    bind(merchant, campaign, make_partner(email="kim@example.com"))
    lee = make_partner(email="lee@example.com")
    EmailAddress.objects.create(user=lee.user, email=lee.user.email, verified=True, primary=True)
    client.force_login(lee.user)

    response = client.post(reverse("partners:invite", kwargs={"token": invitation.token}))

    assert response.status_code == 409
    assert "Binding is permanent and cannot be changed." in response.content.decode()
    assert Campaign.objects.for_merchant(merchant).get(pk=campaign.pk).partner.user.email == "kim@example.com"


def test_invitation_page_asks_an_anonymous_visitor_to_sign_up_or_log_in(client, merchant):
    invitation = services.invitation_create(merchant=merchant, campaign=make_campaign(merchant, name="Live sale"))
    page = client.get(reverse("partners:invite", kwargs={"token": invitation.token})).content.decode()
    assert "Live sale" in page
    assert reverse("partners:signup") in page


def test_unknown_invitation_token_is_404(client, db):
    assert client.get(reverse("partners:invite", kwargs={"token": "nope"})).status_code == 404


# --- merchant side pages ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client, merchant, store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    client.force_login(admin.user)
    return client


def test_admin_creates_a_campaign(admin_client, merchant):
    response = admin_client.post(
        reverse("campaigns:create", kwargs={"merchant": merchant.slug}),
        {
            "name": "Live sale",
            "starts_at": "2026-01-01T10:00",
            "ends_at": "2026-12-31T22:00",
            "currency": "TWD",
            "condition": "whole_order",
            "commission_type": "percentage",
            "rate": "8",
        },
    )
    campaign = Campaign.objects.for_merchant(merchant).get()
    assert response.status_code == 302
    assert campaign.name == "Live sale" and len(campaign.code) == 8
    # Entered in the merchant's time zone (Asia/Taipei, UTC+8).
    assert campaign.starts_at.isoformat() == "2026-01-01T02:00:00+00:00"


def test_specific_products_need_products(admin_client, merchant):
    response = admin_client.post(
        reverse("campaigns:create", kwargs={"merchant": merchant.slug}),
        {"name": "X", "starts_at": "2026-01-01T10:00", "ends_at": "2026-12-31T22:00", "currency": "TWD",
         "condition": "specific_products", "commission_type": "fixed", "rate": "5"},
    )
    assert response.status_code == 400
    assert "Choose the products that earn commission." in response.content.decode()


def test_admin_invites_by_email_and_gets_a_copyable_link(admin_client, merchant, django_capture_on_commit_callbacks):
    campaign = make_campaign(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("campaigns:invite", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}),
            {"email": "KOL@example.com"},
        )
    invitation = Invitation.objects.for_merchant(merchant).get()
    link = f"/partners/invite/{invitation.token}/"
    assert link in response.content.decode()
    assert invitation.email == "kol@example.com"
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body


def test_admin_cannot_invite_for_a_bound_campaign(admin_client, merchant):
    campaign = make_campaign(merchant)
    bind(merchant, campaign, make_partner(email="kim@example.com"))
    response = admin_client.post(
        reverse("campaigns:invite", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk}), {"email": ""}
    )
    assert response.status_code == 400
    assert "Binding is permanent and cannot be changed." in response.content.decode()
    assert not Invitation.objects.for_merchant(merchant).exists()


def test_campaign_pages_are_for_merchant_admins_only(staff_client, merchant):
    campaign = make_campaign(merchant)
    assert staff_client.get(reverse("campaigns:list", kwargs={"merchant": merchant.slug})).status_code == 403
    assert staff_client.get(
        reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": campaign.pk})
    ).status_code == 403


def test_admin_cannot_see_another_merchants_campaign(admin_client, merchant, other_merchant):
    theirs = make_campaign(other_merchant)
    url = reverse("campaigns:detail", kwargs={"merchant": merchant.slug, "campaign_id": theirs.pk})
    assert admin_client.get(url).status_code == 404
    assert admin_client.get(reverse("campaigns:list", kwargs={"merchant": other_merchant.slug})).status_code == 404


def test_partner_signup_does_not_ask_for_a_shopper_phone(client, db):
    form = client.get(reverse("partners:signup")).context["form"]
    assert list(form.fields)[:4] == ["name", "email", "password1", "password2"]
    assert "phone" not in form.fields


def test_login_does_not_redirect_off_site(client, db):
    partner = make_partner(email="kim@example.com")
    partner.user.set_password("Strong1Pass")
    partner.user.save()
    EmailAddress.objects.create(user=partner.user, email="kim@example.com", verified=True, primary=True)
    response = client.post(
        reverse("partners:login") + "?next=https://evil.example/", {"login": "kim@example.com", "password": "Strong1Pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:home")
