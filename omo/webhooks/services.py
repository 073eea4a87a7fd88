"""Writes on outbound webhooks: endpoints, emitting events, delivering them.

Any app emits with `webhook_event_emit(merchant=..., type=..., data=..., idempotency_key=...)`
inside its own transaction: the event and one delivery per subscribed endpoint are written with
it, and each delivery is queued once the transaction commits (`webhooks.deliver`). A delivery
is attempted by whoever claims it first (a conditional update on its due time), so a duplicated
or redelivered task never sends twice at once; failures are retried with exponential back-off
for `RETRY_FOR` (the beat sweeper queues the due ones), and an endpoint that has failed without
a single success for `RETRY_FOR` is disabled and its merchant's admins are told.
"""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from omo import metrics
from omo.tenancy.models import Staff
from omo.tenancy.tasks import task_enqueue_on_commit

from . import endpoint_secrets, transport
from .models import Delivery, Endpoint, Event, EventType, WebhookPolicy

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 4 * 3600
# How long a claimed attempt holds its delivery (longer than the HTTP timeout).
CLAIM_SECONDS = 60


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1 min, 2 min, 4 min, ... doubling, at most 4 h."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def private_targets_allowed(merchant) -> bool:
    return WebhookPolicy.objects.filter(merchant_id=getattr(merchant, "pk", merchant), allow_private_targets=True).exists()


def _clean_event_types(event_types) -> list[str]:
    chosen = [value for value in EventType.values if value in set(event_types or [])]
    if not chosen:
        raise ValidationError({"event_types": [_("Choose at least one event type.")]})
    return chosen


def _check_url(merchant, url: str) -> str:
    url = (url or "").strip()
    try:
        transport.check_url(url, allow_private=private_targets_allowed(merchant))
    except transport.TargetRefused as exc:
        raise ValidationError({"url": [str(exc)]}) from exc
    return url


@transaction.atomic
def endpoint_create(*, merchant, url: str, event_types, description: str = "") -> tuple[Endpoint, str]:
    """A new endpoint and its signing secret (returned once: the caller shows it and forgets it)."""
    url = _check_url(merchant, url)
    secret = endpoint_secrets.new_secret()
    endpoint = Endpoint.objects.for_merchant(merchant).create(
        merchant=merchant, url=url, event_types=_clean_event_types(event_types),
        description=description.strip()[:200], secret_encrypted=endpoint_secrets.encrypt(secret),
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, merchant, endpoint: Endpoint, url: str, event_types, description: str = "") -> Endpoint:
    endpoint.url = _check_url(merchant, url)
    endpoint.event_types = _clean_event_types(event_types)
    endpoint.description = description.strip()[:200]
    endpoint.save(update_fields=["url", "event_types", "description"])
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, merchant, endpoint: Endpoint) -> str:
    secret = endpoint_secrets.new_secret()
    Endpoint.objects.for_merchant(merchant).filter(pk=endpoint.pk).update(
        secret_encrypted=endpoint_secrets.encrypt(secret)
    )
    return secret


@transaction.atomic
def endpoint_enable(*, merchant, endpoint: Endpoint) -> Endpoint:
    """Turn a disabled endpoint back on; its failure streak starts afresh."""
    Endpoint.objects.for_merchant(merchant).filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_delete(*, merchant, endpoint: Endpoint) -> None:
    Endpoint.objects.for_merchant(merchant).filter(pk=endpoint.pk).delete()


