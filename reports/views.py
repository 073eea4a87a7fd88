
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from commerce.models import Order
from omo.audit.services import Action, audit_request
from omo.money import quantize_money
from omo.spreadsheet import csv_download
from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff, Store

from . import referrals, selectors, services
from .forms import PerformanceFilterForm
from .models import ExportJob

ADMIN = Staff.Role.ADMIN


def _chart_data(performance):
    period = performance.period
    if period.hourly:
        labels = [f"{hour:02d}:00" for hour, _o, _s in performance.series]
    else:
        labels = [day.isoformat() for day, _o, _s in performance.series]
    top = performance.staff[:10]
    return {
        "labels": labels,
        "orders": [orders for _b, orders, _s in performance.series],
        "sales": [float(sales) for _b, _o, sales in performance.series],
        "ranking": {"labels": [row.name for row in top], "sales": [float(row.sales) for row in top]},
    }


def _performance(request):
    """The figures the viewer may see for the range and store picked in the query string."""
    form = PerformanceFilterForm(request.GET or None, merchant=request.merchant)
    period = form.period_or_default()
    store_id = form.cleaned_data.get("store") if form.is_bound and form.is_valid() else None
    scope = selectors.performance_scope(merchant=request.merchant, viewer=request.staff, store_id=store_id)
    return form, period, scope, selectors.performance_get(merchant=request.merchant, scope=scope, period=period)


def _referrals(request, scope, period):
    """The referral-split figures for managers and admins (staff see only their own sales)."""
    if request.staff.role not in (ADMIN, Staff.Role.MANAGER):
        return None
    return referrals.referral_split_get(merchant=request.merchant, scope=scope, period=period)


def _referral_chart(split):
    top = split.rows[:10] if split else []
    return {
        "labels": [row.name for row in top],
        "traffic": [row.traffic_points for row in top],
        "sales": [row.sales_points for row in top],
    }


@require_GET
@staff_required()
def performance(request, merchant):
    form, period, scope, result = _performance(request)
    split = _referrals(request, scope, period)
    stores = Store.objects.for_merchant(request.merchant) if request.staff.role == ADMIN else []
    scope_store = Store.objects.for_merchant(request.merchant).filter(pk=scope.store_id).first() if scope.store_id else None
    return render(
        request,
        "reports/performance.html",
        {
            "form": form,
            "performance": result,
            "period": period,
            "stores": stores,
            "scope_store": scope_store,
            "chart": _chart_data(result),
            "is_admin": request.staff.role == ADMIN,
            "referrals": split,
            "referral_chart": _referral_chart(split),
        },
    )


def referral_kind(kind: str) -> str:
    return {"store": _("Referral: store"), "staff": _("Referral: staff"), "member": _("Referral: member")}[kind]


@require_GET
@staff_required()
def performance_csv(request, merchant):
    """The same figures as the page (same range, same role scope), one row per store and staff."""
    _form, period, _scope, result = _performance(request)
    header = (
        _("Level"), pgettext("person", "Name"), _("Store"), _("Rank"), _("Credited orders"), _("Sales"), _("Average order value"),
        _("New members"), _("Currency"), _("From"), _("To"),
    )
    currency = request.merchant.currency
    rows = [
        [level, row.name, row.store, row.rank, row.orders, quantize_money(row.sales, currency), row.average, row.new_members, currency,
         period.first_day.isoformat(), period.last_day.isoformat()]
        for level, rows in ((_("Store"), result.stores), (_("Staff"), result.staff))
        for row in rows
    ]
    split = _referrals(request, _scope, period)
    if split is not None:
        # One flat table: referral rows leave the sales columns empty and fill the split's own
        # columns at the end (staff see no referral columns, as on the page).
        header += (_("Traffic points"), _("Sales points"), _("Referred orders"), _("Referred sales"),
                   _("Points value"))
        rows = [row + ["", "", "", "", ""] for row in rows]
        rows += [
            [referral_kind(row.kind), row.name, row.store, "", "", "", "", "", currency,
             period.first_day.isoformat(), period.last_day.isoformat(),
             row.traffic_points, row.sales_points, row.orders, quantize_money(row.amount, currency), row.value]
            for row in split.rows
        ]
    filename = f"performance-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
    audit_request(request, action=Action.EXPORT_PERFORMANCE,
                  details={"from": period.first_day.isoformat(), "to": period.last_day.isoformat()})
    return csv_download(filename, header, rows)


def _export_page(request, *, error=None, status=200):
    jobs = ExportJob.objects.for_merchant(request.merchant).select_related("requested_by")[:10]
    return render(
        request,
        "reports/export.html",
        {
            "stores": Store.objects.for_merchant(request.merchant),
            "channels": Order.Channel.choices,
            "jobs": jobs,
            "values": request.POST if request.method == "POST" else {},
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required(ADMIN)
def export(request, merchant):
    """The admin order CSV: small exports download at once, large ones become a job."""
    if request.method == "GET":
        return _export_page(request)
    try:
        filters, plain = services.export_filters_parse(merchant=request.merchant, data=request.POST)
    except ValidationError as exc:
        return _export_page(request, error=exc.messages[0], status=400)
    if services.export_is_large(merchant=request.merchant, filters=filters):
        job = services.export_job_create(
            merchant=request.merchant, staff=request.staff, filters_plain=plain, language=translation.get_language()
        )
        audit_request(request, action=Action.EXPORT_ORDERS, target=job, details={"filters": plain, "job": job.pk})
        return redirect("reports:export-job", merchant=merchant, job_id=job.pk)
    audit_request(request, action=Action.EXPORT_ORDERS, details={"filters": plain})
    stamp = timezone.localtime(timezone.now(), request.merchant.tzinfo).strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        services.export_stream(merchant=request.merchant, filters=filters), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="orders-{request.merchant.slug}-{stamp}.csv"'
    return response


def _job(request, job_id):
    return get_object_or_404(ExportJob.objects.for_merchant(request.merchant), pk=job_id)


@require_GET
@staff_required(ADMIN)
def export_job(request, merchant, job_id):
    return render(request, "reports/export_job.html", {"job": _job(request, job_id)})


@require_GET
@staff_required(ADMIN)
def export_job_progress(request, merchant, job_id):
    job = _job(request, job_id)
    download = (
        reverse("reports:export-download", kwargs={"merchant": merchant, "job_id": job.pk})
        if job.status == ExportJob.Status.DONE
        else None
    )
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "percent": job.percent,
            "rows_written": job.rows_written,
            "total_rows": job.total_rows,
            "download_url": download,
        }
    )


@require_GET
@staff_required(ADMIN)
def export_download(request, merchant, job_id):
    job = _job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    filename = job.file.name.rsplit("/", 1)[-1]
    audit_request(request, action=Action.EXPORT_ORDERS, target=job, details={"download": filename})
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type="text/csv")
