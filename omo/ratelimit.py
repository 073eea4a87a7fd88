"""Fixed-window counters in Django's cache (Redis in production): atomic increments."""

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one use of `key`; False when this use goes over `limit` in the current window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window)}"
    cache.add(bucket, 0, timeout=window)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window)
        count = 1
    return count <= limit


def undo(key: str, *, window: int) -> None:
    bucket = f"ratelimit:{key}:{int(time.time() // window)}"
    try:
        cache.decr(bucket)
    except ValueError:
        pass
