from django.shortcuts import get_object_or_404

from .models import RecommendationItem, RecommendationLink


def link_get(*, merchant, link_id) -> RecommendationLink:
    return get_object_or_404(
        RecommendationLink.objects.for_merchant(merchant).select_related("staff", "store", "member", "merchant"),
        pk=link_id,
    )


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
