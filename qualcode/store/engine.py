"""Opening a database: SQLite file by default, any SQLAlchemy URL on request.

Every engine hides SQL parameters in its errors. SQLite gets WAL (readers never
block the writer), foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for write
transactions so two processes that both want to write queue up instead of failing
halfway with "database is locked".
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from .owned import install_guard

__all__ = ["DATABASE_URL_ENV", "is_url", "make_engine", "location_to_url"]

DATABASE_URL_ENV = "QUALCODE_DATABASE_URL"
BUSY_TIMEOUT_S = 30.0  # how long a write waits for another writer before "database is locked"


def is_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` is a SQLAlchemy URL rather than a file path."""
    return "://" in str(location)


def location_to_url(location: str | os.PathLike[str]) -> str:
    """Turn a project path (a SQLite file) or URL into a SQLAlchemy URL."""
    if is_url(location):
        return str(location)
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Engine:
    """Create an engine with the settings qualcode relies on for this backend.

    ``busy_timeout`` (seconds, SQLite only) is how long a statement waits for a lock
    another connection holds; tests that hold one on purpose pass a short one.
    ``hide_parameters``: a database error never carries the values being written
    (transcript text, names) into a message, a traceback or a log. Every engine also
    gets the ownership guard of :mod:`qualcode.store.owned`.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, hide_parameters=True)
        _configure_sqlite(engine, int(busy_timeout * 1000))
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    install_guard(engine)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial wiring
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling
        # would defer it and break BEGIN IMMEDIATE).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("qualcode_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
