"""Prometheus metrics: the platform's own counters and histograms, and their exposition.

Every app may record here (a platform module: it imports no app). Requests are counted by
django-prometheus' middleware (`django_http_*`); the figures below are the ones that tell an
operator whether orders are credited in time:

- `omo_order_events_total{source,outcome}`: order events in (the order API's outcomes, and every
  create/update/cancel through the order service);
- `omo_attribution_latency_seconds{reason}`: from an order's arrival to its first attribution
  decision (credit or the reason there is none);
- `omo_celery_queue_length{queue}` (read from Redis at scrape time) and
  `omo_task_lag_seconds{queue,task}` (publish -> start);
- `omo_task_failures_total`, `omo_task_retries_total`, `omo_tasks_total{task,state}`,
  `omo_task_duration_seconds`;
- `omo_sweeper_requeued_total{task}`: work a beat sweeper caught up (its event was lost);
- `omo_sms_sent_total{backend,outcome}`, `omo_webhook_deliveries_total{outcome}`.

Several processes (gunicorn workers, Celery workers) each count on their own. With
`PROMETHEUS_MULTIPROC_DIR` set (the same empty directory for all of them, wiped at deploy)
prometheus_client writes the values there and `/metrics` sums every process's; without it
`/metrics` shows only the process that answers (fine for `make demo` and tests).
"""

import os

import redis
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

# Seconds: attribution is expected within seconds; the sweeper catches lost events after ~1 min.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

ORDER_EVENTS = Counter(
    "omo_order_events", "Order events received, by source and outcome.", ["source", "outcome"]
)
ATTRIBUTION_LATENCY = Histogram(
    "omo_attribution_latency_seconds",
    "From an order's arrival to its first attribution decision.",
    ["reason"],
    buckets=LATENCY_BUCKETS,
)
TASK_LAG = Histogram(
    "omo_task_lag_seconds", "From a task's publication (or its ETA) to its start on a worker.",
    ["queue", "task"], buckets=LATENCY_BUCKETS,
)
TASK_DURATION = Histogram(
    "omo_task_duration_seconds", "How long a task ran.", ["task"], buckets=LATENCY_BUCKETS
)
TASKS = Counter("omo_tasks", "Tasks finished, by final state.", ["task", "state"])
TASK_FAILURES = Counter("omo_task_failures", "Tasks that raised (after their retries).", ["task", "exception"])
TASK_RETRIES = Counter("omo_task_retries", "Task retries scheduled.", ["task"])
SWEEPER_REQUEUED = Counter(
    "omo_sweeper_requeued", "Work queued again by a beat sweeper (its event was lost), by the task queued.", ["task"]
)
SMS_SENT = Counter("omo_sms_sent", "Text messages handed to the SMS backend.", ["backend", "outcome"])
WEBHOOK_DELIVERIES = Counter("omo_webhook_deliveries", "Outbound webhook delivery attempts.", ["outcome"])


def order_event(*, source: str, outcome: str) -> None:
    ORDER_EVENTS.labels(source, outcome).inc()


def attribution_decided(*, reason: str, seconds: float) -> None:
    ATTRIBUTION_LATENCY.labels(reason).observe(max(seconds, 0.0))


def sweeper_requeued(*, task: str, count: int) -> None:
    if count:
        SWEEPER_REQUEUED.labels(task).inc(count)


def sms_sent(*, backend: str, outcome: str) -> None:
    SMS_SENT.labels(backend, outcome).inc()


def webhook_delivery(*, outcome: str) -> None:
    """For the outbound webhooks: outcome `delivered`, `failed` (will retry) or `gave_up`."""
    WEBHOOK_DELIVERIES.labels(outcome).inc()


class QueueLengthCollector:
    """`omo_celery_queue_length{queue}`: messages waiting in each Celery queue, read from the Redis
    broker when scraped (a Redis list per queue). Nothing without a Redis broker."""

    def __init__(self, broker_url: str, queues):
        self.broker_url = broker_url
        self.queues = list(queues)
        self._client = None

    def client(self):
        if self._client is None:
            self._client = redis.Redis.from_url(self.broker_url, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    def collect(self):
        family = GaugeMetricFamily("omo_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"])
        if self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            try:
                pipe = self.client().pipeline()
                for queue in self.queues:
                    pipe.llen(queue)
                for queue, length in zip(self.queues, pipe.execute(), strict=True):
                    family.add_metric([queue], length)
            except Exception:  # noqa: BLE001 - a broker outage must not break the scrape of everything else
                pass
        yield family


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition(*extra_collectors) -> bytes:
    """The text format of every metric: all processes' when PROMETHEUS_MULTIPROC_DIR is set."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_DefaultRegistry())
    for collector in extra_collectors:
        registry.register(collector)
    return generate_latest(registry)


class _DefaultRegistry:
    """This process's metrics (the default registry) inside a registry built per scrape."""

    def collect(self):
        yield from REGISTRY.collect()
