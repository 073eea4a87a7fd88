"""API conventions shared by every DRF endpoint."""

from django.utils.translation import gettext as _
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
