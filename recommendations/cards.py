"""A link's card: the link with its staff and store, its recommended variations with their products,
and their rendered list. Every shopper open of a link shows the card (the list once signed in, the
pictures and names on the sign-in page before), so opens read it from the cache, never build it.

Built by the worker: at share time (`link_create` queues `cards_build` after commit) and again
when something it shows changes (`catalog_changed`, from signals, queues `cards_refresh`). A card
missing at open time (expired, Redis flushed) is built in the request, as before, and stored.

Freshness: a card is stamped with the versions of what it shows (each variation, the staff member,
the store; links and their items are never edited). `catalog_changed` sets new versions now, for
this transaction's own reads, and again at commit, for a card built by another request from the
rows as they were before the commit. A card whose stamp differs from the current versions is never
served, so prices, availability and names are never older than the last committed edit, and one
edit makes stale only the cards that show it (a price sync of one product leaves the merchant's
other cards warm). Every change also sets the merchant's catalog epoch, which each card's stamp
carries too: while it is unchanged (nothing the merchant's cards show has changed since the card
was built) the card is current without reading its own versions, so a process's first open of a
link is one cache read, not two (the card, then the versions it names). A bulk `QuerySet.update()`
of those models sends no signal: code that does one calls `catalog_changed`.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commerce.models import Variation
from members.models import Member
from omo.tenancy.tasks import task_enqueue_on_commit

from . import selectors
from .models import RecommendationItem, RecommendationLink

CARD_TIMEOUT = 7 * 24 * 3600
# On a catalog change the worker rebuilds the cards of links shared within CARD_TIMEOUT, newest
# first, up to this many per change; any other card of the change is rebuilt at its next open.
REFRESH_MAX_LINKS = 1000


@dataclass(frozen=True)
class Card:
    link: RecommendationLink  # with staff and store
    variations: list  # the recommended variations, with their products, in the staff's order
    html: str  # the rendered list (storefront/_recommended_list.html) in the card's language


def _card_key(merchant_id: int, token: str, language: str) -> str:
    return f"link-card:{merchant_id}:{token}:{language}"


def _dep_keys(link, variation_ids) -> list[str]:
    m = link.merchant_id
    return [f"card-dep:{m}:staff:{link.staff_id}", f"card-dep:{m}:store:{link.store_id}",
            *(f"card-dep:{m}:v:{pk}" for pk in sorted(set(variation_ids)))]


def _epoch_key(merchant_id: int) -> str:
    return f"card-epoch:{merchant_id}"


def _bump(keys: list[str]) -> None:
    version = uuid.uuid4().hex
    cache.set_many({key: version for key in keys}, timeout=None)


def catalog_changed(merchant_id: int, *, variation_ids=(), staff_ids=(), store_ids=()) -> None:
    """These variations, staff members or stores changed: the cards showing them are stale now and
    again at commit; after commit the worker rebuilds them."""
    keys = [*(f"card-dep:{merchant_id}:v:{pk}" for pk in variation_ids),
            *(f"card-dep:{merchant_id}:staff:{pk}" for pk in staff_ids),
            *(f"card-dep:{merchant_id}:store:{pk}" for pk in store_ids)]
    if not keys:
        return
    keys.append(_epoch_key(merchant_id))
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))
    task_enqueue_on_commit("recommendations.cards_refresh", merchant_id, list(variation_ids), list(staff_ids),
                           list(store_ids))


def product_changed(merchant_id: int, product_id: int) -> None:
    """A product's name, picture or availability shows on the cards of its variations."""
    variation_ids = list(Variation.objects.for_merchant(merchant_id).filter(product_id=product_id)
                         .values_list("pk", flat=True))
    catalog_changed(merchant_id, variation_ids=variation_ids)


def _versions(keys: list[str]) -> dict:
    """The current versions of `keys`, giving a version to any that has none (never set, evicted)."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        found = cache.get_many(keys)  # whoever set a missing version first, ours or another's
    return found


def _languages(merchant, links) -> dict:
    """{link id: the languages a shopper is likely to open it in}: the member's (the text
    message's) and the site's default; another language's card is built at its first open."""
    members = Member.objects.for_merchant(merchant).filter(pk__in={link.member_id for link in links})
    spoken = dict(members.values_list("pk", "language"))
    return {link.pk: list(dict.fromkeys([spoken.get(link.member_id) or merchant.language, settings.LANGUAGE_CODE]))
            for link in links}


