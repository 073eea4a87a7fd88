"""Applying the attribution rules to stored orders (the worker side of SPEC section 3).

One code path for one order or a batch: the facts of all orders in a batch are loaded with a
handful of queries, decided in memory by `rules.decide`, and written with one upsert.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce import channels
from commerce.models import Order
from members.models import Member
from omo import metrics
from omo.api.publicid import public_id_of
from omo.tenancy.models import Staff, Store
from omo.webhooks import selectors as webhook_selectors
from omo.webhooks.models import EventType
from omo.webhooks.services import webhook_event_emit
from recommendations.models import LinkClick, RecommendationLink

from . import rollups, rules
from .models import Attribution, AttributionSettings

logger = logging.getLogger(__name__)

UPSERT_FIELDS = [
    "reason", "click", "link", "store", "staff", "click_at", "order_at", "window_hours", "decided_at", "counted_sales"
]

# Sales channel groups (SPEC section 1) as the rules see them.
RULES_CHANNEL = {
    channels.ONLINE: rules.Channel.ONLINE,
    channels.RETAIL: rules.Channel.STORE,
    channels.OTHERS: rules.Channel.OTHER,
}


def _order_facts(pk: int, at: datetime, channel: str, member_staff_id: int | None = None) -> rules.OrderFacts:
    # The rules break same-instant ties by id as text; zero-padding keeps that numeric order.
    return rules.OrderFacts(
        f"{pk:020d}",
        at,
        channel=RULES_CHANNEL[channels.channel_group(channel)],
        member_staff_id=str(member_staff_id) if member_staff_id is not None else None,
    )


def _click_facts(click: LinkClick) -> rules.ClickFacts:
    return rules.ClickFacts(
        id=f"{click.pk:020d}",
        link_id=str(click.link_id),
        staff_id=str(click.link.staff_id),
        store_id=str(click.link.store_id),
        at=click.clicked_at,
    )


def _member_clicks(merchant_id, member_ids, since, until) -> dict[int, list[LinkClick]]:
    """Each member's clicks in [since, until], plus the latest one before `since` so an order
    whose last click is older than the window is explained as 'expired', not 'no click'."""
    clicks = LinkClick.objects.for_merchant(merchant_id).select_related("link__staff", "link__store")
    by_member = defaultdict(list)
    for click in clicks.filter(member_id__in=member_ids, clicked_at__gte=since, clicked_at__lte=until):
        by_member[click.member_id].append(click)
    older = (
        Member.objects.for_merchant(merchant_id)
        .filter(pk__in=member_ids)
        .annotate(
            last_click=Subquery(
                LinkClick.objects.for_merchant(merchant_id)
                .filter(member_id=OuterRef("pk"), clicked_at__lt=since)
                .order_by("-clicked_at", "-pk")
                .values("pk")[:1]
            )
        )
        .exclude(last_click=None)
        .values_list("last_click", flat=True)
    )
    for click in clicks.filter(pk__in=list(older)):
        by_member[click.member_id].append(click)
    return by_member


def policies_get(*, merchant_id: int) -> list[rules.Policy]:
    """The merchant's attribution settings history, oldest first (empty: the defaults)."""
    history = AttributionSettings.objects.for_merchant(merchant_id).order_by("effective_from", "pk")
    return [row.as_policy() for row in history]


def _decide(
    order: Order,
    clicks: list[LinkClick],
    member_orders: list[tuple[int, datetime, str]],
    policies: list[rules.Policy],
    member_staff_id: int | None = None,
) -> Attribution:
    click_by_id = {f"{c.pk:020d}": c for c in clicks}
    decision = rules.decide(
        order=_order_facts(order.pk, order.placed_at, order.channel, member_staff_id),
        clicks=[_click_facts(c) for c in clicks],
        other_orders=[_order_facts(pk, at, channel) for pk, at, channel in member_orders if pk != order.pk],
        staff_resigned_at={str(c.link.staff_id): c.link.staff.resigned_at for c in clicks},
        store_removed_at={str(c.link.store_id): c.link.store.removed_at for c in clicks},
        policies=policies,
    )
    click = click_by_id[decision.click.id] if decision.click else None
    link = click.link if click else None
    return Attribution(
        merchant_id=order.merchant_id,
        order_id=order.pk,
        reason=decision.reason,
        click=click,
        link=link,
        store=link.store if decision.credited else None,
        staff=link.staff if decision.credited else None,
        click_at=click.clicked_at if click else None,
        order_at=order.placed_at,
        window_hours=decision.policy.window_hours,
        decided_at=timezone.now(),
    )


