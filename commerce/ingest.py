"""Applying order events from the external order API: idempotent by the merchant's order id."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from attribution.models import OrderEvent
from members.models import Member
from members.normalize import normalize_email, normalize_phone
from omo.tenancy.models import Staff, Store
from recommendations.models import RecommendationLink

from . import services
from .events import order_changed
from .models import Order, OrderLine, Variation


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
    found = (phone and members.filter(phone=phone).first()) or (email and members.filter(email=email).first())
    if found:
        return found
    return members.create(merchant=merchant, phone=phone, email=email, name=data.get("name", ""))


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
    """Resolve store/staff/link references within the merchant; an unknown one is a 400, never a leak."""
    refs = {}
    errors = {}
    if data.get("store"):
        refs["source_store"] = Store.objects.for_merchant(merchant).filter(code=data["store"]).first()
        if refs["source_store"] is None:
            errors["store"] = _("Unknown store code.")
    if data.get("closing_staff"):
        refs["closing_staff"] = Staff.objects.for_merchant(merchant).filter(pk=data["closing_staff"]).first()
        if refs["closing_staff"] is None:
            errors["closing_staff"] = _("Unknown staff id.")
    if data.get("recommendation_token"):
        refs["recommendation_link"] = (
            RecommendationLink.objects.for_merchant(merchant).filter(token=data["recommendation_token"]).first()
        )
        if refs["recommendation_link"] is None:
            errors["recommendation_token"] = _("Unknown recommendation link.")
    if errors:
        raise ValidationError(errors)
    return refs


@transaction.atomic
def order_event_ingest(*, merchant, data: dict) -> IngestResult:
    """Create or update the order `data["order_id"]` from a validated API body.

    Redelivery of the same body answers "duplicate" and changes nothing; an update whose
    `updated_at` is older than one already applied answers "stale"; cancellation keeps the
    order (and its attribution) listed.
    """
    number = data["order_id"]
    digest = _digest(data)
    events = OrderEvent.objects.for_merchant(merchant)
    # Serialise events of one order: the first delivery holds the lock, a redelivery waits then sees it.
    existing = Order.objects.for_merchant(merchant).select_for_update().filter(number=number).first()
    if events.filter(number=number, digest=digest).exists():
        return IngestResult(existing, "duplicate")
    updated_at = data.get("updated_at")
    if existing and updated_at and events.filter(number=number, source_updated_at__gt=updated_at).exists():
        _record(merchant, number, digest, updated_at, "stale")
        return IngestResult(existing, "stale")
    refs = _references(merchant, data)
    member = _member(merchant, data.get("member"))
    money = {k: Decimal(v) for k, v in (data.get("money") or {}).items()}
    fields = {
        "channel": data.get("channel", Order.Channel.API),
        "created_from": data.get("created_from", ""),
        "status": data.get("status", Order.Status.PROCESSING),
        "payment_status": data.get("payment_status", Order.PaymentStatus.PENDING),
        "payment_method": data.get("payment_method", ""),
        **refs,
    }
    if existing is None:
        try:
            with transaction.atomic():
                order = services.order_create(
                    merchant=merchant,
                    number=number,
                    member=member,
                    placed_at=data["placed_at"],
                    lines=_lines(merchant, data.get("lines", [])),
                    **fields,
                    **money,
                )
        except IntegrityError:
            # A concurrent first delivery of the same order won; treat this one as its duplicate.
            return IngestResult(Order.objects.for_merchant(merchant).get(number=number), "duplicate")
        outcome = "created"
    else:
        order = existing
        for name, value in {**fields, **money}.items():
            setattr(order, name, value)
        if "delivery_status" in data:
            order.delivery_status = data["delivery_status"]
        if member is not None:
            order.member = member
        order.save()
        if "lines" in data:
            OrderLine.objects.for_merchant(merchant).filter(order=order).delete()
            OrderLine.objects.for_merchant(merchant).bulk_create(
                [services.build_line(merchant, order, line) for line in _lines(merchant, data["lines"])]
            )
        order_changed(order)
        outcome = "cancelled" if order.status == Order.Status.CANCELLED else "updated"
    _record(merchant, number, digest, updated_at, outcome)
    return IngestResult(order, outcome)


def _record(merchant, number, digest, updated_at, outcome):
    OrderEvent.objects.for_merchant(merchant).create(
        merchant=merchant, number=number, digest=digest, source_updated_at=updated_at, outcome=outcome
    )
