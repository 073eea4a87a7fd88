import uuid

import pytest


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """A fresh in-process cache per test: rate-limit counters never leak between tests, and a
    shared Redis (CI, also the Celery broker) is never flushed."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"t-{uuid.uuid4()}"}
    }
