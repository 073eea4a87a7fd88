"""Writes on the catalog: one product/variation upsert by SKU (the catalog import uses it)."""

from decimal import Decimal

from django.db import transaction

from .models import Product, Variation


@transaction.atomic
def catalog_variation_upsert(
    *, merchant, sku: str, product_name: str, price: Decimal, variation_name: str | None = None,
    barcode: str | None = None, category: str | None = None, published: bool | None = None,
    variation: Variation | None = None,
) -> tuple[Variation, bool]:
    """Create or update the merchant's variation with this SKU (or `variation`, already looked up
    in this merchant) and its product, found by name in this merchant. A None field is left as it
    is (a new row gets the default). Returns (variation, created)."""
    products = Product.objects.for_merchant(merchant)
    variations = Variation.objects.for_merchant(merchant)
    if variation is None:
        variation = variations.filter(sku=sku).select_related("product").first()
    if variation is not None and variation.product.name == product_name:
        product = variation.product
    else:
        product = products.filter(name=product_name, removed_at__isnull=True).order_by("pk").first()
    product_values = {name: value for name, value in (("category", category), ("published", published))
                      if value is not None}
    if product is None:
        product = products.create(merchant=merchant, name=product_name, **product_values)
    else:
        changed = [name for name, value in product_values.items() if getattr(product, name) != value]
        for name in changed:
            setattr(product, name, product_values[name])
        if changed:
            product.save(update_fields=changed)
    variation_values = {name: value for name, value in (("name", variation_name), ("barcode", barcode))
                        if value is not None}
    created = variation is None
    if created:
        variation = variations.create(merchant=merchant, product=product, sku=sku, price=price, **variation_values)
    else:
        variation.product, variation.sku, variation.price = product, sku, price
        for name, value in variation_values.items():
            setattr(variation, name, value)
        variation.save(update_fields=["product", "sku", "price", *variation_values])
    return variation, created