@transaction.atomic
def orders_attribute(*, merchant_id: int, order_ids) -> int:
    """Decide and store the attribution of these orders; returns how many rows were written.

    Idempotent: deciding an order again rewrites its single row (unique per order), so
    duplicated, retried or redelivered events never credit twice. Decisions are serialised
    per member (row locks, in id order) so two orders of one shopper cannot both take a
    click. Because the rules go by order time, not arrival, a late-arriving earlier order
    can change which order was first after a click: the members' already-decided orders in
    the window after the batch are decided again in the same transaction.
    """
    order_ids = list(order_ids)
    fields = ("pk", "merchant_id", "member_id", "placed_at", "channel")
    orders = list(
        Order.objects.for_merchant(merchant_id)
        .filter(pk__in=order_ids)
        .only(*fields, "created_at")
        .annotate(was_decided=Exists(Attribution.objects.for_merchant(merchant_id).filter(order_id=OuterRef("pk"))))
    )
    if not orders:
        return 0
    policies = policies_get(merchant_id=merchant_id)
    member_ids = sorted({o.member_id for o in orders if o.member_id is not None})
    # A guest has no clicking account.
    results = [_decide(o, [], [], policies) for o in orders if o.member_id is None]
    if member_ids:
        # Lock the members (serialises deciding their orders) and learn which of them are a staff
        # member's own shopper account (same user), for the self-referral rule.
        own_staff = Staff.objects.for_merchant(merchant_id).filter(user_id=OuterRef("user_id")).values("pk")[:1]
        members = Member.objects.for_merchant(merchant_id).filter(pk__in=member_ids)
        member_staff = dict(
            members.select_for_update().order_by("pk")
            .annotate(staff_pk=Subquery(own_staff)).values_list("pk", "staff_pk")
        )
        earliest = min(o.placed_at for o in orders if o.member_id)
        latest = max(o.placed_at for o in orders if o.member_id)
        window = rules.longest_window(policies)
        since, until = earliest - window, latest + window
        clicks = _member_clicks(merchant_id, member_ids, since, until)
        member_orders = defaultdict(list)
        to_decide = {o.pk: o for o in orders if o.member_id}
        decided = Attribution.objects.for_merchant(merchant_id)
        nearby = (
            Order.objects.for_merchant(merchant_id)
            .filter(member_id__in=member_ids, placed_at__gte=since, placed_at__lte=until)
            .only(*fields)
            .annotate(decided=Subquery(decided.filter(order_id=OuterRef("pk")).values("pk")[:1]))
        )
        for other in nearby:
            member_orders[other.member_id].append((other.pk, other.placed_at, other.channel))
            if other.decided is not None and other.placed_at >= earliest and other.pk not in to_decide:
                to_decide[other.pk] = other
        results += [
            _decide(o, clicks[o.member_id], member_orders[o.member_id], policies, member_staff.get(o.member_id))
            for o in to_decide.values()
        ]
    credit_types = {EventType.ORDER_ATTRIBUTED, EventType.ORDER_CREDIT_CHANGED}
    emitting = bool(webhook_selectors.webhook_types_subscribed(merchant=merchant_id) & credit_types)
    before = {}
    if emitting:
        before = {
            row.order_id: row for row in Attribution.objects.for_merchant(merchant_id)
            .filter(order_id__in=[r.order_id for r in results]).only("order_id", "store_id", "staff_id", "reason")
        }
    rollups.credits_record(merchant_id, results)
    Attribution.objects.for_merchant(merchant_id).bulk_create(
        results, update_conflicts=True, unique_fields=["merchant", "order"], update_fields=UPSERT_FIELDS
    )
    if emitting:
        _credit_events_emit(merchant_id, results, before)
    _latency_record(orders, results)
    return len(results)


