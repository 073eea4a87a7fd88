"""Connection secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from the environment.

A platform's webhook signature is an HMAC of the body keyed on the shared secret, so verifying it
needs the secret itself: a one-way hash (as for API keys) cannot be used. The secret is therefore
encrypted, and the key never sits in the database: `CONNECTOR_SECRET_KEYS` (comma-separated Fernet
keys, newest first; MultiFernet decrypts with any and encrypts with the first, so a key is rotated
by prepending a new one). Without it the key is derived from `SECRET_KEY` (SHA-256 with a purpose
label), so a database dump alone still reveals no secret.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet() -> MultiFernet:
    keys = [k for k in getattr(settings, "CONNECTOR_SECRET_KEYS", []) if k]
    if not keys:
        digest = hashlib.sha256(b"omo.connectors.secrets:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
