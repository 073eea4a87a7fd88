"""ASVS L2: MFA for those who hold the keys; idle and absolute session limits for staff.

MFA is required for platform operators (/admin/) and merchant admins when
settings.MFA_REQUIRED_FOR_ADMINS is on (production's default; off for the demo and the other
tests), optional for managers, staff, partners and shoppers.
"""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from omo.accounts import middleware
from omo.tenancy.models import Staff
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Passw0rd!x"  # tests.factories.UserFactory's


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED_FOR_ADMINS = True


@pytest.fixture
def operator():
    return verified(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))


def staff_home(merchant):
    return reverse("members:search", kwargs={"merchant": merchant.slug})


# --- MFA -----------------------------------------------------------------------------------------

def test_an_operator_without_mfa_is_sent_to_set_it_up_before_the_admin(client, operator, mfa_required):
    client.force_login(operator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_merchant_admin_without_mfa_is_sent_to_set_it_up(client, merchant, store, mfa_required):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    client.force_login(admin.user)

    response = client.get(staff_home(merchant))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("role", [Staff.Role.STAFF, Staff.Role.MANAGER])
def test_mfa_is_optional_for_staff_and_managers(client, merchant, store, mfa_required, role):
    member = StaffFactory(merchant=merchant, store=store, role=role)
    client.force_login(member.user)

    assert client.get(staff_home(merchant)).status_code == 200


def test_an_admin_of_one_merchant_is_not_asked_at_another_where_they_are_staff(
    client, merchant, other_merchant, store, mfa_required
):
    user = UserFactory()
    StaffFactory(merchant=merchant, store=None, user=user, role=Staff.Role.ADMIN)
    StaffFactory(merchant=other_merchant, user=user, role=Staff.Role.STAFF)
    client.force_login(user)

    assert client.get(staff_home(other_merchant)).status_code == 200
    assert client.get(staff_home(merchant)).status_code == 302


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit
def test_setting_up_totp_then_opens_the_admin(client, operator, mfa_required):
    client.post(reverse("account_login"), {"login": operator.email, "password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))

    # allauth asks for the password again before a second factor is added.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    activated = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_an_operator_with_mfa_signs_in_with_the_code_and_reaches_the_admin(operator, mfa_required):
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    client = Client()

    password_step = client.post(reverse("account_login"), {"login": operator.email, "password": PASSWORD})
    assert password_step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})

    assert client.session["_auth_user_id"] == str(operator.pk)
    assert client.get("/admin/").status_code == 200


def test_the_django_admin_password_form_does_not_skip_the_second_factor(operator, settings):
    settings.MFA_REQUIRED_FOR_ADMINS = False  # even when not required: whoever has MFA uses it
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    client = Client()

    client.post("/admin/login/", {"username": operator.email, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(response["Location"], {"code": current_code(secret)})

    assert client.get("/admin/").status_code == 200


def test_with_the_requirement_off_operators_reach_the_admin_with_a_password(client, operator, settings):
    settings.MFA_REQUIRED_FOR_ADMINS = False
    client.force_login(operator)

    assert client.get("/admin/").status_code == 200


# --- sessions ------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now

    def advance(self, minutes=0, days=0):
        self.now += minutes * 60 + days * 86400


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(middleware, "_now", clock)
    return clock


def signed_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.parametrize("role", [Staff.Role.STAFF, Staff.Role.MANAGER, Staff.Role.ADMIN])
def test_staff_are_signed_out_after_30_idle_minutes(client, merchant, store, clock, role):
    member = StaffFactory(merchant=merchant, store=store, role=role)
    client.force_login(member.user)

    clock.advance(minutes=29)
    active = client.get(staff_home(merchant))
    clock.advance(minutes=29)  # 58 minutes since sign-in, 29 since the last request
    still_active = client.get(staff_home(merchant))
    clock.advance(minutes=31)
    idle = client.get(staff_home(merchant))

    assert active.status_code == 200 and still_active.status_code == 200
    assert idle.status_code == 302 and idle["Location"].startswith(reverse("account_login"))
    assert not signed_in(client, member.user)


def test_the_idle_timeout_is_the_merchants_setting(client, merchant, staff, clock):
    merchant.staff_idle_minutes = 10
    merchant.save()
    client.force_login(staff.user)

    clock.advance(minutes=11)
    response = client.get(staff_home(merchant))

    assert response.status_code == 302 and not signed_in(client, staff.user)


def test_staff_sessions_end_after_the_absolute_lifetime_however_active(client, merchant, staff, clock, settings):
    settings.STAFF_SESSION_MAX_AGE = 12 * 3600
    client.force_login(staff.user)
    statuses = []
    for _ in range(12 * 3 + 1):  # a request every 20 minutes for 12 h 20 min
        clock.advance(minutes=20)
        statuses.append(client.get(staff_home(merchant)).status_code)

    assert statuses[:-2] == [200] * (len(statuses) - 2)
    assert statuses[-1] == 302 and not signed_in(client, staff.user)


def test_platform_operators_are_signed_out_when_idle(client, operator, clock):
    client.force_login(operator)

    clock.advance(minutes=31)
    response = client.get("/admin/")

    assert response.status_code == 302 and not signed_in(client, operator)


def test_shoppers_keep_long_sessions(client, merchant, clock, settings):
    shopper = UserFactory()
    client.force_login(shopper)
    shop = reverse("storefront:products", kwargs={"merchant": merchant.slug})

    clock.advance(days=3)
    after_three_days = client.get(shop).status_code, signed_in(client, shopper)
    clock.advance(days=25)
    after_four_weeks = client.get(shop).status_code, signed_in(client, shopper)
    clock.advance(days=3)
    client.get(shop)

    assert after_three_days == (200, True) and after_four_weeks == (200, True)
    assert not signed_in(client, shopper)  # past SESSION_MAX_AGE (30 days) from sign-in
