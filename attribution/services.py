"""Applying the attribution rules to stored orders (the worker side of SPEC section 3)."""

import logging

from django.db import transaction

from commerce.models import Order
from members.models import Member
from recommendations.models import LinkClick

from . import rules
from .models import Attribution

logger = logging.getLogger(__name__)


def _click_facts(click: LinkClick) -> rules.ClickFacts:
    return rules.ClickFacts(
        id=str(click.pk),
        link_id=str(click.link_id),
        staff_id=str(click.link.staff_id),
        store_id=str(click.link.store_id),
        at=click.clicked_at,
    )


def _decide(order: Order) -> tuple[rules.Decision, LinkClick | None]:
    """Load just the facts the rules need for one order and decide it."""
    merchant = order.merchant_id
    if order.member_id is None:
        # A guest order has no clicking account.
        decision = rules.decide(
            order=_order_facts(order.pk, order.placed_at),
            clicks=[],
            other_orders=[],
            staff_resigned_at={},
            store_removed_at={},
        )
        return decision, None
    # Only the latest click at or before the order matters: the rules never fall back to an older one.
    click = (
        LinkClick.objects.for_merchant(merchant)
        .select_related("link__staff", "link__store")
        .filter(member_id=order.member_id, clicked_at__lte=order.placed_at)
        .order_by("-clicked_at", "-pk")
        .first()
    )
    clicks = [_click_facts(click)] if click else []
    other_orders = []
    if click is not None:
        # Orders of the member between that click and this order (a cancelled one still used the click).
        other_orders = [
            _order_facts(pk, at)
            for pk, at in Order.objects.for_merchant(merchant)
            .filter(member_id=order.member_id, placed_at__gte=click.clicked_at, placed_at__lte=order.placed_at)
            .exclude(pk=order.pk)
            .values_list("pk", "placed_at")
        ]
    decision = rules.decide(
        order=_order_facts(order.pk, order.placed_at),
        clicks=clicks,
        other_orders=other_orders,
        staff_resigned_at={str(click.link.staff_id): click.link.staff.resigned_at} if click else {},
        store_removed_at={str(click.link.store_id): click.link.store.removed_at} if click else {},
    )
    return decision, click


def _order_facts(pk: int, at) -> rules.OrderFacts:
    # The rules break same-instant ties by id as text; zero-padding keeps that numeric order.
    return rules.OrderFacts(f"{pk:020d}", at)


def _store(order: Order, decision: rules.Decision, click: LinkClick | None) -> Attribution:
    link = click.link if click else None
    attribution, _ = Attribution.objects.for_merchant(order.merchant_id).update_or_create(
        order=order,
        defaults={
            "merchant_id": order.merchant_id,
            "reason": decision.reason,
            "click": click,
            "link": link,
            "store": link.store if decision.credited else None,
            "staff": link.staff if decision.credited else None,
            "click_at": click.clicked_at if click else None,
            "order_at": order.placed_at,
        },
    )
    return attribution


@transaction.atomic
def order_attribute(*, merchant_id: int, order_id: int) -> Attribution | None:
    """Decide and store the attribution of one order. Idempotent: running it again for the
    same order rewrites the same single row (one attribution per order, by a unique key).

    Decisions are serialised per member (row lock) so two orders of one shopper cannot both
    take the same click. An order arriving late (reordered events) can change which of the
    member's orders was first after a click, so the member's later orders in the window are
    decided again too.
    """
    order = Order.objects.for_merchant(merchant_id).filter(pk=order_id).first()
    if order is None:
        logger.warning("attribution: order %s of merchant %s does not exist", order_id, merchant_id)
        return None
    if order.member_id is not None:
        Member.objects.for_merchant(merchant_id).select_for_update().filter(pk=order.member_id).first()
    decision, click = _decide(order)
    attribution = _store(order, decision, click)
    if order.member_id is not None:
        later = (
            Order.objects.for_merchant(merchant_id)
            .filter(member_id=order.member_id, placed_at__gte=order.placed_at, placed_at__lte=order.placed_at + rules.WINDOW)
            .exclude(pk=order.pk)
            .filter(attribution__isnull=False)
            .order_by("placed_at", "pk")
        )
        for other in later:
            _store(other, *_decide(other))
    return attribution


def unattributed_order_ids(*, merchant_id: int, older_than, limit: int = 1000) -> list[int]:
    return list(
        Order.objects.for_merchant(merchant_id)
        .filter(attribution__isnull=True, created_at__lte=older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