def _credit_data(row: Attribution) -> dict:
    """Every id is the public id the merchant API shows for that object (never a primary key)."""
    store = ({"id": public_id_of(Store, row.store_id), "code": row.store.code, "name": row.store.name}
             if row.store_id else None)
    staff = {"id": public_id_of(Staff, row.staff_id), "name": row.staff.display_name} if row.staff_id else None
    return {"credited": row.store_id is not None, "reason": row.reason, "store": store, "staff": staff,
            "link": public_id_of(RecommendationLink, row.link_id), "click_at": row.click_at}


def _credit_events_emit(merchant_id, results: list[Attribution], before: dict[int, Attribution]) -> None:
    """Outbound webhooks: order.attributed the first time an order is credited, order.credit_changed
    whenever a decided order's credit moves (another store or staff, or credited / not credited)."""
    changes = []
    for row in results:
        old = before.get(row.order_id)
        credit = (row.store_id, row.staff_id)
        if old is None and row.store_id is not None:
            changes.append((EventType.ORDER_ATTRIBUTED, row, None))
        elif old is not None and (old.store_id, old.staff_id) != credit:
            changes.append((EventType.ORDER_CREDIT_CHANGED, row, old))
            if old.store_id is None and row.store_id is not None:
                changes.append((EventType.ORDER_ATTRIBUTED, row, None))
    if not changes:
        return
    numbers = dict(
        Order.objects.for_merchant(merchant_id).filter(pk__in={row.order_id for _t, row, _o in changes})
        .values_list("pk", "number")
    )
    for type, row, old in changes:
        data = {"order": {"id": public_id_of(Order, row.order_id), "number": numbers.get(row.order_id)},
                **_credit_data(row)}
        if type == EventType.ORDER_ATTRIBUTED:
            key = f"order.attributed:{row.order_id}"
        else:
            data["previous"] = {"credited": old.store_id is not None, "reason": old.reason,
                                "store": public_id_of(Store, old.store_id),
                                "staff": public_id_of(Staff, old.staff_id)}
            key = f"order.credit_changed:{row.order_id}:{row.decided_at.isoformat()}"
        webhook_event_emit(merchant=merchant_id, type=type, data=data, idempotency_key=key)


def _latency_record(orders: list[Order], results: list[Attribution]) -> None:
    """omo_attribution_latency_seconds: arrival -> first decision, for the orders asked about
    (not those decided again, nor a replay of old orders)."""
    first = {o.pk: o.created_at for o in orders if not o.was_decided}
    for attribution in results:
        if attribution.order_id in first:
            seconds = (attribution.decided_at - first[attribution.order_id]).total_seconds()
            metrics.attribution_decided(reason=attribution.reason, seconds=seconds)


def order_attribute(*, merchant_id: int, order_id: int) -> Attribution | None:
    """One order: the same path as a batch of one."""
    orders_attribute(merchant_id=merchant_id, order_ids=[order_id])
    return Attribution.objects.for_merchant(merchant_id).filter(order_id=order_id).first()


def unattributed_order_ids(*, merchant_id: int, older_than, limit: int = 1000) -> list[int]:
    return list(
        Order.objects.for_merchant(merchant_id)
        .filter(attribution__isnull=True, created_at__lte=older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def attribution_settings_change(
    *, merchant, window_hours: int, in_store_credit: bool, changed_by: Staff | None
) -> AttributionSettings | None:
    """Record new attribution settings, in force for orders placed from now on.

    Orders placed before keep the decision made under the settings then in force. Returns the
    new row, or None when nothing changed (no history entry for a save without a change).
    """
    if isinstance(window_hours, bool) or not isinstance(window_hours, int) or not (
        1 <= window_hours <= rules.MAX_WINDOW_HOURS
    ):
        raise ValidationError({"window_hours": _("Enter a whole number of hours from 1 to 8760.")})
    history = AttributionSettings.objects.for_merchant(merchant)
    # Serialise changes of one merchant so two admins saving at once both land in the history.
    current = history.select_for_update().order_by("-effective_from", "-pk").first()
    current_values = (current.window_hours, current.in_store_credit) if current else (
        rules.DEFAULT_WINDOW_HOURS, False
    )
    if current_values == (window_hours, bool(in_store_credit)):
        return None
    now = timezone.now()
    return history.create(
        merchant=merchant,
        window_hours=window_hours,
        in_store_credit=bool(in_store_credit),
        effective_from=now,
        changed_by=changed_by,
        created_at=now,
    )
