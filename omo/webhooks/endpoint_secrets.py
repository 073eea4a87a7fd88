"""Endpoint signing secrets: `whsec_` + base64 of 24 random bytes (the Standard Webhooks format),
kept encrypted at rest (Fernet, key derived from SECRET_KEY) because signing needs the secret
itself, not a hash of it."""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from django.conf import settings

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"omo.webhooks.endpoint-secret:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
