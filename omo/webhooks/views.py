"""The merchant's webhook pages (merchant admins only; anyone else gets 404)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omo.tenancy.access import staff_required
from omo.tenancy.models import Staff

from . import selectors, services
from .forms import EndpointForm
from .models import EventType

admin_required = staff_required(Staff.Role.ADMIN)
DELIVERIES_PER_PAGE = 50


def _form_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_http_methods(["GET", "POST"])
@admin_required
def endpoint_list(request, merchant):
    form = EndpointForm(request.POST or None)
    secret = None
    endpoint = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(merchant=request.merchant, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            form = EndpointForm()
    return render(request, "webhooks/endpoints.html", {
        "form": form,
        "endpoints": selectors.endpoint_list(merchant=request.merchant),
        "disabled": selectors.disabled_endpoints(merchant=request.merchant),
        "new_endpoint": endpoint,
        "secret": secret,
        "event_types": EventType.choices,
    })


@require_http_methods(["GET", "POST"])
@admin_required
def endpoint_detail(request, merchant, endpoint_id):
    endpoint = selectors.endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(merchant=request.merchant, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:endpoint", merchant=merchant, endpoint_id=endpoint.pk)
    deliveries = selectors.delivery_list(merchant=request.merchant, endpoint=endpoint)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "webhooks/endpoint.html", {"endpoint": endpoint, "form": form, "page": page})


@require_POST
@admin_required
def endpoint_enable(request, merchant, endpoint_id):
    endpoint = selectors.endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    services.endpoint_enable(merchant=request.merchant, endpoint=endpoint)
    messages.success(request, _("Endpoint turned back on."))
    return redirect("webhooks:endpoint", merchant=merchant, endpoint_id=endpoint.pk)


@require_POST
@admin_required
def endpoint_rotate(request, merchant, endpoint_id):
    endpoint = selectors.endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    secret = services.endpoint_secret_rotate(merchant=request.merchant, endpoint=endpoint)
    deliveries = selectors.delivery_list(merchant=request.merchant, endpoint=endpoint)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(1)
    form = EndpointForm(initial={"url": endpoint.url, "description": endpoint.description,
                                 "event_types": endpoint.event_types})
    return render(request, "webhooks/endpoint.html",
                  {"endpoint": endpoint, "form": form, "page": page, "secret": secret})


@require_POST
@admin_required
def endpoint_delete(request, merchant, endpoint_id):
    endpoint = selectors.endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    services.endpoint_delete(merchant=request.merchant, endpoint=endpoint)
    messages.success(request, _("Endpoint deleted."))
    return redirect("webhooks:endpoints", merchant=merchant)


@require_POST
@admin_required
def delivery_resend(request, merchant, endpoint_id, delivery_id):
    endpoint = selectors.endpoint_get(merchant=request.merchant, endpoint_id=endpoint_id)
    delivery = selectors.delivery_get(merchant=request.merchant, endpoint=endpoint, delivery_id=delivery_id)
    try:
        services.delivery_resend(merchant=request.merchant, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Delivery queued to be sent again."))
    return redirect("webhooks:endpoint", merchant=merchant, endpoint_id=endpoint.pk)
