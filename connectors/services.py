"""Writes of connections: secrets, webhook deliveries and their processing, id mappings.

A webhook is answered as soon as its raw body is stored (`delivery_receive`); a Celery task then
maps it through the platform adapter (`connectors.platforms`) onto the one order service, via the
order API's idempotent ingest (`commerce.ingest.order_event_ingest`: per-order lock, duplicate and
stale events recognised). Processing is idempotent twice over: the delivery's status column
(a redelivered task finds it processed) and the ingest's event digest.
"""

import json
import logging
import re
import secrets
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.ingest import order_event_ingest
from commerce.models import Order, OrderLine, Variation
from omo.money import quantize_money
from omo.tenancy.tasks import task_enqueue_on_commit

from . import crypto, selectors
from .models import Connection, ConnectionSecret, Delivery, IdMapping, Refund
from .platforms import adapter_for
from .platforms.base import ZERO, PayloadError

logger = logging.getLogger(__name__)

PROCESS_TASK = "connectors.process_delivery"
# Note/cart attribute names that carry a referral code or a recommendation link (token or URL).
REFERRAL_KEYS = ("omo_ref", "referral_code", "ref")
LINK_KEYS = ("omo_link", "omo_token", "recommendation_token", "_omo_link")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LINK_URL = re.compile(r"/l/([A-Za-z0-9_-]{1,64})/?")
DEFAULT_PREFIXES = {"shopify": "SHOPIFY-", "woocommerce": "WOO-", "shopline": "SHOPLINE-", "generic": "API-"}


# ---------------------------------------------------------------------------------------------
# Connections and secrets
# ---------------------------------------------------------------------------------------------


def _secret_add(merchant, connection, secret: str) -> str:
    secret = secret.strip() or secrets.token_urlsafe(32)
    ConnectionSecret.objects.for_merchant(merchant).create(
        merchant=merchant, connection=connection, ciphertext=crypto.encrypt(secret), hint=secret[-4:]
    )
    return secret


