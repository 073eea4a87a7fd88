"""Per-client limits against guessing: a client that keeps asking for link tokens that do not
exist is refused for a while (429), whether its next token is real or not.

Counters are fixed windows in Django's cache (Redis in production: shared by every web process,
atomic increments). Only failures count, so shoppers opening real links are never slowed down.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
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


class TooManyUnknownTokens(Exception):
    """The client is over its limit of unknown tokens: answer 429 whatever the token."""


class UnknownTokenLimit:
    """One client's count of unknown tokens in the current window, in the cache under `key`."""

    def __init__(self, request, scope: str):
        self.limit, self.window = _limits()
        self.key = _bucket(scope, client_ip(request), self.window)
        self.checked = False

    def check(self, count) -> None:
        """`count` is the value read under `key` (None when there is none)."""
        self.checked = True
        if (count or 0) >= self.limit:
            raise TooManyUnknownTokens

    def count_failure(self) -> None:
        cache.add(self.key, 0, timeout=self.window)
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, timeout=self.window)


def limit_unknown_tokens(view=None, *, scope="link-token", view_reads_count=False):
    """Decorator for views that look an object up by a secret token and raise Http404 when it is
    unknown: each 404 counts against the client; over the limit, every request answers 429.

    The count is read here before the view, unless `view_reads_count`: then the view reads
    `request.unknown_token_limit.key` in its own first cache read and passes the value to
    `request.unknown_token_limit.check` before anything else (a shopper's link open saves a
    round trip to Redis that way); a view that answers without checking is a bug, raised loudly."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit = request.unknown_token_limit = UnknownTokenLimit(request, scope)
            try:
                if not view_reads_count:
                    limit.check(cache.get(limit.key))
                response = view(request, *args, **kwargs)
            except TooManyUnknownTokens:
                return too_many(request, limit.window)
            except Http404:
                limit.count_failure()
                raise
            if not limit.checked:
                raise ImproperlyConfigured(f"{view.__qualname__} answered without checking the unknown-token limit")
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
