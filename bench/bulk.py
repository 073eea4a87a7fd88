"""Loading millions of rows fast for the benchmarks: one `INSERT ... SELECT` per table, with
every column the model has (defaults filled in), so the statements follow the models."""

import json
from decimal import Decimal


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return "'" + json.dumps(value).replace("'", "''") + "'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(model, values: dict, source: str, params=()):
    """INSERT INTO <model table> (every column) SELECT <expressions> <source>.

    Columns not in ``values`` get the field's default as a literal (or NULL, or now()), so
    the statement follows the model as it changes.
    """
    from django.db import connection

    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in values:
            # The statement takes parameters (in `source`): a literal % is written %%.
            expressions.append(values[field.column].replace("%", "%%"))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        elif field.has_default():
            expressions.append(literal(field.get_default()).replace("%", "%%"))
        elif field.null:
            expressions.append("NULL")
        else:
            expressions.append("''")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def settle(*, checkpoint: bool = False) -> None:
    """After loading: VACUUM ANALYZE (planner statistics and the visibility map, as a settled
    database has them) and, with `checkpoint`, a CHECKPOINT, so the load's dirty pages are written
    now rather than by a checkpoint in the middle of the timed part. Outside any transaction."""
    from django.db import connection

    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            if checkpoint:
                cursor.execute("CHECKPOINT")
    finally:
        connection.set_autocommit(autocommit)
