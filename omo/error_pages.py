"""Error pages a person reads: in the merchant's branding (when the URL names a merchant), in the
visitor's language, fitted to a phone, each with a next step.

The handlers in omo/urls.py (through omo/api/errors.py, which keeps the API's JSON shape) and the
CSRF failure view (settings.CSRF_FAILURE_VIEW) render here. A server error renders without the
request's context processors: the page must not need the database that may have just failed.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    primary: bool = False


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _merchant(request):
    return getattr(request, "merchant", None)


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def _shop_action(merchant, *, primary=True) -> list[Action]:
    if merchant is None:
        return [Action(_("Go to the home page"), "/", primary)]
    url = _url("storefront:products", merchant=merchant.slug)
    return [Action(_("Go to the shop"), url, primary)] if url else [Action(_("Go to the home page"), "/", primary)]


def _staff_home(merchant) -> list[Action]:
    url = _url("members:search", merchant=merchant.slug) if merchant is not None else None
    return [Action(_("Back to Find a member"), url, True)] if url else []


def error_page(request, *, status: int, title: str, message: str, actions: list[Action], kind: str = "",
               full_context: bool = True, extra: dict | None = None, branded: bool = True,
               merchant=None) -> HttpResponse:
    """One page for every error a person meets. `full_context=False` renders without context
    processors (the server error page: no session, no database)."""
    context = {
        "status": status,
        "title": title,
        "message": message,
        "actions": actions,
        "kind": kind,
        "merchant": (merchant or _merchant(request)) if branded else None,
        **(extra or {}),
    }
    template = loader.get_template("errors/page.html")
    if full_context:
        body = template.render(context, request)
    else:
        body = template.render({**context, "request": None, "user": None})
    return HttpResponse(body, status=status)


# A 404 carries the merchant's branding only on the pages shoppers open: a staff page of another
# merchant answers an outsider without naming whose it is (tests/security/test_tenant_sweep.py).
SHOPPER_ROUTES = ("storefront:", "campaigns:referral", "loyalty:referral_join", "loyalty:notices_stop")


def not_found_page(request, exception=None) -> HttpResponse:
    route = _route(request)
    merchant = _merchant(request) if route.startswith(SHOPPER_ROUTES) else None
    if route in ("storefront:open", "storefront:recommended"):
        return error_page(
            request, status=404, branded=merchant is not None, kind="link",
            title=_("This link does not work"),
            message=_("The recommendation link is incomplete or no longer exists. Ask the store for a new link."),
            actions=_shop_action(merchant),
        )
    if route == "partners:invite":
        actions = [Action(_("Go to the partner portal"), _url("partners:home") or "/", True)]
        return error_page(
            request, status=404, branded=merchant is not None, kind="invitation",
            title=_("This invitation does not exist"),
            message=_("The invitation link is incomplete or was replaced. Ask the merchant who invited you for a new link."),
            actions=actions,
        )
    return error_page(
        request, status=404, branded=merchant is not None, kind="not-found",
        title=_("Page not found"),
        message=_("This page does not exist. Check the address, or start again from here."),
        actions=_shop_action(merchant),
    )


def permission_denied_page(request, exception=None) -> HttpResponse:
    """A signed-in person whose role does not open this page (inside a merchant: 403; other
    merchants' ids stay 404 and never reach here)."""
    merchant = _merchant(request)
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    actions = _staff_home(merchant) if signed_in else []
    if not actions:
        actions = _shop_action(merchant)
    if signed_in:
        message = _("You are signed in as %(name)s, and this page is not open to your role. "
                    "Ask your merchant admin for access, or sign in as someone who has it.") % {
            "name": user.get_username()}
    else:
        message = _("This page is not open to you. Sign in with an account that has access.")
    return error_page(
        request, status=403, kind="forbidden",
        title=_("Not open to your role"),
        message=message,
        actions=actions,
        extra={"switch_account": signed_in},
    )


def bad_request_page(request, exception=None) -> HttpResponse:
    return error_page(
        request, status=400, kind="bad-request",
        title=_("The request could not be read"),
        message=_("Something in the address or the form was not valid. Go back and try again."),
        actions=_shop_action(_merchant(request)),
    )


def too_many_page(request, *, message: str, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = error_page(
        request, status=429, kind="rate-limit",
        title=_("Too many tries"),
        message=message,
        actions=_shop_action(_merchant(request)),
        extra={"retry_minutes": minutes},
    )
    response["Retry-After"] = str(retry_after)
    return response


def server_error_page(request) -> HttpResponse:
    path = request.path if request.method == "GET" else ""
    actions = ([Action(_("Try again"), path, True)] if path else []) + _shop_action(_merchant(request), primary=not path)
    try:
        return error_page(
            request, status=500, kind="server-error",
            title=_("Something went wrong on our side"),
            message=_("Nothing was saved. Try again in a moment; if it keeps happening, tell the store."),
            actions=actions,
            full_context=False,
        )
    except Exception:  # the page itself failed: still answer, plainly
        return HttpResponse(_("Server error."), status=500, content_type="text/plain; charset=utf-8")


def csrf_failure(request, reason="", template_name=None) -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: the form was open too long, or cookies are blocked."""
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    back = referer if referer and safe else request.path
    return error_page(
        request, status=403, kind="csrf",
        title=_("This form has expired"),
        message=_("The page was open for a long time, or this browser blocks cookies. "
                  "Open the page again and send the form once more."),
        actions=[Action(_("Open the page again"), back, True), *_shop_action(_merchant(request), primary=False)],
    )


def rate_limited_page(request, exception=None) -> HttpResponse:
    """allauth's and axes' lockouts render templates/429.html; this is the same page from code."""
    return too_many_page(request, message=_("Too many attempts from this device. Wait a few minutes, then try again."),
                         retry_after=300)
