"""Per-client limits against guessing: a client that keeps asking for link tokens that do not
exist is refused for a while (429), whether its next token is real or not.

Counters are fixed windows in Django's cache (Redis in production: shared by every web process,
atomic increments). Only failures count, so shoppers opening real links are never slowed down.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from omo.api.errors import is_api_path
from omo.error_pages import too_many_page
from omo.net import client_ip

DEFAULT_LIMIT = 20  # unknown tokens per client ...
DEFAULT_WINDOW = 600  # ... per 10 minutes


def _bucket(scope: str, client: str, window: int) -> str:
    return f"limit:{scope}:{client}:{int(time.time() // window)}"


def _limits():
    return (getattr(settings, "UNKNOWN_TOKEN_LIMIT", DEFAULT_LIMIT),
            getattr(settings, "UNKNOWN_TOKEN_WINDOW", DEFAULT_WINDOW))


def too_many(request, window: int) -> HttpResponse:
    message = _("Too many links that do not exist were opened from this device. Try again in a few minutes.")
    if not is_api_path(request.path):  # a person: the branded page with a next step
        return too_many_page(request, message=message, retry_after=window)
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(window)
    return response


def limit_unknown_tokens(view=None, *, scope="link-token"):
    """Decorator for views that look an object up by a secret token and raise Http404 when it is
    unknown: each 404 counts against the client; over the limit, every request answers 429."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit, window = _limits()
            key = _bucket(scope, client_ip(request), window)
            if (cache.get(key) or 0) >= limit:
                return too_many(request, window)
            try:
                return view(request, *args, **kwargs)
            except Http404:
                cache.add(key, 0, timeout=window)
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=window)
                raise

        return wrapper

    return decorator(view) if view is not None else decorator
