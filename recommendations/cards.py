"""A link's card: the link with its staff and store, and its recommended variations with their products.

Every shopper open of a link shows the card, and a card changes only when the merchant edits a
product, a variation, a staff member or a store (links and their items are never edited). So the
card is cached per link, stamped with the merchant's catalog version; any such edit sets a new
version (`catalog_changed`, from signals), which makes every cached card of the merchant stale.
Prices, availability and names are therefore never older than the last committed edit. A bulk
`QuerySet.update()` of those models sends no signal: code that does one calls `catalog_changed`.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

CARD_TIMEOUT = 24 * 3600


def _version_key(merchant_id: int) -> str:
    return f"catalog-version:{merchant_id}"


def _card_key(merchant_id: int, token: str, variant: str) -> str:
    return f"link-card:{merchant_id}:{token}:{variant}"


def _version_new(merchant_id: int) -> None:
    cache.set(_version_key(merchant_id), uuid.uuid4().hex, timeout=None)


def catalog_changed(merchant_id: int) -> None:
    """Make the merchant's cached cards stale: now, for this transaction's own reads, and again at
    commit, for a card rebuilt by another request from the rows as they were before the commit."""
    _version_new(merchant_id)
    transaction.on_commit(lambda: _version_new(merchant_id))


def card_get(*, merchant, token: str, build, variant: str = ""):
    """The card of `token` at `merchant` (one per `variant`, e.g. per language): cached while the
    catalog version is unchanged, otherwise `build()` (which raises Http404 for an unknown token:
    nothing is cached for it)."""
    version_key, card_key = _version_key(merchant.pk), _card_key(merchant.pk, token, variant)
    cached = cache.get_many([version_key, card_key])
    version, card = cached.get(version_key), cached.get(card_key)
    if version is not None and card is not None and card[0] == version:
        return card[1]
    # The version is read before the rows: a card built from rows an edit has since replaced
    # carries the older version and is never served.
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, timeout=None):
            return build()  # another request set the version first: build, but do not cache
    value = build()
    cache.set(card_key, (version, value), timeout=CARD_TIMEOUT)
    return value
