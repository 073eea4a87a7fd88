"""API conventions shared by every DRF endpoint: one machine-readable error shape.

    {"error": {"type": "invalid_request_error", "code": "unknown_parameter",
               "message": "<translated sentence>", "param": "colour"},
     "details": {<field>: [<translated messages>]} or null}

`type` follows the status (below), `code` is a stable English identifier (DRF's error codes, e.g.
`required`, `invalid`, `not_authenticated`, or ours: `unknown_parameter`, `unique`,
`precondition_failed`, `idempotency_key_reused`, `throttled`); only `message` and `details` are
translated. A validation error whose every code is `unique` (the value is taken) is a 409.
Installed for every DRF view by REST_FRAMEWORK["EXCEPTION_HANDLER"]; Django's own 400/403/404/500
handlers answer the same shape under API paths.
"""

import sys

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from omo import error_pages

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    406: "invalid_request_error",
    409: "conflict_error",
    412: "precondition_failed_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "idempotency_error",
    428: "precondition_required_error",
    429: "rate_limit_error",
}


def error_type(status_code: int) -> str:
    return TYPES.get(status_code, "invalid_request_error" if status_code < 500 else "api_error")


def error_body(status_code: int, *, code: str, message, param: str | None = None, details=None) -> dict:
    return {
        "error": {"type": error_type(status_code), "code": code, "message": str(message), "param": param},
        "details": details,
    }


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The resource has changed since you read it (If-Match does not match its ETag).")
    default_code = "precondition_failed"


class UnknownParameter(exceptions.ValidationError):
    """A query parameter the endpoint does not know (never ignored: it would return wrong data)."""

    def __init__(self, names):
        names = sorted(names)
        super().__init__({name: [ErrorDetail(_("Unknown query parameter."), code="unknown_parameter")]
                          for name in names})


def api_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's Django ValidationError as DRF's, keeping each message's code (e.g. `unique`)."""
    if hasattr(exc, "error_dict"):
        detail = {
            field: [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: [
            ErrorDetail(message, code=error.code or "invalid") for error in exc.error_list for message in error
        ]}
    return exceptions.ValidationError(detail)


def _first(detail, param=None):
    """(param, code, message) of the first error in a DRF error structure."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != api_settings.NON_FIELD_ERRORS_KEY else None
            return _first(value, f"{param}.{name}" if param and name else (name or param))
        return param, "invalid", ""
    if isinstance(detail, list):
        return _first(detail[0], param) if detail else (param, "invalid", "")
    return param, getattr(detail, "code", None) or "invalid", str(detail)


def _codes(detail):
    if isinstance(detail, dict):
        return [code for value in detail.values() for code in _codes(value)]
    if isinstance(detail, list):
        return [code for value in detail for code in _codes(value)]
    return [getattr(detail, "code", None)]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = api_validation_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if set(_codes(detail)) == {"unique"}:
            response.status_code = status.HTTP_409_CONFLICT
        param, code, message = _first(detail)
        if response.status_code == 400 and code not in ("unknown_parameter",):
            message = _("The request is not valid.") if not message else message
        response.data = error_body(response.status_code, code=code, message=message, param=param, details=response.data)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "invalid"
        detail = exc.detail if isinstance(exc.detail, str) else _("The request is not valid.")
        response.data = error_body(response.status_code, code=code, message=detail)
    elif isinstance(response.data, dict) and "error" in response.data:
        pass
    else:
        response.data = error_body(response.status_code, code="invalid", message=_("The request is not valid."),
                                   details=response.data)
    return response


def is_api_path(path: str) -> bool:
    return "/api/" in path


def _json_or_page(request, status_code, code, message, page):
    if is_api_path(request.path):
        return JsonResponse(error_body(status_code, code=code, message=message), status=status_code)
    return page()


# Django's error handlers (omo/urls.py): an API client gets the JSON shape even for a 404 raised
# before DRF runs (an unknown merchant in the URL, an id that does not match the route).
def not_found(request, exception=None):
    return _json_or_page(request, 404, "not_found", _("Not found."), lambda: error_pages.not_found_page(request, exception))


def permission_denied(request, exception=None):
    return _json_or_page(
        request, 403, "permission_denied", _("You do not have permission to perform this action."),
        lambda: error_pages.permission_denied_page(request, exception),
    )


def bad_request(request, exception=None):
    return _json_or_page(request, 400, "bad_request", _("The request is not valid."),
                         lambda: error_pages.bad_request_page(request, exception))


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
            response = JsonResponse(error_body(503, code="service_unavailable", message=message), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return _json_or_page(request, 500, "server_error", _("Server error."), lambda: error_pages.server_error_page(request))