def _prefix_free(merchant, kind: str) -> str:
    base = DEFAULT_PREFIXES[kind]
    taken = set(Connection.objects.for_merchant(merchant).values_list("order_prefix", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base[:-1]}{n}-" in taken:
        n += 1
    return f"{base[:-1]}{n}-"


@transaction.atomic
def connection_create(*, merchant, name: str, kind: str, secret: str = "") -> tuple[Connection, str]:
    """A new connection and its first secret. Returns the plaintext secret: the only time it is shown
    (given by the platform, e.g. Shopify's or SHOPLINE's signing key, or generated here)."""
    if kind not in Connection.Kind.values:
        raise ValidationError({"kind": _("Unknown platform.")})
    connection = Connection.objects.for_merchant(merchant).create(
        merchant=merchant, name=name.strip(), kind=kind, order_prefix=_prefix_free(merchant, kind)
    )
    return connection, _secret_add(merchant, connection, secret)


@transaction.atomic
def connection_secret_rotate(*, merchant, connection: Connection, secret: str = "") -> str:
    """A new secret; the current one keeps working for CONNECTOR_ROTATION_GRACE_HOURS so the
    platform can be switched over without losing deliveries (two active while rotating). Older
    ones retire at once. Returns the new plaintext secret (shown once)."""
    now = timezone.now()
    current = ConnectionSecret.objects.for_merchant(merchant).select_for_update().filter(connection=connection)
    active = [s for s in current if s.is_active_at(now)]
    grace = now + timedelta(hours=settings.CONNECTOR_ROTATION_GRACE_HOURS)
    for index, row in enumerate(active):  # newest first
        row.retires_at = min(row.retires_at or grace, grace) if index == 0 else now
        row.save(update_fields=["retires_at"])
    return _secret_add(merchant, connection, secret)


@transaction.atomic
def connection_secret_retire(*, merchant, connection: Connection, secret_id: int) -> None:
    """End a rotation early: the old secret stops working now. The newest secret cannot be retired."""
    rows = list(ConnectionSecret.objects.for_merchant(merchant).filter(connection=connection))
    target = next((row for row in rows if row.pk == secret_id), None)
    if target is None or target is rows[0]:
        raise ValidationError(_("The current secret cannot be retired; rotate it instead."))
    target.retires_at = timezone.now()
    target.save(update_fields=["retires_at"])


# ---------------------------------------------------------------------------------------------
# Deliveries
# ---------------------------------------------------------------------------------------------


def delivery_receive(*, merchant, connection: Connection, delivery_id: str, topic: str, body: str
                     ) -> tuple[Delivery, bool]:
    """Store a verified webhook body (first, before any mapping) and queue its processing after
    commit. A delivery id seen before on this connection is acknowledged and not stored again:
    returns (the first delivery, False)."""
    deliveries = Delivery.objects.for_merchant(merchant)
    try:
        with transaction.atomic():
            delivery = deliveries.create(
                merchant=merchant, connection=connection, delivery_id=delivery_id[:200], topic=topic[:100], body=body
            )
    except IntegrityError:
        return deliveries.get(connection=connection, delivery_id=delivery_id[:200]), False
    task_enqueue_on_commit(PROCESS_TASK, merchant.pk, delivery.pk)
    return delivery, True


def delivery_process(*, merchant, delivery_id: int) -> Delivery:
    """Map one stored delivery onto the order service. Idempotent: a delivery already processed (or
    ignored) is left alone. A mapping error marks it failed with the reason (replayable); an outside
    id not yet mapped holds it in the unmapped inbox. Database outages propagate (the task retries)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.for_merchant(merchant).select_for_update().select_related("connection")
            .get(pk=delivery_id)
        )
        if delivery.status in (Delivery.Status.PROCESSED, Delivery.Status.IGNORED):
            return delivery
        delivery.attempts += 1
        try:
            with transaction.atomic():
                status, fields = _apply(merchant, delivery)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # noqa: BLE001 (any mapping failure is kept on the delivery for a replay)
            if not isinstance(exc, PayloadError | ValidationError | ValueError):
                logger.exception("connector delivery %s failed", delivery.pk)
            status, fields = Delivery.Status.FAILED, {"error": _error_text(exc), "outcome": ""}
        delivery.status = status
        delivery.processed_at = timezone.now()
        delivery.missing = fields.pop("missing", [])
        for name, value in fields.items():
            setattr(delivery, name, value)
        delivery.error = fields.get("error", "")
        delivery.save()
        return delivery


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return json.dumps(detail, default=str)[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


@transaction.atomic
def delivery_replay(*, merchant, deliveries) -> int:
    """Process failed or unmapped deliveries again from their stored payload (after the mapping or
    the code was fixed). Processed ones are left alone. Returns how many were queued."""
    queued = 0
    for delivery in deliveries:
        if delivery.merchant_id != merchant.pk or delivery.status in (Delivery.Status.PROCESSED,
                                                                      Delivery.Status.IGNORED):
            continue
        Delivery.objects.for_merchant(merchant).filter(pk=delivery.pk).update(status=Delivery.Status.PENDING)
        task_enqueue_on_commit(PROCESS_TASK, merchant.pk, delivery.pk)
        queued += 1
    return queued


# ---------------------------------------------------------------------------------------------
# Mapping a delivery onto the order service
# ---------------------------------------------------------------------------------------------


def _apply(merchant, delivery: Delivery) -> tuple[str, dict]:
    connection = delivery.connection
    adapter = adapter_for(connection.kind)
    if adapter is None:
        raise PayloadError(f"no webhook adapter for {connection.kind}")
    try:
        payload = json.loads(delivery.body)
    except json.JSONDecodeError as exc:
        raise PayloadError("the body is not JSON") from exc
    if not isinstance(payload, dict):
        raise PayloadError("the body is not a JSON object")
    event = adapter.parse(delivery.topic, payload)
    if event.kind == "ignore":
        return Delivery.Status.IGNORED, {"outcome": "ignored"}
    prefix = connection.order_prefix
    orders = Order.objects.for_merchant(merchant)
    if event.kind == "refund":
        number = prefix + event.order_id
        _refunds_store(merchant, connection, number, [event.refund])
        order = orders.filter(number=number).first()
        if order is None:  # the order's own event comes later and picks the refund up then
            return Delivery.Status.PROCESSED, {"order_number": number, "outcome": "refund_stored"}
        data = {"order_id": number, **_returns_on_existing(merchant, connection, order)}
        result = order_event_ingest(merchant=merchant, data=data)
        return Delivery.Status.PROCESSED, {"order_number": number, "outcome": result.outcome}
    if event.kind == "cancel":
        number = prefix + event.order_id
        if not orders.filter(number=number).exists():
            return Delivery.Status.IGNORED, {"order_number": number, "outcome": "unknown_order"}
        result = order_event_ingest(merchant=merchant, data={"order_id": number, "status": Order.Status.CANCELLED})
        return Delivery.Status.PROCESSED, {"order_number": number, "outcome": result.outcome}
    data = event.order
    number = prefix + data.order_id
    _refunds_store(merchant, connection, number, data.refunds)
    references, missing = _outside_ids(merchant, connection, data)
    if missing:
        return Delivery.Status.UNMAPPED, {"order_number": number, "outcome": "", "missing": missing}
    body = _order_body(merchant, connection, number, data, references)
    result = order_event_ingest(merchant=merchant, data=body)
    return Delivery.Status.PROCESSED, {"order_number": number, "outcome": result.outcome}


def _refunds_store(merchant, connection, number: str, refunds) -> None:
    rows = Refund.objects.for_merchant(merchant)
    for refund in refunds:
        lines = [{"sku": line.sku, "name": line.name, "quantity": line.quantity, "amount": str(line.amount)}
                 for line in refund.lines]
        rows.update_or_create(
            merchant=merchant, connection=connection, order_number=number, refund_id=refund.refund_id,
            defaults={"amount": refund.amount, "lines": lines},
        )


def _returns(merchant, connection, number: str) -> tuple[Decimal, dict]:
    """(refunded amount, {line key: [returned quantity, returned amount]}) over every refund of the order."""
    amount, per_line = ZERO, defaultdict(lambda: [0, ZERO])
    for refund in Refund.objects.for_merchant(merchant).filter(connection=connection, order_number=number):
        amount += refund.amount
        for line in refund.lines:
            key = line.get("sku") or line.get("name") or ""
            per_line[key][0] += int(line.get("quantity") or 0)
            per_line[key][1] += Decimal(line.get("amount") or "0")
    for value in per_line.values():
        value[1] = quantize_money(value[1], merchant.currency)
    return quantize_money(amount, merchant.currency), per_line


def _lines_with_returns(rows: list[dict], per_line: dict) -> list[dict]:
    """Spread each line key's returned units and amount over the order's lines with that key."""
    left = {key: list(value) for key, value in per_line.items()}
    for row in rows:
        key = row.get("sku") or row.get("name") or ""
        if key not in left:
            continue
        units = min(left[key][0], row["quantity"])
        subtotal = row["unit_price"] * row["quantity"]
        value = min(left[key][1], subtotal)
        row["returned_quantity"], row["returned_amount"] = units, value
        left[key][0] -= units
        left[key][1] -= value
    return rows


def _returns_on_existing(merchant, connection, order: Order) -> dict:
    amount, per_line = _returns(merchant, connection, order.number)
    rows = [
        {"sku": line.sku, "name": line.product_name, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in OrderLine.objects.for_merchant(merchant).filter(order=order).order_by("pk")
    ]
    return {
        "money": {"returned_amount": min(amount, max(order.total, order.item_subtotal))},
        "lines": _lines_with_returns(rows, per_line),
    }


def _outside_ids(merchant, connection, data) -> tuple[dict, list]:
    """The store and staff behind the order's POS location and user ids. An id seen for the first
    time is added to the mapping table (unmapped); while any is unmapped the order waits."""
    wanted = [(IdMapping.Kind.LOCATION, data.location_id), (IdMapping.Kind.USER, data.user_id)]
    references, missing = {}, []
    for kind, outside_id in wanted:
        if not outside_id:
            continue
        mapping, _created = IdMapping.objects.for_merchant(merchant).get_or_create(
            merchant=merchant, connection=connection, kind=kind, outside_id=outside_id
        )
        if not mapping.is_mapped:
            missing.append({"kind": kind, "outside_id": outside_id})
        elif kind == IdMapping.Kind.LOCATION:
            references["store"] = mapping.store
        else:
            references["staff"] = mapping.staff
    return references, missing


def _sku_by_barcode(merchant, lines) -> dict:
    """Products are matched by SKU; a line whose SKU is unknown here is matched by its barcode."""
    barcodes = {line.barcode for line in lines if line.barcode}
    if not barcodes:
        return {}
    known = set(
        Variation.objects.for_merchant(merchant).filter(sku__in={line.sku for line in lines if line.sku})
        .values_list("sku", flat=True)
    )
    found = dict(
        Variation.objects.for_merchant(merchant).filter(barcode__in=barcodes).values_list("barcode", "sku")
    )
    return {line.barcode: found[line.barcode] for line in lines
            if line.barcode in found and line.sku not in known}


def _link_token(attributes: dict) -> str:
    for key in LINK_KEYS:
        value = (attributes.get(key) or "").strip()
        if not value:
            continue
        match = LINK_URL.search(value)
        token = match.group(1) if match else value
        if TOKEN.match(token):
            return token
    return ""


def _order_body(merchant, connection, number: str, data, references: dict) -> dict:
    """The order API's event body (commerce.ingest) for one platform order."""
    by_barcode = _sku_by_barcode(merchant, data.lines)
    rows = [
        {"sku": by_barcode.get(line.barcode, line.sku), "name": line.name, "quantity": line.quantity,
         "unit_price": quantize_money(line.unit_price, merchant.currency)}
        for line in data.lines if line.quantity > 0
    ]
    refunded, per_line = _returns(merchant, connection, number)
    # Platforms send amounts in the shop's currency; a share they computed (a unit price from a
    # line subtotal) is rounded to the currency's digits, which the order service insists on.
    money = {name: quantize_money(value, merchant.currency) for name, value in data.money.items()}
    money["returned_amount"] = min(refunded, max(money.get("total", ZERO),
                                                  sum((r["unit_price"] * r["quantity"] for r in rows), ZERO)))
    body = {
        "order_id": number,
        "channel": Order.Channel.POS if data.pos else Order.Channel.WEB,
        "created_from": data.created_from,
        "status": data.status,
        "payment_status": data.payment_status,
        "delivery_status": data.delivery_status,
        "payment_method": data.payment_method,
        "money": money,
        "lines": _lines_with_returns(rows, per_line),
    }
    if data.placed_at:
        body["placed_at"] = data.placed_at
    if data.updated_at:
        body["updated_at"] = data.updated_at
    if "store" in references:
        body["store"] = references["store"].code
    if "staff" in references:
        body["closing_staff"] = references["staff"].pk
    candidates = [*data.codes, *(data.attributes.get(key, "") for key in REFERRAL_KEYS)]
    campaign_code = selectors.campaign_code_match(merchant=merchant, candidates=candidates)
    if campaign_code:
        body["campaign_code"] = campaign_code
    token = _link_token(data.attributes)
    if token:
        body["recommendation_token"] = token
    contact = data.contact
    if contact is not None:
        member = {}
        if contact.email and contact.email_verified:
            member["email"] = contact.email
        if contact.phone and contact.phone_verified:
            member["phone"] = contact.phone
        if member:
            body["member"] = {**member, "name": contact.name}
    return body


# ---------------------------------------------------------------------------------------------
# Outside-id mapping
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def id_mapping_set(*, merchant, mapping: IdMapping, store=None, staff=None) -> int:
    """Point an outside id at one of the merchant's stores (location) or staff (POS user), then
    process the deliveries that waited for it. Returns how many were queued again."""
    if store is not None and store.merchant_id != merchant.pk or staff is not None and staff.merchant_id != merchant.pk:
        raise ValidationError(_("Unknown store or staff member."))
    if mapping.kind == IdMapping.Kind.LOCATION:
        mapping.store, mapping.staff = store, None
    else:
        mapping.store, mapping.staff = None, staff
    mapping.save(update_fields=["store", "staff", "updated_at"])
    if not mapping.is_mapped:
        return 0
    waiting = Delivery.objects.for_merchant(merchant).filter(
        connection=mapping.connection, status=Delivery.Status.UNMAPPED
    )
    waiting = [d for d in waiting if {"kind": mapping.kind, "outside_id": mapping.outside_id} in (d.missing or [])]
    return delivery_replay(merchant=merchant, deliveries=waiting)
