"""Endpoint signing secrets: `whsec_` + base64 of 24 random bytes (the Standard Webhooks format),
kept encrypted at rest (Fernet, key derived from SECRET_KEY) because signing needs the secret
itself, not a hash of it."""

import base64
import secrets

from omo import secretbox

PREFIX = "whsec_"
PURPOSE = "omo.webhooks.endpoint-secret"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(secret: str) -> str:
    return secretbox.encrypt(secret, purpose=PURPOSE)


def decrypt(token: str) -> str:
    return secretbox.decrypt(token, purpose=PURPOSE)
