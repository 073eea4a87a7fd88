from django.http import Http404
from django.shortcuts import get_object_or_404

from omo.tenancy.models import Staff

from .models import Member
from .normalize import normalize_identifier


def member_get(*, merchant, member_id) -> Member:
    """The merchant's member, or 404 (another merchant's id is simply not found)."""
    return get_object_or_404(Member.objects.for_merchant(merchant), pk=member_id)


def member_visible_to(*, staff, member, found_ids=()) -> bool:
    """Merchant admins see every member; managers and store staff their store's members, those
    they registered, and those they found by an exact search (`found_ids`)."""
    if staff.role == Staff.Role.ADMIN:
        return True
    if staff.store_id is not None and member.registered_store_id == staff.store_id:
        return True
    return member.registered_by_id == staff.pk or member.pk in found_ids


def member_get_for_staff(*, merchant, staff, member_id, found_ids=()) -> Member:
    """The member if this staff member may open it, else 404 (whether or not the id exists)."""
    member = member_get(merchant=merchant, member_id=member_id)
    if not member_visible_to(staff=staff, member=member, found_ids=found_ids):
        raise Http404
    return member


def member_find(*, merchant, query: str) -> Member | None:
    """Exact lookup by normalised phone or email. Raises ValidationError on unreadable input."""
    kind, value = normalize_identifier(query, merchant.country)
    return Member.objects.for_merchant(merchant).filter(**{kind: value}).first()


def member_spending(*, merchant, member):
    """The spending overview, aggregated from the member's orders now (current within seconds)."""
    from django.db.models import BooleanField, Case, Count, Sum, Value, When

    from commerce.models import Order

    from .spending import OrderFigures, channel_group, spending_overview

    rows = (
        Order.objects.for_merchant(merchant)
        .filter(member=member, parent__isnull=True)
        .annotate(
            linked=Case(
                When(recommendation_link__isnull=False, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by()
        .values("channel", "status", "linked")
        .annotate(
            n=Count("id"),
            total_sum=Sum("total"),
            preorder_paid_sum=Sum("preorder_paid"),
            preorder_outstanding_sum=Sum("preorder_outstanding"),
            returned_sum=Sum("returned_amount"),
            edited_sum=Sum("edited_amount"),
        )
    )
    return spending_overview(
        OrderFigures(
            group=channel_group(row["channel"], from_recommendation=row["linked"]),
            cancelled=row["status"] == Order.Status.CANCELLED,
            count=row["n"],
            total=row["total_sum"],
            preorder_paid=row["preorder_paid_sum"],
            preorder_outstanding=row["preorder_outstanding_sum"],
            returned=row["returned_sum"],
            edited=row["edited_sum"],
        )
        for row in rows
    )


def member_orders(*, merchant, member):
    """The member's spending records, all channels, newest first (retail rows carry the store)."""
    from commerce.models import Order

    return (
        Order.objects.for_merchant(merchant)
        .filter(member=member, parent__isnull=True)
        .select_related("source_store", "attribution__staff", "attribution__store")
        .order_by("-placed_at", "-id")
    )


def member_points_balance(*, merchant, member):
    """Points balance from the loyalty app when it provides one (None otherwise)."""
    try:
        from loyalty import selectors as loyalty_selectors
    except ImportError:
        return None
    if not hasattr(loyalty_selectors, "points_balance"):
        return None
    return loyalty_selectors.points_balance(merchant=merchant, member=member)
