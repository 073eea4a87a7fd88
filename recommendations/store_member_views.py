"""The manager's page of the members that belong to their store, with their spending and
masked contact details (the full phone and email stay on the audited profile page)."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from commerce import selectors as orders
from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff, Store

from . import store_members

PAGE_SIZE = 25


@require_GET
@staff_required()
def store_member_list(request, merchant):
    if request.staff.role not in (Staff.Role.MANAGER, Staff.Role.ADMIN):
        raise PermissionDenied
    if request.staff.role == Staff.Role.MANAGER and request.staff.store_id is None:
        raise PermissionDenied  # a manager of no store has no members (never "all of them")
    store = store_members.store_members_scope(
        merchant=request.merchant, viewer=request.staff, store_id=request.GET.get("store")
    )
    members = store_members.store_member_list(merchant=request.merchant, store=store)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    spending = orders.members_spending(merchant=request.merchant, member_ids=[m.pk for m in page])
    is_admin = request.staff.role == Staff.Role.ADMIN
    return render(
        request,
        "members/store_list.html",
        {
            "page": page,
            "rows": [(member, spending[member.pk]) for member in page],
            "store": store,
            "stores": Store.objects.for_merchant(request.merchant).order_by("name") if is_admin else [],
            "is_admin": is_admin,
        },
    )
