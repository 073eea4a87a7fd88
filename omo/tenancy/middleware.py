import re

from django.http import Http404
from django.urls import Resolver404, resolve
from django.urls.converters import SlugConverter
from django.utils import timezone
from django_scopes import scopes_disabled

from .scoping import merchant_scope
from .selectors import merchant_by_slug, merchant_of_user

# Where omo/urls.py mounts every merchant's pages: MERCHANT_MOUNT + <slug:merchant>/.
MERCHANT_MOUNT = "m/"
MERCHANT_PREFIX = re.compile(rf"/{MERCHANT_MOUNT}(?P<merchant>{SlugConverter.regex})/")


class MerchantScopeMiddleware:
    """Resolve the current merchant from the URL prefix `/m/<merchant>/` and scope tenant queries to it.

    Requests outside a merchant prefix run with no merchant scope, so any tenant query there
    raises. The Django admin is the one visible opt-out (a platform operator tool).

    The prefix is read with the slug converter's pattern rather than by resolving the URL, which
    Django does again for the view: resolving twice was a tenth of a shopper's link open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = None
        prefix = MERCHANT_PREFIX.match(request.path_info)
        if prefix:
            slug = prefix["merchant"]
            merchant = merchant_by_slug(slug)
            if merchant is None:
                raise Http404("No such merchant")
            request.merchant = merchant
            # Every time on the merchant's pages in the merchant's zone (omo.formats shows the zone).
            timezone.activate(merchant.tzinfo)
            try:
                with merchant_scope(merchant):
                    return self.get_response(request)
            finally:
                timezone.deactivate()
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.app_name == "admin" or match.namespace == "admin":
            with scopes_disabled():
                tz = admin_timezone(request.user)
                if tz is not None:
                    timezone.activate(tz)
                try:
                    return self.get_response(request)
                finally:
                    timezone.deactivate()
        return self.get_response(request)


def admin_timezone(user):
    """The admin shows times in the zone of the merchant the signed-in person works for (the first
    one when several); platform operators with no merchant see UTC (the zone is shown either way)."""
    if not getattr(user, "is_authenticated", False):
        return None
    merchant = merchant_of_user(user)
    return merchant.tzinfo if merchant is not None else None
