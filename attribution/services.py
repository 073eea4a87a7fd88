"""Applying the attribution rules to stored orders (the worker side of SPEC section 3).

One code path for one order or a batch: the facts of all orders in a batch are loaded with a
handful of queries, decided in memory by `rules.decide`, and written with one upsert.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from commerce.models import Order
from members.models import Member
from recommendations.models import LinkClick

from . import rules
from .models import Attribution

logger = logging.getLogger(__name__)

UPSERT_FIELDS = ["reason", "click", "link", "store", "staff", "click_at", "order_at", "decided_at"]


def _order_facts(pk: int, at: datetime) -> rules.OrderFacts:
    # The rules break same-instant ties by id as text; zero-padding keeps that numeric order.
    return rules.OrderFacts(f"{pk:020d}", at)


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


def _decide(order: Order, clicks: list[LinkClick], member_orders: list[tuple[int, datetime]]) -> Attribution:
    click_by_id = {f"{c.pk:020d}": c for c in clicks}
    decision = rules.decide(
        order=_order_facts(order.pk, order.placed_at),
        clicks=[_click_facts(c) for c in clicks],
        other_orders=[_order_facts(pk, at) for pk, at in member_orders if pk != order.pk],
        staff_resigned_at={str(c.link.staff_id): c.link.staff.resigned_at for c in clicks},
        store_removed_at={str(c.link.store_id): c.link.store.removed_at for c in clicks},
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
    fields = ("pk", "merchant_id", "member_id", "placed_at")
    orders = list(Order.objects.for_merchant(merchant_id).filter(pk__in=list(order_ids)).only(*fields))
    if not orders:
        return 0
    member_ids = sorted({o.member_id for o in orders if o.member_id is not None})
    results = [_decide(o, [], []) for o in orders if o.member_id is None]  # a guest has no clicking account
    if member_ids:
        members = Member.objects.for_merchant(merchant_id).filter(pk__in=member_ids)
        list(members.select_for_update().order_by("pk").values_list("pk"))
        earliest = min(o.placed_at for o in orders if o.member_id)
        latest = max(o.placed_at for o in orders if o.member_id)
        since, until = earliest - rules.WINDOW, latest + rules.WINDOW
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
            member_orders[other.member_id].append((other.pk, other.placed_at))
            if other.decided is not None and other.placed_at >= earliest and other.pk not in to_decide:
                to_decide[other.pk] = other
        results += [_decide(o, clicks[o.member_id], member_orders[o.member_id]) for o in to_decide.values()]
    Attribution.objects.for_merchant(merchant_id).bulk_create(
        results, update_conflicts=True, unique_fields=["order"], update_fields=UPSERT_FIELDS
    )
    return len(results)


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
