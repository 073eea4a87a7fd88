"""Writes of the reports: the order CSV export, streamed or written by a worker."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from contextlib import contextmanager
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commerce.models import Order
from omo.tenancy.models import Store
from omo.tenancy.tasks import task_enqueue_on_commit

from . import csv_columns, selectors
from .models import ExportJob
from .periods import day_bounds

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000


def export_filters_parse(*, merchant, data) -> tuple[selectors.ExportFilters, dict]:
    """Validate the export form's values (dates in the merchant's time zone).

    Returns the filters and their plain form (kept on an `ExportJob`). A store of another
    merchant is refused like a typo: ValidationError, never a leak.
    """
    date_from = (data.get("date_from") or "").strip()
    date_to = (data.get("date_to") or "").strip()
    start, end = day_bounds(tz=merchant.tzinfo, first_day=date_from, last_day=date_to)
    store_id = data.get("store") or None
    if store_id is not None:
        try:
            store_id = int(store_id)
        except (TypeError, ValueError):
            raise ValidationError(_("Choose a store from the list.")) from None
        if not Store.objects.for_merchant(merchant).filter(pk=store_id).exists():
            raise ValidationError(_("Choose a store from the list."))
    channel = (data.get("channel") or "").strip()
    if channel and channel not in Order.Channel.values:
        raise ValidationError(_("Choose a channel from the list."))
    filters = selectors.ExportFilters(start=start, end=end, store_id=store_id, channel=channel)
    plain = {"date_from": date_from, "date_to": date_to, "store": store_id, "channel": channel}
    return filters, plain


def export_chunks(*, merchant, filters: selectors.ExportFilters) -> Iterator[tuple[bytes, int]]:
    """The CSV as (bytes, rows) chunks: BOM and header first, then CHUNK_ROWS rows at a time.

    Rows come from a server-side cursor, so memory stays flat whatever the row count. This is
    the one code path of the direct download, the worker's file and the benchmark.
    """
    with _plan_for_every_row():
        rows = selectors.order_export_rows(merchant=merchant, filters=filters).iterator(chunk_size=CHUNK_ROWS)
        yield from csv_columns.csv_chunks(rows, chunk_rows=CHUNK_ROWS)


@contextmanager
def _plan_for_every_row():
    """PostgreSQL plans a cursor for its first 10% of rows (nested loops, presorted index
    scans); an export reads them all, so plan for the whole result (hash joins and one sort).
    On a million orders this makes the query itself as fast as under COPY."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET cursor_tuple_fraction")
        except DatabaseError:
            # A broken connection is discarded anyway; do not hide the error that broke it.
            pass


def export_stream(*, merchant, filters: selectors.ExportFilters) -> Iterator[bytes]:
    for data, _rows in export_chunks(merchant=merchant, filters=filters):
        yield data


def export_write(*, merchant, filters, out, on_progress=None, every: int = 10_000) -> int:
    """Write the CSV to the binary file ``out``; call ``on_progress(rows)`` about every
    ``every`` rows. Returns the number of rows written."""
    written = reported = 0
    for data, rows in export_chunks(merchant=merchant, filters=filters):
        out.write(data)
        written += rows
        if on_progress is not None and written - reported >= every:
            on_progress(written)
            reported = written
    return written


def export_count(*, merchant, filters) -> int:
    """How many rows an export would have: one order per row, counted without joins."""
    return selectors.order_export_queryset(merchant=merchant, filters=filters).count()


def export_is_large(*, merchant, filters) -> bool:
    return export_count(merchant=merchant, filters=filters) > settings.REPORTS_EXPORT_STREAM_MAX_ROWS


@transaction.atomic
def export_job_create(*, merchant, staff, filters_plain: dict, language: str) -> ExportJob:
    """Record a background export and queue its worker once the row is committed."""
    job = ExportJob.objects.for_merchant(merchant).create(
        merchant=merchant, requested_by=staff, filters=filters_plain, language=language
    )
    task_enqueue_on_commit("reports.export_orders", merchant.pk, job.pk)
    return job


def export_jobs_stalled_ids(*, merchant, older_than) -> list[int]:
    """Exports whose worker task was lost: still waiting since before `older_than`, or "running"
    for longer than the task may run plus the broker's redelivery time (its worker is gone)."""
    dead_after = timedelta(
        seconds=settings.REPORTS_EXPORT_TIME_LIMIT + settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
    jobs = ExportJob.objects.for_merchant(merchant)
    waiting = Q(status=ExportJob.Status.PENDING, created_at__lte=older_than)
    running = Q(status=ExportJob.Status.RUNNING, created_at__lte=older_than - dead_after)
    return list(jobs.filter(waiting | running).order_by("created_at").values_list("pk", flat=True)[:100])


def export_job_run(*, merchant, job_id: int) -> ExportJob | None:
    """Write a queued export to a file in the exports storage, updating its progress as it goes.

    Idempotent by status: a job already done is left alone; a redelivered running job
    starts over (the file is only attached once complete).
    """
    jobs = ExportJob.objects.for_merchant(merchant)
    job = jobs.filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job
    with translation.override(job.language):
        filters, _plain = export_filters_parse(merchant=merchant, data=job.filters)
        total = export_count(merchant=merchant, filters=filters)
        jobs.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, total_rows=total, rows_written=0, updated_at=timezone.now())

        def progress(rows):
            jobs.filter(pk=job.pk).update(rows_written=rows, updated_at=timezone.now())

        every = max(settings.REPORTS_EXPORT_PROGRESS_EVERY, 1)
        stamp = timezone.localtime(timezone.now(), merchant.tzinfo).strftime("%Y%m%d-%H%M%S")
        # An unguessable name: the file is only ever handed out by the merchant-scoped view.
        # Saving an empty file first reserves the name (and creates the folder); the rows are
        # then written straight into it, with no second copy of a file of hundreds of MB.
        storage = ExportJob.file.field.storage  # settings.STORAGES["exports"]: disk or object storage
        name = storage.save(
            f"{ExportJob.file.field.upload_to}orders-{merchant.slug}-{stamp}-{secrets.token_urlsafe(12)}.csv",
            ContentFile(b""),
        )
        try:
            with storage.open(name, "wb") as out:
                written = export_write(merchant=merchant, filters=filters, out=out, on_progress=progress, every=every)
        except Exception as exc:
            logger.exception("export %s of merchant %s failed", job_id, merchant.pk)
            storage.delete(name)
            jobs.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(exc)[:1000], finished_at=timezone.now(), updated_at=timezone.now())
            raise
    job.refresh_from_db()
    job.file.name = name
    job.status = ExportJob.Status.DONE
    job.rows_written = written
    job.total_rows = max(total, written)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_written", "total_rows", "file", "finished_at"])
    return job
