"""The request id crossing the broker: a real Celery worker process on Redis (CI runs these)."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from attribution.models import Attribution
from commerce.models import Order
from tests.factories import ClickFactory, LinkFactory
from tests.order_api import order_payload, signed_headers

pytestmark = pytest.mark.worker


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def test_the_worker_logs_the_request_id_of_the_request_that_queued_the_task(
    celery_worker_process, client, merchant, staff, member
):
    # Given a worker writing JSON logs
    celery_worker_process.restart(LOG_FORMAT="json")
    link = LinkFactory(merchant=merchant, staff=staff, store=staff.store, member=member)
    ClickFactory(merchant=merchant, link=link, member=member, clicked_at=timezone.now() - timedelta(hours=1))
    body = json.dumps(order_payload("WRID-1", member, timezone.now() - timedelta(minutes=1))).encode()

    # When an order event arrives with the integrator's request id
    response = client.post(
        f"/m/{merchant.slug}/api/orders/", data=body, content_type="application/json",
        HTTP_X_REQUEST_ID="integrator-req-0001", **signed_headers(merchant, body),
    )
    assert response.status_code == 201
    order = Order.objects.for_merchant(merchant).get(number="WRID-1")
    assert wait_for(lambda: Attribution.objects.for_merchant(merchant).filter(order=order).exists()), (
        celery_worker_process.log()
    )

    # Then the worker's line for the attribution task carries that request id, its task id and merchant
    def task_line():
        return next(
            (
                line for line in json_lines(celery_worker_process.log())
                if line.get("task") == "attribution.drain_due" and line.get("event") == "task_finished"
            ),
            None,
        )

    assert wait_for(lambda: task_line() is not None, timeout=10), celery_worker_process.log()
    line = task_line()
    assert line["request_id"] == "integrator-req-0001"
    assert line["merchant_id"] == merchant.pk
    assert line["task_id"] and line["state"] == "SUCCESS"
