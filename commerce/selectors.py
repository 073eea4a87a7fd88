"""Reads on the catalog: staff product search and what shoppers may buy."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from .models import Product, Variation

SEARCH_LIMIT = 20
MIN_QUERY = 2


def product_search(*, merchant, query: str, limit: int = SEARCH_LIMIT) -> list[Product]:
    """Products matching a barcode or SKU exactly; failing that, by name or SKU fragment
    (case-insensitive), name matches first.

    Each step is one indexed query (b-tree for the exact codes, pg_trgm GIN on PostgreSQL for
    the fragments, see migration commerce 0003) capped at `limit`, so a catalogue of 100k+
    variations answers as the staff types. Removed products are left out.
    """
    query = query.strip()
    if len(query) < MIN_QUERY:
        return []
    variations = Variation.objects.for_merchant(merchant).filter(product__removed_at__isnull=True)
    products = Product.objects.for_merchant(merchant).filter(removed_at__isnull=True)
    # A scanned barcode or a typed SKU that matches exactly is the product wanted.
    exact = variations.filter(Q(barcode=query) | Q(sku__in={query, query.upper()}))
    ids = list(dict.fromkeys(exact.values_list("product_id", flat=True)[:limit]))
    if not ids:
        for batch in (
            products.filter(name__icontains=query).order_by("name").values_list("id", flat=True)[:limit],
            variations.filter(sku__icontains=query).order_by("sku").values_list("product_id", flat=True)[:limit],
        ):
            ids.extend(pk for pk in batch if pk not in ids)
            if len(ids) >= limit:
                break
    ids = ids[:limit]
    found = {
        p.pk: p
        for p in products.filter(pk__in=ids).prefetch_related(
            Prefetch("variations", queryset=Variation.objects.for_merchant(merchant).order_by("name", "id"))
        )
    }
    return [found[pk] for pk in ids if pk in found]


def product_get(*, merchant, product_id) -> Product:
    return get_object_or_404(Product.objects.for_merchant(merchant), pk=product_id)


def variation_get(*, merchant, variation_id) -> Variation:
    return get_object_or_404(
        Variation.objects.for_merchant(merchant).select_related("product"), pk=variation_id
    )


def variations_by_id(*, merchant, ids) -> dict[int, Variation]:
    rows = Variation.objects.for_merchant(merchant).select_related("product").filter(pk__in=list(ids))
    return {v.pk: v for v in rows}


def storefront_products(*, merchant, query: str = ""):
    """What the online store shows: published, not removed."""
    qs = (
        Product.objects.for_merchant(merchant)
        .filter(published=True, removed_at__isnull=True)
        .prefetch_related(Prefetch("variations", queryset=Variation.objects.for_merchant(merchant).order_by("name", "id")))
        .order_by("name")
    )
    if query.strip():
        qs = qs.filter(name__icontains=query.strip())
    return qs


def product_variations(*, merchant, product) -> list[Variation]:
    return list(Variation.objects.for_merchant(merchant).filter(product=product).order_by("name", "id"))
