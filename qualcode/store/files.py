"""Which files and databases the store may write into.

qualcode never adds its tables to a file or database that belongs to another program:
an existing file must be empty, or an SQLite database that is a qualcode project (or
has no tables yet). The check reads the file without modifying it, before any engine
touches it (opening an SQLite file in WAL mode rewrites its header).

A configured projects folder (docs/security.md) confines the project files the app may
create or open to plain names inside that folder.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, inspect

from ..errors import StoreError

__all__ = ["SQLITE_HEADER", "refuse_foreign_file", "refuse_foreign_database", "resolve_in_folder", "PROJECT_SUFFIX"]

SQLITE_HEADER = b"SQLite format 3\x00"
PROJECT_SUFFIX = ".qualcode"
_META_TABLE = "qualcode_meta"


def refuse_foreign_file(path: str | Path) -> None:
    """StoreError unless ``path`` is missing, empty, or an SQLite qualcode project / empty database."""
    p = Path(path)
    if not p.exists():
        return
    if p.is_dir():
        raise StoreError(f"{p}: is a folder, expected a project file (e.g. study.qualcode)")
    # Never open() the file itself: closing any descriptor of a database file drops every
    # POSIX lock this process holds on it, so a server that has the project open would
    # lose its SQLite locks, and another process closing the project would then delete
    # the write-ahead log still in use (saved work no longer seen by anyone else).
    # SQLite's own connections share their locks within the process, so read through it.
    try:
        if p.stat().st_size == 0:
            return  # an empty file (made by mktemp or touch) holds nothing to protect
    except OSError as exc:
        raise StoreError(f"{p}: cannot read ({exc.strerror})") from None
    tables = _sqlite_tables(p)
    if tables and _META_TABLE not in tables:
        raise StoreError(
            f"{p}: not a qualcode project (an SQLite database of another program, {len(tables)} table(s)); "
            "refusing to add qualcode's tables to it"
        )


def _sqlite_tables(p: Path) -> list[str]:
    # Read-only first (sees the WAL of a project open elsewhere); immutable as a fallback
    # for a read-only folder, where SQLite cannot create the shared-memory file.
    for flags in ("mode=ro", "immutable=1"):
        try:
            con = sqlite3.connect(f"{p.resolve().as_uri()}?{flags}", uri=True)
            try:
                return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise StoreError(f"{p}: not a qualcode project (not an SQLite database); refusing to write into it") from None
            continue
        except sqlite3.Error:
            continue
    raise StoreError(f"{p}: not a qualcode project (an unreadable or damaged SQLite file); refusing to write into it")


def refuse_foreign_database(conn: Connection, known: set[str]) -> None:
    """StoreError when a database without qualcode's schema already holds other tables."""
    others = sorted(set(inspect(conn).get_table_names()) - known)
    if others:
        raise StoreError(
            f"not a qualcode project: the database already holds {len(others)} table(s) of another program; "
            "give qualcode a database of its own"
        )


def resolve_in_folder(folder: str | Path, name: str) -> Path:
    """The project file for ``name`` inside ``folder``; StoreError if it would leave it.

    ``name`` must be a plain file name (no folders, ``..``, absolute paths or NUL); the
    ``.qualcode`` suffix is added when missing; an existing symlink is refused even when
    it points inside the folder, since its target can change.
    """
    raw = name.strip()
    if not raw or raw in (".", "..") or "\x00" in raw or "/" in raw or "\\" in raw or raw.startswith("~"):
        raise StoreError(f"{name!r}: give a plain project name (no folders), e.g. my-study")
    if not raw.endswith(PROJECT_SUFFIX):
        raw += PROJECT_SUFFIX
    base = Path(folder).expanduser().resolve()
    candidate = base / raw
    if candidate.is_symlink():
        raise StoreError(f"{raw}: is a link; project files in the projects folder must be plain files")
    if candidate.resolve().parent != base:
        raise StoreError(f"{name!r}: not inside the projects folder")
    return candidate
