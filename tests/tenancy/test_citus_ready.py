"""The schema is ready to be distributed by merchant_id (Citus, docs/scaling.md).

Citus enforces a unique constraint on a distributed table only when it contains the distribution
column, and a many-to-many link table is co-located with its rows only when it has that column
too. Citus is not installable here, so these tests read the schema: the models (both databases)
and, on PostgreSQL, the catalog that the migrations actually built."""

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from attribution.models import Attribution
from omo.tenancy.scoping import is_tenant_model
from tests.factories import OrderFactory

# Tables with no merchant_id: the platform's own and those shared by every merchant. Under Citus
# they are reference tables (copied to every node) or stay on the coordinator (docs/scaling.md).
# A tenant table may point at them; none of them may point at a tenant table.
SHARED_TABLES_POINTING_AT_TENANT_TABLES = set()


def tenant_models():
    return [m for m in apps.get_models() if is_tenant_model(m)]


def test_every_unique_constraint_of_a_tenant_model_includes_the_merchant():
    offenders = []
    for model in tenant_models():
        label = model._meta.label
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key and field.name != "merchant":
                offenders.append(f"{label}.{field.name} is unique on its own")
        for fields in model._meta.unique_together:
            if "merchant" not in fields:
                offenders.append(f"{label} unique_together {fields}")
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and "merchant" not in (constraint.fields or ()):
                offenders.append(f"{label} constraint {constraint.name} {constraint.fields or constraint.expressions}")
    assert offenders == []


def test_every_many_to_many_of_a_tenant_model_goes_through_a_tenant_model():
    # An automatic M2M table has no merchant_id: it could not be distributed with its two sides.
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in tenant_models()
        for field in model._meta.local_many_to_many
        if not is_tenant_model(field.remote_field.through)
    ]
    assert offenders == []


def test_the_one_to_ones_inside_a_merchant_still_refuse_a_second_row(merchant):
    # The (merchant, order) constraint keeps an order to one attribution, as the column did.
    order = OrderFactory(merchant=merchant)
    fields = dict(merchant=merchant, order=order, reason="no_click", order_at=order.placed_at)
    Attribution.objects.for_merchant(merchant).create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attribution.objects.for_merchant(merchant).create(**fields)
    assert order.attribution.reason == "no_click"  # still a one-to-one in Python


# --- the catalog (PostgreSQL) -----------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads the PostgreSQL catalog (pg_index); SQLite has no Citus"
)

TENANT_TABLES_SQL = """
    SELECT c.oid, c.relname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'merchant_id' AND NOT a.attisdropped
    WHERE c.relkind = 'r'
"""


@postgres_only
@pytest.mark.django_db
def test_every_unique_index_of_a_tenant_table_includes_merchant_id():
    # The primary key `id` is exempt: the migration to Citus widens it to (merchant_id, id).
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH tenant AS ({TENANT_TABLES_SQL})
            SELECT t.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x
            JOIN tenant t ON t.oid = x.indrelid
            WHERE x.indisunique AND NOT x.indisprimary AND NOT EXISTS (
                SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = x.indrelid AND a.attname = 'merchant_id' AND a.attnum = ANY(x.indkey)
            )
            ORDER BY 1, 2
        """)
        offenders = cursor.fetchall()
    assert offenders == []


@postgres_only
@pytest.mark.django_db
def test_no_table_without_merchant_id_points_at_a_tenant_table():
    # A table without merchant_id that references a tenant table could not be a reference table
    # (those are copied to every node and may only point at each other) nor be co-located.
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH tenant AS ({TENANT_TABLES_SQL})
            SELECT DISTINCT src.relname, dst.relname FROM pg_constraint k
            JOIN pg_class src ON src.oid = k.conrelid
            JOIN pg_class dst ON dst.oid = k.confrelid
            WHERE k.contype = 'f' AND k.confrelid IN (SELECT oid FROM tenant)
              AND k.conrelid NOT IN (SELECT oid FROM tenant)
            ORDER BY 1, 2
        """)
        offenders = {f"{src} -> {dst}" for src, dst in cursor.fetchall()}
    assert offenders == SHARED_TABLES_POINTING_AT_TENANT_TABLES
