"""Reads of connections, their secrets, deliveries and id mappings."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q
from django.http import Http404
from django.utils import timezone

from partners.models import Campaign

from . import crypto
from .models import Connection, ConnectionSecret, Delivery, IdMapping


def connection_get(*, merchant, connection_id) -> Connection:
    connection = Connection.objects.for_merchant(merchant).filter(pk=connection_id).first()
    if connection is None:
        raise Http404
    return connection


def connection_by_key(*, merchant, key) -> Connection | None:
    return Connection.objects.for_merchant(merchant).filter(key=key, is_active=True).first()


def connection_secrets(*, merchant, connection: Connection, now: datetime | None = None) -> list[str]:
    """The plaintext secrets a signature may be made with now: the current one, and during a
    rotation the previous one until it retires."""
    now = now or timezone.now()
    rows = ConnectionSecret.objects.for_merchant(merchant).filter(connection=connection)
    rows = rows.filter(Q(retires_at__isnull=True) | Q(retires_at__gt=now))
    secrets = []
    for row in rows:
        try:
            secrets.append(crypto.decrypt(row.ciphertext))
        except crypto.InvalidToken:  # encrypted with a key no longer configured: unusable
            continue
    return secrets


def generic_secrets(merchant) -> list[str]:
    """Declared reader for the order API (settings.ORDER_API_EXTRA_SECRETS): the secrets of the
    merchant's active generic connections, accepted beside the merchant's own order API secret."""
    secrets = []
    for connection in Connection.objects.for_merchant(merchant).filter(kind=Connection.Kind.GENERIC, is_active=True):
        secrets.extend(connection_secrets(merchant=merchant, connection=connection))
    return secrets


@dataclass
class ConnectionHealth:
    connection: Connection
    secrets: list
    last_delivery_at: datetime | None
    processed: int
    failures: int
    unmapped: int
    pending: int
    lag: timedelta | None  # age of the oldest waiting delivery, else the last delivery's processing time
    webhook_url: str = ""


def connection_list(*, merchant, now: datetime | None = None) -> list[ConnectionHealth]:
    now = now or timezone.now()
    connections = Connection.objects.for_merchant(merchant).annotate(
        last_delivery_at=Max("deliveries__received_at"),
        processed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PROCESSED)),
        failures=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        unmapped=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.UNMAPPED)),
        pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
        oldest_pending=Min("deliveries__received_at", filter=Q(deliveries__status=Delivery.Status.PENDING)),
    )
    secrets = {}
    for secret in ConnectionSecret.objects.for_merchant(merchant).filter(
        Q(retires_at__isnull=True) | Q(retires_at__gt=now)
    ):
        secrets.setdefault(secret.connection_id, []).append(secret)
    result = []
    for connection in connections:
        if connection.oldest_pending is not None:
            lag = now - connection.oldest_pending
        else:
            last = (
                Delivery.objects.for_merchant(merchant)
                .filter(connection=connection, processed_at__isnull=False)
                .order_by("-processed_at")
                .values_list("received_at", "processed_at")
                .first()
            )
            lag = (last[1] - last[0]) if last else None
        result.append(ConnectionHealth(
            connection=connection, secrets=secrets.get(connection.pk, []),
            last_delivery_at=connection.last_delivery_at, processed=connection.processed,
            failures=connection.failures, unmapped=connection.unmapped, pending=connection.pending, lag=lag,
        ))
    return result


def delivery_get(*, merchant, delivery_id) -> Delivery:
    delivery = Delivery.objects.for_merchant(merchant).select_related("connection").filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery


def inbox_list(*, merchant, limit: int = 200):
    """Deliveries waiting for the merchant: unmapped ones (held until mapped) and failed ones."""
    return (
        Delivery.objects.for_merchant(merchant)
        .select_related("connection")
        .filter(status__in=[Delivery.Status.UNMAPPED, Delivery.Status.FAILED])
        .order_by("-received_at", "-pk")[:limit]
    )


def mapping_list(*, merchant):
    return IdMapping.objects.for_merchant(merchant).select_related("connection", "store", "staff").order_by(
        "connection__name", "kind", "outside_id"
    )


def mapping_get(*, merchant, mapping_id) -> IdMapping:
    mapping = IdMapping.objects.for_merchant(merchant).select_related("connection").filter(pk=mapping_id).first()
    if mapping is None:
        raise Http404
    return mapping


def pending_delivery_ids(*, merchant, older_than: datetime) -> list[int]:
    """For the beat sweeper: deliveries stored but not processed (their task was lost)."""
    return list(
        Delivery.objects.for_merchant(merchant)
        .filter(status=Delivery.Status.PENDING, received_at__lt=older_than)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )


def campaign_code_match(*, merchant, candidates) -> str:
    """The first of `candidates` (discount codes, note attributes) that is one of the merchant's
    referral campaign codes, or ''."""
    wanted = [c.strip().upper() for c in candidates if c and c.strip()]
    if not wanted:
        return ""
    found = set(Campaign.objects.for_merchant(merchant).filter(code__in=wanted).values_list("code", flat=True))
    return next((code for code in wanted if code in found), "")
