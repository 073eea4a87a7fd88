"""Reads on the catalog (staff product search, what shoppers may buy) and on orders."""

import re
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, Prefetch, Q, Sum, Value, When
from django.shortcuts import get_object_or_404

from omo.tenancy.scoping import one_to_one_prefetch

from .models import Order, Product, Variation
from .spending import OrderFigures, SpendingOverview, channel_group, spending_overview

SEARCH_LIMIT = 20
MIN_QUERY = 2
_NUMBERS = re.compile(r"(\d+)")


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
    exact_ids = bool(ids)
    if not ids:
        for batch in (
            products.filter(name__icontains=query).order_by("name").values_list("id", flat=True)[:limit],
            variations.filter(sku__icontains=query).order_by("sku").values_list("product_id", flat=True)[:limit],
        ):
            ids.extend(pk for pk in batch if pk not in ids)
            if len(ids) >= limit:
                break
    ids = ids[:limit]
    exact_count = len(ids) if exact_ids else 0
    found = {
        p.pk: p
        for p in products.filter(pk__in=ids).prefetch_related(
            Prefetch("variations", queryset=Variation.objects.for_merchant(merchant).order_by("name", "id"))
        )
    }
    results = [found[pk] for pk in ids if pk in found]
    if exact_count:
        return results
    # Name matches first, each group in natural order ("#15" before "#111"), as people read numbers.
    by_name = [p for p in results if query.casefold() in p.name.casefold()]
    rest = [p for p in results if query.casefold() not in p.name.casefold()]
    return sorted(by_name, key=lambda p: natural_key(p.name)) + rest


def natural_key(text: str) -> tuple:
    """A sort key that compares the numbers inside a text by value: "Tea #15" < "Tea #111"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in _NUMBERS.split(text) if part
    )


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


def members_spending(*, merchant, member_ids) -> dict[int, SpendingOverview]:
    """Each member's spending overview, aggregated from their orders now (current within seconds),
    for any number of members in one query."""
    rows = (
        Order.objects.for_merchant(merchant)
        .filter(member_id__in=list(member_ids), parent__isnull=True)
        .annotate(linked=Case(When(~Q(recommendation_token=""), then=Value(True)), default=Value(False)))
        .order_by()
        .values("member_id", "channel", "status", "linked")
        .annotate(
            n=Count("id"),
            total_sum=Sum("total"),
            preorder_paid_sum=Sum("preorder_paid"),
            preorder_outstanding_sum=Sum("preorder_outstanding"),
            returned_sum=Sum("returned_amount"),
            edited_sum=Sum("edited_amount"),
        )
    )
    figures = defaultdict(list)
    for row in rows:
        figures[row["member_id"]].append(
            OrderFigures(
                group=channel_group(row["channel"], from_recommendation=row["linked"]),
                cancelled=row["status"] == Order.Status.CANCELLED,
                count=row["n"],
                total=row["total_sum"],
                preorder_paid=row["preorder_paid_sum"],
                preorder_outstanding=row["preorder_outstanding_sum"],
                returned=row["returned_sum"],
                edited=row["edited_sum"],
            )
        )
    return {member_id: spending_overview(figures.get(member_id, ()), merchant.currency) for member_id in member_ids}


def member_spending(*, merchant, member) -> SpendingOverview:
    """The member's spending overview (their profile)."""
    return members_spending(merchant=merchant, member_ids=[member.pk])[member.pk]


def member_paid_spending(*, merchant, member, since, until, exclude_order_id=None) -> Decimal:
    """What the member paid and kept in orders placed in [since, until): paid orders, not cancelled
    or refunded, less returns; split (child) orders are counted through their parent. Read now,
    never cached (loyalty tiers follow every order and refund at once)."""
    orders = (
        Order.objects.for_merchant(merchant)
        .filter(member=member, parent__isnull=True, placed_at__gte=since, placed_at__lt=until,
                payment_status=Order.PaymentStatus.PAID)
        .exclude(status=Order.Status.CANCELLED)
    )
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    totals = orders.aggregate(total=Sum("total"), returned=Sum("returned_amount"))
    return max((totals["total"] or Decimal("0")) - (totals["returned"] or Decimal("0")), Decimal("0"))


def member_orders(*, merchant, member):
    """The member's spending records, all channels, newest first (retail rows carry the store)."""
    return (
        Order.objects.for_merchant(merchant)
        .filter(member=member, parent__isnull=True)
        .select_related("source_store")
        .prefetch_related(one_to_one_prefetch(Order, "attribution", merchant=merchant, select_related=("staff", "store")))
        .order_by("-placed_at", "-id")
    )


# The credit of an order is decided by the attribution follower, which keeps one row per order
# (the `attribution` one-to-one); an in-store order that no link was credited with is its own
# store's and closing staff's sale (SPEC sections 2 and 3); an uncredited online order has none.
def _credited(order: Order):
    attribution = getattr(order, "attribution", None)
    return attribution if attribution is not None and attribution.credited else None


def order_source(order: Order):
    """Order Source: the credited store, else (in-store) the store that rang the order up."""
    credited = _credited(order)
    if credited:
        return credited.store
    return order.source_store if order.channel_group == Order.ChannelGroup.RETAIL else None


def order_sales_staff(order: Order):
    """Sales: the credited staff member, else whoever closed the sale (in-store: who rang it up)."""
    credited = _credited(order)
    return credited.staff if credited else order.closing_staff


def shopper_orders(*, merchant, user):
    """The orders of the signed-in shopper at this merchant (through their member record), newest first."""
    return (
        Order.objects.for_merchant(merchant)
        .filter(member__user=user, parent__isnull=True)
        .prefetch_related("lines")
        .order_by("-placed_at", "-id")
    )
