"""Outbound webhooks (issue 16 item 5): signed Standard Webhooks deliveries, retries with back-off
for 24 h, disabling a failing endpoint, and SSRF refusal of private targets."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from omo.tenancy.models import Staff
from omo.webhooks import services, transport
from omo.webhooks.models import Delivery, Endpoint, Event, WebhookPolicy
from tests.factories import StaffFactory

from .receiver import receiver

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def loopback_allowed(merchant):
    """A platform operator allowed this merchant private targets (the test receiver is on loopback)."""
    return WebhookPolicy.objects.create(merchant=merchant, allow_private_targets=True)


@pytest.fixture
def hook():
    with receiver() as state:
        yield state


def _emit(merchant, key="member.created:1", type="member.created", data=None):
    return services.webhook_event_emit(
        merchant=merchant, type=type, data=data or {"member": {"id": 1, "email": "amy@example.com"}},
        idempotency_key=key,
    )


def test_receiver_verifies_a_signed_event(merchant, loopback_allowed, hook, django_capture_on_commit_callbacks):
    # Given an endpoint subscribed to member.created, its secret shown once
    endpoint, secret = services.endpoint_create(
        merchant=merchant, url=hook.url, event_types=["member.created", "points.earned"]
    )
    assert secret.startswith("whsec_")
    # When the event is emitted (delivered once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        event = _emit(merchant, data={"member": {"id": 7, "email": "amy@example.com", "name": "艾美"}})
    # Then the receiver got one request that verifies with the standardwebhooks library
    assert len(hook.requests) == 1
    headers, body = hook.requests[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "member.created"
    assert payload["data"]["member"] == {"id": 7, "email": "amy@example.com", "name": "艾美"}
    assert headers["webhook-id"] == event.message_id
    # and a tampered body does not verify
    with pytest.raises(Exception):
        Webhook(secret).verify(body.replace(b"7", b"8"), headers)
    delivery = Delivery.objects.for_merchant(merchant).get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("succeeded", 1, 200)
    assert delivery.last_response_excerpt == "ok"


def test_unsubscribed_types_and_duplicate_keys_send_nothing_more(merchant, loopback_allowed, hook,
                                                                django_capture_on_commit_callbacks):
    services.endpoint_create(merchant=merchant, url=hook.url, event_types=["points.earned"])
    with django_capture_on_commit_callbacks(execute=True):
        assert _emit(merchant) is None  # member.created: not subscribed
        first = _emit(merchant, key="points.earned:5", type="points.earned", data={"points": 10})
        again = _emit(merchant, key="points.earned:5", type="points.earned", data={"points": 10})
    assert first == again
    assert len(hook.requests) == 1
    assert Event.objects.for_merchant(merchant).count() == 1


def test_duplicated_task_delivers_once(merchant, loopback_allowed, hook, django_capture_on_commit_callbacks):
    services.endpoint_create(merchant=merchant, url=hook.url, event_types=["member.created"])
    with django_capture_on_commit_callbacks(execute=True):
        _emit(merchant)
    delivery = Delivery.objects.for_merchant(merchant).get()
    # A redelivered task (the worker died after sending) finds the delivery done
    assert services.delivery_attempt(merchant=merchant, delivery_id=delivery.pk) is None
    assert len(hook.requests) == 1


def test_failing_endpoint_is_retried_with_backoff_then_disabled_after_24_hours(
    merchant, loopback_allowed, hook, django_capture_on_commit_callbacks
):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN, display_name="Ada")
    hook.status = 503
    endpoint, _secret = services.endpoint_create(merchant=merchant, url=hook.url, event_types=["member.created"])
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        with django_capture_on_commit_callbacks(execute=True):
            _emit(merchant)
    delivery = Delivery.objects.for_merchant(merchant).get()
    assert (delivery.attempts, delivery.last_response_code) == (1, 503)
    assert delivery.last_response_excerpt == "receiver is down"
    # Back-off doubles: 30 s, 1 min, 2 min, 4 min ...
    gaps = [delivery.next_attempt_at - start]
    # Not due yet: an early attempt does nothing
    assert services.delivery_attempt(merchant=merchant, delivery_id=delivery.pk, now=start + timedelta(seconds=5)) is None
    now = start
    while True:
        delivery.refresh_from_db()
        if delivery.status != Delivery.Status.PENDING:
            break
        previous = now
        now = delivery.next_attempt_at
        # the beat sweeper lists it once it is due
        assert delivery.pk in services.due_delivery_ids(merchant=merchant, older_than=now)
        with django_capture_on_commit_callbacks(execute=True):
            services.delivery_attempt(merchant=merchant, delivery_id=delivery.pk, now=now)
        gaps.append(now - previous)
    assert gaps[1:5] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert max(gaps) == timedelta(hours=4)
    assert now - start == timedelta(hours=24)  # the last retry on the 24-hour mark
    # The endpoint failed for 24 hours: disabled, the delivery failed for good, admins told
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert delivery.status == Delivery.Status.FAILED
    assert len(hook.requests) == delivery.attempts > 8
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [admin.user.email]
    assert hook.url in mail.outbox[0].subject
    # and nothing more is sent to a disabled endpoint
    with django_capture_on_commit_callbacks(execute=True):
        _emit(merchant, key="member.created:2")
    assert len(hook.requests) == delivery.attempts


def test_a_success_resets_the_failure_streak(merchant, loopback_allowed, hook, django_capture_on_commit_callbacks):
    hook.status = 500
    endpoint, _ = services.endpoint_create(merchant=merchant, url=hook.url, event_types=["member.created"])
    with django_capture_on_commit_callbacks(execute=True):
        _emit(merchant)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    hook.status = 204
    delivery = Delivery.objects.for_merchant(merchant).get()
    services.delivery_attempt(merchant=merchant, delivery_id=delivery.pk, now=delivery.next_attempt_at)
    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.is_active
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 2


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook", "http://[::ffff:10.0.0.1]/hook", "http://0.0.0.0/hook", "http://localhost/hook",
    "ftp://example.com/hook",
])
def test_private_targets_are_refused_for_a_normal_merchant(merchant, url):
    with pytest.raises(ValidationError) as exc:
        services.endpoint_create(merchant=merchant, url=url, event_types=["member.created"])
    assert "url" in exc.value.message_dict
    assert not Endpoint.objects.for_merchant(merchant).exists()


def test_every_resolved_address_is_checked_and_the_checked_one_is_connected(merchant, hook,
                                                                          django_capture_on_commit_callbacks):
    """DNS rebinding: a name that resolved to a public address when the endpoint was added and
    to loopback (among others) at delivery time is refused then, before any connection."""
    public = [(2, 1, 6, "", ("93.184.216.34", 443))]
    mixed = public + [(2, 1, 6, "", ("127.0.0.1", 443))]
    with mock.patch("socket.getaddrinfo", return_value=public):
        endpoint, _ = services.endpoint_create(merchant=merchant, url="https://hooks.example.com/x",
                                               event_types=["member.created"])
    with mock.patch("socket.getaddrinfo", return_value=mixed), \
            mock.patch("socket.create_connection") as connect:
        with django_capture_on_commit_callbacks(execute=True):
            _emit(merchant)
    connect.assert_not_called()
    delivery = Delivery.objects.for_merchant(merchant).get()
    assert delivery.attempts == 1 and delivery.last_response_code is None
    assert "127.0.0.1" in delivery.last_error
    # The address checked is the address connected to (never a second lookup)
    with mock.patch("socket.getaddrinfo", return_value=public), \
            mock.patch("socket.create_connection", side_effect=OSError("unreachable")) as connect:
        with pytest.raises(OSError):
            transport.post("https://hooks.example.com/x", body=b"{}", headers={}, allow_private=False)
    connect.assert_called_once()
    assert connect.call_args.args[0] == ("93.184.216.34", 443)


def test_resend_sends_the_same_message_again(merchant, loopback_allowed, hook, django_capture_on_commit_callbacks):
    _endpoint, secret = services.endpoint_create(merchant=merchant, url=hook.url, event_types=["member.created"])
    with django_capture_on_commit_callbacks(execute=True):
        _emit(merchant)
    delivery = Delivery.objects.for_merchant(merchant).get()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(merchant=merchant, delivery=delivery)
    assert len(hook.requests) == 2
    (h1, b1), (h2, b2) = hook.requests
    assert h1["webhook-id"] == h2["webhook-id"] and b1 == b2
    assert json.loads(b2)["type"] == "member.created"
    Webhook(secret).verify(b2, h2)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == Delivery.Status.SUCCEEDED
