"""Failed logins, as django-axes counts them: per account and client address, with growing delays.

allauth authenticates with `email=` or `phone=` credentials, not the `login` form field axes
reads by default; without `axes_username`, every attempt from one address counted against the
same empty username, so one person's typos could lock out everyone behind that address.

Locks are per (account, address) pair (settings.AXES_LOCKOUT_PARAMETERS): someone guessing from
another address never locks the account's owner out. Each further lockout of the same pair within
a day doubles the wait (`axes_cool_off`), from AXES_BASE_COOLOFF_MINUTES up to a day.
"""

import hashlib
from datetime import timedelta

from axes.models import AccessAttemptExpiration
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver
from django.utils import timezone

from omo.net import client_ip

LOCKOUT_MEMORY_SECONDS = 24 * 3600
MAX_COOLOFF = timedelta(days=1)


def axes_username(request, credentials=None) -> str:
    for key in ("email", "phone", "login", "username"):
        if credentials and credentials.get(key):
            return str(credentials[key]).strip().lower()
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return str(data.get("login", "") or data.get("username", "")).strip().lower()


def _lockouts_key(request) -> str:
    username = axes_username(request, getattr(request, "axes_credentials", None))
    digest = hashlib.sha256(f"{client_ip(request)} {username}".encode()).hexdigest()[:32]
    return f"axes-lockouts:{digest}"


def axes_cool_off(request=None) -> timedelta:
    """How long a locked (account, address) pair waits: doubled for each lockout of the pair today."""
    base = timedelta(minutes=getattr(settings, "AXES_BASE_COOLOFF_MINUTES", 15))
    if request is None:
        return base
    lockouts = cache.get(_lockouts_key(request)) or 0
    return min(base * (2 ** max(lockouts - 1, 0)), MAX_COOLOFF)


@receiver(user_locked_out, dispatch_uid="accounts.lockout_counted")
def lockout_counted(sender, request=None, username=None, ip_address=None, **kwargs):
    if request is None:
        return
    key = _lockouts_key(request)
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures <= settings.AXES_FAILURE_LIMIT:
        # The pair has just become locked (further tries while locked only restart the wait).
        cache.add(key, 0, timeout=LOCKOUT_MEMORY_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=LOCKOUT_MEMORY_SECONDS)
    # The pair's failures expire with its (now longer) cool-off, not the one computed before it grew.
    AccessAttemptExpiration.objects.filter(
        access_attempt__username=username, access_attempt__ip_address=ip_address
    ).update(expires_at=timezone.now() + axes_cool_off(request))