def _payload(type: str, data: dict, at: datetime) -> str:
    body = {"type": type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


@transaction.atomic
def webhook_event_emit(*, merchant, type: str, data: dict, idempotency_key: str) -> Event | None:
    """Record the event and queue a delivery to every active endpoint subscribed to `type`.

    Idempotent by `idempotency_key` (per merchant): emitting the same key again returns the first
    event and queues nothing. None when no endpoint subscribes (nothing is stored)."""
    if type not in EventType.values:
        raise ValueError(f"unknown webhook event type {type!r}")
    merchant_id = getattr(merchant, "pk", merchant)
    endpoints = [
        endpoint for endpoint in Endpoint.objects.for_merchant(merchant_id).filter(is_active=True)
        if endpoint.subscribes(type)
    ]
    if not endpoints:
        return None
    events = Event.objects.for_merchant(merchant_id)
    existing = events.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            event = events.create(
                merchant_id=merchant_id, type=type, payload=_payload(type, data, now),
                idempotency_key=idempotency_key[:200], created_at=now,
            )
    except IntegrityError:  # emitted concurrently with the same key
        return events.get(idempotency_key=idempotency_key)
    for endpoint in endpoints:
        delivery = Delivery.objects.for_merchant(merchant_id).create(
            merchant_id=merchant_id, endpoint=endpoint, event=event, round_started_at=now, next_attempt_at=now
        )
        task_enqueue_on_commit("webhooks.deliver", merchant_id, delivery.pk)
    return event


def signed_headers(*, secret: str, message_id: str, payload: str, at: datetime) -> dict:
    """The Standard Webhooks headers for one attempt."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "OMO-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, payload),
    }


def _claim(merchant_id, delivery_id, now) -> bool:
    """Take the due delivery for one attempt: exactly one caller wins."""
    claimed = (
        Delivery.objects.for_merchant(merchant_id)
        .filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
        .update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    return claimed == 1


def delivery_attempt(*, merchant, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Attempt one due delivery (the `webhooks.deliver` task). A delivery that is not due (already
    delivered, failed for good, claimed by another worker, or waiting for its next retry) is
    left alone and None returned. Not one transaction: the HTTP call happens between the claim
    and the recording of its outcome, holding no database lock."""
    now = now or timezone.now()
    merchant_id = getattr(merchant, "pk", merchant)
    if not _claim(merchant_id, delivery_id, now):
        return None
    delivery = Delivery.objects.for_merchant(merchant_id).select_related("endpoint", "event").get(pk=delivery_id)
    endpoint, event = delivery.endpoint, delivery.event
    code, excerpt, error = None, "", ""
    try:
        response = transport.post(
            endpoint.url,
            body=event.payload.encode(),
            headers=signed_headers(secret=endpoint.secret, message_id=event.message_id, payload=event.payload, at=now),
            allow_private=private_targets_allowed(merchant_id),
        )
        code, excerpt = response.status, response.excerpt
    except transport.TargetRefused as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001  (any network failure is a failed attempt, retried)
        error = f"{exc.__class__.__name__}: {exc}"[:300]
    return _attempt_record(merchant_id, delivery, code=code, excerpt=excerpt, error=error, now=now)


@transaction.atomic
def _attempt_record(merchant_id, delivery: Delivery, *, code, excerpt: str, error: str, now) -> Delivery:
    endpoints = Endpoint.objects.for_merchant(merchant_id)
    endpoint = endpoints.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_response_code = code
    delivery.last_response_excerpt = excerpt[:500]
    delivery.last_error = error[:300]
    succeeded = code is not None and 200 <= code < 300
    if succeeded:
        delivery.status, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
    else:
        # The last retry falls on the 24-hour mark itself; after it the delivery has failed.
        give_up_at = delivery.round_started_at + RETRY_FOR
        if now >= give_up_at:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), give_up_at)
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
    delivery.save()
    outcome = "delivered" if succeeded else ("gave_up" if delivery.status == Delivery.Status.FAILED else "failed")
    transaction.on_commit(lambda: metrics.webhook_delivery(outcome=outcome))
    if not succeeded and endpoint.is_active and now - endpoint.failing_since >= RETRY_FOR:
        _endpoint_disable(endpoint, now=now)
        delivery.refresh_from_db()
    return delivery


def _endpoint_disable(endpoint: Endpoint, *, now) -> None:
    """Disable an endpoint that failed for RETRY_FOR: its waiting deliveries fail, its admins hear."""
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = "failing"
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    Delivery.objects.for_merchant(endpoint.merchant_id).filter(
        endpoint=endpoint, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    task_enqueue_on_commit("webhooks.endpoint_disabled_notify", endpoint.merchant_id, endpoint.pk)


def endpoint_disabled_notify(*, merchant, endpoint_id: int) -> int:
    """Email the merchant's admins that an endpoint was disabled; returns how many were written to."""
    endpoint = Endpoint.objects.for_merchant(merchant).filter(pk=endpoint_id, is_active=False).first()
    if endpoint is None:
        return 0
    admins = (
        Staff.objects.for_merchant(merchant).filter(role=Staff.Role.ADMIN, resigned_at__isnull=True)
        .select_related("user")
    )
    recipients = sorted({staff.user.email for staff in admins if staff.user.email})
    if not recipients:
        return 0
    page = f"{settings.SITE_URL.rstrip('/')}/m/{endpoint.merchant.slug}/webhooks/{endpoint.pk}/"
    send_mail(
        _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url},
        _("Deliveries to %(url)s failed for 24 hours, so the endpoint was disabled and nothing more is sent "
          "to it. Fix the receiver, then turn the endpoint back on and resend what it missed: %(page)s")
        % {"url": endpoint.url, "page": page},
        None,
        recipients,
    )
    return len(recipients)


@transaction.atomic
def delivery_resend(*, merchant, delivery: Delivery) -> Delivery:
    """Send a delivery again now (a new round of retries), whatever its status. The endpoint must be
    active: a disabled endpoint is turned back on first."""
    if not Endpoint.objects.for_merchant(merchant).filter(pk=delivery.endpoint_id, is_active=True).exists():
        raise ValidationError(_("The endpoint is disabled: turn it back on before resending."))
    now = timezone.now()
    Delivery.objects.for_merchant(merchant).filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, round_started_at=now, next_attempt_at=now
    )
    task_enqueue_on_commit("webhooks.deliver", getattr(merchant, "pk", merchant), delivery.pk)
    delivery.refresh_from_db()
    return delivery


def due_delivery_ids(*, merchant, older_than, limit: int = 1000) -> list[int]:
    """For the beat sweeper: pending deliveries whose next attempt is due (retries, lost events)."""
    return list(
        Delivery.objects.for_merchant(merchant)
        .filter(Q(status=Delivery.Status.PENDING), next_attempt_at__lte=older_than, endpoint__is_active=True)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
