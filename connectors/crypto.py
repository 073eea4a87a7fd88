"""Connection secrets at rest (omo.secretbox): a platform's webhook signature is an HMAC of the
body keyed on the shared secret, so the secret is encrypted, not hashed. Keys: `CONNECTOR_SECRET_KEYS`
(comma-separated Fernet keys, newest first), else derived from `SECRET_KEY`.
"""

from django.conf import settings

from omo import secretbox
from omo.secretbox import InvalidToken

__all__ = ["InvalidToken", "decrypt", "encrypt"]

PURPOSE = "omo.connectors.secrets"


def _keys():
    return getattr(settings, "CONNECTOR_SECRET_KEYS", [])


def encrypt(secret: str) -> str:
    return secretbox.encrypt(secret, purpose=PURPOSE, keys=_keys())


def decrypt(token: str) -> str:
    return secretbox.decrypt(token, purpose=PURPOSE, keys=_keys())
