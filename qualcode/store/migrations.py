"""Schema version and ordered migrations.

Version 1 is the schema in :mod:`qualcode.store.schema` created from scratch. Later
versions append a ``(version, description, function)`` entry to ``MIGRATIONS``; a
project opened with an older schema is upgraded in one transaction, so an
interrupted upgrade leaves the project as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text, update

from ..errors import StoreError
from . import accounts_schema as _accounts_tables  # noqa: F401  (registers tables)
from . import schema
from . import throttle as _throttle_tables  # noqa: F401  (registers tables)
from .files import refuse_foreign_database

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "ensure_schema", "schema_version", "flag_username_clashes"]


def _v1_create(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _v2_extra_tables(conn: Connection) -> None:
    # A step that only adds new tables: create_all creates exactly the missing ones
    # (existing tables are left alone), so it is safe to reuse for each such version.
    schema.metadata.create_all(conn)


def flag_username_clashes(conn: Connection) -> list[str]:
    """Fill ``users.username_key``; accounts whose names differ only in case get NULL.

    Such accounts are not merged or guessed at: they are refused at sign-in until the
    operator renames one. Returns the flagged user names.
    """
    A = _accounts_tables
    rows = conn.execute(select(A.users.c.id, A.users.c.username, A.users.c.username_key)).all()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(A.username_key(row[1]), []).append(row)
    flagged = []
    for key, group in groups.items():  # clear clashing keys first: the unique index stays satisfied
        if len(group) > 1:
            flagged += [r[1] for r in group]
            conn.execute(update(A.users).where(A.users.c.id.in_([r[0] for r in group])).values(username_key=None))
    for key, group in groups.items():
        if len(group) == 1 and group[0][2] != key:
            conn.execute(update(A.users).where(A.users.c.id == group[0][0]).values(username_key=key))
    return flagged


def _v5_account_rules(conn: Connection) -> None:
    # Columns cannot be added by create_all; a fresh database already has them (v1).
    columns = {c["name"] for c in inspect(conn).get_columns("users")}
    if "username_key" not in columns:
        conn.execute(text("ALTER TABLE users ADD COLUMN username_key VARCHAR(200)"))
    if "is_admin" not in columns:
        conn.execute(text("ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE"))
    flag_username_clashes(conn)
    _accounts_tables.username_key_index.create(conn, checkfirst=True)
    schema.metadata.create_all(conn)  # signin_failures


def _v6_code_variables(conn: Connection) -> None:
    # Variables declared in the codebook: three columns on codes (a fresh database has them).
    columns = {c["name"] for c in inspect(conn).get_columns("codes")}
    if "exclusive" not in columns:
        conn.execute(text("ALTER TABLE codes ADD COLUMN exclusive BOOLEAN NOT NULL DEFAULT FALSE"))
    if "ordered" not in columns:
        conn.execute(text("ALTER TABLE codes ADD COLUMN ordered BOOLEAN NOT NULL DEFAULT FALSE"))
    if "level" not in columns:
        conn.execute(text("ALTER TABLE codes ADD COLUMN level FLOAT"))


def _v7_turn_metadata(conn: Connection) -> None:
    # Turn metadata (a Reddit comment's score, parent, depth...): one nullable JSON column.
    columns = {c["name"] for c in inspect(conn).get_columns("segments")}
    if "metadata" not in columns:
        # SQLAlchemy's JSON type is JSON on PostgreSQL and SQLite alike.
        conn.execute(text("ALTER TABLE segments ADD COLUMN metadata JSON"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_create),
    (2, "tables added by later features (embeddings, suggestions...)", _v2_extra_tables),
    (3, "team mode: users and memberships", _v2_extra_tables),
    (4, "embedding cache and suggestion decisions", _v2_extra_tables),
    (5, "team mode: case-insensitive user names, administrators, sign-in throttling", _v5_account_rules),
    (6, "variables declared in the codebook: exclusive / ordered themes, code levels", _v6_code_variables),
    (7, "turn metadata: a segment's source data (Reddit score, parent, depth; chat model; CSV columns)",
     _v7_turn_metadata),
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
    if current == 0:
        # Never add qualcode's tables to a database another program already uses.
        refuse_foreign_database(conn, set(schema.metadata.tables))
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
