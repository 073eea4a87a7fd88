"""Input every page and API refuses before a view sees it."""

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _


class RejectNulBytesMiddleware:
    """A NUL byte in a query parameter (e.g. `?q=%00`) is a 400: PostgreSQL text cannot hold one,
    so a search would otherwise end in a 500. Form and API fields already refuse it (Django's and
    DRF's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values
        ):
            raise BadRequest(_("The request contains a NUL character."))
        return self.get_response(request)
