"""The staff tablet's member pages: find or register a member, then the profile (spending
overview, records, points) from which staff recommend products."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commerce import selectors as orders
from loyalty import selectors as points
from members import selectors, services
from members.access import member_for_request, member_found_remember, member_lookup_allowed
from members.forms import MemberRegisterForm
from omo.audit.services import Action, audit_request
from omo.contact import looks_like_email, normalize_email
from omo.errors import form_errors_add
from omo.tenancy.access import staff_required

RECORDS_PER_PAGE = 10


PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 ().-]*$")


def _register_initial(query: str) -> dict:
    """The search text pre-fills the new member's email or phone only when it looks like one (the
    digits of a number, maybe not all typed yet; an email address): "abc" or an emoji fills
    nothing, the staff types the number."""
    query = query.strip()
    if looks_like_email(query):
        try:
            return {"email": normalize_email(query)}
        except ValidationError:
            return {}
    return {"phone": query} if PHONE_LIKE.match(query) else {}


def _too_many_lookups(request, query=""):
    response = render(
        request,
        "members/search.html",
        {"query": query, "member": None, "register_form": None, "limited": True,
         "error": _("Too many member lookups from this login. Wait a minute, then try again.")},
        status=429,
    )
    response["Retry-After"] = str(settings.MEMBER_LOOKUP_WINDOW)
    return response


@require_GET
@staff_required()
def member_search(request, merchant):
    query = request.GET.get("q", "").strip()
    member, error = None, None
    if query:
        if not member_lookup_allowed(request):
            return _too_many_lookups(request, query)
        try:
            member = selectors.member_find(merchant=request.merchant, query=query)
        except ValidationError as exc:
            error = exc.messages[0]
        if member is not None:
            member_found_remember(request.session, merchant=request.merchant, member=member)
    register_form = MemberRegisterForm(initial=_register_initial(query)) if query and member is None else None
    return render(
        request,
        "members/search.html",
        {"query": query, "member": member, "error": error, "register_form": register_form},
    )


@require_POST
@staff_required()
def member_register(request, merchant):
    if not member_lookup_allowed(request):  # "already exists" answers a lookup too
        return _too_many_lookups(request)
    form = MemberRegisterForm(request.POST)
    if form.is_valid():
        try:
            member = services.member_register(merchant=request.merchant, staff=request.staff, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect("members:detail", merchant=request.merchant.slug, member_id=member.pk)
    return render(
        request,
        "members/search.html",
        {"query": "", "member": None, "error": None, "register_form": form},
        status=400,
    )


def _records_page(request, member):
    paginator = Paginator(orders.member_orders(merchant=request.merchant, member=member), RECORDS_PER_PAGE)
    return paginator.get_page(request.GET.get("page"))


@require_GET
@staff_required()
def member_detail(request, merchant, member_id):
    """The one page showing a member's phone and email in full; each view is audited."""
    member = member_for_request(request, member_id)
    audit_request(request, action=Action.MEMBER_VIEW, target=member)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "overview": orders.member_spending(merchant=request.merchant, member=member),
            "points": points.points_balance(merchant=request.merchant, member=member),
            "records": _records_page(request, member),
        },
    )


@require_GET
@staff_required()
def member_overview(request, merchant, member_id):
    """The overview fragment, polled by the profile page so it follows order events."""
    member = member_for_request(request, member_id)
    return render(
        request,
        "members/_overview.html",
        {
            "member": member,
            "overview": orders.member_spending(merchant=request.merchant, member=member),
            "points": points.points_balance(merchant=request.merchant, member=member),
        },
    )


@require_GET
@staff_required()
def member_records(request, merchant, member_id):
    member = member_for_request(request, member_id)
    return render(request, "members/_records.html", {"member": member, "records": _records_page(request, member)})
