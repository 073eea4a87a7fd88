"""The inbound adapters, one module per platform, by connection kind."""

from . import shopify, shopline, woocommerce

ADAPTERS = {"shopify": shopify, "woocommerce": woocommerce, "shopline": shopline}


def adapter_for(kind: str):
    """The platform module for a connection kind, or None (the generic kind uses the order API)."""
    return ADAPTERS.get(kind)
