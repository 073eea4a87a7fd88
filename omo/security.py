"""Cross-cutting HTTP hardening: the Permissions-Policy header and who may read the API docs."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from csp.decorators import csp_update
from django_scopes import scopes_disabled

from omo.tenancy.models import Staff

SELF = "'self'"


class SecurityHeadersMiddleware:
    """Browser features off except the camera on our own pages (barcode scanning, issue 14), and,
    under a merchant's URL, product images allowed in the CSP only from that merchant's image hosts
    (django-csp reads `response._csp_replace`; without django-csp's middleware it is ignored)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.setdefault("Permissions-Policy", policy)
        merchant = getattr(request, "merchant", None)
        if merchant is not None and not hasattr(response, "_csp_replace"):
            hosts = [str(host).strip().lower() for host in (merchant.image_hosts or []) if str(host).strip()]
            response._csp_replace = {"img-src": [SELF, "data:", *(f"https://{host}" for host in hosts)]}
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


# Swagger UI and Redoc style their widgets with inline styles (and Redoc searches in a worker made
# from a blob): allowed on the docs pages only. Scripts stay 'self': the split views load their
# start-up script from a URL, never inline.
DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": [SELF, "blob:"]}


def api_docs_view(view):
    """The OpenAPI schema and its docs pages: public only when settings.API_DOCS_PUBLIC (DEBUG by
    default); otherwise for signed-in merchant users (anonymous: login, anyone else: 404)."""

    @wraps(view)
    @csp_update(DOCS_CSP)
    def wrapper(request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_merchant_user(request.user):
                raise Http404
        return view(request, *args, **kwargs)

    return wrapper
