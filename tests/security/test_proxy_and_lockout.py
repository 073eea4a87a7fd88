"""Must-fix 3 and 4: limits behind the TLS proxy key on the real client; lockouts are per account
and address, with growing delays, so nobody can lock an account's owner out from elsewhere.

The simulated proxy: every request arrives from REMOTE_ADDR 10.0.0.2 (the proxy) with the
client's address appended to X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for does.
"""

from datetime import timedelta

import pytest
from django.utils.module_loading import import_string
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.core.cache import cache
from django.test import Client, RequestFactory

from omo.accounts.throttling import _lockouts_key, axes_cool_off
from omo.net import client_ip
from tests.factories import LinkFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!x"  # tests.factories.UserFactory's
PROXY = "10.0.0.2"
ALICE, BOB, MALLORY = "203.0.113.7", "198.51.100.20", "192.0.2.66"


def via_proxy(client_address, spoofed=""):
    """Headers of a request that passed the proxy: whatever the client sent, then its real address."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def login(client, email, password, headers, url="/accounts/login/"):
    field = "username" if url.startswith("/admin/") else "login"
    return client.post(url, {field: email, "password": password}, **headers)


def logged_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 1


@pytest.fixture
def verified_user():
    def make(email, **extra):
        user = UserFactory(email=email, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


# --- the client address --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "hops, remote, forwarded, expected",
    [
        (0, "203.0.113.7", "1.2.3.4", "203.0.113.7"),  # no proxy: the header is the client's lie
        (1, PROXY, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the proxy's entry, not the spoofed one
        (2, PROXY, "1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # CDN + proxy
        (1, PROXY, "", PROXY),  # no header (a health check from inside)
        (1, PROXY, "not-an-address", PROXY),
        (2, PROXY, "203.0.113.7", PROXY),  # fewer entries than proxies: do not trust any
    ],
)
def test_client_ip_counts_trusted_hops_from_the_right(settings, hops, remote, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_allauth_and_axes_use_the_same_client_address(settings, behind_proxy):
    request = RequestFactory().get("/", **via_proxy(ALICE, spoofed="6.6.6.6"))

    assert get_adapter(request).get_client_ip(request) == ALICE
    assert import_string(settings.AXES_CLIENT_IP_CALLABLE)(request) == ALICE


# --- link tokens ---------------------------------------------------------------------------------

@pytest.fixture
def token_limit(settings):
    settings.UNKNOWN_TOKEN_LIMIT = 5
    return 5


def open_link(client, merchant, token, headers):
    return client.get(f"/m/{merchant.slug}/l/{token}/", **headers)


def test_one_clients_bad_link_tokens_do_not_lock_another_behind_the_proxy(
    client, merchant, staff, token_limit, behind_proxy
):
    real = LinkFactory(merchant=merchant, staff=staff)
    for i in range(token_limit):
        open_link(Client(), merchant, f"guess-{i}", via_proxy(MALLORY))

    mallory = open_link(Client(), merchant, "guess-next", via_proxy(MALLORY))
    alice = open_link(Client(), merchant, real.token, via_proxy(ALICE))

    assert mallory.status_code == 429
    assert alice.status_code == 200  # the sign-in landing: the link itself still answers


def test_a_spoofed_forwarded_for_does_not_escape_the_limit_without_a_proxy(client, merchant, token_limit, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    statuses = [
        open_link(Client(), merchant, f"guess-{i}", {"REMOTE_ADDR": MALLORY, "HTTP_X_FORWARDED_FOR": f"10.1.1.{i}"})
        .status_code
        for i in range(token_limit + 1)
    ]

    assert statuses == [404] * token_limit + [429]


# --- logins behind the proxy ---------------------------------------------------------------------

def test_many_failed_logins_from_one_client_do_not_block_others_behind_the_proxy(behind_proxy, verified_user):
    victim = verified_user("victim@example.com")
    colleague = verified_user("colleague@example.com")
    attacker = Client()
    for i in range(12):  # past allauth's 10 per minute per address and axes' 5 per account
        login(attacker, f"someone{i % 2}@example.com", f"wrong-{i}", via_proxy(MALLORY))
        login(attacker, victim.email, f"wrong-{i}", via_proxy(MALLORY))

    other, mine = Client(), Client()
    response = login(other, colleague.email, PASSWORD, via_proxy(ALICE))
    own = login(mine, victim.email, PASSWORD, via_proxy(BOB))

    assert response.status_code == 302 and logged_in_as(other, colleague)
    assert own.status_code == 302 and logged_in_as(mine, victim)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {MALLORY}


# --- lockouts ------------------------------------------------------------------------------------

@pytest.fixture
def generous_allauth(settings):
    """allauth's per-address limit out of the way: these tests are about axes' lockouts."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1000/m/ip"}


