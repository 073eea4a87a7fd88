"""The background export through a real Celery worker process on Redis (CI runs these)."""

import time

import pytest

from omo.tenancy.models import Staff
from reports import services
from reports.models import ExportJob
from tests.factories import StaffFactory
from tests.reports.helpers import local, uncredited_order

pytestmark = pytest.mark.worker


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_the_worker_process_writes_the_export_file(celery_worker_process, merchant):
    admin = StaffFactory(merchant=merchant, store=None, role=Staff.Role.ADMIN)
    for n in range(3):
        uncredited_order(merchant, at=local(2026, 3, 1, 9, n), number=f"WK-{n}")

    job = services.export_job_create(merchant=merchant, staff=admin, filters_plain={}, language="en")

    jobs = ExportJob.objects.for_merchant(merchant)
    assert wait_for(lambda: jobs.get(pk=job.pk).finished, timeout=30), celery_worker_process.log()
    job = jobs.get(pk=job.pk)
    assert (job.status, job.rows_written, job.total_rows) == ("done", 3, 3)
    with job.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"\xef\xbb\xbf") and b"WK-2" in content
    job.file.delete(save=False)
