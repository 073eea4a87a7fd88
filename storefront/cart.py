"""The shopper's cart, kept in the session per merchant: {variation id: quantity}."""

MAX_QUANTITY = 99


def _key(merchant) -> str:
    return f"cart:{merchant.pk}"


def cart_get(session, *, merchant) -> dict[int, int]:
    return {int(k): int(v) for k, v in session.get(_key(merchant), {}).items()}


def _save(session, merchant, cart: dict[int, int]) -> None:
    session[_key(merchant)] = {str(k): v for k, v in cart.items() if v > 0}


def cart_add(session, *, merchant, variation_id: int, quantity: int = 1) -> None:
    cart = cart_get(session, merchant=merchant)
    cart[variation_id] = min(cart.get(variation_id, 0) + max(quantity, 1), MAX_QUANTITY)
    _save(session, merchant, cart)


def cart_set(session, *, merchant, variation_id: int, quantity: int) -> None:
    cart = cart_get(session, merchant=merchant)
    cart[variation_id] = max(0, min(quantity, MAX_QUANTITY))
    _save(session, merchant, cart)


def cart_clear(session, *, merchant) -> None:
    session.pop(_key(merchant), None)


def link_token_set(session, *, merchant, token: str) -> None:
    """The recommendation link the shopper came through last (the order's source store and link)."""
    session[f"cart_link:{merchant.pk}"] = token


def link_token_get(session, *, merchant) -> str:
    return session.get(f"cart_link:{merchant.pk}", "")
