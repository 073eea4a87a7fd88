from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff

from . import selectors
from .forms import AuditFilterForm

EVENTS_PER_PAGE = 50


@require_GET
@staff_required()
def audit_log(request, merchant):
    """The merchant's audit log, for merchant admins (other staff roles: 403; anyone else: 404)."""
    if request.staff.role != Staff.Role.ADMIN:
        raise PermissionDenied
    actors = [
        (staff.user_id, f"{staff.display_name} ({staff.get_role_display()})")
        for staff in Staff.objects.for_merchant(request.merchant).order_by("display_name")
    ]
    form = AuditFilterForm(request.GET or None, actors=actors, tz=request.merchant.tzinfo)
    events = selectors.audit_event_list(merchant=request.merchant, **form.filters())
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/events.html", {"form": form, "page": page, "query": query.urlencode()})
