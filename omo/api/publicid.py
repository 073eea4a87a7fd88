"""Opaque public ids: `ord_3kTf9QxB2mWp` in URLs and bodies, the numeric primary key stays internal.

A public id is the primary key run through a keyed permutation of 64-bit numbers (a 4-round
Feistel network over HMAC-SHA256), written in base 62 after a per-model prefix. It is reversible
with the key only, so nothing is stored (no column, no migration in every app) and ids are neither
sequential nor a count of the platform's rows. The key is `settings.PUBLIC_ID_KEY` (from the
environment), on purpose not SECRET_KEY: rotating the session secret must not change every id an
integrator has stored. Changing PUBLIC_ID_KEY does: treat it as permanent.

The prefix names the kind of object; an id with another kind's prefix is simply not found (404).
"""

import hashlib
import hmac
import string

from django.conf import settings

ALPHABET = string.digits + string.ascii_letters
BASE = len(ALPHABET)
HALF_BITS = 32
HALF_MASK = (1 << HALF_BITS) - 1
ROUNDS = 4
ENCODED_LENGTH = 11  # 62**11 > 2**64: every id has the same length

# Prefixes by model label ("app_label.modelname"). A model not listed gets the first four letters
# of its name; list it here when it becomes part of the API so that its prefix is deliberate.
PREFIXES = {
    "commerce.order": "ord",
    "commerce.orderline": "line",
    "commerce.product": "prod",
    "commerce.variation": "var",
    "members.member": "mem",
    "tenancy.store": "store",
    "tenancy.staff": "staff",
    "tenancy.apikey": "key",
    "attribution.attribution": "attr",
    "recommendations.recommendationlink": "link",
    "recommendations.linkclick": "click",
    "partners.campaign": "camp",
    "partners.partner": "ptnr",
    "partners.partnermembership": "pmem",
    "partners.invitation": "inv",
    "partners.campaignorder": "comm",  # the commissions resource: one per referred order
    # The lifecycle row is addressed through its referred order (`comm_`): its own prefix only keeps
    # the default (the first four letters, "comm") from ever colliding with the resource's.
    "partners.commission": "cmsn",
    "partners.payout": "pay",
    "partners.payoutline": "pline",
    "partners.commissionadjustment": "adj",
    "partners.commissiontier": "tier",
    "partners.campaignday": "cday",
    "loyalty.pointsaccount": "pacc",
    "loyalty.pointsledgerentry": "pent",
    "loyalty.offer": "offer",
    "reports.exportjob": "exp",
}


def prefix_for(model) -> str:
    label = model._meta.label_lower
    return PREFIXES.get(label) or model._meta.model_name[:4]


def _key() -> bytes:
    return str(settings.PUBLIC_ID_KEY).encode()


def _round(key: bytes, number: int, half: int) -> int:
    digest = hmac.new(key, f"{number}:{half}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


def _permute(value: int, *, inverse: bool = False) -> int:
    key = _key()
    left, right = value >> HALF_BITS, value & HALF_MASK
    rounds = range(ROUNDS - 1, -1, -1) if inverse else range(ROUNDS)
    if not inverse:
        for number in rounds:
            left, right = right, left ^ _round(key, number, right)
    else:
        for number in rounds:
            left, right = right ^ _round(key, number, left), left
    return (left << HALF_BITS) | right


def _encode_number(value: int) -> str:
    chars = []
    for _ in range(ENCODED_LENGTH):
        value, digit = divmod(value, BASE)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _decode_number(text: str) -> int | None:
    value = 0
    for char in text:
        digit = ALPHABET.find(char)
        if digit < 0:
            return None
        value = value * BASE + digit
    return value


def encode(prefix: str, pk: int) -> str:
    return f"{prefix}_{_encode_number(_permute(int(pk)))}"


def decode(prefix: str, public_id) -> int | None:
    """The primary key behind `public_id`, or None when it is not an id of this kind."""
    if not isinstance(public_id, str):
        return None
    head, _, body = public_id.partition("_")
    if head != prefix or len(body) != ENCODED_LENGTH:
        return None
    value = _decode_number(body)
    if value is None or value >= 1 << 64:
        return None
    pk = _permute(value, inverse=True)
    return pk if 0 < pk < 1 << 63 else None


def public_id(instance) -> str | None:
    """The public id of a model instance (None for an unsaved one)."""
    return encode(prefix_for(type(instance)), instance.pk) if instance is not None and instance.pk else None


def public_id_of(model, pk) -> str | None:
    return encode(prefix_for(model), pk) if pk else None


# A path segment that may be a public id (the view decodes it; anything else is a 404 there).
LOOKUP_REGEX = r"[a-z]{1,8}_[0-9A-Za-z]{11}"
