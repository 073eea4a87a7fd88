"""Celery signals: a task carries the request id of whoever queued it, and is measured.

At publication (in the web process, or in a task queueing another) the message gets two headers:
the request id bound to the current log context and the publication time. On the worker, the
task's log context is its id, name, merchant (a tenant task's first argument) and that request
id, so `grep <request id>` finds the request and every task it caused. The start gives the task
lag (publish -> start, or ETA -> start for a retry or a countdown); the end its duration, state,
failure or retry.

Eager tasks (tests, `make demo` without Redis) run inside the request that queued them: they
keep its context and add their own on top, restored when they end.
"""

import time
from datetime import datetime

import structlog
from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun, task_retry
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars, reset_contextvars

from . import metrics

HEADER_REQUEST_ID = "omo_request_id"
HEADER_PUBLISHED_AT = "omo_published_at"

logger = structlog.stdlib.get_logger("omo.tasks")


@before_task_publish.connect(weak=False, dispatch_uid="omo.tasksignals.stamp")
def stamp_headers(sender=None, headers=None, **_kwargs):
    if headers is None:
        return
    request_id = get_contextvars().get("request_id")
    if request_id:
        headers[HEADER_REQUEST_ID] = request_id
    headers[HEADER_PUBLISHED_AT] = time.time()


def _lag_seconds(request, now: float) -> float | None:
    published_at = getattr(request, HEADER_PUBLISHED_AT, None)
    if not isinstance(published_at, int | float):
        return None
    start = published_at
    eta = getattr(request, "eta", None)
    if eta:
        try:
            start = max(start, _timestamp(eta))
        except (TypeError, ValueError):
            pass
    return max(now - start, 0.0)


def _timestamp(eta) -> float:
    if isinstance(eta, str):
        eta = datetime.fromisoformat(eta)
    return eta.timestamp()


def _merchant_id(task, args):
    """A tenant task's first argument is its merchant id (omo.tenancy.tasks.TenantTask)."""
    if args and getattr(task, "tenant_task", False) and isinstance(args[0], int):
        return args[0]
    return None


@task_prerun.connect(weak=False, dispatch_uid="omo.tasksignals.started")
def task_started(task_id=None, task=None, args=None, **_kwargs):
    request = task.request
    now = time.time()
    context = {"task_id": task_id, "task": task.name}
    merchant_id = _merchant_id(task, args)
    if merchant_id is not None:
        context["merchant_id"] = merchant_id
    if request.is_eager:
        # Inside the request (or task) that queued it: its context stays, ours is added on top.
        request._omo_log_tokens = bind_contextvars(**context)
    else:
        clear_contextvars()
        request_id = getattr(request, HEADER_REQUEST_ID, None)
        if request_id:
            context["request_id"] = request_id
        bind_contextvars(**context)
        lag = _lag_seconds(request, now)
        if lag is not None:
            queue = (request.delivery_info or {}).get("routing_key") or "celery"
            metrics.TASK_LAG.labels(queue, task.name).observe(lag)
    request._omo_started_at = time.monotonic()


@task_postrun.connect(weak=False, dispatch_uid="omo.tasksignals.finished")
def task_finished(task_id=None, task=None, state=None, **_kwargs):
    request = task.request
    started = getattr(request, "_omo_started_at", None)
    duration = time.monotonic() - started if started is not None else 0.0
    metrics.TASK_DURATION.labels(task.name).observe(duration)
    metrics.TASKS.labels(task.name, state or "UNKNOWN").inc()
    # A line per task; at debug level for eager tasks (thousands while the demo seeds in-process).
    level = "debug" if request.is_eager else "info"
    getattr(logger, level)("task_finished", state=state, duration_ms=round(duration * 1000, 1))
    tokens = getattr(request, "_omo_log_tokens", None)
    if tokens is not None:
        reset_contextvars(**tokens)
        request._omo_log_tokens = None
    elif not request.is_eager:
        clear_contextvars()


@task_failure.connect(weak=False, dispatch_uid="omo.tasksignals.failed")
def task_failed(sender=None, exception=None, **_kwargs):
    metrics.TASK_FAILURES.labels(getattr(sender, "name", "unknown"), type(exception).__name__).inc()


@task_retry.connect(weak=False, dispatch_uid="omo.tasksignals.retried")
def task_retried(sender=None, reason=None, **_kwargs):
    metrics.TASK_RETRIES.labels(getattr(sender, "name", "unknown")).inc()
    logger.warning("task_retry", reason=str(reason)[:200])
