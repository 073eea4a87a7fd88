"""Webhook deliveries survive a worker crash (PostgreSQL + a private Redis + a real worker process).

1,000 Shopify orders/create deliveries are posted while the worker is SIGKILLed and started again:
every payload is stored (each answered 200 as soon as it is stored), and every order is processed
exactly once: one order, one applied order event and one attribution per delivery. acks_late
redelivers what the killed worker had taken; the beat sweeper (`connectors.sweep_pending`) catches
a message lost in the broker's hand-over window.
"""

import threading
import time

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone

from attribution.models import Attribution
from attribution.services import unattributed_order_ids
from attribution.tasks import enqueue_batches
from commerce.models import Order, OrderEvent
from connectors import selectors, services
from connectors.models import Delivery
from connectors.tasks import process_delivery_task
from omo.tenancy.tasks import requeue_due
from tests.connectors.payloads import post_webhook, shopify_order
from tests.faults.test_faults import drained, shoppers_who_clicked, wait_for

pytestmark = pytest.mark.worker

BURST = 1000
SENDERS = 4


def test_worker_killed_during_1000_webhook_deliveries_processes_each_order_exactly_once(
    worker_on_private_redis, private_redis, merchant, staff
):
    worker = worker_on_private_redis
    members = shoppers_who_clicked(merchant, staff, BURST)
    connection, secret = services.connection_create(merchant=merchant, name="Shopify", kind="shopify")
    deliveries = Delivery.objects.for_merchant(merchant)
    processed = deliveries.filter(status=Delivery.Status.PROCESSED)
    attributions = Attribution.objects.for_merchant(merchant)
    placed = timezone.now().isoformat()
    answers, failures = [], []

    def send(part):
        client = Client()
        try:
            for i in range(part, BURST, SENDERS):
                payload = shopify_order(5_000_000 + i, email=members[i].email, created_at=placed, updated_at=placed)
                response = post_webhook(client, connection, secret, payload, "orders/create", delivery_id=f"evt-{i}")
                (answers if response.status_code == 200 else failures).append(response.status_code)
        finally:
            db_connection.close()

    # When the deliveries stream in and the worker is SIGKILLed once it is busy with them
    started = time.monotonic()
    senders = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for sender in senders:
        sender.start()
    assert wait_for(lambda: processed.count() >= 50, timeout=60), worker.log()
    worker.kill()
    killed_at = processed.count()
    time.sleep(0.5)  # deliveries keep arriving while no worker runs
    worker.restart(
        CELERY_VISIBILITY_TIMEOUT="2", CELERY_UNACKED_RESTORE_INTERVAL="1", CELERY_UNACKED_RESTORE_THROTTLE="1"
    )
    for sender in senders:
        sender.join(timeout=180)
    sent_in = time.monotonic() - started

    # Then every payload was stored and answered
    assert not failures and len(answers) == BURST
    assert deliveries.count() == BURST
    assert killed_at < BURST, "the worker finished before it was killed"

    # And once the broker is drained, every delivery is processed (the connectors sweeper's pass
    # catches a delivery whose message died in the hand-over window) and every order attributed
    # (likewise the attribution sweeper's; both run here without their 30 s grace, as nothing is queued)
    drained(private_redis.url, processed)
    print(f"sent in {sent_in:.1f} s; drained {time.monotonic() - started:.1f} s after the first;"
          f" {killed_at} processed when the worker was killed; {processed.count()} processed by redelivery")
    if processed.count() < BURST:
        requeue_due(selectors.pending_delivery_ids, process_delivery_task, grace_seconds=0)
    assert wait_for(lambda: processed.count() == BURST, timeout=60), (processed.count(), worker.log())
    drained(private_redis.url, attributions)
    if attributions.count() < BURST:
        enqueue_batches(merchant.pk, unattributed_order_ids(merchant_id=merchant.pk, older_than=timezone.now()))
    assert wait_for(lambda: attributions.count() == BURST, timeout=60), (attributions.count(), worker.log())
    print(f"all processed and attributed {time.monotonic() - started:.1f} s after the first delivery")
    time.sleep(1)  # a late duplicate would show up now
    orders = Order.objects.for_merchant(merchant)
    assert orders.count() == BURST
    assert OrderEvent.objects.for_merchant(merchant).filter(outcome="created").count() == BURST
    assert OrderEvent.objects.for_merchant(merchant).count() == BURST  # no delivery applied twice
    assert attributions.count() == BURST
    assert attributions.filter(reason="credited", staff=staff).count() == BURST
    assert worker.starts == 2
