"""The shopper's cart, kept in the session per merchant: {variation id: quantity}."""

from django.conf import settings
from django.core import signing

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


# The recommendation link the shopper came through last (the order's source store and link) is
# kept in a signed cookie bound to the signed-in session (its key is in the signature), not in the
# session: a shopper's open of another link changes it, and a session write (a database UPDATE and
# a Redis SET) on every such open was a quarter of a link open's cost (bench/link_open.py). Like
# session data it ends with the session (sign-out, a new session key), and cannot be forged.
LINK_COOKIE_SALT = "storefront.cart_link"


def _link_cookie(merchant) -> str:
    return f"omo_cart_link_{merchant.pk}"


def _link_salt(session_key: str) -> str:
    """Bound to the session: the cookie of another (or an ended) session never verifies."""
    return f"{LINK_COOKIE_SALT}:{session_key}"


def link_token_set(request, response, *, merchant, token: str) -> None:
    response.set_signed_cookie(
        _link_cookie(merchant), token, salt=_link_salt(request.session.session_key),
        max_age=settings.SESSION_COOKIE_AGE, httponly=True, samesite=settings.SESSION_COOKIE_SAMESITE or "Lax",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )


def link_token_get(request, *, merchant) -> str:
    key = request.session.session_key
    if not key:
        return ""
    try:
        return request.get_signed_cookie(_link_cookie(merchant), default="", salt=_link_salt(key),
                                         max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:
        return ""
