"""Reads on outbound webhooks, for the merchant's pages."""

from django.shortcuts import get_object_or_404

from .models import Delivery, Endpoint


def endpoint_list(*, merchant):
    return Endpoint.objects.for_merchant(merchant).order_by("created_at", "pk")


def endpoint_get(*, merchant, endpoint_id) -> Endpoint:
    """404 for another merchant's id (no hint that it exists)."""
    return get_object_or_404(Endpoint.objects.for_merchant(merchant), pk=endpoint_id)


def delivery_list(*, merchant, endpoint: Endpoint):
    return Delivery.objects.for_merchant(merchant).filter(endpoint=endpoint).select_related("event")


def delivery_get(*, merchant, endpoint: Endpoint, delivery_id) -> Delivery:
    return get_object_or_404(delivery_list(merchant=merchant, endpoint=endpoint), pk=delivery_id)


def disabled_endpoints(*, merchant):
    """For the banner on the merchant's webhook pages."""
    return endpoint_list(merchant=merchant).filter(is_active=False)


def webhook_types_subscribed(*, merchant) -> set[str]:
    """The event types some active endpoint of the merchant wants: emitters with a batch to walk
    skip building payloads nobody receives."""
    types = set()
    for event_types in Endpoint.objects.for_merchant(merchant).filter(is_active=True).values_list("event_types", flat=True):
        types.update(event_types or [])
    return types
