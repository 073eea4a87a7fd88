"""X-Request-Id on every response, and the log context of the request.

The id is the caller's `X-Request-Id` when it is short and made of safe characters (letters,
digits, `.`, `_`, `-`, `:`; at most 64), so a client or a proxy can follow its own id through
our logs; otherwise a new one. It is bound to the log context with the merchant and the user,
handed on to the Celery tasks the request queues (omo.tasksignals), and answered in the
`X-Request-Id` header of every page and API response. One `request` log line per request gives
the method, the URL pattern (not the path: paths carry link tokens; never the query string or
the body), status and duration.
"""

import re
import time
import uuid

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars

HEADER = "X-Request-Id"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

logger = structlog.stdlib.get_logger("omo.request")


def request_id_from(value: str | None) -> str:
    """The caller's id when it is acceptable, else a new random one."""
    if value and VALID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _user_id(request):
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else "(unmatched)"


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every response (redirects and errors included) carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        clear_contextvars()
        bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            merchant = getattr(request, "merchant", None)
            logger.info(
                "request",
                method=request.method,
                route=_route(request),
                status=response.status_code,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
                merchant=merchant.slug if merchant is not None else None,
                user_id=_user_id(request),
            )
            return response
        finally:
            clear_contextvars()

    def process_view(self, request, view_func, view_args, view_kwargs):
        """After the merchant and the session user are known: every later line names them."""
        merchant = getattr(request, "merchant", None)
        if merchant is not None:
            bind_contextvars(merchant=merchant.slug)
        user_id = _user_id(request)
        if user_id is not None:
            bind_contextvars(user_id=user_id)
        return None
