"""Inserting many rows of one model that differ in a few columns, without a model per row.

`QuerySet.bulk_create` builds a model instance for every row and prepares every field of every
row: for the 81,000 assignments of a 10,000-task annex that was 1.4 million field
preparations, about 40 % of the import's Python time. `insert_rows` prepares the other
columns' values once (the model's defaults, `auto_now` times) and sends only the varying ones
per row: on PostgreSQL one `INSERT … SELECT … FROM UNNEST(arrays)` per batch (bulk_create's
own form since Django 5.2), elsewhere one `executemany`.

Nothing is returned (no primary keys) and no signal is sent, like bulk_create.
"""

from collections.abc import Sequence

from django.db import connections, models, router
from django.db.models.expressions import DatabaseDefault

# Field types whose values go into the database as they are: the caller passes ints and
# strings, and nothing per row converts them.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "TextField",
}


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    batch_size: int = 20_000,
) -> None:
    """Insert `rows` (tuples of values for `columns`, attribute names such as "task_id") into
    `model`'s table; every other column gets the model's default, computed once."""
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    varying = [meta.get_field(name) for name in columns]
    for field in varying:
        kind = field.get_internal_type()
        if kind not in _PLAIN_TYPES or field.attname not in columns:
            raise ValueError(f"insert_rows: {field.name} ({kind}) is not a plain column by attname")
    template = model()
    constant = []
    for field in meta.concrete_fields:
        if field.attname in columns or field.primary_key:
            continue
        value = field.pre_save(template, add=True)
        if isinstance(value, DatabaseDefault):
            continue  # the database fills it (db_default)
        constant.append((field, field.get_db_prep_save(value, connection)))
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in [*varying, *(f for f, _ in constant)])
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_base_type(f, connection)}[]" for f in varying)
            fixed = "".join(f", %s::{_base_type(f, connection)}" for f, _ in constant)
            sql = f"INSERT INTO {table} ({names}) SELECT u.*{fixed} FROM UNNEST({arrays}) AS u"
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                cursor.execute(
                    sql, [*(v for _, v in constant), *map(list, zip(*batch, strict=True))]
                )
        else:
            marks = ", ".join(["%s"] * (len(varying) + len(constant)))
            fixed = tuple(v for _, v in constant)
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", [(*r, *fixed) for r in rows]
            )


def _base_type(field, connection) -> str:
    # "varchar(500)" → "varchar": the array cast must not truncate (as Django's own UNNEST).
    return field.db_type(connection).split("(")[0]
