"""Per-merchant API keys: the key is shown once, only its SHA-256 hash is stored."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from omo.tenancy.models import ApiKey, api_key_full_scopes

KEY_PREFIX = "omo_"
VISIBLE_PREFIX_LENGTH = 12  # "omo_" and 8 characters of the secret: enough to recognise a key in a list
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per key per minute


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, merchant, name: str, created_by=None, scopes: dict | None = None,
                   expires_at=None) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key: show the raw key once, it cannot be recovered.
    `scopes` maps resource groups to "read" or "write" (None: every group read-write);
    `expires_at` (optional) ends the key's life."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.for_merchant(merchant).create(
        merchant=merchant, name=name, prefix=raw[:VISIBLE_PREFIX_LENGTH], key_hash=key_hash(raw), created_by=created_by,
        scopes=api_key_full_scopes() if scopes is None else dict(scopes), expires_at=expires_at,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, merchant, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        ApiKey.objects.for_merchant(merchant).filter(pk=key.pk).update(revoked_at=key.revoked_at, updated_at=key.revoked_at)
    return key


def api_key_authenticate(*, merchant, raw: str) -> ApiKey | None:
    """The active key of this merchant with that value, or None (also for another merchant's key,
    a revoked or an expired one)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    keys = ApiKey.objects.for_merchant(merchant)
    key = (
        keys.filter(key_hash=key_hash(raw), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if key is None:
        return None
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        keys.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
