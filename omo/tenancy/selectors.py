"""Reads of the tenant itself."""

import copy
import threading
import time

from django_scopes import scopes_disabled

from .models import Merchant, Staff

# The merchant row is read on every request under /m/<merchant>/ and changes rarely (name, logo,
# currency, time zone): each web process keeps it for a few seconds. A save in this process
# forgets it at once (signals below); other processes see an edit within MERCHANT_TTL seconds.
MERCHANT_TTL = 10.0
_by_slug: dict[str, tuple[float, Merchant]] = {}
_lock = threading.Lock()


def merchant_by_slug(slug: str) -> Merchant | None:
    """The merchant at this URL name, or None. A copy per call: a request can't change another's.

    The order API's signing secret is deferred, so it is always read fresh from the database
    (a rotated secret takes effect at once in every process)."""
    now = time.monotonic()
    cached = _by_slug.get(slug)
    if cached is not None and cached[0] > now:
        return copy.copy(cached[1])
    merchant = Merchant.objects.filter(slug=slug).defer("order_api_secret").first()
    if merchant is None:
        return None
    with _lock:
        if len(_by_slug) > 10_000:
            _by_slug.clear()
        _by_slug[slug] = (now + MERCHANT_TTL, merchant)
    return copy.copy(merchant)


def merchants_forget() -> None:
    with _lock:
        _by_slug.clear()


def merchant_of_user(user) -> Merchant | None:
    """The merchant a signed-in person works for (their first current staff role), or None."""
    if user is None or not user.pk:
        return None
    with scopes_disabled():  # a lookup across merchants by the person, not a tenant's data read
        staff = Staff.objects.filter(user=user, resigned_at__isnull=True).select_related("merchant").order_by("id").first()
    return staff.merchant if staff is not None else None
