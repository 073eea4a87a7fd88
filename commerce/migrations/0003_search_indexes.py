"""Indexes for the staff product search (barcode, SKU or name; partial, case-insensitive).

Exact barcode/SKU lookups use b-tree indexes (barcode's own index, the (merchant, sku)
unique constraint). Fragments (`icontains`, which Django writes as UPPER(col::text) LIKE
UPPER(...)) use pg_trgm GIN indexes on the same expressions. Those exist only on
PostgreSQL; on SQLite (development) the migration does nothing.
"""

from django.db import migrations

TRGM_INDEXES = {
    "commerce_product_name_trgm": ("commerce_product", "name"),
    "commerce_variation_sku_trgm": ("commerce_variation", "sku"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in TRGM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRGM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("commerce", "0002_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
