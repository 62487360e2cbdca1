"""Backup and restore of one project, consistent while people are working.

A backup is a plain SQLite project file holding one project's rows, read inside a
single snapshot transaction (WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL),
so codings saved during the backup are either wholly in it or wholly not. The file
opens like any project (``qualcode info -p backup.qualcode``). Restore copies those
rows into a database as a new project, giving them new ids where the target already
has rows (so a backup can be restored next to the live project on a team server).
Accounts are not part of a backup; memberships are re-created for the restoring user.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Table, insert, select, update

from ..config import redact
from ..errors import StoreError
from . import schema as S
from .engine import location_to_url, make_engine
from .files import refuse_foreign_file
from .owned import copy_rows
from .migrations import ensure_schema
from .project import Project, now_iso
from .. import atomic

__all__ = ["backup_project", "restore_project"]

_SKIP = {"qualcode_meta", "users", "memberships", "projects"}


def _project_tables() -> list[Table]:
    """Tables holding a project's rows, parents before children."""
    out = []
    for table in S.metadata.sorted_tables:
        if table.name in _SKIP:
            continue
        if "project_id" in table.c or "document_id" in table.c:
            out.append(table)
    return out


def _rows(conn: Connection, table: Table, project_id: int) -> list[dict]:
    if "project_id" in table.c:
        q = select(table).where(table.c.project_id == project_id)
    else:
        docs = select(S.documents.c.id).where(S.documents.c.project_id == project_id)
        q = select(table).where(table.c.document_id.in_(docs))
    return [dict(r) for r in conn.execute(q.order_by(*table.primary_key.columns)).mappings()]


def backup_project(project: Project, out: str | Path) -> dict[str, int]:
    """Write ``project`` to a new SQLite file ``out``; returns row counts per table."""
    out = Path(out)
    if out.exists():
        raise StoreError(f"{out}: already exists; choose a new backup file name")
    with project.read():
        pass  # in team mode: the user must still be a member (a backup is a read of everything)
    counts: dict[str, int] = {}
    source = project.engine.connect()
    if source.dialect.name == "postgresql":
        source = source.execution_options(isolation_level="REPEATABLE READ")
    # Built in a temporary file beside ``out`` and renamed when complete: a backup
    # killed halfway never sits at ``out`` looking like a good one.
    with atomic.atomic_path(out) as tmp:
        target_engine = make_engine(location_to_url(tmp))
        try:
            with source, source.begin():
                prow = source.execute(select(S.projects).where(S.projects.c.id == project.id)).mappings().one()
                data = {t.name: _rows(source, t, project.id) for t in _project_tables()}
            with target_engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
                ensure_schema(conn)
                conn.execute(insert(S.projects).values(**dict(prow)))
                for table in _project_tables():
                    rows = data[table.name]
                    counts[table.name] = len(rows)
                    _insert_with_self_refs(conn, table, rows)
        except Exception:
            target_engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            raise
        target_engine.dispose()
        # One self-contained file before the rename: fold any WAL into it.
        raw = sqlite3.connect(tmp)
        try:
            raw.execute("PRAGMA journal_mode=DELETE")
        finally:
            raw.close()
    return counts


def _insert_with_self_refs(conn: Connection, table: Table, rows: list[dict]) -> None:
    # A code may point at a parent with a higher id (after a move); insert without
    # self-references first, then set them, so no foreign key is ever dangling.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not rows:
        return
    if not self_refs:
        copy_rows(conn, insert(table), rows)
        return
    copy_rows(conn, insert(table), [{**r, **{c: None for c in self_refs}} for r in rows])
    for r in rows:
        if any(r[c] is not None for c in self_refs):
            conn.execute(update(table).where(table.c.id == r["id"]).values({c: r[c] for c in self_refs}))


def restore_project(backup: str | Path, location: str, *, name: str | None = None, user: str | None = None) -> Project:
    """Restore a backup file into ``location`` as a new project named ``name``.

    Refuses when a project of that name exists (never overwrites). All rows go in
    one transaction with fresh ids; foreign keys and event targets are remapped.
    """
    backup = Path(backup)
    if not backup.exists():
        raise StoreError(f"{backup}: no such backup file")
    with Project.open(backup, create=False) as src:
        src_id, src_name = src.id, src.name
        with src.read() as conn:
            data = {t.name: _rows(conn, t, src_id) for t in _project_tables()}
    name = name or src_name
    if "://" not in str(location):
        refuse_foreign_file(location)
    engine = make_engine(location_to_url(location))
    try:
        with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
            ensure_schema(conn)
            if conn.execute(select(S.projects.c.id).where(S.projects.c.name == name)).first():
                raise StoreError(f"{redact(location)}: a project named {name!r} already exists; restore under another --name")
            Project._refuse_creator(conn, user)  # a restore creates a project: administrators only
            pid = conn.execute(
                insert(S.projects).values(name=name, description=f"restored from {backup.name}", created_at=now_iso())
            ).inserted_primary_key[0]
            idmap: dict[str, dict[int, int]] = {}
            for table in _project_tables():
                idmap[table.name] = {}
                deferred = []
                for row in data[table.name]:
                    old_id = row.pop("id")
                    if "project_id" in row:
                        row["project_id"] = pid
                    for fk in table.foreign_keys:
                        col, ref = fk.parent.name, fk.column.table.name
                        if col == "project_id" or row.get(col) is None:
                            continue
                        if ref == table.name:
                            deferred.append((old_id, col, row[col]))
                            row[col] = None
                        else:
                            row[col] = idmap[ref][row[col]]
                    if table is S.events and row.get("target_id") is not None:
                        ref = {"coding": "codings", "code": "codes", "document": "documents"}.get(row["target_type"] or "")
                        row["target_id"] = idmap.get(ref, {}).get(row["target_id"], row["target_id"]) if ref else row["target_id"]
                    if table is S.events:
                        row["undone_by"] = row.get("undone_by") or 0  # history, not undoable after restore
                    idmap[table.name][old_id] = copy_rows(conn, insert(table).values(**row)).inserted_primary_key[0]
                for old_id, col, old_ref in deferred:
                    conn.execute(
                        update(table).where(table.c.id == idmap[table.name][old_id]).values({col: idmap[table.name][old_ref]})
                    )
            conn.execute(
                insert(S.events).values(
                    project_id=pid, at=now_iso(), actor=user, action="project.restore", target_type="project",
                    target_id=pid, payload={"backup": backup.name, "from_project": src_name},
                )
            )
            if user is not None:
                from . import accounts_schema as A

                uid = Project._user_id(conn, user)
                conn.execute(insert(A.memberships).values(project_id=pid, user_id=uid, role="owner"))
    finally:
        engine.dispose()
    return Project.open(location, name=name, create=False, user=user)
