"""Imports of a merchant's catalog, members and past orders (django-import-export resources).

`import_check` stores the uploaded file and runs it as a dry run (every row checked, nothing
kept); `import_apply` runs the stored file for real in one transaction: any row error rolls the
whole import back, so nothing is ever half-written."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from .models import ImportJob
from .resources import CatalogResource, MemberResource, OrderResource

RESOURCES = {
    ImportJob.Kind.CATALOG: CatalogResource,
    ImportJob.Kind.MEMBERS: MemberResource,
    ImportJob.Kind.ORDERS: OrderResource,
}
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


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


def _run(job: ImportJob, *, dry_run: bool):
    dataset = dataset_load(file_name=job.file_name, content=bytes(job.content))
    resource = RESOURCES[job.kind](merchant=job.merchant)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True,
                                  rollback_on_validation_errors=True)
    return dataset, result


def _totals(result) -> dict:
    totals = dict(result.totals)
    totals["invalid"] = len(result.invalid_rows)
    totals["error"] = len(result.row_errors()) + len(result.base_errors)
    return {key: int(value) for key, value in totals.items()}


def import_check(*, merchant, kind: str, file_name: str, content: bytes, user=None):
    """Store the file and dry-run it: (job, result). ValidationError when the file cannot be read."""
    if kind not in RESOURCES:
        raise ValidationError(_("Choose what the file contains."))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 10 MB: split it."))
    dataset_load(file_name=file_name, content=content)
    with transaction.atomic():
        job = ImportJob.objects.for_merchant(merchant).create(
            merchant=merchant, kind=kind, file_name=file_name[:255], content=content, created_by=user
        )
    _dataset, result = _run(job, dry_run=True)
    invalid = result.has_errors() or result.has_validation_errors()
    ImportJob.objects.for_merchant(merchant).filter(pk=job.pk).update(
        rows=result.total_rows, totals=_totals(result),
        status=ImportJob.Status.INVALID if invalid else ImportJob.Status.CHECKED,
    )
    job.refresh_from_db()
    return job, result


def import_apply(*, merchant, job: ImportJob):
    """Import a checked file for real, in one transaction (nothing kept if any row fails)."""
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(_("Only a checked file without errors can be imported (once)."))
    with transaction.atomic():
        locked = ImportJob.objects.for_merchant(merchant).select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.CHECKED:
            raise ValidationError(_("Only a checked file without errors can be imported (once)."))
        _dataset, result = _run(locked, dry_run=False)
        failed = result.has_errors() or result.has_validation_errors()
        ImportJob.objects.for_merchant(merchant).filter(pk=job.pk).update(
            totals=_totals(result),
            status=ImportJob.Status.INVALID if failed else ImportJob.Status.IMPORTED,
            imported_at=None if failed else timezone.now(),
        )
    job.refresh_from_db()
    return job, result


def result_rows(result, limit: int = 200) -> list[dict]:
    """Per-row problems for the page: row number, column -> messages (or a general error)."""
    rows = []
    for invalid in result.invalid_rows:
        errors = [("" if field == "__all__" else field, messages) for field, messages in invalid.error_dict.items()]
        rows.append({"number": invalid.number, "errors": sorted(errors)})
    for number, errors in result.row_errors():
        rows.append({"number": number, "errors": [("", [str(error.error) for error in errors])]})
    for error in result.base_errors:
        rows.append({"number": None, "errors": [("", [str(error.error)])]})
    rows.sort(key=lambda row: (row["number"] is None, row["number"] or 0))
    return rows[:limit]
