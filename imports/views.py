"""The merchant's import page (merchant admins only; anyone else gets 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff

from . import services
from .forms import ImportUploadForm
from .models import ImportJob

admin_required = staff_required(Staff.Role.ADMIN)


@require_http_methods(["GET", "POST"])
@admin_required
def import_page(request, merchant):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "jobs": ImportJob.objects.for_merchant(request.merchant).defer("content")[:20]}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 10 MB: split it."))
        else:
            try:
                job, result = services.import_check(
                    merchant=request.merchant, kind=form.cleaned_data["kind"], file_name=upload.name,
                    content=upload.read(), user=request.user,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                context.update({"job": job, "problems": services.result_rows(result)})
    return render(request, "imports/import.html", context)


@require_POST
@admin_required
def import_confirm(request, merchant, job_id):
    job = get_object_or_404(ImportJob.objects.for_merchant(request.merchant).defer("content"), pk=job_id)
    try:
        job, result = services.import_apply(merchant=request.merchant, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:page", merchant=merchant)
    if job.status == ImportJob.Status.IMPORTED:
        messages.success(request, _("Imported: %(new)s new, %(update)s updated, %(skip)s skipped.") % {
            "new": job.totals.get("new", 0), "update": job.totals.get("update", 0), "skip": job.totals.get("skip", 0)})
        return redirect("imports:page", merchant=merchant)
    messages.error(request, _("Nothing was imported: some rows failed."))
    return render(request, "imports/import.html", {
        "form": ImportUploadForm(), "job": job, "problems": services.result_rows(result),
        "jobs": ImportJob.objects.for_merchant(request.merchant).defer("content")[:20],
    })
