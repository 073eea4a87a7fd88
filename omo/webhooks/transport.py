"""HTTP POST to a merchant's URL without server-side request forgery.

The host name is resolved once, EVERY address it resolves to is checked against private,
loopback, link-local, reserved, multicast and other non-global ranges, and the connection goes
to the address that was checked (TLS still verifies the certificate for the host name): a DNS
answer that changes between the check and the connection (DNS rebinding) cannot redirect the
request. Redirects are not followed. Pure network code: no ORM.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

RESPONSE_EXCERPT_BYTES = 500
TIMEOUT_SECONDS = 10


class TargetRefused(Exception):
    """The URL may not be delivered to (scheme, host, or a non-public address)."""


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_unspecified)


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("Only http and https URLs with a host name can receive webhooks."))
    if parts.username or parts.password:
        raise TargetRefused(_("A webhook URL may not contain a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(_("The URL's port is not valid.")) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def resolve_checked(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to: every address of `host` must be public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(_("The host name “%(host)s” does not resolve.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(_("The host name “%(host)s” does not resolve.") % {"host": host})
    if not allow_private:
        for address in addresses:
            if not address_is_public(address):
                raise TargetRefused(
                    _("“%(host)s” resolves to %(address)s, a private or reserved address: webhooks are not "
                      "sent there.") % {"host": host, "address": address}
                )
    return addresses[0]


def check_url(url: str, *, allow_private: bool) -> None:
    """For forms: refuse a URL that could not be delivered to now."""
    _scheme, host, port, _path = _split(url)
    resolve_checked(host, port, allow_private=allow_private)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, *, body: bytes, headers: dict, allow_private: bool, timeout: float = TIMEOUT_SECONDS) -> Response:
    """POST `body` to `url` at a checked address. Raises TargetRefused, or OSError / HTTPException
    when the receiver cannot be reached."""
    scheme, host, port, path = _split(url)
    address = resolve_checked(host, port, allow_private=allow_private)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", errors="replace")
        return Response(status=response.status, excerpt=excerpt)
    finally:
        connection.close()
