"""Error reporting (Sentry) and tracing (OpenTelemetry): each off unless its environment says so.

- Sentry: `SENTRY_DSN` switches it on (settings call `sentry_init`), with the Django and Celery
  integrations, `send_default_pii` off (no user emails, addresses or cookies leave), traces only
  if `SENTRY_TRACES_SAMPLE_RATE` > 0. `SENTRY_ENVIRONMENT` / `SENTRY_RELEASE` name the deploy.
- OpenTelemetry: the standard variables switch it on: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
  `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set and `OTEL_SDK_DISABLED` not true; `OTEL_SERVICE_NAME`
  names the service (default `omo`), the exporter reads the rest of the OTEL_* variables itself.
  `tracing_init` instruments Django (omo/wsgi.py) and Celery (omo/celery.py, in each worker
  process).

Without their variables nothing is imported, started or sent: tests and `make demo` pay nothing.
The SDKs are therefore imported inside these functions, on purpose (start-up cost, not a cycle).
"""

import os

from structlog.contextvars import get_contextvars

TRUE = {"1", "true", "yes", "on"}


def sentry_init(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> bool:
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=tag_with_log_context,
    )
    return True


def tag_with_log_context(event: dict, _hint) -> dict:
    """An error report names the request id (and task id, merchant) its log lines carry."""
    context = get_contextvars()
    tags = event.setdefault("tags", {})
    for key in ("request_id", "task_id", "task", "merchant", "merchant_id"):
        if context.get(key) is not None:
            tags.setdefault(key, str(context[key]))
    return event


def tracing_enabled(environ=os.environ) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() in TRUE:
        return False
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


_tracing_started = False


def tracing_init(*, django: bool = False, celery: bool = False) -> bool:
    """Start the tracer provider (once per process) and instrument Django and/or Celery."""
    global _tracing_started
    if not tracing_enabled():
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if not _tracing_started:
        resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "omo")})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _tracing_started = True
    if django:
        from opentelemetry.instrumentation.django import DjangoInstrumentor

        DjangoInstrumentor().instrument()
    if celery:
        from opentelemetry.instrumentation.celery import CeleryInstrumentor

        CeleryInstrumentor().instrument()
    return True
