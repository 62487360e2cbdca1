"""Row writers for the codebook, used inside one :meth:`Project.write` transaction.

The rules of codebook editing (names, cycles, merges, what the history records)
live in :mod:`qualcode.codebook.edit`; the rows are read and written here. Reading
the codes locks them (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
already serialises writers), and every update names the version it read
(``WHERE version = :read``), so two editors can never silently overwrite each other.
Codings move between codes through :mod:`qualcode.store.owned` (a coder re-codes
only their own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from ..errors import CodebookError, ConflictError, NotFoundError
from ..ids import is_guid, new_guid, normalise_guid, parse_colour
from ..model import Code
from . import schema as S
from ._util import now_iso
from .values import check_row, check_text
from .owned import delete_codings, update_codings

if TYPE_CHECKING:
    from .project import Project

__all__ = [
    "TEXT_FIELDS",
    "VARIABLE_FIELDS",
    "code_rows",
    "codes_in",
    "next_code_position",
    "code_path",
    "snapshot",
    "add_code",
    "insert_code",
    "update_code",
    "delete_code_row",
    "coded_code_ids",
    "coding_rows",
    "move_coding",
    "drop_coding",
    "set_coding_memo_text",
    "delete_codings_by_id",
    "code_memo",
    "write_code_memo",
    "known_coder_id",
    "delete_memo",
]


TEXT_FIELDS = ("definition", "when_to_use", "when_not_to_use", "example", "source")
VARIABLE_FIELDS = ("exclusive", "ordered", "level")
_SNAPSHOT_COLUMNS = ("id", "parent_id", "name", "guid", "codable", "position", "version") + TEXT_FIELDS + ("colour",) \
    + VARIABLE_FIELDS


def code_rows(conn: Connection, project: "Project") -> dict[int, dict[str, Any]]:
    """Every code row of the project by id, locked for this transaction."""
    rows = conn.execute(
        select(S.codes).where(S.codes.c.project_id == project.id).order_by(S.codes.c.id).with_for_update()
    ).mappings().all()
    return {int(r["id"]): dict(r) for r in rows}


def codes_in(conn: Connection, project: "Project") -> list[Code]:
    """The codebook as read inside this transaction, in tree order."""
    return project._codes(conn)


def next_code_position(conn: Connection, project: "Project") -> int:
    """The position after the project's last code."""
    return project._next_code_position(conn)


def code_path(rows: Mapping[int, Mapping[str, Any]], code_id: int | None) -> str:
    """``"Theme > Code"``: the names from the top of the tree down to ``code_id``."""
    names: list[str] = []
    while code_id is not None:
        names.append(rows[code_id]["name"])
        code_id = rows[code_id]["parent_id"]
    return " > ".join(reversed(names))


def snapshot(rows: Mapping[int, Mapping[str, Any]], code_id: int) -> dict[str, Any]:
    """A code's row as plain data for an event payload (with its path and parent's name)."""
    r = rows[code_id]
    data = {k: r[k] for k in _SNAPSHOT_COLUMNS}
    data["codable"] = bool(data["codable"])
    data["exclusive"], data["ordered"] = bool(data["exclusive"]), bool(data["ordered"])
    data["path"] = code_path(rows, code_id)
    data["parent"] = rows[r["parent_id"]]["name"] if r["parent_id"] else None
    return data


