"""Rows that belong to one coder, and the one path by which they are written.

Codings and suggestion decisions are a coder's own work. In team mode
(``Project.user`` set) a coder may add, change or delete only rows whose coder is
their own account; an owner may change anyone's (adjudication); a viewer writes
nothing (refused earlier, by the role check of :meth:`Project.write`).

The check cannot be forgotten by a new write method: every engine the store makes
carries a guard (:func:`install_guard`) that refuses any INSERT/UPDATE/DELETE
statement on an owned table unless it was issued by the functions below, which
look up the owners of exactly the rows they touch first. The role is the one
:meth:`Project.write` read inside the same transaction; it travels with the
connection as an execution option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, event, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.dml import UpdateBase

from ..errors import PermissionDenied, StoreError
from . import schema as S
from .values import check_rows

if TYPE_CHECKING:
    from .project import Project

__all__ = [
    "OWNED_TABLES",
    "install_guard",
    "acting",
    "check_owners",
    "insert_codings",
    "delete_codings",
    "update_codings",
    "insert_decision",
    "delete_decisions",
    "copy_rows",
]

OWNED_TABLES = frozenset({S.codings.name, S.suggestion_decisions.name})
_CHECKED = "qualcode_owners_checked"
ROLE_OPTION = "qualcode_role"
_LOCAL = "local"  # the trusted local user (no accounts): owns everything


def install_guard(engine: Engine) -> None:
    """Refuse writes to owned tables that did not go through this module."""
    event.listen(engine, "before_execute", _refuse_unchecked)


def _refuse_unchecked(conn, clause, multiparams, params, execution_options):
    if isinstance(clause, UpdateBase):
        table = getattr(clause, "table", None)
        if getattr(table, "name", None) in OWNED_TABLES and not execution_options.get(_CHECKED):
            raise StoreError(
                f"internal error: a write to {table.name} bypassed the ownership gate (qualcode.store.owned); nothing was saved"
            )


def acting(conn: Connection, project: "Project") -> tuple[str | None, str]:
    """``(user, role)`` of the write transaction on ``conn`` (user None = the local user)."""
    if project.user is None:
        return None, _LOCAL
    role = conn.get_execution_options().get(ROLE_OPTION)
    if not role:  # a connection that did not come from Project.write: fail closed
        raise PermissionDenied("this write was not checked for a role; nothing was saved")
    return project.user, role


def check_owners(conn: Connection, project: "Project", owners: Sequence[str | None], what: str = "codings") -> None:
    """Refuse when a coder's transaction touches rows owned by someone else."""
    user, role = acting(conn, project)
    if role in (_LOCAL, "owner"):
        return
    others = sorted({o or "nobody" for o in owners if o != user})
    if others:
        raise PermissionDenied(
            f"{user!r} is a {role} in {project.name!r} and may change only their own {what}, "
            f"not those of {others[0]!r}; owners adjudicate others' work"
        )


def _coder_names(conn: Connection, coder_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted({int(i) for i in coder_ids})
    if not ids:
        return {}
    return {int(i): str(n) for i, n in conn.execute(select(S.coders.c.id, S.coders.c.name).where(S.coders.c.id.in_(ids)))}


def _run(conn: Connection, statement, *args):
    return conn.execute(statement.execution_options(**{_CHECKED: True}), *args)


def insert_codings(conn: Connection, project: "Project", rows: Sequence[Mapping[str, Any]], *,
                   where: str = "coding") -> list[int]:
    """Insert coding rows after checking their values and owners; their new ids (single rows) or []."""
    rows = [dict(r) for r in rows]
    if not rows:
        return []
    check_rows(S.codings, rows, where)
    names = _coder_names(conn, [r["coder_id"] for r in rows])
    check_owners(conn, project, [names.get(int(r["coder_id"])) for r in rows])
    if len(rows) == 1:
        return [int(_run(conn, insert(S.codings).values(**rows[0])).inserted_primary_key[0])]
    _run(conn, insert(S.codings), rows)
    return []


def _owned_rows(conn: Connection, project: "Project", *conditions) -> list[dict[str, Any]]:
    q = (
        select(S.codings, S.coders.c.name.label("coder"))
        .join(S.coders, S.coders.c.id == S.codings.c.coder_id)
        .where(S.codings.c.project_id == project.id, *conditions)
        .order_by(S.codings.c.id)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def delete_codings(conn: Connection, project: "Project", *conditions) -> list[dict[str, Any]]:
    """Delete the project's codings matching ``conditions``; returns the deleted rows (with ``coder``)."""
    rows = _owned_rows(conn, project, *conditions)
    if rows:
        check_owners(conn, project, [r["coder"] for r in rows])
        # By id: exactly the rows whose owners were checked, not whatever matches now.
        _run(conn, delete(S.codings).where(S.codings.c.id.in_([r["id"] for r in rows])))
    return rows


def update_codings(conn: Connection, project: "Project", values: Mapping[str, Any], *conditions,
                   where: str = "coding") -> list[dict[str, Any]]:
    """Update the project's codings matching ``conditions`` (version bumped); returns their rows before."""
    values = dict(values)
    if "coder_id" in values:
        raise StoreError("a coding's coder cannot be changed; code it again as the other coder")
    check_rows(S.codings, [values], where)
    rows = _owned_rows(conn, project, *conditions)
    if rows:
        check_owners(conn, project, [r["coder"] for r in rows])
        _run(conn, update(S.codings).where(S.codings.c.id.in_([r["id"] for r in rows]))
             .values(**values, version=S.codings.c.version + 1))
    return rows


def insert_decision(conn: Connection, project: "Project", row: Mapping[str, Any]) -> None:
    """Record a coder's decision on a suggestion (only their own, unless an owner)."""
    row = dict(row)
    check_rows(S.suggestion_decisions, [row], "suggestion decision")
    check_owners(conn, project, [row["coder"]], what="suggestion decisions")
    _run(conn, insert(S.suggestion_decisions).values(**row))


def delete_decisions(conn: Connection, project: "Project", *conditions) -> int:
    """Delete the project's suggestion decisions matching ``conditions`` (e.g. those on a
    document whose text is rewritten); every owner of a deleted row is checked."""
    q = select(S.suggestion_decisions.c.id, S.suggestion_decisions.c.coder).where(
        S.suggestion_decisions.c.project_id == project.id, *conditions)
    rows = conn.execute(q).all()
    if rows:
        check_owners(conn, project, [r[1] for r in rows], what="suggestion decisions")
        _run(conn, delete(S.suggestion_decisions).where(S.suggestion_decisions.c.id.in_([r[0] for r in rows])))
    return len(rows)


def copy_rows(conn: Connection, statement, rows: Sequence[Mapping[str, Any]] | None = None):
    """Execute a copying INSERT into any table, owned ones included (backup and restore).

    Only for :mod:`qualcode.store.backup`: it copies a whole project into a new one that
    nobody else can see yet (the restoring user becomes its owner), so there are no
    other coders' rows to protect. Returns the result.
    """
    return _run(conn, statement, rows) if rows is not None else _run(conn, statement)
