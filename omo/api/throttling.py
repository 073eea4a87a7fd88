"""Per-caller request rates for every DRF view (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]): an API
key counts on its own, a signed-in person by user, anyone else by address. Over the rate: 429 with
Retry-After; every answer carries RateLimit-* headers (written by safety.ApiSafetyMiddleware)."""

from rest_framework.throttling import SimpleRateThrottle

from omo.tenancy.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated and request.user.pk:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            history = self.history
            reset = self.duration - (self.now - history[-1]) if history else self.duration
            remaining = self.num_requests - len(history)
            request._request._rate_limit = (self.num_requests, remaining, reset)
        return allowed
