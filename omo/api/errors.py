"""API conventions shared by every DRF endpoint: one error shape."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Every 4xx answers one JSON shape: {"error": <sentence>, "details": <field errors or null>}."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"error": str(data["detail"]), "details": None}
    elif isinstance(data, dict) and "error" in data:
        pass
    else:
        response.data = {"error": _("The request is not valid."), "details": data}
    return response


def is_api_path(path: str) -> bool:
    return "/api/" in path


def _json_or_page(request, status, message, page):
    if is_api_path(request.path):
        return JsonResponse({"error": message, "details": None}, status=status)
    return page()


# Django's error handlers (omo/urls.py): an API client gets the JSON shape even for a 404 raised
# before DRF runs (an unknown merchant in the URL, an id that does not match the route).
def not_found(request, exception=None):
    return _json_or_page(request, 404, _("Not found."), lambda: defaults.page_not_found(request, exception))


def permission_denied(request, exception=None):
    return _json_or_page(
        request, 403, _("You do not have permission to perform this action."),
        lambda: defaults.permission_denied(request, exception),
    )


def bad_request(request, exception=None):
    return _json_or_page(request, 400, _("The request is not valid."), lambda: defaults.bad_request(request, exception))


def server_error(request):
    return _json_or_page(request, 500, _("Server error."), lambda: defaults.server_error(request))
