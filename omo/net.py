"""The client's address, as every limit keys on it.

Behind a TLS-terminating proxy REMOTE_ADDR is the proxy's: every client would share one counter
(one client's bad guesses would lock everyone out). Each trusted proxy appends the address it saw
to X-Forwarded-For, so with `settings.TRUSTED_PROXY_HOPS` = N proxies in front, the client is the
N-th entry counted from the right; anything left of it was written by the client and is ignored.
With 0 hops (the default: no proxy) the header is ignored altogether.
"""

import ipaddress

from django.conf import settings


def ip_or_none(value: str) -> str | None:
    """`value` as a normalised IP address, or None when it is not one."""
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address: REMOTE_ADDR, or the entry `TRUSTED_PROXY_HOPS` from the right of
    X-Forwarded-For when that many proxies sit in front of the application."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if hops > 0:
        entries = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
        if len(entries) >= hops:
            address = ip_or_none(entries[-hops])
            if address:
                return address
    return ip_or_none(remote) or remote or "unknown"


def client_ip_stored(request) -> str | None:
    """`client_ip` for a database column of IP addresses (django-axes' logs, the audit log): None
    when the request carries no address (e.g. Django's test client's force_login)."""
    return ip_or_none(client_ip(request))
