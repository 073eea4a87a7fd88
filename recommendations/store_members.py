"""Reads for the manager's member list (issue 17 item 5): the members that belong to a store
(registered there, or by its staff) with their spending, one query per page."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.http import Http404

from commerce.models import Order
from commerce.spending import (
    OrderFigures,
    SpendingOverview,
    channel_group,
    spending_overview,
)
from members.models import Member
from omo.tenancy.models import Staff, Store

ZERO = Decimal("0.00")


def store_members_scope(*, merchant, viewer: Staff, store_id=None) -> Store | None:
    """The store whose members the viewer sees: a manager their own store, an admin the store they
    pick (None: every store). Another merchant's store id is a 404."""
    if viewer.role == Staff.Role.MANAGER:
        return viewer.store
    if store_id in (None, ""):
        return None
    store = Store.objects.for_merchant(merchant).filter(pk=store_id).first()
    if store is None:
        raise Http404
    return store


def store_member_list(*, merchant, store: Store | None) -> QuerySet[Member]:
    """Members registered at the store or by one of its staff, newest first (None: all members)."""
    members = Member.objects.for_merchant(merchant).select_related("registered_store", "registered_by")
    if store is not None:
        members = members.filter(Q(registered_store=store) | Q(registered_by__store=store))
    return members.order_by("-created_at", "-id")


def members_spending(*, merchant, member_ids) -> dict[int, SpendingOverview]:
    """Each member's spending overview (as on their profile), for a page of members in one query."""
    rows = (
        Order.objects.for_merchant(merchant)
        .filter(member_id__in=list(member_ids), parent__isnull=True)
        .annotate(linked=Case(When(~Q(recommendation_token=""), then=Value(True)), default=Value(False)))
        .order_by()
        .values("member_id", "channel", "status", "linked")
        .annotate(
            n=Count("id"),
            total_sum=Sum("total"),
            preorder_paid_sum=Sum("preorder_paid"),
            preorder_outstanding_sum=Sum("preorder_outstanding"),
            returned_sum=Sum("returned_amount"),
            edited_sum=Sum("edited_amount"),
        )
    )
    figures = defaultdict(list)
    for row in rows:
        figures[row["member_id"]].append(OrderFigures(
            group=channel_group(row["channel"], from_recommendation=row["linked"]),
            cancelled=row["status"] == Order.Status.CANCELLED,
            count=row["n"],
            total=row["total_sum"] or ZERO,
            preorder_paid=row["preorder_paid_sum"] or ZERO,
            preorder_outstanding=row["preorder_outstanding_sum"] or ZERO,
            returned=row["returned_sum"] or ZERO,
            edited=row["edited_sum"] or ZERO,
        ))
    return {member_id: spending_overview(figures.get(member_id, ())) for member_id in member_ids}
