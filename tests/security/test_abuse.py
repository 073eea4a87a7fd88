"""Abuse limits: guessing link tokens, guessing passwords, replaying order API calls, SMS floods."""

import json
import threading
import time

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import Client
from django.utils import timezone

from commerce.models import Order
from omo.api.limits import limit_unknown_tokens
from recommendations.models import SmsOutbox
from tests.factories import LinkFactory, MemberFactory, UserFactory
from tests.order_api import order_payload, signed_headers

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!x"  # tests.factories.UserFactory's


def verified_user(email):
    """A login whose email is verified (allauth lets no other sign in)."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


# --- unknown link tokens -------------------------------------------------------------------------

@pytest.fixture
def token_limit(settings):
    settings.UNKNOWN_TOKEN_LIMIT = 5
    settings.UNKNOWN_TOKEN_WINDOW = 600
    return 5


def open_link(client, merchant, token, ip="203.0.113.7"):
    return client.get(f"/m/{merchant.slug}/l/{token}/", REMOTE_ADDR=ip)


def test_guessing_link_tokens_is_refused_after_the_limit(client, merchant, staff, token_limit):
    real = LinkFactory(merchant=merchant, staff=staff)

    guesses = [open_link(client, merchant, f"guess-{i}").status_code for i in range(token_limit)]
    over = open_link(client, merchant, "guess-next")
    real_from_same_client = open_link(client, merchant, real.token)
    real_from_elsewhere = open_link(Client(), merchant, real.token, ip="198.51.100.20")

    assert guesses == [404] * token_limit
    assert over.status_code == 429 and int(over["Retry-After"]) > 0
    assert real_from_same_client.status_code == 429  # no more answers to learn from
    assert real_from_elsewhere.status_code == 200  # the sign-in landing of a real link


def test_real_links_never_count_against_a_shopper(client, merchant, staff, token_limit):
    link = LinkFactory(merchant=merchant, staff=staff)

    statuses = {open_link(client, merchant, link.token).status_code for _ in range(token_limit * 3)}

    assert statuses == {200}  # the sign-in landing every time, never the limit


def test_another_merchants_token_counts_as_unknown(client, merchant, other_merchant, token_limit):
    theirs = LinkFactory(merchant=other_merchant)

    statuses = [open_link(client, merchant, theirs.token).status_code for _ in range(token_limit + 1)]

    assert statuses == [404] * token_limit + [429]


def token_view(*, reads_count, checks=True):
    """A view looking an object up by token (known: "real"), under the limit's decorator; one that
    reads the count itself passes it to the check, or forgets to (`checks=False`)."""

    @limit_unknown_tokens(view_reads_count=reads_count)
    def view(request, token):
        if reads_count and checks:
            request.unknown_token_limit.check(cache.get(request.unknown_token_limit.key))
        if token != "real":
            raise Http404
        return HttpResponse("found")

    return view


@pytest.mark.parametrize("reads_count", [False, True], ids=["count read before the view", "count read by the view"])
def test_every_token_view_is_refused_after_the_limit_either_way_it_reads_the_count(rf, token_limit, reads_count):
    view = token_view(reads_count=reads_count)
    for i in range(token_limit):
        with pytest.raises(Http404):
            view(rf.get("/"), f"guess-{i}")

    assert view(rf.get("/"), "real").status_code == 429
    assert view(rf.get("/", REMOTE_ADDR="198.51.100.20"), "real").status_code == 200


def test_a_view_that_reads_the_count_but_never_checks_it_fails_loudly(rf, token_limit):
    with pytest.raises(ImproperlyConfigured, match="without checking the unknown-token limit"):
        token_view(reads_count=True, checks=False)(rf.get("/"), "real")


# --- password guessing (django-axes) -------------------------------------------------------------

@pytest.mark.parametrize("login_url", ["/accounts/login/", "/partners/login/"])
def test_login_locks_out_after_repeated_failures(client, settings, login_url):
    # Given allauth's own per-key limit set above axes', so that axes is what locks the account
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/m/ip,100/5m/key"}
    user = verified_user(email="victim@example.com")

    failures = [client.post(login_url, {"login": user.email, "password": f"wrong-{i}"}, REMOTE_ADDR="203.0.113.9")
                for i in range(settings.AXES_FAILURE_LIMIT)]
    locked = client.post(login_url, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")

    assert all(r.status_code == 200 for r in failures[:-1])  # the form again, with an error
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session  # even the right password does not get in now


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/partners/login/"])
def test_right_password_before_the_limit_still_logs_in(client, settings, login_url):
    user = verified_user(email="typo@example.com")
    client.post(login_url, {"login": user.email, "password": "wrong"}, REMOTE_ADDR="203.0.113.10")

    response = client.post(login_url, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.10")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


# --- order API replays ---------------------------------------------------------------------------

def test_a_captured_order_request_cannot_be_replayed_later(client, merchant, member):
    body = json.dumps(order_payload("REPLAY-1", member, timezone.now())).encode()
    captured = signed_headers(merchant, body, timestamp=int(time.time()) - 301)  # sent 5 min 1 s ago

    response = client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json", **captured)

    assert response.status_code == 401
    assert "X-OMO-Timestamp" in response.json()["error"]["message"]
    assert not Order.objects.for_merchant(merchant).exists()


def test_a_redelivered_order_request_within_the_window_creates_nothing_new(client, merchant, member):
    body = json.dumps(order_payload("REPLAY-2", member, timezone.now())).encode()
    headers = signed_headers(merchant, body)

    first = client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json", **headers)
    again = client.post(f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json", **headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert Order.objects.for_merchant(merchant).filter(number="REPLAY-2").count() == 1


def test_a_signature_does_not_cover_a_changed_body(client, merchant, member):
    body = json.dumps(order_payload("REPLAY-3", member, timezone.now())).encode()
    headers = signed_headers(merchant, body)
    tampered = body.replace(b'"120.00"', b'"1.00"')

    response = client.post(f"/m/{merchant.slug}/api/orders/", data=tampered, content_type="application/json",
                           **headers)

    assert response.status_code == 401


# --- SMS limits under parallel requests ----------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_sms_limit_per_member_holds_under_parallel_requests(on_postgres, merchant, staff, settings):
    # Given a member who may receive 3 texts per hour, and 12 staff taps arriving at the same moment
    settings.SMS_RATE_PER_MEMBER = 3
    member = MemberFactory(merchant=merchant, phone="+886912345678")
    link = LinkFactory(merchant=merchant, staff=staff, member=member)
    url = f"/m/{merchant.slug}/staff/links/{link.pk}/sms/"
    start = threading.Barrier(12)
    statuses = []

    def tap():
        from django.db import connection

        client = Client()
        client.force_login(staff.user)
        start.wait()
        statuses.append(client.post(url, HTTP_HX_REQUEST="true").status_code)
        connection.close()

    threads = [threading.Thread(target=tap) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # Then exactly 3 texts are queued and the other 9 taps are refused
    assert sorted(statuses) == [200] * 3 + [429] * 9
    assert SmsOutbox.objects.for_merchant(merchant).filter(member=member).count() == 3


def test_one_accounts_lockout_does_not_lock_others_behind_the_same_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/m/ip,100/5m/key"}
    victim = verified_user(email="victim@example.com")
    colleague = verified_user(email="colleague@example.com")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": victim.email, "password": f"wrong-{i}"}, REMOTE_ADDR="203.0.113.9")
    assert client.post("/accounts/login/", {"login": victim.email, "password": PASSWORD},
                       REMOTE_ADDR="203.0.113.9").status_code == 429

    other = Client()
    response = other.post("/accounts/login/", {"login": colleague.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert other.session.get("_auth_user_id") == str(colleague.pk)
