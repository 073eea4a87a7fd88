"""What /healthz checks (django-health-check's probes): the database, Redis, and that a Celery worker
answered a ping within the last minute.

Each probe runs here in the request's thread (no executor: the database probe uses the request's
own connection). Without REDIS_URL (the embedded default) there is no Redis and tasks run in-process,
so those two report "not configured" / "in-process" and count as healthy.
"""

import asyncio
import dataclasses
import datetime
import inspect
import time

import redis
from django.conf import settings
from django.core.cache import cache
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from omo.celery import app

WORKER_FRESH_SECONDS = 60
WORKER_SEEN_KEY = "healthz:celery-worker-seen"


@dataclasses.dataclass
class CeleryWorker(HealthCheck):
    """A worker answered a ping now, or within the last minute (a worker busy with a long task
    may miss one ping)."""

    ping_timeout: float = dataclasses.field(default=1.0, repr=False)

    def run(self):
        if app.conf.task_always_eager:
            return
        now = time.time()
        try:
            replies = app.control.ping(timeout=self.ping_timeout)
        except Exception:  # noqa: BLE001 (broker unreachable: judged by the last answer)
            replies = []
        if replies:
            try:
                cache.set(WORKER_SEEN_KEY, now, WORKER_FRESH_SECONDS * 10)
            except Exception:  # noqa: BLE001 (the cache is Redis: its own check reports it)
                pass
            return
        try:
            seen = cache.get(WORKER_SEEN_KEY)
        except Exception:  # noqa: BLE001
            seen = None
        if seen is None or now - seen > WORKER_FRESH_SECONDS:
            raise ServiceUnavailable("no Celery worker answered within a minute")


@dataclasses.dataclass
class RedisPing(HealthCheck):
    url: str = dataclasses.field(default="", repr=False)
    timeout = datetime.timedelta(seconds=2)

    def run(self):
        client = redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable("Redis did not answer") from exc
        finally:
            client.close()


def checks() -> dict[str, HealthCheck | None]:
    return {
        "database": Database(),
        "redis": RedisPing(url=settings.REDIS_URL) if settings.REDIS_URL else None,
        "celery": CeleryWorker(),
    }


def health_report() -> tuple[bool, dict[str, str]]:
    """(all healthy, {check: "ok" | "not configured" | "in-process" | the failure})."""
    report, healthy = {}, True
    for name, check in checks().items():
        if check is None:
            report[name] = "not configured"
            continue
        if name == "celery" and app.conf.task_always_eager:
            report[name] = "in-process"
            continue
        try:
            result = check.run()
            if inspect.isawaitable(result):
                asyncio.run(result)
            report[name] = "ok"
        except HealthCheckException as exc:
            report[name], healthy = str(exc), False
        except Exception as exc:  # noqa: BLE001 (a probe that breaks is a failed probe, never a 500)
            report[name], healthy = f"error: {type(exc).__name__}", False
    return healthy, report
