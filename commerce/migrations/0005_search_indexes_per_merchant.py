"""Per-merchant indexes for the staff product search.

The pg_trgm GIN indexes of 0003 held every merchant's names and SKUs in one posting list per
trigram, so one merchant's fragment search read the matches of every other merchant before the
merchant filter dropped them: its time grew with the platform (bench/product_search.py: "scarf
12" 8 -> 27 ms as other catalogues grew from 200k to 1M variations). These lead with the merchant
(btree_gin lets a GIN index hold the integer key beside the trigrams), so the index itself
intersects "this merchant" with "these trigrams". The b-tree on (merchant, name) serves the
fragments with many hits and two-letter searches, which read a merchant's names in order and
stop at the first page. PostgreSQL only; on SQLite (development) nothing changes.
"""

from django.db import migrations

OLD = {
    "commerce_product_name_trgm": ("commerce_product", "name"),
    "commerce_variation_sku_trgm": ("commerce_variation", "sku"),
}
NEW = {
    "product_merchant_name_trgm": ("commerce_product", "name"),
    "variation_merchant_sku_trgm": ("commerce_variation", "sku"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # a trusted extension: no superuser
    for name, (table, column) in NEW.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (merchant_id, (UPPER("{column}"::text)) gin_trgm_ops)'
        )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS product_merchant_name ON commerce_product (merchant_id, name)'
    )
    for name in OLD:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in OLD.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    for name in [*NEW, "product_merchant_name"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("commerce", "0004_order_facts_and_event_inbox")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
