"""Production settings: `check --deploy` is clean and responses carry the security headers."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "omo.settings.production",
    "DJANGO_SECRET_KEY": "k3-production-like-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "omo.example.com",
    "REDIS_URL": "redis://redis.invalid:6379/0",  # required; nothing here connects to it
}

HEADERS_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
# The hashed-name manifest exists only after collectstatic; plain storage for this probe (through
# override_settings: its signal resets the storages already built, e.g. the exports' at model load).
from django.test import override_settings
override_settings(STORAGES={**settings.STORAGES,
                            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
from django.test import Client
client = Client(HTTP_HOST="omo.example.com")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/login/", secure=True)
cookies = {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])} for name, c in secure.cookies.items()}
print(json.dumps({"plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
                  "status": secure.status_code, "headers": dict(secure.headers), "cookies": cookies}))
"""


def run(args, **env):
    environment = {**os.environ, **PROD_ENV, **env}
    environment.pop("DJANGO_DEBUG", None)
    # Browser test modules set this for Playwright's event loop; a production process never has it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(args, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in {**os.environ, **PROD_ENV}.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=environment,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_responses_carry_hsts_csp_and_frame_protection_and_cookies_are_secure():
    result = run([sys.executable, "-c", HEADERS_SCRIPT])
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout.strip().splitlines()[-1])

    assert page["plain_status"] == 301 and page["plain_location"].startswith("https://")
    headers = page["headers"]
    assert page["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
        assert directive in csp
    assert page["cookies"]["csrftoken"]["secure"]
