import pytest
from django.db import connection
from django.utils import timezone

from commerce.selectors import product_search
from tests.factories import ProductFactory, VariationFactory

pytestmark = pytest.mark.django_db


def test_search_by_exact_barcode_sku_and_partial_name_or_sku(merchant):
    tea = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Oolong Tea"), sku="TEA-OO-1", barcode="4719999000011")
    assert product_search(merchant=merchant, query="4719999000011") == [tea.product]
    assert product_search(merchant=merchant, query="TEA-OO-1") == [tea.product]
    assert product_search(merchant=merchant, query="oolong") == [tea.product]
    assert product_search(merchant=merchant, query="oo-1") == [tea.product]
    assert product_search(merchant=merchant, query="o") == []  # too short to search


def test_an_exact_code_match_is_the_answer_and_fragments_are_capped(merchant):
    for i in range(30):
        VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name=f"Shirt {i:02d}"), sku=f"SH-{i:02d}")
    exact = VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Zebra"), sku="SHIRT")
    assert product_search(merchant=merchant, query="SHIRT") == [exact.product]
    results = product_search(merchant=merchant, query="shirt ")
    assert results == [exact.product]
    results = product_search(merchant=merchant, query="shir")
    assert len(results) == 20 and results[0].name == "Shirt 00"  # name matches first, by name


def test_removed_products_are_not_found(merchant):
    VariationFactory(merchant=merchant, product=ProductFactory(merchant=merchant, name="Gone", removed_at=timezone.now()), sku="GONE-1")
    assert product_search(merchant=merchant, query="gone") == []


def test_another_merchants_catalogue_is_not_searched(merchant, other_merchant):
    VariationFactory(merchant=other_merchant, product=ProductFactory(merchant=other_merchant, name="Secret"), sku="SEC-9", barcode="123456")
    assert product_search(merchant=merchant, query="secret") == []
    assert product_search(merchant=merchant, query="123456") == []


@pytest.mark.postgres
def test_search_indexes_lead_with_the_merchant_on_postgresql(on_postgres):
    """One merchant's search reads only its own index entries (commerce migration 0005)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"product_merchant_name_trgm", "variation_merchant_sku_trgm"}
    for definition in indexes.values():
        assert "USING gin (merchant_id, upper(" in definition and "gin_trgm_ops" in definition
