"""Loyalty pages for expiry: the merchant admin's points liability (page and CSV) and the
member's consent to points notices (on/off when signed in, or the stop link in a notice)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from members.models import Member
from members.services import member_for_user, member_points_notices_set
from omo.spreadsheet import csv_download
from omo.tenancy.access import staff_required

from . import expiry_selectors
from .services import expiry


@require_GET
@staff_required("admin")
def liability(request, merchant):
    """Outstanding points and their money value, by the month they expire in."""
    report = expiry_selectors.points_liability(merchant=request.merchant)
    return render(request, "loyalty/liability.html", {"report": report, "currency": request.merchant.currency})


@require_GET
@staff_required("admin")
def liability_csv(request, merchant):
    report = expiry_selectors.points_liability(merchant=request.merchant)
    header = (_("Expiry month"), _("Points"), _("Value"), _("Currency"))
    rows = [
        [row.month.strftime("%Y-%m") if row.month else _("Never"), row.points, row.value, request.merchant.currency]
        for row in report.rows
    ]
    rows.append([_("Total"), report.points, report.value, request.merchant.currency])
    return csv_download("points-liability.csv", header, rows)


@require_http_methods(["GET", "POST"])
def notices(request, merchant):
    """The signed-in shopper agrees to, or stops, notices before their points expire."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = member_for_user(merchant=request.merchant, user=request.user)
    if request.method == "POST":
        consent = request.POST.get("consent") == "on"
        member_points_notices_set(merchant=request.merchant, member=member, consent=consent)
        messages.success(request, _("You will get a notice before your points expire.") if consent
                         else _("You will get no more notices about your points."))
        return redirect("loyalty:notices", merchant=request.merchant.slug)
    return render(request, "loyalty/notices.html", {"member": member})


@require_http_methods(["GET", "POST"])
def notices_stop(request, merchant, token):
    """The stop link in a notice: works without signing in; a POST (not the GET a link preview
    makes) turns notices off."""
    member_id = expiry.notices_opt_out_member_id(merchant=request.merchant, token=token)
    member = Member.objects.for_merchant(request.merchant).filter(pk=member_id).first() if member_id else None
    if member is None:
        raise Http404
    if request.method == "POST":
        member_points_notices_set(merchant=request.merchant, member=member, consent=False)
        return render(request, "loyalty/notices_stopped.html")
    return render(request, "loyalty/notices_stop.html", {"member": member})