def add_code(conn: Connection, project: "Project", code: Code, *, parent_id: int | None,
             rows: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The one "add a code" writer: checks, inserts, returns the ``codebook.add`` payload.

    Refuses (CodebookError) an empty name, a colour that is not ``#rrggbb``, a name
    already used under the parent, a malformed GUID or one the project already has.
    ``rows`` are the code rows read (locked) in this transaction; the new row is added.
    """
    name = code.name.strip() if isinstance(code.name, str) else ""
    if not name:
        raise CodebookError("a code needs a non-empty name")
    try:
        colour = parse_colour(code.colour)
    except ValueError as exc:
        raise CodebookError(str(exc)) from None
    if parent_id is not None and parent_id not in rows:
        raise NotFoundError(f"no code with id {parent_id} in the codebook")
    if any(r["parent_id"] == parent_id and r["name"] == name for r in rows.values()):
        raise CodebookError(f"a code named {name!r} already exists under {code_path(rows, parent_id) or 'the top level'!r}")
    if code.guid is not None and not is_guid(code.guid):
        raise CodebookError(f"{code.guid!r} is not a GUID")
    guid = normalise_guid(code.guid) if code.guid else new_guid()
    if any(r["guid"] == guid for r in rows.values()):
        raise CodebookError(f"GUID {guid} is already used by another code")
    values = dict(
        project_id=project.id, parent_id=parent_id, name=name, codable=code.codable, guid=guid, colour=colour,
        position=max((int(r["position"]) for r in rows.values()), default=0) + 1,
        **{k: (getattr(code, k) or "").strip() for k in TEXT_FIELDS},
        exclusive=bool(code.exclusive or code.ordered), ordered=bool(code.ordered), level=code.level,
    )
    row = insert_code(conn, project, values)
    rows[row["id"]] = row
    return {"code": code_path(rows, row["id"]), "name": name, "parent": code_path(rows, parent_id) or None,
            "after": snapshot(rows, row["id"])}


def insert_code(conn: Connection, project: "Project", values: Mapping[str, Any]) -> dict[str, Any]:
    """Insert one code row as given (after checking its values); returns the row."""
    values = dict(values, project_id=project.id)
    values.setdefault("exclusive", False)
    values.setdefault("ordered", False)
    values.setdefault("level", None)
    check_row(S.codes, values, f"code {str(values.get('name'))[:60]!r}", fields={"name": "code name"})
    cid = int(conn.execute(insert(S.codes).values(**values)).inserted_primary_key[0])
    return {**values, "id": cid, "version": 1}


def update_code(conn: Connection, project: "Project", code_id: int, read_version: int, values: Mapping[str, Any]) -> int:
    """Change a code whose row was read at ``read_version``; returns the new version.

    ConflictError when the row changed since (or is gone): nothing is written.
    """
    check_row(S.codes, values, f"code {code_id}")
    res = conn.execute(
        update(S.codes)
        .where(S.codes.c.id == code_id, S.codes.c.project_id == project.id, S.codes.c.version == read_version)
        .values(**values, version=read_version + 1)
    )
    if res.rowcount != 1:
        raise ConflictError(f"code {code_id} was changed by someone else meanwhile; reload and try again")
    return read_version + 1


def delete_code_row(conn: Connection, project: "Project", code_id: int) -> None:
    """Delete one code row (its codings and children must be gone or moved)."""
    conn.execute(delete(S.codes).where(S.codes.c.id == code_id, S.codes.c.project_id == project.id))


def coded_code_ids(conn: Connection, project: "Project") -> set[int]:
    """Ids of the codes that have at least one coding."""
    return {int(i) for i in conn.execute(
        select(S.codings.c.code_id).where(S.codings.c.project_id == project.id).distinct()).scalars()}


def coding_rows(conn: Connection, project: "Project", *, code_ids: Sequence[int] = (),
                coding_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Full coding rows (with ``coder`` and ``document`` names) of the codes, or with the ids."""
    ids = list(coding_ids if coding_ids is not None else code_ids)
    if not ids:
        return []
    column = S.codings.c.id if coding_ids is not None else S.codings.c.code_id
    q = (
        select(S.codings, S.coders.c.name.label("coder"), S.documents.c.name.label("document"))
        .join(S.coders, S.coders.c.id == S.codings.c.coder_id)
        .join(S.documents, S.documents.c.id == S.codings.c.document_id)
        .where(S.codings.c.project_id == project.id, column.in_(ids))
        .order_by(S.codings.c.id)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def move_coding(conn: Connection, project: "Project", coding_id: int, code_id: int) -> None:
    """Point one coding at another code (its owner, or an owner, only)."""
    update_codings(conn, project, {"code_id": code_id}, S.codings.c.id == coding_id)


def set_coding_memo_text(conn: Connection, project: "Project", coding_id: int, memo: str | None) -> None:
    """Replace one coding's memo (its owner, or an owner, only)."""
    update_codings(conn, project, {"memo": memo}, S.codings.c.id == coding_id, where="coding memo")


def drop_coding(conn: Connection, project: "Project", coding_id: int) -> None:
    """Delete one coding (its owner, or an owner, only)."""
    delete_codings(conn, project, S.codings.c.id == coding_id)


def delete_codings_by_id(conn: Connection, project: "Project", coding_ids: Sequence[int]) -> None:
    """Delete codings by id (their owners, or an owner, only)."""
    if coding_ids:
        delete_codings(conn, project, S.codings.c.id.in_(list(coding_ids)))


def _memo_cond(project: "Project", code_id: int):
    return and_(S.memos.c.project_id == project.id, S.memos.c.target_type == "code", S.memos.c.target_id == code_id)


def code_memo(conn: Connection, project: "Project", code_id: int) -> dict[str, Any] | None:
    """The memo row on a code, locked, or None."""
    row = conn.execute(select(S.memos).where(_memo_cond(project, code_id)).with_for_update()).mappings().first()
    return dict(row) if row else None


def known_coder_id(conn: Connection, project: "Project", name: str) -> int | None:
    """The id of the coder named ``name``, or None (nobody is created)."""
    cid = conn.execute(select(S.coders.c.id).where(S.coders.c.project_id == project.id,
                                                   S.coders.c.name == name)).scalar()
    return int(cid) if cid is not None else None


def write_code_memo(conn: Connection, project: "Project", code_id: int, text: str, *,
                    existing: Mapping[str, Any] | None, coder_id: int | None = None) -> None:
    """Replace the memo on a code (``existing``: its row as read, or None to create it)."""
    check_text(text, f"code {code_id}", "memo")
    ts = now_iso()
    if existing:
        res = conn.execute(update(S.memos).where(S.memos.c.id == existing["id"], S.memos.c.version == existing["version"])
                           .values(text=text, updated_at=ts, version=S.memos.c.version + 1))
        if res.rowcount != 1:
            raise ConflictError(f"the memo on code {code_id} was changed by someone else meanwhile; reload and try again")
    else:
        conn.execute(insert(S.memos).values(project_id=project.id, target_type="code", target_id=code_id,
                                            coder_id=coder_id, text=text, created_at=ts, updated_at=ts, version=1))


def delete_memo(conn: Connection, project: "Project", memo_id: int) -> None:
    """Delete one memo row."""
    conn.execute(delete(S.memos).where(S.memos.c.id == memo_id, S.memos.c.project_id == project.id))
