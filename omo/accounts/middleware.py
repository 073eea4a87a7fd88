"""Who holds the keys gets the stricter session: MFA before admin pages, idle and absolute limits.

- Platform operators (/admin/) and merchant admins must have MFA (allauth.mfa) when
  settings.MFA_REQUIRED_FOR_ADMINS is on: without an authenticator they are sent to set one up
  before any /admin/ page or any page of a merchant they administer. A session that signed in at
  Django's own /admin/login/ form (password only) confirms its second factor before /admin/.
- Staff, managers and admins are signed out after their merchant's idle timeout
  (Merchant.staff_idle_minutes; platform operators: settings.ADMIN_IDLE_MINUTES) and after
  settings.STAFF_SESSION_MAX_AGE whatever they do. Shoppers keep long sessions
  (settings.SESSION_MAX_AGE from sign-in).

What a user is (operator, staff where, admin where) is kept in the session for a minute, so a
shopper's requests read nothing more than their session.
"""

import time

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from omo.tenancy.models import Staff

from .verification import EmailNotVerified

LOGIN_AT = "omo_login_at"
SEEN_AT = "omo_seen_at"
ROLES = "omo_roles"
ROLES_TTL = 60
SEEN_RESOLUTION = 30  # seconds: the last-seen time is written at most this often


def _now() -> float:
    return time.time()


@receiver(user_logged_in, dispatch_uid="accounts.session_started")
def session_started(sender, request, user, **kwargs):
    if hasattr(request, "session"):
        now = _now()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
        request.session.pop(ROLES, None)


@receiver(authenticator_added, dispatch_uid="accounts.mfa_added")
def mfa_added(sender, request, user, authenticator, **kwargs):
    # Setting up TOTP means typing a valid code: this session has used its second factor.
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


def user_roles(user) -> dict:
    """{"operator": bool, "admin_of": [merchant ids], "idle": minutes or None} of a signed-in user."""
    with scopes_disabled():
        rows = list(
            Staff.objects.filter(user=user, resigned_at__isnull=True).values_list(
                "merchant_id", "role", "merchant__staff_idle_minutes"
            )
        )
    idle = [minutes for _, _, minutes in rows]
    if user.is_staff or user.is_superuser:
        idle.append(settings.ADMIN_IDLE_MINUTES)
    return {
        "operator": bool(user.is_staff or user.is_superuser),
        "admin_of": [merchant for merchant, role, _ in rows if role == Staff.Role.ADMIN],
        "idle": min(idle) if idle else None,
    }


def _roles(request, now) -> dict:
    cached = request.session.get(ROLES)
    if not cached or now - cached.get("at", 0) > ROLES_TTL or cached.get("user") != request.user.pk:
        cached = {**user_roles(request.user), "at": now, "user": request.user.pk}
        request.session[ROLES] = cached
    return cached


def _exempt(path: str) -> bool:
    return path.startswith(("/accounts/", "/static/", "/i18n/", "/healthz", "/admin/login/", "/admin/logout/"))


class AccountGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = _now()
        roles = _roles(request, now)
        expired = self._expired(request, roles, now)
        if expired:
            logout(request)
            messages.info(request, expired)
            return redirect_to_login(request.get_full_path())
        if not _exempt(request.path_info):
            response = self._mfa(request, roles)
            if response is not None:
                return response
        return self.get_response(request)

    def _expired(self, request, roles, now) -> str:
        session = request.session
        login_at = session.setdefault(LOGIN_AT, now)
        holds_keys = roles["idle"] is not None
        max_age = settings.STAFF_SESSION_MAX_AGE if holds_keys else settings.SESSION_MAX_AGE
        if now - login_at > max_age:
            return _("Your session has ended. Please sign in again.")
        if holds_keys:
            seen_at = session.get(SEEN_AT, now)
            if now - seen_at > roles["idle"] * 60:
                return _("You were signed out after a period of inactivity. Please sign in again.")
            if now - seen_at >= SEEN_RESOLUTION or SEEN_AT not in session:
                session[SEEN_AT] = now
        return ""

    def _mfa(self, request, roles):
        path = request.path_info
        on_admin = path.startswith("/admin/") and roles["operator"]
        merchant = getattr(request, "merchant", None)
        on_merchant_admin = merchant is not None and merchant.pk in roles["admin_of"]
        if not (on_admin or on_merchant_admin):
            return None
        enabled = is_mfa_enabled(request.user)
        if not enabled:
            if settings.MFA_REQUIRED_FOR_ADMINS:
                messages.warning(request, _("Set up two-factor authentication to continue."))
                return redirect(reverse("mfa_activate_totp") + "?" + urlencode({"next": request.get_full_path()}))
            return None
        records = get_authentication_records(request, request.user)
        if on_admin and not any(r.get("method") == "mfa" for r in records):
            # Signed in with a password only (Django's admin login form): confirm the second factor.
            return redirect(reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.get_full_path()}))
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, EmailNotVerified):
            messages.warning(request, str(exception))
            return redirect("account_email")
        return None