def fail(email, address, times, url="/accounts/login/"):
    client = Client()
    return [login(client, email, f"wrong-{i}", {"REMOTE_ADDR": address}, url).status_code for i in range(times)]


def test_an_attacker_elsewhere_never_locks_the_owner_out(settings, verified_user):
    owner = verified_user("owner@example.com")
    fail(owner.email, MALLORY, settings.AXES_FAILURE_LIMIT * 3)

    attacker_with_the_password = Client()
    refused = login(attacker_with_the_password, owner.email, PASSWORD, {"REMOTE_ADDR": MALLORY})
    client = Client()
    response = login(client, owner.email, PASSWORD, {"REMOTE_ADDR": ALICE})

    assert refused.status_code in (200, 429) and not logged_in_as(attacker_with_the_password, owner)
    assert response.status_code == 302 and logged_in_as(client, owner)


def age(email, address, by):
    """Move the pair's failures `by` into the past (as if that much time had gone by)."""
    attempts = AccessAttempt.objects.filter(username=email, ip_address=address)
    for attempt in attempts:
        attempt.attempt_time -= by
        attempt.save(update_fields=["attempt_time"])
    for expiration in AccessAttemptExpiration.objects.filter(access_attempt__in=attempts):
        expiration.expires_at -= by
        expiration.save(update_fields=["expires_at"])


def test_each_lockout_of_the_same_pair_waits_longer(settings, generous_allauth, verified_user):
    settings.AXES_BASE_COOLOFF_MINUTES = 15
    owner = verified_user("owner@example.com")
    limit = settings.AXES_FAILURE_LIMIT

    # First lockout: 15 minutes.
    assert fail(owner.email, MALLORY, limit)[-1] == 429
    age(owner.email, MALLORY, timedelta(minutes=16))
    first_retry = fail(owner.email, MALLORY, 1)
    # ... which was the next failure; more of them lock again, now for 30 minutes.
    assert first_retry == [200]
    assert AccessAttempt.objects.get(username=owner.email).failures_since_start == 1
    assert fail(owner.email, MALLORY, limit - 1)[-1] == 429
    age(owner.email, MALLORY, timedelta(minutes=16))
    # (a try while locked restarts the wait, without doubling it again)
    still_locked = login(Client(), owner.email, PASSWORD, {"REMOTE_ADDR": MALLORY})
    age(owner.email, MALLORY, timedelta(minutes=31))
    client = Client()
    after_the_wait = login(client, owner.email, PASSWORD, {"REMOTE_ADDR": MALLORY})

    assert still_locked.status_code == 429
    assert after_the_wait.status_code == 302 and logged_in_as(client, owner)


def test_cool_off_doubles_per_lockout_up_to_a_day(settings, verified_user):
    settings.AXES_BASE_COOLOFF_MINUTES = 15
    request = RequestFactory().post("/accounts/login/", {"login": "Owner@Example.com"}, REMOTE_ADDR=MALLORY)
    waits = []
    for lockouts in (0, 1, 2, 3, 20):
        cache.set(_lockouts_key(request), lockouts)
        waits.append(axes_cool_off(request))

    assert waits == [timedelta(minutes=15), timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1),
                     timedelta(days=1)]


def test_admin_login_is_locked_per_account_and_address(settings, generous_allauth):
    operator = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    fail(operator.email, MALLORY, settings.AXES_FAILURE_LIMIT, url="/admin/login/")

    locked = Client()
    from_mallory = login(locked, operator.email, PASSWORD, {"REMOTE_ADDR": MALLORY}, url="/admin/login/")
    elsewhere = Client()
    from_alice = login(elsewhere, operator.email, PASSWORD, {"REMOTE_ADDR": ALICE}, url="/admin/login/")
    other_account = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    colleague = Client()
    same_address_other_account = login(colleague, other_account.email, PASSWORD, {"REMOTE_ADDR": MALLORY},
                                       url="/admin/login/")

    assert from_mallory.status_code == 429 and not logged_in_as(locked, operator)
    assert from_alice.status_code == 302 and logged_in_as(elsewhere, operator)
    assert same_address_other_account.status_code == 302 and logged_in_as(colleague, other_account)
    assert login(Client(), operator.email, PASSWORD, {"REMOTE_ADDR": MALLORY}, url="/admin/login/").status_code == 429