def cards_build(*, merchant, links, languages=None) -> dict:
    """Build and store the cards of `links` (with staff and store), in `languages` or each link's
    likely languages; returns {(token, language): Card}. Versions are read before the rows: a card
    built from rows an edit has since replaced carries the older versions and is never served."""
    links = list(links)
    if not links:
        return {}
    likely = None if languages else _languages(merchant, links)
    items = RecommendationItem.objects.for_merchant(merchant).filter(link__in=links)
    variation_ids = {}
    for link_id, variation_id in items.values_list("link_id", "variation_id"):
        variation_ids.setdefault(link_id, []).append(variation_id)
    deps = {link.pk: _dep_keys(link, variation_ids.get(link.pk, ())) for link in links}
    epoch = _epoch_key(merchant.pk)
    versions = _versions(sorted({epoch, *(key for keys in deps.values() for key in keys)}))
    variations = {}
    for item in items.select_related("variation__product").order_by("link_id", "position", "id"):
        variations.setdefault(item.link_id, []).append(item.variation)
    built, stored = {}, {}
    for link in links:
        stamp = {key: versions.get(key) for key in [epoch, *deps[link.pk]]}
        shown = variations.get(link.pk, [])
        for language in languages or likely[link.pk]:
            with translation.override(language):
                html = render_to_string("storefront/_recommended_list.html",
                                        {"link": link, "variations": shown, "merchant": merchant})
            card = built[link.token, language] = Card(link=link, variations=shown, html=html)
            stored[_card_key(merchant.pk, link.token, language)] = (stamp, card)
    cache.set_many(stored, timeout=CARD_TIMEOUT)
    return built


# token -> the card's version keys, kept per process: what a link shows never changes (links and
# their items are never edited), so a warm open reads its card and versions in one round trip.
_known_deps: dict[tuple[int, str], list[str]] = {}
KNOWN_DEPS_MAX = 50_000


def card_get(*, merchant, token: str, language: str, gate=None) -> Card:
    """The card of `token` at `merchant` in `language`: the stored one while its versions are
    current (one cache read, two the first time this process checks the card's own versions after
    a catalog change; no query), else built now and stored. Http404 for an unknown token (nothing
    is stored for it).

    `gate`, a (cache key, check) pair, rides on the first cache read: check(value read under the
    key) runs before anything else and may raise (the unknown-token limit of the link open)."""
    card_key, epoch = _card_key(merchant.pk, token, language), _epoch_key(merchant.pk)
    deps = _known_deps.get((merchant.pk, token), [])
    keys = [card_key, epoch, *deps]
    if gate:
        gate_key, check = gate
        keys.append(gate_key)
    found = cache.get_many(keys)
    if gate:
        check(found.pop(gate_key, None))
    stored = found.pop(card_key, None)
    if stored is not None:
        stamp, card = stored
        if epoch in stamp and found.get(epoch) == stamp[epoch]:
            return card  # nothing the merchant's cards show has changed since this one was built
        own = {key: version for key, version in stamp.items() if key != epoch}
        if deps != list(own):
            found = cache.get_many(list(own))
            if len(_known_deps) >= KNOWN_DEPS_MAX:
                _known_deps.clear()
            _known_deps[merchant.pk, token] = list(own)
        found.pop(epoch, None)
        if found == own:
            return card
    link = selectors.link_by_token(merchant=merchant, token=token)
    return cards_build(merchant=merchant, links=[link], languages=[language])[token, language]


def cards_build_for(*, merchant, link_ids) -> int:
    """The worker's build of these links' cards (at share time); returns how many links."""
    links = RecommendationLink.objects.for_merchant(merchant).filter(pk__in=link_ids).select_related("staff", "store")
    return len({token for token, _ in cards_build(merchant=merchant, links=links)})


def cards_refresh(*, merchant, variation_ids=(), staff_ids=(), store_ids=()) -> int:
    """The worker's rebuild of the cards showing these variations, staff or stores, for links shared
    within the cards' lifetime (newest first, at most REFRESH_MAX_LINKS); returns how many links."""
    links = RecommendationLink.objects.for_merchant(merchant).filter(
        created_at__gte=timezone.now() - timedelta(seconds=CARD_TIMEOUT)
    )
    link_ids = set()
    if variation_ids:
        items = RecommendationItem.objects.for_merchant(merchant).filter(variation_id__in=variation_ids)
        link_ids |= set(links.filter(pk__in=items.values("link_id")).order_by("-pk")
                        .values_list("pk", flat=True)[:REFRESH_MAX_LINKS])
    if staff_ids or store_ids:
        link_ids |= set(links.filter(staff_id__in=staff_ids).order_by("-pk").values_list("pk", flat=True)
                        [:REFRESH_MAX_LINKS])
        link_ids |= set(links.filter(store_id__in=store_ids).order_by("-pk").values_list("pk", flat=True)
                        [:REFRESH_MAX_LINKS])
    return cards_build_for(merchant=merchant, link_ids=sorted(link_ids, reverse=True)[:REFRESH_MAX_LINKS])
