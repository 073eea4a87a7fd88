"""After Redis is restored from nothing (or flushed), the queued tasks are gone; the rows that
asked for them stay. The beat sweeps find those rows and queue their tasks again (docs/operations.md).
Lost order events are the attribution, partners and loyalty sweeps' job (tests in those apps)."""

from datetime import timedelta

from django.utils import timezone

from omo.tenancy.models import Staff
from recommendations import services as recommendation_services
from recommendations.models import SmsOutbox
from recommendations.tasks import sweep_sms_queued_task
from reports.models import ExportJob
from reports.tasks import sweep_stalled_exports_task
from tests.factories import LinkFactory, StaffFactory
from tests.reports.helpers import local, uncredited_order


def test_a_text_whose_task_was_lost_is_sent_once_by_the_sweep(merchant, staff):
    link = LinkFactory(merchant=merchant, staff=staff)
    # The outbox row committed, its delivery task vanished with Redis (no on-commit callbacks run here).
    outbox = recommendation_services.link_sms_send(merchant=merchant, link=link, staff=staff, url="https://x.test/l/1/")
    outboxes = SmsOutbox.objects.for_merchant(merchant)

    assert sweep_sms_queued_task() == 0  # a text just queued may still be on its way: left alone
    outboxes.filter(pk=outbox.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert sweep_sms_queued_task() == 1

    outbox.refresh_from_db()
    assert outbox.status == SmsOutbox.Status.SENT and outbox.provider_id.startswith("console-")
    assert sweep_sms_queued_task() == 0  # sent once: nothing left to send


def test_an_export_whose_task_was_lost_is_written_by_the_sweep(merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    uncredited_order(merchant, at=local(2026, 3, 1, 9, 0), number="LOST-1")
    jobs = ExportJob.objects.for_merchant(merchant)
    waiting = jobs.create(merchant=merchant, requested_by=admin)
    # "Running" since long before the task limit plus the redelivery time: its worker is gone.
    dead = jobs.create(merchant=merchant, requested_by=admin, status=ExportJob.Status.RUNNING)
    # Running for a minute: a live worker may be writing it; the sweep must not start a second one.
    live = jobs.create(merchant=merchant, requested_by=admin, status=ExportJob.Status.RUNNING)
    now = timezone.now()
    jobs.filter(pk=waiting.pk).update(created_at=now - timedelta(minutes=3))
    jobs.filter(pk=dead.pk).update(created_at=now - timedelta(hours=1))
    jobs.filter(pk=live.pk).update(created_at=now - timedelta(minutes=1))

    assert sweep_stalled_exports_task() == 2

    statuses = dict(jobs.values_list("pk", "status"))
    assert statuses == {waiting.pk: "done", dead.pk: "done", live.pk: "running"}
    assert jobs.get(pk=waiting.pk).rows_written == 1
