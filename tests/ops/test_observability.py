"""What an operator sees: request ids in responses and logs (down into the tasks a request
queued), structured JSON log lines, the Prometheus scrape endpoint and its metrics, and error
reporting / tracing that stay off until configured."""

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from attribution.models import AttributionDue
from commerce import services as order_services
from omo import logs, telemetry
from omo.integrations import sms
from tests.factories import ClickFactory, LinkFactory
from tests.order_api import order_payload, signed_headers

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log_lines():
    """Log lines exactly as production writes them (LOG_FORMAT=json), tasks' debug lines included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    root, tasks = logging.getLogger(), logging.getLogger("omo.tasks")
    previous = tasks.level
    root.addHandler(handler)
    tasks.setLevel(logging.DEBUG)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]

    yield lines
    root.removeHandler(handler)
    tasks.setLevel(previous)


def post_order(client, merchant, payload, **headers):
    body = json.dumps(payload).encode()
    return client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
        **signed_headers(merchant, body), **headers,
    )


def credited_order_payload(merchant, staff, member, number):
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=1))
    return order_payload(number, member, timezone.now() - timedelta(minutes=1))


def scrape(client, **headers) -> dict[str, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    return {
        f"{sample.name}{sorted(sample.labels.items())}": sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


# --- X-Request-Id -------------------------------------------------------------------------------


def test_every_response_carries_a_request_id_pages_api_and_errors(client, merchant):
    page = client.get("/")
    api = client.get(f"/m/{merchant.slug}/api/v1/members/")  # 401/403 without a key: still an id
    missing = client.get("/no-such-page/")
    for response in (page, api, missing):
        assert GENERATED.fullmatch(response["X-Request-Id"])
    assert len({page["X-Request-Id"], api["X-Request-Id"], missing["X-Request-Id"]}) == 3


def test_the_callers_request_id_is_kept_when_it_is_short_and_safe(client, db):
    response = client.get("/", HTTP_X_REQUEST_ID="lb-7f3a.42:abc_Z")
    assert response["X-Request-Id"] == "lb-7f3a.42:abc_Z"


@pytest.mark.parametrize("given", ["x" * 65, "a b", "id\nInjected: 1", "<script>", "ünïcode", ""])
def test_an_unsafe_or_long_request_id_is_replaced(client, db, given):
    response = client.get("/", HTTP_X_REQUEST_ID=given)
    assert GENERATED.fullmatch(response["X-Request-Id"])


# --- Structured logs ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the order commits inside the request, as in production
def test_a_request_id_flows_into_the_logs_of_the_task_it_queued(client, merchant, staff, member, json_log_lines):
    # Given an integrator's request id on an order event
    payload = credited_order_payload(merchant, staff, member, "RID-1")

    # When the order API saves the order (its attribution task is queued after commit)
    response = post_order(client, merchant, payload, HTTP_X_REQUEST_ID="req-42-abc")
    assert response.status_code == 201
    assert response["X-Request-Id"] == "req-42-abc"

    # Then the task's log line carries that request id, its own task id and the merchant
    lines = json_log_lines()
    task_lines = [line for line in lines if line.get("task") == "attribution.drain_due"]
    assert task_lines, lines
    task_line = task_lines[0]
    assert task_line["request_id"] == "req-42-abc"
    assert task_line["merchant_id"] == merchant.pk
    assert task_line["task_id"] and task_line["event"] == "task_finished"
    # and the request's own line names the merchant, the route and the outcome, not the body
    request_line = next(line for line in lines if line.get("event") == "request")
    assert request_line["request_id"] == "req-42-abc"
    assert (request_line["merchant"], request_line["status"], request_line["method"]) == ("acme", 201, "POST")
    assert request_line["route"].endswith("api/orders/")
    assert member.email not in json.dumps(lines)
    # Every line is JSON with a level and a UTC timestamp.
    assert all(line["level"] and line["timestamp"].endswith("Z") for line in lines)


def test_the_task_context_ends_with_the_task_and_the_request_context_with_the_request(
    client, merchant, json_log_lines
):
    client.get("/", HTTP_X_REQUEST_ID="first")
    logging.getLogger("omo.test").warning("after the request")
    after = [line for line in json_log_lines() if line["event"] == "after the request"]
    assert after and "request_id" not in after[0]


def test_secrets_in_log_fields_are_blanked(json_log_lines):
    logs.get_logger("omo.test").warning("key_rotated", api_key="k-123", order_api_secret="s", merchant="acme")
    line = next(line for line in json_log_lines() if line["event"] == "key_rotated")
    assert (line["api_key"], line["order_api_secret"], line["merchant"]) == ("[redacted]", "[redacted]", "acme")


def test_log_format_is_console_by_default_and_json_on_request():
    from django.conf import settings

    assert settings.LOG_FORMAT == "console"
    json_config = logs.logging_config(fmt="json", level="INFO")
    assert json_config["formatters"]["structured"]["fmt"] == "json"
    with pytest.raises(ValueError):
        logs.logging_config(fmt="xml", level="INFO")


# --- /metrics -----------------------------------------------------------------------------------


def test_metrics_are_closed_to_everyone_by_default(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_need_the_bearer_token_or_an_allowed_network(client, settings):
    settings.METRICS_TOKEN = "scrape-token-1"
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.9", HTTP_AUTHORIZATION="Bearer nope").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_metrics_expose_the_attribution_latency_histogram_after_an_order(client, settings, merchant, staff, member):
    settings.METRICS_TOKEN = "scrape-token-1"
    auth = {"HTTP_AUTHORIZATION": "Bearer scrape-token-1"}
    credited = "omo_attribution_latency_seconds_count[('reason', 'credited')]"
    api_created = "omo_order_events_total[('outcome', 'created'), ('source', 'api')]"
    before = scrape(client, **auth)

    # When an order that follows a click arrives and is attributed
    response = post_order(client, merchant, credited_order_payload(merchant, staff, member, "MET-1"))
    assert response.status_code == 201

    # Then the scrape shows one more credited decision, in seconds, and the order event in
    after = scrape(client, **auth)
    assert after[credited] == before.get(credited, 0) + 1
    assert after["omo_attribution_latency_seconds_bucket[('le', '+Inf'), ('reason', 'credited')]"] >= 1
    assert after[api_created] == before.get(api_created, 0) + 1
    # django-prometheus' request metrics are there too (for the 5xx rate alert)
    assert any(key.startswith("django_http_responses_total_by_status_total") for key in after)


@pytest.mark.django_db(transaction=True)
def test_a_replayed_order_event_is_counted_but_not_timed_again(client, settings, merchant, staff, member):
    settings.METRICS_TOKEN = "t"
    auth = {"HTTP_AUTHORIZATION": "Bearer t"}
    payload = credited_order_payload(merchant, staff, member, "MET-2")
    post_order(client, merchant, payload)
    before = scrape(client, **auth)
    assert post_order(client, merchant, payload).json()["outcome"] == "duplicate"
    after = scrape(client, **auth)
    duplicate = "omo_order_events_total[('outcome', 'duplicate'), ('source', 'api')]"
    assert after[duplicate] == before.get(duplicate, 0) + 1
    credited = "omo_attribution_latency_seconds_count[('reason', 'credited')]"
    assert after[credited] == before[credited]


def test_sweeper_catch_ups_and_sms_are_counted(client, settings, merchant, member):
    from attribution.tasks import sweep_unattributed_task

    settings.METRICS_TOKEN = "t"
    auth = {"HTTP_AUTHORIZATION": "Bearer t"}
    before = scrape(client, **auth)
    # An order whose attribution event was lost (saved while the broker was down, 5 minutes ago)
    order = order_services.order_create(merchant=merchant, number="LOST-1", channel="web", lines=[], member=member)
    AttributionDue.objects.for_merchant(merchant).filter(order_id=order.pk).update(
        marked_at=timezone.now() - timedelta(minutes=5))
    assert sweep_unattributed_task.apply().get() == 1
    sms.send_sms(to="+886912000999", body="hello")

    after = scrape(client, **auth)
    swept = "omo_sweeper_requeued_total[('task', 'attribution.drain_due')]"
    sent = "omo_sms_sent_total[('backend', 'ConsoleBackend'), ('outcome', 'sent')]"
    assert after[swept] == before.get(swept, 0) + 1
    assert after[sent] == before.get(sent, 0) + 1
    # Tasks are counted by state (the sweeper itself, and the batch it queued).
    assert after["omo_tasks_total[('state', 'SUCCESS'), ('task', 'attribution.sweep_unattributed')]"] >= 1


def test_queue_lengths_are_read_from_the_redis_broker(client, settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker (REDIS_URL)")
    settings.METRICS_TOKEN = "t"
    samples = scrape(client, HTTP_AUTHORIZATION="Bearer t")
    assert "omo_celery_queue_length[('queue', 'celery')]" in samples


# --- Sentry and OpenTelemetry: off unless configured ----------------------------------------------


def test_sentry_and_tracing_are_off_without_their_variables(monkeypatch):
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()
    assert telemetry.sentry_init(dsn="", environment="test") is False
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry.tracing_init(django=True, celery=True) is False


def test_tracing_follows_the_standard_otel_variables():
    assert telemetry.tracing_enabled({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert telemetry.tracing_enabled({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"})
    assert not telemetry.tracing_enabled(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert not telemetry.tracing_enabled({})


SWITCHED_ON_SCRIPT = """
import json, os, django
django.setup()
import sentry_sdk
from django.conf import settings
from omo import telemetry
client = sentry_sdk.get_client()
traced = telemetry.tracing_init(django=True, celery=True)
from opentelemetry import trace
print(json.dumps({
    "sentry": client.is_active(), "pii": client.options["send_default_pii"],
    "integrations": sorted(client.integrations), "traced": traced,
    "provider": type(trace.get_tracer_provider()).__name__,
    "otel_middleware": any("opentelemetry" in m for m in settings.MIDDLEWARE),
}))
"""


def test_sentry_and_tracing_switch_on_from_the_environment_without_personal_data():
    # A separate process: both patch Django and Celery for the life of the process. Nothing is
    # sent: no error is raised and no span is ended (the endpoints are unreachable anyway).
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omo.settings",
        "SENTRY_DSN": "https://public@sentry.invalid/1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
        "OTEL_SERVICE_NAME": "omo-test",
    }
    env.pop("OTEL_SDK_DISABLED", None)
    result = subprocess.run(
        [sys.executable, "-c", SWITCHED_ON_SCRIPT], cwd=settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["sentry"] and state["pii"] is False
    assert {"django", "celery"} <= set(state["integrations"])
    assert state["traced"] and state["provider"] == "TracerProvider" and state["otel_middleware"]


def test_an_error_report_is_tagged_with_the_request_id_of_its_log_lines():
    from structlog.contextvars import bound_contextvars

    with bound_contextvars(request_id="req-9", merchant="acme", user_id=7):
        event = telemetry.tag_with_log_context({"tags": {"kept": "1"}}, None)
    assert event["tags"] == {"kept": "1", "request_id": "req-9", "merchant": "acme"}
