"""API conventions shared by every DRF endpoint: one error shape."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.views import exception_handler as drf_exception_handler

from omo import error_pages


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
    return _json_or_page(request, 404, _("Not found."), lambda: error_pages.not_found_page(request, exception))


def permission_denied(request, exception=None):
    return _json_or_page(
        request, 403, _("You do not have permission to perform this action."),
        lambda: error_pages.permission_denied_page(request, exception),
    )


def bad_request(request, exception=None):
    return _json_or_page(request, 400, _("The request is not valid."), lambda: error_pages.bad_request_page(request, exception))


# A sender's retry logic understands 503 + Retry-After; a database that cannot be reached (restart,
# failover, too many connections) is that, not a server error.
DATABASE_RETRY_AFTER_SECONDS = 30


def _database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


def server_error(request):
    """Django's handler500, called while the exception is being handled (sys.exc_info holds it)."""
    if _database_unavailable(sys.exc_info()[1]):
        message = _("The service is briefly unavailable. Please try again in a moment.")
        if is_api_path(request.path):
            response = JsonResponse({"error": message, "details": None}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return _json_or_page(request, 500, _("Server error."), lambda: error_pages.server_error_page(request))
