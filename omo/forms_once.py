"""One-time form tokens: a double tap, a reload that re-sends a form, or two parallel posts of the
same form do the action once, and the repeat answers with the first result.

- Every state-changing form renders `{% form_once %}` (a builtin tag, settings.TEMPLATES): a hidden
  field with a fresh random token.
- `FormOnceMiddleware` (settings.MIDDLEWARE) sees a POST that carries the field. The first post of
  a token runs the view and, when it succeeded (status below 400), records the response (status,
  body, redirect target) under the token; a repeat waits for the first to finish and gets the
  recorded response back, marked `X-Form-Once: repeat`, without running the view again.
  A failed first post (4xx, 5xx, an exception) records nothing, so the corrected form can be sent.
- The middleware runs outside the request's transaction (ATOMIC_REQUESTS wraps the view only):
  the response is recorded after the view's transaction committed, and a waiting repeat holds no
  database lock or connection while it waits.
- static/js/omo.js disables a form's submit buttons once it is submitted (CSP-safe, no inline JS).

The record lives in Django's cache (Redis in production: shared by every web process, and
`cache.add` is atomic, so two processes never both run the first post).
"""

import secrets
import time

from django import template
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _

FIELD = "form_once"
REMEMBER_SECONDS = 6 * 3600  # a reload the next morning is a new visit
WAIT_SECONDS = 25  # a repeat waits this long for the first post to finish (SQLite waits 20 s for its lock)
POLL_SECONDS = 0.05
MAX_BODY = 512 * 1024
KEPT_HEADERS = ("Content-Type", "Location", "HX-Redirect", "HX-Trigger", "HX-Refresh", "Content-Language")
PENDING = "pending"
REPEAT_HEADER = "X-Form-Once"

register = template.Library()


def token_new() -> str:
    return secrets.token_urlsafe(18)


@register.simple_tag
def form_once() -> str:
    """<input type="hidden" name="form_once" value="…">: one token per rendered form."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token_new())


def _key(token: str) -> str:
    return f"form-once:{token}"


def _token(request) -> str:
    if request.method != "POST":
        return ""
    if "/api/" in request.path:  # API clients have their own idempotency keys; their views read the raw body
        return ""
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        request.body  # noqa: B018 - keep the raw body readable for the view (a signature check) after POST is parsed
    elif content_type != "multipart/form-data":
        return ""
    token = request.POST.get(FIELD, "")
    return token if 16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() else ""


def _record(response) -> dict:
    if getattr(response, "streaming", False) or len(response.content) > MAX_BODY:
        # A download already sent: the repeat leaves the page as it is.
        return {"status": 204, "content": b"", "headers": {}}
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return {"status": response.status_code, "content": response.content, "headers": headers}


def _replay(record: dict) -> HttpResponse:
    response = HttpResponse(record["content"], status=record["status"])
    for name, value in record["headers"].items():
        response[name] = value
    response[REPEAT_HEADER] = "repeat"
    return response


def _still_running(request) -> HttpResponse:
    # The first post has run longer than a repeat may wait: it is still the only one running.
    response = HttpResponse(
        _("This form is still being processed. Open the page again in a moment to see the result."),
        status=409, content_type="text/plain; charset=utf-8",
    )
    response[REPEAT_HEADER] = "pending"
    return response


def once(request, get_response):
    """Run `get_response(request)` once per form token; a repeat gets the first response."""
    token = _token(request)
    if not token:
        return get_response(request)
    key = _key(token)
    deadline = time.monotonic() + WAIT_SECONDS
    while not cache.add(key, PENDING, timeout=REMEMBER_SECONDS):
        recorded = cache.get(key)
        if isinstance(recorded, dict):
            return _replay(recorded)
        if recorded is None:
            continue  # the first post failed and let go of the token: this one runs
        if time.monotonic() > deadline:
            return _still_running(request)
        time.sleep(POLL_SECONDS)
    try:
        response = get_response(request)
    except BaseException:
        cache.delete(key)
        raise
    if response.status_code >= 400:
        cache.delete(key)
    else:
        cache.set(key, _record(response), timeout=REMEMBER_SECONDS)
    return response


class FormOnceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return once(request, self.get_response)
