"""Cross-cutting HTTP hardening: the Permissions-Policy header and who may read the API docs."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django_scopes import scopes_disabled

from omo.tenancy.models import Staff


class PermissionsPolicyMiddleware:
    """Browser features off except the camera on our own pages (barcode scanning, issue 14)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.setdefault("Permissions-Policy", policy)
        return response


def is_merchant_user(user) -> bool:
    """Employed staff of some merchant (any role). A visible, single-row opt-out of merchant scoping:
    the docs are not under a merchant's URL."""
    if not user.is_authenticated:
        return False
    if user.is_staff:  # platform operators
        return True
    with scopes_disabled():
        return Staff.objects.filter(user=user, resigned_at__isnull=True).exists()


def api_docs_view(view):
    """The OpenAPI schema and its docs page: public only when settings.API_DOCS_PUBLIC (DEBUG by
    default); otherwise for signed-in merchant users (anonymous: login, anyone else: 404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_merchant_user(request.user):
                raise Http404
        return view(request, *args, **kwargs)

    return wrapper
