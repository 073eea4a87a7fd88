import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from members.models import Member
from tests.factories import LinkFactory, MemberFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Tea-2026!x"
User = get_user_model()


def signup(client, *, email, phone, next_url=""):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "phone": phone}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_signup"), data)


def test_signup_from_a_link_stores_the_local_phone_on_the_member(client, merchant):
    link = LinkFactory(merchant=merchant)
    next_url = reverse("storefront:recommended", kwargs={"merchant": "acme", "token": link.token})
    response = signup(client, email="new@example.com", phone="0933 111 222", next_url=next_url)
    # Verification is mandatory: the shopper confirms the email before being signed in.
    # The number is checked by an SMS code first (issue 14), then the email.
    assert response.status_code == 302 and response["Location"] == reverse("account_verify_phone")
    member = Member.objects.for_merchant(merchant).get(email="new@example.com")
    assert member.phone == "+886933111222" and member.user.email == "new@example.com"


def test_a_phone_held_by_another_member_is_not_taken(client, merchant):
    other = MemberFactory(merchant=merchant, phone="+886933111222", email="")
    signup(client, email="new@example.com", phone="0933111222", next_url="/m/acme/shop/")
    member = Member.objects.for_merchant(merchant).get(email="new@example.com")
    assert member.phone == "" and member != other


def test_signup_without_a_merchant_reads_a_local_number_in_the_default_region(client, settings):
    """As the login does (tests/accounts/test_phone_login.py): PHONE_DEFAULT_REGION."""
    settings.PHONE_DEFAULT_REGION = "TW"
    response = signup(client, email="new@example.com", phone="0933 111 222")
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").phone == "+886933111222"


def test_phone_is_optional(client, merchant):
    assert signup(client, email="new@example.com", phone="", next_url="/m/acme/shop/").status_code == 302
