"""Retry and abuse safety for every endpoint under a merchant's `/api/` (a middleware, so views of
any style get it without opting in):

- `Idempotency-Key` on POST: the first response (status < 500) is kept for 24 h per merchant, caller
  (API key, signed-in user or anonymous signer) and key. A retry with the same body gets that
  response again (header `Idempotent-Replayed: true`), the same key with another body a 422, and a
  retry while the first is still running a 409.
- Bad requests (400/401/403/404/405) are counted per client address: past API_BAD_REQUEST_LIMIT in
  a minute every request answers 429 with Retry-After until the minute is over (guessing keys or
  ids gets nowhere).
- `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers, from the per-key DRF
  throttle (throttling.py) when it ran.
"""

import hashlib
import json
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from omo.net import client_ip

from .errors import error_body

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Content-Language")
BAD_STATUSES = {400, 401, 403, 404, 405}
IN_PROGRESS_SECONDS = 60


def _setting(name, default):
    return getattr(settings, name, default)


def is_merchant_api(request) -> bool:
    return getattr(request, "merchant", None) is not None and "/api/" in request.path_info


def _caller(request) -> str:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def _json_error(status_code, *, code, message, param=None):
    return JsonResponse(error_body(status_code, code=code, message=message, param=param), status=status_code)


class ApiSafetyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_merchant_api(request):
            return self.get_response(request)
        limited = self._bad_request_limited(request)
        if limited is not None:
            return limited
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method == "POST" and key is not None:
            response = self._idempotent(request, key)
        else:
            response = self.get_response(request)
        self._count_bad_request(request, response)
        self._rate_limit_headers(request, response)
        return response

    # Bad requests ---------------------------------------------------------------------------
    def _bad_bucket(self, request):
        window = _setting("API_BAD_REQUEST_WINDOW", 60)
        now = time.time()
        return f"api-bad:{client_ip(request)}:{int(now // window)}", window, int(window - now % window) + 1

    def _bad_request_limited(self, request):
        bucket, _window, reset = self._bad_bucket(request)
        if (cache.get(bucket) or 0) < _setting("API_BAD_REQUEST_LIMIT", 60):
            return None
        response = _json_error(429, code="too_many_bad_requests",
                               message=_("Too many invalid requests from this address. Try again in a minute."))
        response["Retry-After"] = str(reset)
        return response

    def _count_bad_request(self, request, response):
        if response.status_code not in BAD_STATUSES:
            return
        bucket, window, _reset = self._bad_bucket(request)
        cache.add(bucket, 0, timeout=window + 1)
        try:
            cache.incr(bucket)
        except ValueError:
            cache.add(bucket, 1, timeout=window + 1)

    # Idempotency ----------------------------------------------------------------------------
    def _idempotent(self, request, key):
        if not key or len(key) > MAX_KEY_LENGTH:
            return _json_error(400, code="invalid", param=IDEMPOTENCY_HEADER,
                               message=_("The Idempotency-Key must have 1 to 255 characters."))
        try:
            body = request.body
        except RequestDataTooBig:
            return self.get_response(request)
        scope = hashlib.sha256(f"{_caller(request)}\n{key}".encode()).hexdigest()
        stored_key = f"idem:{request.merchant.pk}:{scope}"
        lock_key = stored_key + ":lock"
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.get_full_path().encode() + b"\n" + body
        ).hexdigest()
        stored = cache.get(stored_key)
        if stored is None:
            if not cache.add(lock_key, fingerprint, timeout=IN_PROGRESS_SECONDS):
                return _json_error(409, code="idempotency_key_in_use", param=IDEMPOTENCY_HEADER,
                                   message=_("A request with this Idempotency-Key is still being processed."))
            try:
                response = self.get_response(request)
                if response.status_code < 500 and response.status_code not in (401, 429):
                    cache.set(stored_key, self._freeze(fingerprint, response),
                              timeout=_setting("IDEMPOTENCY_TTL_SECONDS", 24 * 3600))
                return response
            finally:
                cache.delete(lock_key)
        if stored["fingerprint"] != fingerprint:
            return _json_error(422, code="idempotency_key_reused", param=IDEMPOTENCY_HEADER,
                               message=_("This Idempotency-Key was used with another request."))
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        return response

    @staticmethod
    def _freeze(fingerprint, response) -> dict:
        if getattr(response, "streaming", False):
            content = b""
        else:
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            content = response.content
        return {
            "fingerprint": fingerprint,
            "status": response.status_code,
            "content": content,
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        }

    # Rate-limit headers ---------------------------------------------------------------------
    @staticmethod
    def _rate_limit_headers(request, response):
        state = getattr(request, "_rate_limit", None)
        if state is None:
            return
        limit, remaining, reset = state
        response.setdefault("RateLimit-Limit", str(limit))
        response.setdefault("RateLimit-Remaining", str(max(remaining, 0)))
        response.setdefault("RateLimit-Reset", str(max(int(reset), 0)))


def dumps(data) -> bytes:
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
