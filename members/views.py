from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from omo.tenancy.access import staff_required

from . import selectors


@require_GET
@staff_required()
def member_search(request, merchant):
    query = request.GET.get("q", "").strip()
    member, error = None, None
    if query:
        try:
            member = selectors.member_find(merchant=request.merchant, query=query)
        except ValidationError as exc:
            error = exc.messages[0]
    return render(request, "members/search.html", {"query": query, "member": member, "error": error})


@require_GET
@staff_required()
def member_detail(request, merchant, member_id):
    member = selectors.member_get(merchant=request.merchant, member_id=member_id)
    return render(request, "members/detail.html", {"member": member})
