"""Writes on the catalog: one product/variation upsert by SKU (the catalog import uses it)."""

from decimal import Decimal

from django.db import transaction

from .models import Product, Variation


@transaction.atomic
def catalog_variation_upsert(
    *, merchant, sku: str, product_name: str, price: Decimal, variation_name: str = "", barcode: str = "",
    category: str = "", published: bool = True, variation: Variation | None = None,
) -> tuple[Variation, bool]:
    """Create or update the merchant's variation with this SKU (or `variation`, already looked up
    in this merchant) and its product, found by name in this merchant. Returns (variation, created)."""
    products = Product.objects.for_merchant(merchant)
    variations = Variation.objects.for_merchant(merchant)
    if variation is None:
        variation = variations.filter(sku=sku).select_related("product").first()
    if variation is not None and variation.product.name == product_name:
        product = variation.product
    else:
        product = products.filter(name=product_name, removed_at__isnull=True).order_by("pk").first()
    if product is None:
        product = products.create(merchant=merchant, name=product_name, category=category, published=published)
    else:
        changed = [name for name, value in (("category", category), ("published", published))
                   if getattr(product, name) != value]
        for name in changed:
            setattr(product, name, {"category": category, "published": published}[name])
        if changed:
            product.save(update_fields=changed)
    created = variation is None
    if created:
        variation = variations.create(merchant=merchant, product=product, sku=sku, name=variation_name,
                                      barcode=barcode, price=price)
    else:
        variation.product, variation.sku, variation.name = product, sku, variation_name
        variation.barcode, variation.price = barcode, price
        variation.save(update_fields=["product", "sku", "name", "barcode", "price"])
    return variation, created
