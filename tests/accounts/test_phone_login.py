"""Shoppers register with a mobile number and log in with it (or their email) on /accounts/login/."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from members.models import Member
from tests.factories import LinkFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sunny-Tea-2026!x"
User = get_user_model()


def signup(client, *, email, phone, next_url="/m/acme/shop/"):
    """Sign up, then confirm the email as its owner would (verification is mandatory)."""
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "phone": phone, "next": next_url}
    response = client.post(reverse("account_signup"), data)
    EmailAddress.objects.filter(email=email).update(verified=True)
    return response


def login(client, login_name, password=PASSWORD, next_url="", ip="203.0.113.50"):
    data = {"login": login_name, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data, REMOTE_ADDR=ip)


@pytest.fixture
def recommended_url(merchant):
    link = LinkFactory(merchant=merchant)
    return reverse("storefront:recommended", kwargs={"merchant": merchant.slug, "token": link.token})


def test_a_shopper_who_signed_up_with_a_phone_logs_in_with_it_and_returns_to_the_list(
    client, merchant, recommended_url
):
    assert signup(client, email="mei@example.com", phone="0933 111 222", next_url=recommended_url).status_code == 302
    client.logout()

    response = login(client, "+886933111222", next_url=recommended_url)

    assert response.status_code == 302 and response["Location"] == recommended_url
    assert client.session["_auth_user_id"] == str(User.objects.get(email="mei@example.com").pk)


@pytest.mark.parametrize("typed", ["0933 111 222", "0933-111-222", "0933111222", "+886 933 111 222"])
def test_the_number_may_be_typed_the_local_way(client, merchant, recommended_url, typed):
    signup(client, email="mei@example.com", phone="+886933111222", next_url=recommended_url)
    client.logout()

    response = login(client, typed, next_url=recommended_url)

    assert response.status_code == 302 and response["Location"] == recommended_url


def test_a_local_number_without_a_merchant_page_is_read_in_the_default_region(client, merchant, settings):
    settings.PHONE_DEFAULT_REGION = "TW"
    signup(client, email="mei@example.com", phone="0933111222")
    client.logout()

    assert login(client, "0933 111 222").status_code == 302


def test_email_login_still_works(client, merchant):
    signup(client, email="mei@example.com", phone="0933111222")
    client.logout()

    assert login(client, "mei@example.com").status_code == 302


def test_a_wrong_password_for_a_phone_says_so_and_does_not_log_in(client, merchant):
    signup(client, email="mei@example.com", phone="0933111222")
    client.logout()

    response = login(client, "0933111222", password="not-it", next_url="/m/acme/shop/")

    assert response.status_code == 200
    assert "phone number and/or password you specified are not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unknown_phone_does_not_log_in(client, merchant):
    response = login(client, "0999888777", next_url="/m/acme/shop/")

    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_phone_another_login_holds_cannot_be_registered_again(client, merchant):
    signup(client, email="mei@example.com", phone="0933111222")
    client.logout()

    response = signup(client, email="someone.else@example.com", phone="0933 111 222")

    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.com").exists()


def test_signup_without_a_phone_leaves_the_login_without_one(client, merchant):
    signup(client, email="mei@example.com", phone="")
    user = User.objects.get(email="mei@example.com")
    assert user.phone == "" and user.phone_verified is False
    # several logins without a number do not collide on the unique phone
    client.logout()
    signup(client, email="lin@example.com", phone="")
    assert User.objects.filter(phone="").count() == 2


def test_the_phone_on_the_login_is_global_but_members_stay_per_merchant(client, merchant, other_merchant):
    signup(client, email="mei@example.com", phone="0933111222", next_url="/m/acme/shop/")
    client.logout()
    user = User.objects.get(email="mei@example.com")
    assert user.phone == "+886933111222" and user.phone_verified is False

    # the same number logs in from the other merchant's page too ...
    response = login(client, "0933111222", next_url=f"/m/{other_merchant.slug}/shop/")
    assert response.status_code == 302 and response["Location"] == f"/m/{other_merchant.slug}/shop/"

    # ... but only the merchant she signed up at has a member record with it
    assert Member.objects.for_merchant(merchant).get(user=user).phone == "+886933111222"
    assert not Member.objects.for_merchant(other_merchant).filter(phone="+886933111222").exists()


def test_staff_still_log_in_by_email(client, staff):
    staff.user.set_password(PASSWORD)
    staff.user.save()
    EmailAddress.objects.create(user=staff.user, email=staff.user.email, verified=True, primary=True)

    assert login(client, staff.user.email).status_code == 302
    assert client.session["_auth_user_id"] == str(staff.user.pk)


def test_password_guessing_on_a_phone_locks_out(client, settings, merchant):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/m/ip,100/5m/key"}
    signup(client, email="victim@example.com", phone="0933111222")
    client.logout()

    failures = [login(client, "0933111222", password=f"wrong-{i}", ip="203.0.113.99")
                for i in range(settings.AXES_FAILURE_LIMIT)]
    locked = login(client, "0933111222", ip="203.0.113.99")

    assert all(r.status_code == 200 for r in failures[:-1])
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_factory_user_has_no_phone(db):
    assert UserFactory().phone == ""
