"""Settings for every environment: differences come only from environment variables.

The embedded default (no variables set) is SQLite with Celery tasks run in-process,
so a newcomer needs no server. Production sets DATABASE_URL, REDIS_URL and SECRET_KEY.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from omo import logs, telemetry

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is a development convenience: production reads only its real environment.
if not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production"):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A development key only: production (omo.settings.production) refuses to start with it.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# An expired form answers a page in the merchant's branding with a next step, not Django's bare 403.
CSRF_FAILURE_VIEW = "omo.error_pages.csrf_failure"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_scopes",
    "omo.accounts",
    "omo.tenancy",
    "omo.audit",
    "omo.webhooks",
    "commerce",
    "members",
    "recommendations",
    "attribution",
    "partners",
    "reports",
    "imports",
    "import_export",
    "loyalty",
    "storefront",
    "connectors",
    "demo",
    "django_prometheus",
]

MIDDLEWARE = [
    # Outermost: request metrics, and the X-Request-Id of every response (omo.requestid).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "omo.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "omo.inputs.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "omo.tenancy.middleware.MerchantScopeMiddleware",
    # Under a merchant's /api/: Idempotency-Key replays, the bad-request limit, RateLimit-* headers.
    "omo.api.safety.ApiSafetyMiddleware",
    # Inside the merchant scope: MFA before admin pages, idle and absolute session limits.
    "omo.accounts.middleware.AccountGuardMiddleware",
    "omo.security.SecurityHeadersMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
    # A form's one-time token: a double tap or a re-sent form acts once (omo/forms_once.py).
    "omo.forms_once.FormOnceMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "omo.urls"
WSGI_APPLICATION = "omo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # {% form_once %} in every state-changing form, and the money / when / day filters
            # (omo.formats) on every page: no {% load %} needed.
            "builtins": ["omo.forms_once", "omo.tenancy.templatetags.formats"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# One transaction per request: a failing request writes nothing half-way.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check of kept connections that costs no round trip.
    DATABASES["default"]["ENGINE"] = "omo.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent taps: readers never wait for the writer (WAL), a
    # writer takes the write lock when its transaction starts (IMMEDIATE, so two requests never
    # deadlock upgrading read locks into "database is locked") and waits up to 20 s for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's and allauth's backends, reading the signed-in user from the cache (omo/accounts/backends.py).
    "omo.accounts.backends.ModelBackend",
    "omo.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: shoppers and partners sign in with their email; verification mails go to
# the console unless an SMTP server is configured.
# Shoppers may also log in with the mobile number they gave at signup (omo.accounts.adapter keeps it
# on the User, E.164; local numbers are read in the merchant's country, else PHONE_DEFAULT_REGION).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_ADAPTER = "omo.accounts.adapter.AccountAdapter"
# A number given at signup is verified by an SMS code (allauth's phone verification, at signup
# only: omo.accounts.adapter); shoppers may sign up with a number alone (/accounts/phone/signup/,
# no email, no password) and log in with a code texted to it. Codes go out through
# omo.integrations.sms (the console backend unless Twilio is configured).
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_FORMS = {"request_login_code": "omo.accounts.forms.PhoneLoginCodeForm"}
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="TW")
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
# Mandatory: a login claims a member record only by a verified email (members.services), and with
# verification mandatory allauth's signup answers the same for a known and an unknown email.
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGOUT_ON_GET = False
# Partners verify their email before anything else; the link logs them straight into the portal,
# but only in the browser session that signed up (allauth's safe default for this option).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Per client address only: a per-account limit would let anyone lock the owner out from elsewhere.
# django-axes locks each (account, address) pair with growing delays (omo.accounts.throttling).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
# Shoppers may give a mobile number at signup; it goes on their member record (members.forms).
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.ShopperSignupForm"
# MFA (allauth.mfa): TOTP apps and recovery codes; any user may turn it on (/accounts/2fa/).
# Required for platform operators and merchant admins when MFA_REQUIRED_FOR_ADMINS is on: on in
# production (omo.settings.production), off by default here so the demo and tests sign in with a
# password; tests turn it on to check it is enforced.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OMO"
MFA_REQUIRED_FOR_ADMINS = env.bool("MFA_REQUIRED_FOR_ADMINS", default=False)
# Sessions (omo.accounts.middleware): staff, managers and admins are signed out after their
# merchant's idle timeout (Merchant.staff_idle_minutes), platform operators after
# ADMIN_IDLE_MINUTES, and after STAFF_SESSION_MAX_AGE seconds whatever they do. Shoppers keep
# their session up to SESSION_MAX_AGE seconds from sign-in.
ADMIN_IDLE_MINUTES = env.int("ADMIN_IDLE_MINUTES", default=30)
STAFF_SESSION_MAX_AGE = env.int("STAFF_SESSION_MAX_AGE", default=12 * 3600)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=30 * 24 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OMO <no-reply@localhost>")

# Proxies in front of the application that append to X-Forwarded-For (0: none, the header is
# ignored). Every limit keys on the client address this gives (omo.net.client_ip).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)

# django-axes: lock an account+address pair after repeated failed logins (staff, partners, shoppers,
# /admin/), never the account from every address; each further lockout of the pair doubles the wait.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_BASE_COOLOFF_MINUTES = env.int("AXES_BASE_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = "omo.accounts.throttling.axes_cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "omo.net.client_ip_stored"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "omo.accounts.throttling.axes_username"
# A locked-out login sees the branded "too many tries" page (allauth's own limits render it too).
AXES_LOCKOUT_TEMPLATE = "429.html"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hant", _("Traditional Chinese")),
    ("zh-hans", _("Simplified Chinese")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Django's date formats with the time zone shown after each time (omo/formats/<locale>/formats.py);
# the zone itself is the merchant's on its pages and in the admin (omo.tenancy.middleware).
FORMAT_MODULE_PATH = ["omo.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Serve static files straight from the apps and static/ as well: `make demo` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
# Export files (the worker's order CSVs): the local disk (MEDIA_ROOT/exports/) by default, or an
# S3-compatible object store when EXPORTS_S3_BUCKET is set, for several web/worker hosts
# (docs/scaling.md; needs the `s3` extra: django-storages[s3]). Credentials come from the usual
# AWS_* environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) read by boto3.
EXPORTS_S3_BUCKET = env("EXPORTS_S3_BUCKET", default="")
if EXPORTS_S3_BUCKET:
    EXPORTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EXPORTS_S3_BUCKET,
            "endpoint_url": env("EXPORTS_S3_ENDPOINT_URL", default="") or None,  # MinIO, R2, ...
            "region_name": env("EXPORTS_S3_REGION", default="") or None,
            "location": env("EXPORTS_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,  # never a public URL: downloads go through the merchant's view
            "file_overwrite": False,
        },
    }
else:
    EXPORTS_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports": EXPORTS_STORAGE,
}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "omo.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis, written through to the database: no database read per request.
    SESSION_ENGINE = "omo.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis in production and CI; without REDIS_URL tasks run in-process (eagerly).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is redelivered instead of being acknowledged as failed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# The longest task: an order CSV export (1M rows take 30-60 s; 10 minutes is ~20M rows).
REPORTS_EXPORT_TIME_LIMIT = env.int("REPORTS_EXPORT_TIME_LIMIT", default=600)
# Due orders one attribution drain decides in one batch (attribution.due).
ATTRIBUTION_DRAIN_BATCH = env.int("ATTRIBUTION_DRAIN_BATCH", default=500)

CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker was killed is redelivered once this many seconds have passed: just
    # longer than the longest task may run (a shorter timeout would hand a running task to a
    # second worker; a longer one leaves a killed worker's message waiting for nothing).
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=max(CELERY_TASK_TIME_LIMIT, REPORTS_EXPORT_TIME_LIMIT) + 60
    ),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    # Fail fast when Redis is unreachable so a request saving an order never hangs on it.
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # Attributes orders whose event was lost (e.g. Redis was down when they were saved).
    "attribution-sweep-unattributed": {
        "task": "attribution.sweep_unattributed",
        "schedule": 60.0,
    },
    # Birthday points: hourly, so every merchant's local day is covered soon after its midnight.
    "loyalty-birthday-sweep": {
        "task": "loyalty.birthday_sweep",
        "schedule": 3600.0,
    },
}

# Partner figures: referred orders whose first recompute event was lost are recomputed.
CELERY_BEAT_SCHEDULE["partners-sweep-uncomputed"] = {"task": "partners.sweep_uncomputed", "schedule": 60.0}
# Partners: the daily digest of new referred orders (idempotent per partner and day).
CELERY_BEAT_SCHEDULE["partners-digest"] = {"task": "partners.digest_sweep", "schedule": crontab(hour=1, minute=0)}
# Partners: click rows (hashed visitor ids) are kept this long; the per-day counters stay.
PARTNER_CLICK_RETENTION_DAYS = env.int("PARTNER_CLICK_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE["partners-clicks-prune"] = {"task": "partners.clicks_prune", "schedule": crontab(hour=2, minute=0)}
CELERY_BEAT_SCHEDULE["partners-sweep-commissions-due"] = {"task": "partners.sweep_commissions_due", "schedule": 300.0}
# Points: orders whose points event was lost (still marked due) are settled.
CELERY_BEAT_SCHEDULE["loyalty-sweep-points-due"] = {"task": "loyalty.sweep_points_due", "schedule": 60.0}
# Points expiry and expiry notices: hourly, one task per merchant with an expiry policy.
CELERY_BEAT_SCHEDULE["loyalty-expiry-sweep"] = {"task": "loyalty.expiry_sweep", "schedule": 3600.0}
# Texts and exports whose task was lost (their rows stay queued/waiting) are queued again.
CELERY_BEAT_SCHEDULE["recommendations-sweep-sms-queued"] = {"task": "recommendations.sweep_sms_queued", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["reports-sweep-stalled-exports"] = {"task": "reports.sweep_stalled_exports", "schedule": 60.0}
# Outbound webhooks: deliveries whose retry is due (or whose first event was lost) are sent.
CELERY_BEAT_SCHEDULE["webhooks-sweep-due"] = {"task": "webhooks.sweep_due", "schedule": 30.0}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "omo.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "omo.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "omo.api.ordering.StrictOrderingFilter"],
    "SEARCH_PARAM": "search",
    # Per API key (or signed-in user, or address): over the rate a 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["omo.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("API_RATE", default="600/min")},
    "DEFAULT_PARSER_CLASSES": [
        "omo.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMO API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (no CDN: works offline and under the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DESCRIPTION": "The merchant API: every resource under /m/{merchant}/api/v1/ with an API key "
    "(`Authorization: Api-Key <key>`) or a staff session, and the HMAC-signed order and member event "
    "endpoints. Ids are opaque public ids (ord_..., mem_...). Errors: {\"error\": {type, code, message, "
    "param}, \"details\"}. See the README's API section.",
    "APPEND_COMPONENTS": {"securitySchemes": {"OrderApiHmac": {
        "type": "apiKey", "in": "header", "name": "X-OMO-Signature",
        "description": "`X-OMO-Timestamp`: Unix time in seconds; `X-OMO-Signature`: `sha256=` + hex HMAC-SHA256 "
        "of `<timestamp>.<raw body>` with the merchant's order API secret (5 minutes' tolerance).",
    }}},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProductKindEnum": "commerce.models.Product.Kind",
        "PointsEntryKindEnum": "loyalty.models.PointsLedgerEntry.Kind",
        "ExportStatusEnum": "reports.models.ExportJob.Status",
        "OrderStatusEnum": "commerce.models.Order.Status",
    },
}

# Integrations: off (console) unless configured.
SMS_BACKEND = env("SMS_BACKEND", default="omo.integrations.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
# Recommendation texts: at most this many per member and per store in SMS_RATE_WINDOW seconds.
SMS_RATE_PER_MEMBER = env.int("SMS_RATE_PER_MEMBER", default=3)
SMS_RATE_PER_STORE = env.int("SMS_RATE_PER_STORE", default=100)
SMS_RATE_WINDOW = env.int("SMS_RATE_WINDOW", default=3600)
# A shopper's click commits without waiting for its WAL flush (PostgreSQL): a database crash can
# lose the clicks of its last fraction of a second (recommendations/services.py). False: every
# click waits for the flush.
CLICKS_ASYNCHRONOUS_COMMIT = env.bool("CLICKS_ASYNCHRONOUS_COMMIT", default=True)
# Online payment at the storefront checkout: the fake provider charges at once, nothing is taken.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="omo.integrations.payments.FakeProvider")

# The apps that follow orders (commerce.events): (mark, task) per app, as dotted paths. The mark
# runs inside the order's transaction and records what the app still owes the order (its beat
# sweeper's work list should the event be lost); the task (or a function queuing one), run after
# commit, takes (merchant_id, order_id). commerce names them here and never imports them.
ORDER_FOLLOWERS = [
    ("attribution.due.order_attribution_due", "attribution.tasks.drain_request"),  # drained in batches
    ("partners.services.campaign_order_due", "partners.tasks.order_campaign_update_task"),
    ("loyalty.services.order_points_due", "loyalty.tasks.order_points_task"),
    # No task: a cancel, refund, return or edit moves the performance rollups in the order's transaction.
    ("attribution.rollups.order_figures_mark", None),
]
# Who a sale's attribution credits, for the sales part of a referred online sale (SPEC section 6):
# loyalty sits below attribution, so it reads the decision through this declared reader.
LOYALTY_ORDER_CREDIT = "attribution.selectors.order_credited_staff"

# Order API: requests older or newer than this are refused as replays.
ORDER_API_TOLERANCE_SECONDS = 300
# The order API also accepts the secrets of the merchant's generic store connections (connectors):
# a declared reader, so commerce never imports the app above it.
ORDER_API_EXTRA_SECRETS = "connectors.selectors.generic_secrets"

# Store connections (connectors): webhook signing secrets are encrypted at rest with these Fernet
# keys (comma-separated, newest first; empty: a key derived from SECRET_KEY). After a rotation the
# previous secret keeps working this many hours.
CONNECTOR_SECRET_KEYS = env.list("CONNECTOR_SECRET_KEYS", default=[])
CONNECTOR_ROTATION_GRACE_HOURS = env.int("CONNECTOR_ROTATION_GRACE_HOURS", default=24)
# Webhook deliveries whose processing task was lost are picked up by the beat sweeper.
CELERY_BEAT_SCHEDULE["connectors-sweep-pending"] = {"task": "connectors.sweep_pending", "schedule": 60.0}

# Order CSV exports up to this many rows stream straight to the browser; larger ones run
# as a background job with a progress bar. Progress is saved every N rows.
REPORTS_EXPORT_STREAM_MAX_ROWS = env.int("REPORTS_EXPORT_STREAM_MAX_ROWS", default=50_000)
REPORTS_EXPORT_PROGRESS_EVERY = env.int("REPORTS_EXPORT_PROGRESS_EVERY", default=20_000)

# Imports (catalog, members, past orders): files of more rows than this are checked and imported
# by a Celery task, the page showing progress; smaller ones while the page waits.
IMPORTS_BACKGROUND_ROWS = env.int("IMPORTS_BACKGROUND_ROWS", default=2000)

# Structured logs (omo.logs): every line carries the request id, merchant, user and, in a task,
# the task id. LOG_FORMAT=json writes one JSON object per line (production's default), `console`
# readable lines (the default here: `make demo`, runserver).
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logs.logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
logs.configure()

# Prometheus metrics at /metrics (omo.metrics), for scrapers only: a request with
# `Authorization: Bearer <METRICS_TOKEN>`, or from an address in METRICS_ALLOWED_NETWORKS
# (CIDRs, e.g. 10.0.0.0/8); anyone else gets 403 (401 without a token). Neither set: closed.
# Several processes: set PROMETHEUS_MULTIPROC_DIR (see the README's "Operating").
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
# The Celery queues whose length /metrics reads from the Redis broker.
METRICS_QUEUES = env.list("METRICS_QUEUES", default=["celery"])
PROMETHEUS_EXPORT_MIGRATIONS = False

# Error reporting: Sentry when SENTRY_DSN is set (off by default; no personal data sent).
SENTRY_DSN = env("SENTRY_DSN", default="")
telemetry.sentry_init(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default=""),
    release=env("SENTRY_RELEASE", default=""),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)
# Tracing: OpenTelemetry, switched on by its own variables (OTEL_EXPORTER_OTLP_ENDPOINT,
# OTEL_SERVICE_NAME, OTEL_SDK_DISABLED); started in omo/wsgi.py and omo/celery.py.

# Member lookups (search and registration attempts) per staff login: at most this many per window
# (seconds); over it the tablet shows a 429 page. Stops a login from walking the member list.
MEMBER_LOOKUP_LIMIT = env.int("MEMBER_LOOKUP_LIMIT", default=30)
MEMBER_LOOKUP_WINDOW = env.int("MEMBER_LOOKUP_WINDOW", default=60)

# The OpenAPI schema (/api/schema/) and docs (/api/docs/): public in development, for signed-in
# merchant users (staff of any merchant, platform operators) otherwise.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=DEBUG)
# The key of the API's public ids (omo.api.publicid): permanent, changing it changes every id an
# integrator stored. Deliberately not SECRET_KEY (which may be rotated).
PUBLIC_ID_KEY = env("PUBLIC_ID_KEY", default="omo-public-ids-dev-only")
# Bad API requests (400/401/403/404/405) per client address and minute before every request is a 429.
API_BAD_REQUEST_LIMIT = env.int("API_BAD_REQUEST_LIMIT", default=60)
API_BAD_REQUEST_WINDOW = 60
# Idempotency-Key responses are kept this long (per merchant, caller and key).
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Browser features: none, except the camera on our own origin (barcode scanning, issue 14).
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), fullscreen=(self), "
    "browsing-topics=(), interest-cohort=()"
)
