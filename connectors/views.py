"""Store connections: the webhook address each platform posts to, and the merchant admin's pages
(connections with their health, secret rotation, the id-mapping table and the unmapped inbox).

No business logic here: parse, call one service or selector, render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from omo.tenancy.access import staff_required

from . import selectors, services
from .forms import ConnectionForm, MappingForm, RotateForm
from .models import Connection, IdMapping
from .platforms import adapter_for, woocommerce

# --------------------------------------------------------------------------------------------
# The webhook address: /m/<merchant>/connections/in/<key>/
# --------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def webhook_receive(request, merchant, key):
    """Verify the platform's signature, store the raw body, answer. Processing happens in a task."""
    connection = selectors.connection_by_key(merchant=request.merchant, key=key)
    adapter = adapter_for(connection.kind) if connection else None
    if adapter is None:
        return JsonResponse({"error": _("Not found.")}, status=404)
    body = request.body
    if adapter is woocommerce and woocommerce.is_ping(body):
        return JsonResponse({"ping": True})  # WooCommerce checks the address when a webhook is saved
    secrets = selectors.connection_secrets(merchant=request.merchant, connection=connection)
    if not any(adapter.verify(secret, body, request.headers) for secret in secrets):
        return JsonResponse({"error": _("Invalid signature.")}, status=401)
    delivery_id, topic = adapter.envelope(request.headers, body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return JsonResponse({"error": _("The body must be UTF-8 JSON.")}, status=400)
    if not delivery_id:
        return JsonResponse({"error": _("The delivery id header is missing.")}, status=400)
    delivery, created = services.delivery_receive(
        merchant=request.merchant, connection=connection, delivery_id=delivery_id, topic=topic, body=text
    )
    return JsonResponse({"received": True, "duplicate": not created})


# --------------------------------------------------------------------------------------------
# Merchant admin pages
# --------------------------------------------------------------------------------------------


def _webhook_url(request, connection: Connection) -> str:
    return request.build_absolute_uri(
        reverse("connectors:webhook", kwargs={"merchant": request.merchant.slug, "key": connection.key})
    )


def _list_page(request, *, form=None, shown=None, status=200):
    rows = selectors.connection_list(merchant=request.merchant)
    for row in rows:
        row.webhook_url = (
            _webhook_url(request, row.connection) if row.connection.kind != Connection.Kind.GENERIC
            else request.build_absolute_uri(f"/m/{request.merchant.slug}/api/orders/")
        )
    return render(
        request,
        "connectors/connection_list.html",
        {"rows": rows, "form": form or ConnectionForm(), "rotate_form": RotateForm(), "shown": shown},
        status=status,
    )


@require_GET
@staff_required("admin")
def connection_list(request, merchant):
    return _list_page(request)


@require_POST
@staff_required("admin")
def connection_add(request, merchant):
    form = ConnectionForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form=form, status=400)
    connection, secret = services.connection_create(
        merchant=request.merchant, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"],
        secret=form.cleaned_data["secret"],
    )
    # Rendered, not redirected: the secret is on this one response and nowhere else.
    return _list_page(request, shown={"connection": connection, "secret": secret})


@require_POST
@staff_required("admin")
def connection_rotate(request, merchant, connection_id):
    connection = selectors.connection_get(merchant=request.merchant, connection_id=connection_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        return _list_page(request, status=400)
    secret = services.connection_secret_rotate(
        merchant=request.merchant, connection=connection, secret=form.cleaned_data["secret"]
    )
    return _list_page(request, shown={"connection": connection, "secret": secret, "rotated": True})


@require_POST
@staff_required("admin")
def connection_secret_retire(request, merchant, connection_id, secret_id):
    connection = selectors.connection_get(merchant=request.merchant, connection_id=connection_id)
    try:
        services.connection_secret_retire(merchant=request.merchant, connection=connection, secret_id=secret_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The previous secret no longer works."))
    return redirect("connectors:list", merchant=request.merchant.slug)


def _mapping_rows(request):
    return [(mapping, MappingForm(merchant=request.merchant, initial={"store": mapping.store_id,
                                                                     "staff": mapping.staff_id}, prefix=f"m{mapping.pk}"))
            for mapping in selectors.mapping_list(merchant=request.merchant)]


@require_GET
@staff_required("admin")
def mapping_list(request, merchant):
    return render(request, "connectors/mapping_list.html", {"rows": _mapping_rows(request), "kinds": IdMapping.Kind})


@require_POST
@staff_required("admin")
def mapping_set(request, merchant, mapping_id):
    mapping = selectors.mapping_get(merchant=request.merchant, mapping_id=mapping_id)
    form = MappingForm(request.POST, merchant=request.merchant, prefix=f"m{mapping.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of your stores or staff members."))
        return redirect("connectors:mappings", merchant=request.merchant.slug)
    queued = services.id_mapping_set(
        merchant=request.merchant, mapping=mapping, store=form.cleaned_data["store"], staff=form.cleaned_data["staff"]
    )
    messages.success(request, ngettext(
        "Mapping saved. %(count)s waiting order is being processed.",
        "Mapping saved. %(count)s waiting orders are being processed.", queued) % {"count": queued})
    return redirect("connectors:mappings", merchant=request.merchant.slug)


@require_GET
@staff_required("admin")
def inbox(request, merchant):
    return render(request, "connectors/inbox.html", {"deliveries": selectors.inbox_list(merchant=request.merchant)})


@require_POST
@staff_required("admin")
def delivery_replay(request, merchant, delivery_id):
    delivery = selectors.delivery_get(merchant=request.merchant, delivery_id=delivery_id)
    queued = services.delivery_replay(merchant=request.merchant, deliveries=[delivery])
    if queued:
        messages.success(request, _("The delivery is being processed again."))
    return redirect("connectors:inbox", merchant=request.merchant.slug)
