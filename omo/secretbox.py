"""Secrets kept at rest that the application must read back (webhook signing secrets: an HMAC needs
the secret itself, so a one-way hash as for API keys cannot be used): Fernet (AES-128-CBC +
HMAC-SHA256), the key never in the database.

`keys`: configured Fernet keys, newest first (MultiFernet decrypts with any and encrypts with the
first, so a key is rotated by prepending a new one). Without them the key is derived from
`SECRET_KEY` with a purpose label (SHA-256), one key per purpose, so a database dump alone still
reveals no secret.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet(purpose: str, keys) -> MultiFernet:
    keys = [key for key in keys if key]
    if not keys:
        digest = hashlib.sha256(purpose.encode() + b":" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str, *, purpose: str, keys=()) -> str:
    return _fernet(purpose, keys).encrypt(secret.encode()).decode()


def decrypt(token: str, *, purpose: str, keys=()) -> str:
    return _fernet(purpose, keys).decrypt(token.encode()).decode()
