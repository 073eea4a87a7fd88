"""Must-fix 2: the shipped deployment (Dockerfile, docker-compose.yml) runs the production settings,
which refuse to start with a missing, short or example secret key or without Redis, and never
read a .env file."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "omo.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "omo.example.com",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}
# Variables of the test process that a production container would not have.
NOT_IN_PRODUCTION = ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "MFA_REQUIRED_FOR_ADMINS")


def run(args, env):
    environment = {k: v for k, v in os.environ.items() if k not in NOT_IN_PRODUCTION and k not in GOOD_ENV}
    environment.update(env)
    return subprocess.run(args, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def compose_environment() -> dict:
    """The app services' environment in docker-compose.yml, with compose's ${VAR:-default} resolved
    to its default (as with an empty shell and no .env file)."""
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["web"]["environment"]
    resolved = {}
    for name, value in environment.items():
        value = str(value)
        value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
        resolved[name] = value
    return resolved


def test_dockerfile_and_compose_use_the_production_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"DJANGO_SETTINGS_MODULE=omo\.settings\.production\b", dockerfile)
    assert compose_environment()["DJANGO_SETTINGS_MODULE"] == "omo.settings.production"


def test_compose_has_no_default_secret_key():
    value = compose_environment()["DJANGO_SECRET_KEY"]

    # ${DJANGO_SECRET_KEY:?message}: compose refuses to start without a key of the operator's own.
    assert value.startswith("${DJANGO_SECRET_KEY:?"), value


def test_check_deploy_with_composes_environment_prints_no_warnings():
    environment = {k: v for k, v in compose_environment().items() if not v.startswith("${")}
    environment["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    # A database the check can reach from here; compose's points at the postgres service.
    environment["DATABASE_URL"] = f"sqlite:///{ROOT / 'db.sqlite3'}"
    environment["MEDIA_ROOT"] = str(ROOT / "media")

    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "key, message",
    [
        (None, "DJANGO_SECRET_KEY is not set"),
        ("", "DJANGO_SECRET_KEY is not set"),
        ("too-short-0123456789", "too short"),
        ("dev-only-insecure-change-me", "too short"),  # compose's old public default
        ("insecure-dev-only-key-set-DJANGO_SECRET_KEY-in-production", "example or development key"),  # base.py's
        ("django-insecure-" + "a1b2c3d4e5" * 5, "example or development key"),
        ("example-" + secrets.token_urlsafe(50), "example or development key"),
        ("a" * 60, "too short or too simple"),
    ],
)
def test_production_refuses_to_start_with_a_missing_short_or_example_key(key, message):
    environment = {**GOOD_ENV}
    if key is None:
        environment.pop("DJANGO_SECRET_KEY")
    else:
        environment["DJANGO_SECRET_KEY"] = key

    result = run([sys.executable, "manage.py", "check"], environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr[-2000:]


def test_production_refuses_to_start_without_redis():
    environment = {k: v for k, v in GOOD_ENV.items() if k != "REDIS_URL"}

    result = run([sys.executable, "manage.py", "check"], environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "REDIS_URL" in result.stderr


READS_ENV_FILE = """
import json, environ
calls = []
environ.Env.read_env = classmethod(lambda cls, *args, **kwargs: calls.append(str(args[:1])))
import django
django.setup()
from django.conf import settings
print(json.dumps({"env_file_reads": len(calls), "mfa_required": settings.MFA_REQUIRED_FOR_ADMINS,
                  "debug": settings.DEBUG}))
"""


def test_production_does_not_read_a_dotenv_file_and_requires_mfa_for_admins():
    production = run([sys.executable, "-c", READS_ENV_FILE], GOOD_ENV)
    development = run([sys.executable, "-c", READS_ENV_FILE], {"DJANGO_SETTINGS_MODULE": "omo.settings"})

    assert production.returncode == 0, production.stderr
    assert json.loads(production.stdout.strip().splitlines()[-1]) == {
        "env_file_reads": 0, "mfa_required": True, "debug": False,
    }
    assert json.loads(development.stdout.strip().splitlines()[-1])["env_file_reads"] == 1
