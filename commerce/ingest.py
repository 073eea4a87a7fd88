"""Applying order events from the order API: idempotent by the merchant's order id.

The events of one order are serialised (`services.order_lock`), then each is either a
redelivery of an event already applied ("duplicate"), older than one already applied
("stale"), or applied through the order service: created when the order is new, else updated
with exactly the fields it carries.
"""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from members.models import Member
from members.services import member_created_emit
from omo import metrics
from omo.contact import normalize_email, normalize_phone
from omo.tenancy.models import Staff, Store

from . import services
from .models import Order, OrderEvent, Variation

# Event keys that are order fields under the same name.
PLAIN_FIELDS = (
    "channel",
    "created_from",
    "status",
    "payment_status",
    "payment_method",
    "delivery_status",
    "recommendation_token",
    "campaign_code",
    "placed_at",
)
NEW_ORDER_DEFAULTS = {"channel": Order.Channel.API}


@dataclass(frozen=True)
class IngestResult:
    order: Order | None
    outcome: str  # created | updated | cancelled | duplicate | stale

    @property
    def created(self):
        return self.outcome == "created"


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _member(merchant, data: dict | None) -> Member | None:
    if not data:
        return None
    members = Member.objects.for_merchant(merchant)
    phone = normalize_phone(data["phone"], merchant.country) if data.get("phone") else ""
    email = normalize_email(data["email"]) if data.get("email") else ""
    if not (phone or email):
        return None

    def find():
        return (phone and members.filter(phone=phone).first()) or (email and members.filter(email=email).first())

    found = find()
    if found:
        return found
    try:
        with transaction.atomic():
            member = members.create(merchant=merchant, phone=phone, email=email, name=data.get("name", ""))
            member_created_emit(member)
            return member
    except IntegrityError:  # another order's event registered the same shopper a moment ago
        return find()


def _lines(merchant, rows: list[dict]) -> list[services.LineInput]:
    skus = {row["sku"] for row in rows if row.get("sku")}
    variations = {
        v.sku: v for v in Variation.objects.for_merchant(merchant).select_related("product").filter(sku__in=skus)
    }
    return [
        services.LineInput(
            variation=variations.get(row.get("sku", "")),
            quantity=row["quantity"],
            unit_price=row["unit_price"],
            product_name=row.get("name", ""),
            sku=row.get("sku", ""),
            returned_quantity=row.get("returned_quantity", 0),
            returned_amount=row.get("returned_amount", Decimal("0")),
        )
        for row in rows
    ]


def _references(merchant, data: dict) -> dict:
    """Resolve store/staff references within the merchant; an unknown one is a 400, never a leak."""
    refs = {}
    errors = {}
    if "store" in data:
        refs["source_store"] = None
        if data["store"]:
            refs["source_store"] = Store.objects.for_merchant(merchant).filter(code=data["store"]).first()
            if refs["source_store"] is None:
                errors["store"] = _("Unknown store code.")
    if "closing_staff" in data:
        refs["closing_staff"] = Staff.objects.for_merchant(merchant).filter(pk=data["closing_staff"]).first()
        if refs["closing_staff"] is None:
            errors["closing_staff"] = _("Unknown staff id.")
    if errors:
        raise ValidationError(errors)
    return refs


def _changes(merchant, data: dict) -> dict:
    """The order fields this event gives, and only those."""
    changes = {name: data[name] for name in PLAIN_FIELDS if name in data}
    changes.update(_references(merchant, data))
    changes.update({k: Decimal(v) for k, v in (data.get("money") or {}).items()})
    member = _member(merchant, data.get("member"))
    if member is not None:
        changes["member"] = member
    return changes


@transaction.atomic
def order_event_ingest(*, merchant, data: dict) -> IngestResult:
    """Create or update the order `data["order_id"]` from a validated API body.

    Redelivery of an event already applied answers "duplicate" and changes nothing; an event
    whose `updated_at` is older than one already applied answers "stale"; any other event is
    applied, whichever arrives first: an update that overtook its create creates the order, and
    the create then arriving late is stale. Cancellation keeps the order (and its attribution)
    listed. Raises ValidationError (nothing written) for references or figures that do not hold.
    """
    number = data["order_id"]
    services.order_lock(merchant=merchant, number=number)
    digest = _digest(data)
    events = OrderEvent.objects.for_merchant(merchant)
    existing = Order.objects.for_merchant(merchant).filter(number=number).first()
    if events.filter(number=number, digest=digest).exists():
        metrics.order_event(source="api", outcome="duplicate")
        return IngestResult(existing, "duplicate")
    updated_at = data.get("updated_at")
    if existing and updated_at and events.filter(number=number, source_updated_at__gt=updated_at).exists():
        _record(merchant, number, digest, updated_at, "stale")
        return IngestResult(existing, "stale")
    changes = _changes(merchant, data)
    lines = _lines(merchant, data["lines"]) if "lines" in data else None
    if existing is None:
        try:
            with transaction.atomic():
                order = services.order_create(
                    merchant=merchant, number=number, lines=lines or [], **{**NEW_ORDER_DEFAULTS, **changes}
                )
            outcome = "created"
        except IntegrityError:
            # Created a moment ago by another way in (e.g. an admin): this event is its update.
            existing = Order.objects.for_merchant(merchant).get(number=number)
    if existing is not None:
        order = services.order_update(merchant=merchant, order=existing, changes=changes, lines=lines)
        outcome = "cancelled" if order.status == Order.Status.CANCELLED else "updated"
    _record(merchant, number, digest, updated_at, outcome)
    return IngestResult(order, outcome)


def _record(merchant, number, digest, updated_at, outcome):
    OrderEvent.objects.for_merchant(merchant).create(
        merchant=merchant, number=number, digest=digest, source_updated_at=updated_at, outcome=outcome
    )
    transaction.on_commit(lambda: metrics.order_event(source="api", outcome=outcome), robust=True)
