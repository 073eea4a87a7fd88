import os
import uuid

import pytest


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Fresh rate-limit counters per test: a unique key prefix on the real Redis when there is one
    (never flushed: it is shared), else a private in-process cache."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                 "KEY_PREFIX": f"t-{uuid.uuid4()}"}
    else:
        cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"t-{uuid.uuid4()}"}
    settings.CACHES = {"default": cache}
