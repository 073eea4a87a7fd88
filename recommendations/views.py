from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commerce import selectors as catalog
from members.access import member_for_request
from members.masking import mask_phone
from omo.integrations.qr import qr_png, qr_svg
from omo.tenancy.access import staff_required

from . import selection, selectors, services


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _selected(request, member):
    ids = selection.selection_get(request.session, merchant=request.merchant, member=member)
    found = catalog.variations_by_id(merchant=request.merchant, ids=ids)
    items = []
    for pk in ids:
        variation = found.get(pk)
        if variation is None:
            continue
        siblings = catalog.product_variations(merchant=request.merchant, product=variation.product)
        items.append({"variation": variation, "siblings": siblings})
    return items


def _selected_response(request, member):
    if not _is_htmx(request):
        return redirect("recommendations:compose", merchant=request.merchant.slug, member_id=member.pk)
    # The new selection, and the variation picker closed (out-of-band swap).
    context = {"member": member, "selected": _selected(request, member)}
    return render(request, "recommendations/_selected_swap.html", context)


@require_GET
@staff_required()
def compose(request, merchant, member_id):
    member = member_for_request(request, member_id)
    query = request.GET.get("q", "")
    return render(
        request,
        "recommendations/compose.html",
        {
            "member": member,
            "query": query,
            "products": catalog.product_search(merchant=request.merchant, query=query) if query else [],
            "too_short": _too_short(query),
            "selected": _selected(request, member),
        },
    )


@require_GET
@staff_required()
def search(request, merchant, member_id):
    member = member_for_request(request, member_id)
    query = request.GET.get("q", "")
    products = catalog.product_search(merchant=request.merchant, query=query)
    return render(
        request, "recommendations/_results.html",
        {"member": member, "query": query, "products": products, "too_short": _too_short(query)},
    )


def _too_short(query: str) -> bool:
    return 0 < len(query.strip()) < catalog.MIN_QUERY


@require_GET
@staff_required()
def variation_picker(request, merchant, member_id, product_id):
    member = member_for_request(request, member_id)
    product = catalog.product_get(merchant=request.merchant, product_id=product_id)
    variations = catalog.product_variations(merchant=request.merchant, product=product)
    return render(
        request,
        "recommendations/_picker.html",
        {"member": member, "product": product, "variations": variations, "replace": request.GET.get("replace", "")},
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@staff_required()
def select(request, merchant, member_id):
    member = member_for_request(request, member_id)
    variation = catalog.variation_get(merchant=request.merchant, variation_id=_int(request.POST.get("variation")))
    selection.selection_add(
        request.session,
        merchant=request.merchant,
        member=member,
        variation_id=variation.pk,
        replace=_int(request.POST.get("replace")),
    )
    return _selected_response(request, member)


@require_POST
@staff_required()
def remove(request, merchant, member_id):
    member = member_for_request(request, member_id)
    selection.selection_remove(
        request.session, merchant=request.merchant, member=member, variation_id=_int(request.POST.get("variation"))
    )
    return _selected_response(request, member)


@require_POST
@staff_required()
def share(request, merchant, member_id):
    member = member_for_request(request, member_id)
    variations = [item["variation"] for item in _selected(request, member)]
    try:
        link = services.link_create(merchant=request.merchant, staff=request.staff, member=member, variations=variations)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        target = reverse("recommendations:compose", kwargs={"merchant": request.merchant.slug, "member_id": member.pk})
    else:
        selection.selection_clear(request.session, merchant=request.merchant, member=member)
        target = reverse("recommendations:link", kwargs={"merchant": request.merchant.slug, "link_id": link.pk})
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def whatsapp_number(phone: str) -> str:
    """wa.me wants the international number as digits only ("" opens the contact picker)."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


def link_url(request, link) -> str:
    return request.build_absolute_uri(
        reverse("storefront:open", kwargs={"merchant": request.merchant.slug, "token": link.token})
    )


@require_GET
@staff_required()
def link_detail(request, merchant, link_id):
    link = selectors.link_get_for_staff(merchant=request.merchant, staff=request.staff, link_id=link_id)
    url = link_url(request, link)
    sms_text = services.link_sms_text(link=link, url=url)
    return render(
        request,
        "recommendations/share.html",
        {
            "link": link,
            "url": url,
            "items": selectors.link_items(merchant=request.merchant, link=link),
            "sms_text": sms_text,
            "line_url": "https://line.me/R/share?text=" + quote(sms_text, safe=""),
            "whatsapp_url": f"https://wa.me/{whatsapp_number(link.member.phone)}?text=" + quote(sms_text, safe=""),
            "status": selectors.link_status(merchant=request.merchant, link=link),
        },
    )


@require_GET
@staff_required()
def link_qr_png(request, merchant, link_id):
    link = selectors.link_get_for_staff(merchant=request.merchant, staff=request.staff, link_id=link_id)
    return HttpResponse(qr_png(link_url(request, link)), content_type="image/png")


@require_GET
@staff_required()
def link_qr_svg(request, merchant, link_id):
    link = selectors.link_get_for_staff(merchant=request.merchant, staff=request.staff, link_id=link_id)
    return HttpResponse(qr_svg(link_url(request, link)), content_type="image/svg+xml")


@require_POST
@staff_required()
def link_sms(request, merchant, link_id):
    link = selectors.link_get_for_staff(merchant=request.merchant, staff=request.staff, link_id=link_id)
    status, context = 200, {"link": link}
    try:
        context["outbox"] = services.link_sms_send(
            merchant=request.merchant, link=link, staff=request.staff, url=link_url(request, link)
        )
    except services.SmsRateLimited as exc:
        status, context["error"] = 429, str(exc)
    except ValidationError as exc:
        status, context["error"] = 400, exc.messages[0]
    if not _is_htmx(request):
        if "error" in context:
            messages.error(request, context["error"])
        else:
            messages.success(request, _("Text message sent to %(phone)s.") % {"phone": mask_phone(link.member.phone)})
        return redirect("recommendations:link", merchant=request.merchant.slug, link_id=link.pk)
    return render(request, "recommendations/_sms_result.html", context, status=status)
