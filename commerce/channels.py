"""Sales channels and the three groups the spec reports them in (SPEC section 1): plain data,
no ORM, so the pure spending rules and the Order model share one copy."""

RETAIL = "retail"  # retail store: POS, kiosk, OMO
ONLINE = "online"  # online store: web store incl. message center, social commerce, post sale
OTHERS = "others"  # API and imported orders

RETAIL_CHANNELS = frozenset({"pos", "kiosk", "omo"})
ONLINE_CHANNELS = frozenset({"web", "message_center", "social", "post_sale"})


def channel_group(channel: str) -> str:
    if channel in RETAIL_CHANNELS:
        return RETAIL
    if channel in ONLINE_CHANNELS:
        return ONLINE
    return OTHERS
