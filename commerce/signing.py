"""HMAC-SHA256 signatures of the order API.

The merchant signs `"<unix timestamp>.<raw body>"` with its order API secret and sends
`X-OMO-Timestamp: <unix timestamp>` and `X-OMO-Signature: sha256=<hex digest>`. Binding the
timestamp into the signature and refusing stale ones stops a captured request from being
replayed later.
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-OMO-Timestamp"
SIGNATURE_HEADER = "X-OMO-Signature"


class SignatureError(Exception):
    pass


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes, tolerance: int,
           now: float | None = None) -> None:
    if not timestamp or not signature:
        raise SignatureError(f"Missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header.")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be a Unix time in seconds.") from exc
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance} seconds away from the server time.")
    # Compared as bytes: a header with non-ASCII characters is simply a wrong signature.
    sent = signature.strip().encode("utf-8", "backslashreplace")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), sent):
        raise SignatureError("Signature does not match the body.")
