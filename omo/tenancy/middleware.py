from django.http import Http404
from django.urls import Resolver404, resolve
from django_scopes import scopes_disabled

from .selectors import merchant_by_slug
from .scoping import merchant_scope


class MerchantScopeMiddleware:
    """Resolve the current merchant from the URL prefix `/m/<merchant>/` and scope tenant queries to it.

    Requests outside a merchant prefix run with no merchant scope, so any tenant query there
    raises. The Django admin is the one visible opt-out (a platform operator tool).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("merchant")
        if slug:
            merchant = merchant_by_slug(slug)
            if merchant is None:
                raise Http404("No such merchant")
            request.merchant = merchant
            with merchant_scope(merchant):
                return self.get_response(request)
        if match.app_name == "admin" or match.namespace == "admin":
            with scopes_disabled():
                return self.get_response(request)
        return self.get_response(request)
