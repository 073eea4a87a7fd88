from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404

from commerce.models import Order
from omo.tenancy.models import Staff

from .models import LinkClick, RecommendationItem, RecommendationLink


def link_get(*, merchant, link_id) -> RecommendationLink:
    return get_object_or_404(
        RecommendationLink.objects.for_merchant(merchant).select_related("staff", "store", "member", "merchant"),
        pk=link_id,
    )


def link_open_allowed(*, staff, link) -> bool:
    """A link's share page (QR, text message) is for the link's own staff member, the manager of
    the link's store and the merchant's admins."""
    if staff.role == Staff.Role.ADMIN or link.staff_id == staff.pk:
        return True
    return staff.role == Staff.Role.MANAGER and staff.store_id is not None and staff.store_id in (
        link.store_id, link.staff.store_id
    )


def link_get_for_staff(*, merchant, staff, link_id) -> RecommendationLink:
    """The link if this staff member may open its share page: another merchant's id is 404,
    another staff member's link (not theirs to manage) 403."""
    link = link_get(merchant=merchant, link_id=link_id)
    if not link_open_allowed(staff=staff, link=link):
        raise PermissionDenied
    return link


def link_by_token(*, merchant, token: str) -> RecommendationLink:
    """The merchant's link with this token, or 404 (a token from another merchant is not found)."""
    return get_object_or_404(
        # The shopper's page shows the staff and store; member and merchant are not joined.
        RecommendationLink.objects.for_merchant(merchant).select_related("staff", "store"),
        token=token,
    )


def link_items(*, merchant, link):
    """The link's recommended variations in the order staff picked them."""
    return [
        item.variation
        for item in RecommendationItem.objects.for_merchant(merchant)
        .filter(link=link)
        .select_related("variation__product")
        .order_by("position", "id")
    ]


@dataclass(frozen=True)
class LinkStatus:
    opens: int
    last_opened_at: datetime | None
    orders: int


def link_status(*, merchant, link) -> LinkStatus:
    """Whether the shared link was opened (clicks of logged-in shoppers) and bought from (orders
    placed through it, cancelled ones left out), for the share page."""
    clicks = LinkClick.objects.for_merchant(merchant).filter(link=link).aggregate(n=Count("id"), last=Max("clicked_at"))
    orders = (
        Order.objects.for_merchant(merchant)
        .filter(recommendation_token=link.token)
        .exclude(status=Order.Status.CANCELLED)
        .count()
    )
    return LinkStatus(opens=clicks["n"], last_opened_at=clicks["last"], orders=orders)
