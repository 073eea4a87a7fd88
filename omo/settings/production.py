"""Production: the base settings plus secure defaults. Secrets and hosts come from the environment
(never from a .env file): DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL.
The Dockerfile and docker-compose.yml use this module.

    DJANGO_SETTINGS_MODULE=omo.settings.production python manage.py check --deploy

It refuses to start (ImproperlyConfigured) with a missing, short or example secret key, and
without REDIS_URL (rate limits and lockouts would be counted per process).
"""

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from omo import logs

from .base import *  # noqa: F401,F403
from .base import DATABASES, EXPORTS_STORAGE, INSTALLED_APPS, LOG_LEVEL, MIDDLEWARE, env

# Keys that were ever published (docs, compose, the development default) and any key that says so.
EXAMPLE_SECRET_KEYS = {"insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production", "dev-only-insecure-change-me"}
EXAMPLE_SECRET_KEY_WORDS = ("insecure", "change-me", "changeme", "example", "secret-key")
SECRET_KEY_MIN_LENGTH = 50


def _secret_key() -> str:
    key = env.str("DJANGO_SECRET_KEY", default="").strip()
    if not key:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set: production needs its own random secret key.")
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too short or too simple: use at least {SECRET_KEY_MIN_LENGTH} random characters, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    if key in EXAMPLE_SECRET_KEYS or any(word in key.lower() for word in EXAMPLE_SECRET_KEY_WORDS) \
            or key.startswith("django-insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is an example or development key: generate a new random key.")
    return key


DEBUG = False
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

if not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "REDIS_URL is not set: production keeps rate limits, lockouts and Celery's queue in Redis "
        "(without it every process would count on its own)."
    )

# One JSON object per log line, for the log shipper (LOG_FORMAT=console to read them by eye).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logs.logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

# Platform operators and merchant admins must set up MFA before their admin pages.
MFA_REQUIRED_FOR_ADMINS = env.bool("MFA_REQUIRED_FOR_ADMINS", default=True)

# Keep database connections across requests (a new PostgreSQL connection costs milliseconds).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A kept connection the server ended (restart, failover) is replaced before a request uses it;
# the check reads the socket, it sends no query (omo/postgresql/base.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# HTTPS only. Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The load balancer probes and Prometheus scrapes (inside the private network) over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Clickjacking: no framing at all (X-Frame-Options and CSP frame-ancestors).
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")

# Content-Security-Policy (django-csp 4). Scripts and styles come from our own origin only.
# No inline scripts or handlers (static/js/omo.js binds them), so scripts need no 'unsafe-inline'.
# No 'unsafe-eval': no template uses htmx's evaluated attributes (hx-on, trigger filters, js: values).
# Images: our own and data: URLs; under a merchant's URL also its image hosts (Merchant.image_hosts,
# added per response by omo.security.SecurityHeadersMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # No inline styles anywhere (no style attributes, no <style>): the stylesheets are ours.
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": True,
    },
}

# Static files hashed and compressed (whitenoise), so they can be cached forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "exports": EXPORTS_STORAGE,  # base.py: the local disk, or S3 with EXPORTS_S3_BUCKET
}
