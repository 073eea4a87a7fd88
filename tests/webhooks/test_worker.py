"""Outbound webhooks through a real Celery worker process (PostgreSQL + Redis): the delivery is
queued on commit, signed, received once even when its task is queued twice."""

import time

import pytest
from standardwebhooks.webhooks import Webhook

from omo.webhooks import services
from omo.webhooks.models import Delivery, WebhookPolicy
from omo.webhooks.tasks import deliver_task

from .receiver import receiver


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.worker
def test_a_real_worker_delivers_a_signed_event_once(celery_worker_process, merchant):
    WebhookPolicy.objects.create(merchant=merchant, allow_private_targets=True)
    with receiver() as hook:
        _endpoint, secret = services.endpoint_create(merchant=merchant, url=hook.url, event_types=["member.created"])
        event = services.webhook_event_emit(merchant=merchant, type="member.created", data={"member": {"id": 1}},
                                            idempotency_key="member.created:1")
        assert _wait(lambda: len(hook.requests) == 1), celery_worker_process.log()
        headers, body = hook.requests[0]
        assert Webhook(secret).verify(body, headers)["data"] == {"member": {"id": 1}}
        assert headers["webhook-id"] == event.message_id
        delivery = Delivery.objects.for_merchant(merchant).get()
        assert _wait(lambda: Delivery.objects.for_merchant(merchant).get().status == "succeeded")
        # The same task queued again (a redelivery) sends nothing more
        deliver_task.delay(merchant.pk, delivery.pk)
        deliver_task.delay(merchant.pk, delivery.pk)
        time.sleep(2)
        assert len(hook.requests) == 1
