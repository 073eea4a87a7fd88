"""Imports of a merchant's catalog, members and past orders (django-import-export resources).

A file is stored and checked first (a dry run: every row checked, each row's problems kept,
nothing written); only a checked file without problems can then be imported, for real, in ONE
transaction: any row error rolls the whole import back, so nothing is ever half-written. Files
of more than `IMPORTS_BACKGROUND_ROWS` rows are checked and imported by a Celery task, the page
showing the rows done so far (kept in the cache: the import's own transaction is not visible
until it commits)."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from omo.tenancy.tasks import task_enqueue_on_commit

from .models import ImportJob
from .resources import CatalogResource, MemberResource, OrderResource

RESOURCES = {
    ImportJob.Kind.CATALOG: CatalogResource,
    ImportJob.Kind.MEMBERS: MemberResource,
    ImportJob.Kind.ORDERS: OrderResource,
}
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_PROBLEMS = 200
Status = ImportJob.Status


def dataset_load(*, file_name: str, content: bytes):
    """A tablib Dataset from a .csv (UTF-8, with or without BOM) or .xlsx file."""
    name = (file_name or "").lower()
    try:
        if name.endswith(".xlsx"):
            dataset = XLSX().create_dataset(content)
        elif name.endswith(".csv"):
            dataset = CSV().create_dataset(content.decode("utf-8-sig"))
        else:
            raise ValidationError(_("Upload a .csv or .xlsx file."))
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The CSV file is not UTF-8 text.")) from exc
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001  (a damaged spreadsheet: tell the user, never a 500)
        raise ValidationError(_("The file could not be read: %(error)s") % {"error": exc}) from exc
    if dataset.headers:
        dataset.headers = [str(header or "").strip().lower() for header in dataset.headers]
    if len(dataset) > MAX_ROWS:
        raise ValidationError(_("At most %(count)s rows per file.") % {"count": MAX_ROWS})
    return dataset


def progress_key(job_id) -> str:
    return f"imports:progress:{job_id}"


def progress_get(job: ImportJob) -> int:
    return int(cache.get(progress_key(job.pk)) or 0)


def _run(job: ImportJob, *, dry_run: bool):
    dataset = dataset_load(file_name=job.file_name, content=bytes(job.content))
    resource = RESOURCES[job.kind](merchant=job.merchant, progress_key=progress_key(job.pk))
    cache.set(progress_key(job.pk), 0, 24 * 3600)
    return resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)


def _totals(result) -> dict:
    totals = {key: int(value) for key, value in result.totals.items()}
    totals["invalid"] = len(result.invalid_rows)
    totals["error"] = len(result.row_errors()) + len(result.base_errors)
    return totals


def result_rows(result, limit: int = MAX_PROBLEMS) -> list[dict]:
    """Per-row problems: row number (None: the whole file), [column, messages] pairs."""
    rows = []
    for invalid in result.invalid_rows:
        errors = [["" if field == "__all__" else field, list(messages)] for field, messages in invalid.error_dict.items()]
        rows.append({"number": invalid.number, "errors": sorted(errors)})
    for number, errors in result.row_errors():
        rows.append({"number": number, "errors": [["", [str(error.error) for error in errors]]]})
    for error in result.base_errors:
        rows.append({"number": None, "errors": [["", [str(error.error)]]]})
    rows.sort(key=lambda row: (row["number"] is None, row["number"] or 0))
    return rows[:limit]


def _background(rows: int) -> bool:
    return rows > settings.IMPORTS_BACKGROUND_ROWS


def import_upload(*, merchant, kind: str, file_name: str, content: bytes, user=None) -> ImportJob:
    """Store the file and check it: now for a small file, in the background for a large one.
    ValidationError when the file cannot be read at all."""
    if kind not in RESOURCES:
        raise ValidationError(_("Choose what the file contains."))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 10 MB: split it."))
    rows = len(dataset_load(file_name=file_name, content=content))
    with transaction.atomic():
        job = ImportJob.objects.for_merchant(merchant).create(
            merchant=merchant, kind=kind, file_name=file_name[:255], content=content, created_by=user, rows=rows,
            status=Status.CHECKING,
        )
        if _background(rows):
            task_enqueue_on_commit("imports.check", merchant.pk, job.pk)
            return job
    return import_check_run(merchant=merchant, job_id=job.pk)[0]


def import_check(*, merchant, kind: str, file_name: str, content: bytes, user=None):
    """Store and check a file now, whatever its size: (job, import-export result)."""
    if kind not in RESOURCES:
        raise ValidationError(_("Choose what the file contains."))
    rows = len(dataset_load(file_name=file_name, content=content))
    with transaction.atomic():
        job = ImportJob.objects.for_merchant(merchant).create(
            merchant=merchant, kind=kind, file_name=file_name[:255], content=content, created_by=user, rows=rows,
            status=Status.CHECKING,
        )
    return import_check_run(merchant=merchant, job_id=job.pk)


def import_check_run(*, merchant, job_id: int):
    """The dry run of a stored file (the `imports.check` task): a no-op unless it is waiting."""
    jobs = ImportJob.objects.for_merchant(merchant)
    job = jobs.filter(pk=job_id, status=Status.CHECKING).first()
    if job is None:
        return jobs.get(pk=job_id), None
    result = _run(job, dry_run=True)
    invalid = result.has_errors() or result.has_validation_errors()
    jobs.filter(pk=job.pk).update(
        rows=result.total_rows, totals=_totals(result), problems=result_rows(result),
        status=Status.INVALID if invalid else Status.CHECKED,
    )
    job.refresh_from_db()
    return job, result


def import_confirm(*, merchant, job: ImportJob) -> ImportJob:
    """Import a checked file without problems: now when small, in the background when large."""
    with transaction.atomic():
        claimed = ImportJob.objects.for_merchant(merchant).filter(pk=job.pk, status=Status.CHECKED).update(
            status=Status.IMPORTING
        )
        if not claimed:
            raise ValidationError(_("Only a checked file without errors can be imported (once)."))
        if _background(job.rows):
            task_enqueue_on_commit("imports.apply", getattr(merchant, "pk", merchant), job.pk)
            job.refresh_from_db()
            return job
    return import_apply_run(merchant=merchant, job_id=job.pk)[0]


def import_apply(*, merchant, job: ImportJob):
    """Import a checked file now: (job, result). Tests and the inline path."""
    claimed = ImportJob.objects.for_merchant(merchant).filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING
    )
    if not claimed:
        raise ValidationError(_("Only a checked file without errors can be imported (once)."))
    return import_apply_run(merchant=merchant, job_id=job.pk)


def import_apply_run(*, merchant, job_id: int):
    """The real run, one transaction (the `imports.apply` task): a no-op unless it is waiting. A
    worker that dies mid-way leaves nothing written and the job waiting, so the redelivered task
    starts it again."""
    jobs = ImportJob.objects.for_merchant(merchant)
    with transaction.atomic():
        job = jobs.select_for_update().filter(pk=job_id, status=Status.IMPORTING).first()
        if job is None:
            return jobs.get(pk=job_id), None
        result = _run(job, dry_run=False)
        failed = result.has_errors() or result.has_validation_errors()
        jobs.filter(pk=job.pk).update(
            totals=_totals(result), problems=result_rows(result),
            status=Status.INVALID if failed else Status.IMPORTED,
            imported_at=None if failed else timezone.now(),
        )
    job.refresh_from_db()
    return job, result
