"""The text message leaves through a real Celery worker process (CI: PostgreSQL + Redis)."""

import time

import pytest

from recommendations import services
from recommendations.models import SmsOutbox
from tests.factories import LinkFactory

pytestmark = pytest.mark.worker


def test_queued_text_is_sent_by_the_worker_process(celery_worker_process, merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    outbox = services.link_sms_send(merchant=merchant, link=link, staff=staff, url="https://shop.example/l/x/")
    messages = SmsOutbox.objects.for_merchant(merchant)
    deadline = time.monotonic() + 30
    while messages.get(pk=outbox.pk).status == SmsOutbox.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.2)
    sent = messages.get(pk=outbox.pk)
    assert sent.status == SmsOutbox.Status.SENT, celery_worker_process.log()
    assert sent.provider_id.startswith("console-") and sent.sent_at is not None
