"""Schema version and ordered migrations.

Version 1 is the schema in :mod:`qualcode.store.schema` created from scratch. Later
versions append a ``(version, description, function)`` entry to ``MIGRATIONS``; a
project opened with an older schema is upgraded in one transaction, so an
interrupted upgrade leaves the project as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select

from ..errors import StoreError
from . import accounts_schema as _accounts_tables  # noqa: F401  (registers tables)
from . import schema

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "ensure_schema", "schema_version"]


def _v1_create(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _v2_extra_tables(conn: Connection) -> None:
    # A step that only adds new tables: create_all creates exactly the missing ones
    # (existing tables are left alone), so it is safe to reuse for each such version.
    schema.metadata.create_all(conn)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_create),
    (2, "tables added by later features (embeddings, suggestions...)", _v2_extra_tables),
    (3, "team mode: users and memberships", _v2_extra_tables),
    (4, "embedding cache and suggestion decisions", _v2_extra_tables),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version(conn: Connection) -> int:
    """The schema version stored in the database (0 for an empty database)."""
    if not inspect(conn).has_table(schema.meta.name):
        return 0
    row = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def ensure_schema(conn: Connection) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION` inside the caller's transaction."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"this project was written by a newer qualcode (schema {current}, this version knows {SCHEMA_VERSION}); "
            "upgrade qualcode to open it"
        )
    for version, _description, step in MIGRATIONS:
        if version > current:
            step(conn)
    if current != SCHEMA_VERSION:
        if current == 0:
            schema.metadata.create_all(conn, tables=[schema.meta])
            conn.execute(schema.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        else:
            conn.execute(
                schema.meta.update().where(schema.meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
            )
    return SCHEMA_VERSION
