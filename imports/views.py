"""The merchant's import pages (merchant admins only; anyone else gets 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff

from . import services
from .forms import ImportUploadForm
from .models import ImportJob

admin_required = staff_required(Staff.Role.ADMIN)


def _jobs(merchant):
    return ImportJob.objects.for_merchant(merchant).defer("content")


@require_http_methods(["GET", "POST"])
@admin_required
def import_page(request, merchant):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 10 MB: split it."))
        else:
            try:
                job = services.import_upload(
                    merchant=request.merchant, kind=form.cleaned_data["kind"], file_name=upload.name,
                    content=upload.read(), user=request.user,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("imports:job", merchant=merchant, job_id=job.pk)
    return render(request, "imports/import.html", {"form": form, "jobs": _jobs(request.merchant)[:20]})


@require_GET
@admin_required
def import_job(request, merchant, job_id):
    job = get_object_or_404(_jobs(request.merchant), pk=job_id)
    working = job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
    return render(request, "imports/job.html", {
        "job": job, "working": working, "done_rows": services.progress_get(job) if working else job.rows,
    })


@require_POST
@admin_required
def import_confirm(request, merchant, job_id):
    job = get_object_or_404(_jobs(request.merchant), pk=job_id)
    try:
        job = services.import_confirm(merchant=request.merchant, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if job.status == ImportJob.Status.IMPORTED:
            messages.success(request, _("Imported: %(new)s new, %(update)s updated, %(skip)s skipped.") % {
                "new": job.totals.get("new", 0), "update": job.totals.get("update", 0),
                "skip": job.totals.get("skip", 0)})
        elif job.status == ImportJob.Status.INVALID:
            messages.error(request, _("Nothing was imported: some rows failed."))
    return redirect("imports:job", merchant=merchant, job_id=job.pk)
