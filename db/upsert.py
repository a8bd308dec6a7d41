"""Dialect-aware bulk writes for SQLite and PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING``,
and PostgreSQL's ``COPY`` for many new rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, String, Table, any_, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["copy_rows", "insert_ignore", "insert_keyed_rows"]


def insert_ignore(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table, skipping those that violate a unique constraint."""
    if not rows:
        return
    table: Table = model.__table__
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(table).on_conflict_do_nothing(), rows)


def insert_keyed_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]]
) -> dict[str, int]:
    """Insert new rows of a table keyed by (``source``, ``source_key``), such as notices; the
    row id of each ``source_key``. PostgreSQL takes them by :func:`copy_rows` and is asked
    their ids after; SQLite in one INSERT returning them, which costs it no parsing worth
    saving."""
    if session.get_bind().dialect.name != "postgresql":
        inserted = session.execute(insert(table).returning(table.c.id, table.c.source_key), rows)
        return {key: row_id for row_id, key in inserted}
    copy_rows(session, table, rows)
    keys_by_source: dict[str, list[str]] = {}
    for row in rows:
        keys_by_source.setdefault(row["source"], []).append(row["source_key"])
    ids: dict[str, int] = {}
    for source, keys in keys_by_source.items():
        query = select(table.c.id, table.c.source_key).where(
            table.c.source == source,
            table.c.source_key == any_(bindparam("keys", keys, type_=postgresql.ARRAY(String))),
        )
        ids.update({key: row_id for row_id, key in session.execute(query)})
    return ids


def copy_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """PostgreSQL: write ``rows`` (column name → value) into ``table`` with one
    ``COPY … FROM STDIN`` in the session's transaction, as an INSERT would: each value through
    its column's bind processing, a missing column given its Python-side default.

    A batch of notices sent as one multi-row INSERT is a statement of some 10 000 parameters,
    which psycopg parses anew every time (it caches the parsing of statements under 4 KB and 50
    parameters only: ``MAX_CACHED_STATEMENT_LENGTH`` in
    https://github.com/psycopg/psycopg/blob/master/psycopg/psycopg/_queries.py): that parsing was
    about a fifth of a PostgreSQL first crawl's writer. COPY sends the rows as data
    (https://www.psycopg.org/psycopg3/docs/basic/copy.html)."""
    if not rows:
        return
    connection = session.connection()
    named = set().union(*(row.keys() for row in rows))
    columns = [
        column
        for column in table.columns
        if column.name in named or (column.default is not None and not column.primary_key)
    ]
    processors = [column.type._cached_bind_processor(connection.dialect) for column in columns]
    quote = connection.dialect.identifier_preparer
    statement = (
        f"COPY {quote.format_table(table)} "
        f"({', '.join(quote.format_column(column) for column in columns)}) FROM STDIN"
    )
    driver: Any = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = []
            for column, process in zip(columns, processors, strict=True):
                value = row[column.name] if column.name in row else _default(column)
                values.append(process(value) if process is not None else value)
            copy.write_row(values)


def _default(column: Column[Any]) -> Any:
    """The value an INSERT gives a column left out: its Python-side default, else NULL."""
    default: Any = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg
