"""Editing a project's codebook without breaking its codings.

Every operation is ONE database transaction plus ONE event ``codebook.<op>`` whose
payload holds the before/after data, so the history can tell how the codebook
evolved (and what was lost). Any refusal raises before anything is written: the
project is then exactly as it was.

Codes are named by a :data:`CodeRef`: a store id, a :class:`~qualcode.model.Code`
(its id), a unique name, or a path ``"Theme > Code"`` (``/`` also works) when a
name is used under several parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from .book import DESCRIPTIVE_FIELDS, TEXT_FIELDS, variable_levels
from .tree import CodeRef, CodeTree
from ..errors import CodebookError, ConflictError, NotFoundError
from ..model import Code
from ..ids import new_guid, parse_colour
from ..store import codes as rows_

if TYPE_CHECKING:
    from ..store import Project

__all__ = [
    "CodeRef",
    "add_code",
    "rename_code",
    "describe_code",
    "move_code",
    "merge_codes",
    "split_code",
    "reassign_codings",
    "delete_code",
    "declare_variable",
    "variable_levels",
]

_CODE_COLUMNS = ("id", "parent_id", "name", "guid", "codable", "position", "version") + DESCRIPTIVE_FIELDS \
    + rows_.VARIABLE_FIELDS


# ------------------------------------------------------------------ internals
class _Tree(CodeTree):
    """The project's codes as read inside the current transaction."""

    def __init__(self, project: "Project", conn: Connection):
        self.project = project
        self.conn = conn
        super().__init__(rows_.code_rows(conn, project))

    def snapshot(self, cid: int) -> dict[str, Any]:
        """A code's row as plain data for an event payload (with its path)."""
        r = self.rows[cid]
        data = {k: r[k] for k in _CODE_COLUMNS}
        data["codable"] = bool(data["codable"])
        data["path"] = self.path(cid)
        data["parent"] = self.rows[r["parent_id"]]["name"] if r["parent_id"] else None
        return data

    def check_version(self, cid: int, expected_version: int | None) -> None:
        current = int(self.rows[cid]["version"])
        if expected_version is not None and expected_version != current:
            raise ConflictError(
                f"code {self.path(cid)!r} was changed by someone else since you opened it "
                f"(version {current}, you had {expected_version}); reload and try again"
            )

    def bump(self, cid: int, **values: Any) -> None:
        version = rows_.update_code(self.conn, self.project, cid, int(self.rows[cid]["version"]), values)
        self.rows[cid].update(values)
        self.rows[cid]["version"] = version

    def codings_of(self, code_ids: Sequence[int], *, coding_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Full coding rows (with coder and document names) of the codes, or with the ids."""
        return rows_.coding_rows(self.conn, self.project, code_ids=code_ids, coding_ids=coding_ids)

    def memo_row(self, cid: int) -> dict[str, Any] | None:
        return rows_.code_memo(self.conn, self.project, cid)


class _NoChange(Exception):
    """Raised inside a write to roll back an edit that changes nothing (no event)."""

    def __init__(self, code_id: int):
        self.code_id = code_id


def _clean_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise CodebookError("a code needs a non-empty name")
    return name.strip()


def _colour(value: str | None) -> str | None:
    try:
        return parse_colour(value)
    except ValueError as exc:
        raise CodebookError(str(exc)) from None


def _current(project: "Project", cid: int) -> Code:
    return project.code(cid)


def _move_codings(tree: _Tree, coding_rows: list[dict[str, Any]], target: int) -> tuple[list[int], list[dict[str, Any]]]:
    """Point codings at ``target``; a coding that duplicates one already on the
    target (same document, span and coder) collapses into it, its memo appended.

    Returns (moved ids, collapsed records for the payload).
    """
    existing = {
        (r["document_id"], r["coder_id"], r["start"], r["end"]): r
        for r in tree.codings_of([target])
    }
    moved: list[int] = []
    collapsed: list[dict[str, Any]] = []
    for r in coding_rows:
        key = (r["document_id"], r["coder_id"], r["start"], r["end"])
        keep = existing.get(key)
        if keep is not None and keep["id"] != r["id"]:
            rows_.drop_coding(tree.conn, tree.project, r["id"])
            memo = keep["memo"]
            if r["memo"] and r["memo"] != keep["memo"]:
                memo = f"{keep['memo']}\n\n{r['memo']}" if keep["memo"] else r["memo"]
                rows_.set_coding_memo_text(tree.conn, tree.project, keep["id"], memo)
                keep["memo"] = memo
            collapsed.append({"coding": _coding_payload(r), "kept": keep["id"]})
        else:
            rows_.move_coding(tree.conn, tree.project, r["id"], target)
            existing[key] = {**r, "code_id": target}
            moved.append(int(r["id"]))
    return moved, collapsed


def _coding_payload(r: dict[str, Any]) -> dict[str, Any]:
    """A coding as the history keeps it: enough to tell what it was and to restore it."""
    keys = ("id", "document_id", "document", "code_id", "coder_id", "coder", "start", "end", "snippet",
            "origin", "origin_detail", "memo", "created_at")
    return {k: r.get(k) for k in keys}


# ------------------------------------------------------------------ operations
def add_code(
    project: "Project",
    code: Code,
    *,
    parent: CodeRef | None = None,
    actor: str | None = None,
) -> int:
    """Add a code under ``parent`` (default: ``code.parent``; None = top level).

    Refuses an empty name, a bad colour, a name already used under that parent, or
    a GUID already in the project. Event ``codebook.add``. Returns the new id.
    """
    ref = parent if parent is not None else code.parent
    parent_id = None
    if ref is not None:
        with project.read() as conn:  # resolve what the user typed; the store checks it again
            parent_id = CodeTree(rows_.code_rows(conn, project)).resolve(ref)
    return project.add_code(replace(code, parent=None), parent_id=parent_id, actor=actor)


def rename_code(
    project: "Project",
    code: CodeRef,
    new_name: str,
    *,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Code:
    """Rename a code; its codings, children, memo and GUID stay. Event ``codebook.rename``.

    Refuses a name already used by a sibling.
    """
    name = _clean_name(new_name)
    try:
        with project.write("codebook.rename", actor=actor, target_type="code") as (conn, ev):
            tree = _Tree(project, conn)
            cid = tree.resolve(code)
            ev["target_id"] = cid
            tree.check_version(cid, expected_version)
            row = tree.rows[cid]
            if row["name"] == name:
                raise _NoChange(cid)
            if tree.sibling_named(row["parent_id"], name, besides=cid) is not None:
                raise CodebookError(f"{tree.path(row['parent_id']) or 'the top level'!r} already has a code named {name!r}")
            before = tree.snapshot(cid)
            tree.bump(cid, name=name)
            ev["payload"] = {"code": tree.path(cid), "before": {"name": before["name"], "path": before["path"]},
                             "after": {"name": name, "path": tree.path(cid)}}
    except _NoChange as nothing:  # same name: no event
        cid = nothing.code_id
    return _current(project, cid)


def describe_code(
    project: "Project",
    code: CodeRef,
    *,
    definition: str | None = None,
    when_to_use: str | None = None,
    when_not_to_use: str | None = None,
    example: str | None = None,
    colour: str | None = None,
    source: str | None = None,
    codable: bool | None = None,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Code:
    """Change a code's description; ``None`` leaves a field as it is ("" clears it).

    ``expected_version`` is the ``codes.version`` the editor read: if someone changed
    the code since, ConflictError and nothing is written. Making a code that has
    codings a non-codable folder is refused. Event ``codebook.describe`` with the
    changed fields before/after; nothing is written when nothing changes.
    """
    wanted: dict[str, Any] = {k: v for k, v in dict(
        definition=definition, when_to_use=when_to_use, when_not_to_use=when_not_to_use, example=example,
        source=source).items() if v is not None}
    wanted = {k: v.strip() for k, v in wanted.items()}  # stored stripped, like every loaded text
    if colour is not None:
        wanted["colour"] = _colour(colour)
    if codable is not None:
        wanted["codable"] = bool(codable)
    try:
        with project.write("codebook.describe", actor=actor, target_type="code") as (conn, ev):
            tree = _Tree(project, conn)
            cid = tree.resolve(code)
            ev["target_id"] = cid
            tree.check_version(cid, expected_version)
            row = tree.rows[cid]
            current = {k: (bool(row[k]) if k == "codable" else row[k]) for k in wanted}
            before = {k: current[k] for k, v in wanted.items() if current[k] != v}
            after = {k: wanted[k] for k in before}
            if after.get("codable") is False and tree.codings_of([cid]):
                raise CodebookError(f"{tree.path(cid)!r} has codings, so it cannot become a folder; move them first")
            if not after:
                raise _NoChange(cid)
            tree.bump(cid, **after)
            ev["payload"] = {"code": tree.path(cid), "before": before, "after": after}
    except _NoChange as nothing:  # rolled back: no event for an edit that changes nothing
        cid = nothing.code_id
    return _current(project, cid)



def move_code(
    project: "Project",
    code: CodeRef,
    new_parent: CodeRef | None,
    *,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Code:
    """Move a code (with its sub-codes and codings) under ``new_parent`` (None = top).

    Refuses a cycle (moving a code under itself or one of its descendants) and a
    name clash with the new siblings. The code goes last among them. Event
    ``codebook.move``.
    """
    with project.write("codebook.move", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        cid = tree.resolve(code)
        ev["target_id"] = cid
        tree.check_version(cid, expected_version)
        pid = tree.resolve(new_parent) if new_parent is not None else None
        if pid is not None and pid in tree.subtree(cid):
            what = "itself" if pid == cid else f"its own sub-code {tree.path(pid)!r}"
            raise CodebookError(f"cannot move {tree.path(cid)!r} under {what}: the codebook would loop")
        row = tree.rows[cid]
        if tree.sibling_named(pid, row["name"], besides=cid) is not None:
            raise CodebookError(f"{tree.path(pid) or 'the top level'!r} already has a code named {row['name']!r}")
        before = {"parent": tree.path(row["parent_id"]) or None, "parent_id": row["parent_id"], "path": tree.path(cid),
                  "position": row["position"]}
        tree.bump(cid, parent_id=pid, position=tree.next_position())
        ev["payload"] = {"code": tree.path(cid), "before": before,
                         "after": {"parent": tree.path(pid) or None, "parent_id": pid, "path": tree.path(cid),
                                   "position": tree.rows[cid]["position"]}}
    return _current(project, cid)


def merge_codes(
    project: "Project",
    source: CodeRef,
    target: CodeRef,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Merge code ``source`` (A) into ``target`` (B). Event ``codebook.merge``.

    A's codings move to B; one that duplicates a coding B already has (same
    document, span and coder) collapses into it (its memo appended to B's coding).
    A's memo is appended to B's memo under a heading naming A. A's sub-codes move
    under B (refused when B already has a sub-code of the same name). A is deleted;
    its full description stays in the event. Refused when B is A or inside A, or
    when B is a folder and A has codings. Returns the event payload.
    """
    with project.write("codebook.merge", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        a, b = tree.resolve(source), tree.resolve(target)
        ev["target_id"] = b
        if a == b:
            raise CodebookError("cannot merge a code into itself")
        if b in tree.subtree(a):
            raise CodebookError(f"cannot merge {tree.path(a)!r} into its own sub-code {tree.path(b)!r}")
        a_codings = tree.codings_of([a])
        if a_codings and not tree.rows[b]["codable"]:
            raise CodebookError(f"{tree.path(b)!r} is a folder (not codable), so it cannot take the codings of "
                                f"{tree.path(a)!r}; make it codable first")
        kids = tree.children(a)
        for k in kids:
            if tree.sibling_named(b, tree.rows[k]["name"]) is not None:
                raise CodebookError(f"both {tree.path(a)!r} and {tree.path(b)!r} have a sub-code named "
                                    f"{tree.rows[k]['name']!r}; merge or rename those first")
        source_snapshot = tree.snapshot(a)
        target_path = tree.path(b)
        moved, collapsed = _move_codings(tree, a_codings, b)
        children_moved = []
        for k in kids:
            old = tree.path(k)
            tree.bump(k, parent_id=b, position=tree.next_position())
            children_moved.append({"id": k, "before": old, "after": tree.path(k)})
        a_memo, b_memo = tree.memo_row(a), tree.memo_row(b)
        memo_change = None
        if a_memo and a_memo["text"].strip():
            heading = f"[Merged from code '{source_snapshot['path']}']"
            new_text = f"{b_memo['text']}\n\n{heading}\n{a_memo['text']}" if b_memo and b_memo["text"] else \
                f"{heading}\n{a_memo['text']}"
            rows_.write_code_memo(conn, project, b, new_text, existing=b_memo, coder_id=a_memo["coder_id"])
            memo_change = {"before": b_memo["text"] if b_memo else None, "after": new_text, "source": a_memo["text"]}
        if a_memo:
            rows_.delete_memo(conn, project, a_memo["id"])
        rows_.delete_code_row(conn, project, a)
        del tree.rows[a]
        tree.bump(b)
        ev["payload"] = {
            "code": source_snapshot["path"], "into": target_path, "target_id": b,
            "before": source_snapshot, "moved_codings": moved, "collapsed_codings": collapsed,
            "children_moved": children_moved, "memo": memo_change,
        }
    return ev["payload"]


def split_code(
    project: "Project",
    code: CodeRef,
    new_codes: Sequence[Code | str],
    *,
    as_children: bool = False,
    actor: str | None = None,
) -> list[int]:
    """Create new codes out of ``code`` (A), as its siblings or (``as_children``) its sub-codes.

    New codes take A's colour and source unless they give their own. A's codings
    stay on A until moved with :func:`reassign_codings`. Event ``codebook.split``.
    Returns the new codes' ids in order.
    """
    if not new_codes:
        raise CodebookError("a split needs at least one new code")
    with project.write("codebook.split", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        a = tree.resolve(code)
        ev["target_id"] = a
        row = tree.rows[a]
        parent_id = a if as_children else row["parent_id"]
        created, names = [], set()
        for item in new_codes:
            new = Code(name=item) if isinstance(item, str) else item
            name = _clean_name(new.name)
            if name in names or tree.sibling_named(parent_id, name) is not None:
                raise CodebookError(f"{tree.path(parent_id) or 'the top level'!r} already has a code named {name!r}")
            names.add(name)
            values = dict(
                parent_id=parent_id, name=name, codable=new.codable, guid=new_guid(),
                colour=_colour(new.colour) or row["colour"], position=tree.next_position(),
                **{k: (getattr(new, k) or "").strip() for k in TEXT_FIELDS},
            )
            if not values["source"]:
                values["source"] = row["source"]
            new_row = rows_.insert_code(conn, project, values)
            cid = new_row["id"]
            tree.rows[cid] = new_row
            created.append(cid)
        ev["payload"] = {"code": tree.path(a), "as_children": as_children,
                         "created": [tree.snapshot(c) for c in created]}
    return created


def reassign_codings(
    project: "Project",
    coding_ids: Sequence[int],
    new_code: CodeRef,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Move codings to ``new_code`` (e.g. after a split). Event ``codebook.reassign``.

    A coding that duplicates one the new code already has collapses into it, as in
    a merge. Refused when a coding id is unknown or the new code is a folder.
    Returns the event payload (``moved``, ``collapsed``).
    """
    ids = list(dict.fromkeys(int(i) for i in coding_ids))
    if not ids:
        raise CodebookError("no codings given to reassign")
    with project.write("codebook.reassign", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        target = tree.resolve(new_code)
        ev["target_id"] = target
        if not tree.rows[target]["codable"]:
            raise CodebookError(f"{tree.path(target)!r} is a folder (not codable); choose one of its codes")
        rows = tree.codings_of([], coding_ids=ids)
        missing = sorted(set(ids) - {r["id"] for r in rows})
        if missing:
            raise NotFoundError(f"no coding(s) {', '.join(map(str, missing))} in this project")
        rows = [r for r in rows if r["code_id"] != target]
        origins = {r["id"]: tree.path(r["code_id"]) for r in rows}
        moved, collapsed = _move_codings(tree, rows, target)
        tree.bump(target)
        ev["payload"] = {
            "code": tree.path(target),
            "moved": [{"coding_id": i, "from": origins[i]} for i in moved],
            "collapsed": collapsed,
        }
    return ev["payload"]


def delete_code(
    project: "Project",
    code: CodeRef,
    *,
    force: bool = False,
    actor: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Delete a code. Event ``codebook.delete``.

    Refused while the code has codings or sub-codes, unless ``force``: then the code,
    its whole subtree, their codings and memos are deleted and every deleted row is
    recorded in the event payload (``deleted_codes``, ``deleted_codings``,
    ``deleted_memos``), so the history says exactly what was lost.
    """
    with project.write("codebook.delete", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        cid = tree.resolve(code)
        ev["target_id"] = cid
        tree.check_version(cid, expected_version)
        ids = tree.subtree(cid)
        codings = tree.codings_of(ids)
        if not force and (codings or len(ids) > 1):
            what = []
            if codings:
                what.append(f"{len(codings)} coding(s)")
            if len(ids) > 1:
                what.append(f"{len(ids) - 1} sub-code(s)")
            raise CodebookError(f"{tree.path(cid)!r} still has {' and '.join(what)}; merge or move them first, "
                                "or delete with force to lose them")
        codes = [tree.snapshot(i) for i in ids]
        memos = []
        for i in ids:
            m = tree.memo_row(i)
            if m:
                memos.append({"code_id": i, "path": tree.path(i), "text": m["text"]})
                rows_.delete_memo(conn, project, m["id"])
        rows_.delete_codings_by_id(conn, project, [r["id"] for r in codings])
        for i in reversed(ids):  # children first: parent_id is ON DELETE RESTRICT
            rows_.delete_code_row(conn, project, i)
        ev["payload"] = {
            "code": codes[0]["path"], "forced": force, "before": codes[0],
            "deleted_codes": codes, "deleted_codings": [_coding_payload(r) for r in codings], "deleted_memos": memos,
        }
    return ev["payload"]


# ------------------------------------------------------------------ variables
def declare_variable(
    project: "Project",
    theme: CodeRef,
    *,
    exclusive: bool = True,
    ordered: bool = False,
    levels: Sequence[str] | dict[str, float] | None = None,
    actor: str | None = None,
    expected_version: int | None = None,
) -> Code:
    """Declare a theme (any parent) a *variable*: its codes are alternatives, each unit
    gets at most one (``exclusive``); ``ordered`` makes them ranked levels (and implies
    exclusive); ``levels`` lists its codes lowest first (values 1, 2, 3...) or maps each
    to a number (all its codable codes, each once). ``exclusive=False`` undeclares it
    (its levels are cleared). ONE transaction, event ``codebook.variable`` with the
    theme's and its codes' flags before/after; nothing is written when nothing changes.
    """
    wanted_levels = variable_levels(levels)
    exclusive = bool(exclusive or ordered)
    if wanted_levels is not None and not ordered:
        raise CodebookError("levels need an ordered variable (ordered=True)")
    try:
        with project.write("codebook.variable", actor=actor, target_type="code") as (conn, ev):
            tree = _Tree(project, conn)
            cid = tree.resolve(theme)
            ev["target_id"] = cid
            tree.check_version(cid, expected_version)
            kids = [k for k in tree.children(cid) if tree.rows[k]["codable"]]
            if exclusive and len(kids) < 2:
                raise CodebookError(f"{tree.path(cid)!r} has {len(kids)} codable code(s) under it; "
                                    "a variable needs at least two alternatives")
            new_level: dict[int, float | None] = {k: None for k in tree.children(cid)}
            if wanted_levels is not None:
                by_name = {tree.rows[k]["name"]: k for k in kids}
                unknown = [n for n in wanted_levels if n not in by_name]
                if unknown:
                    raise CodebookError(f"level {unknown[0]!r} is not a code under {tree.path(cid)!r} "
                                        f"(its codes: {', '.join(by_name)})")
                missing = [n for n in by_name if n not in wanted_levels]
                if missing:
                    raise CodebookError(f"the levels of {tree.path(cid)!r} leave out {', '.join(map(repr, missing))}; "
                                        "list every code of the variable")
                new_level.update({by_name[n]: v for n, v in wanted_levels.items()})
            row = tree.rows[cid]
            before = {"exclusive": bool(row["exclusive"]), "ordered": bool(row["ordered"]),
                      "levels": _levels_of(tree, cid)}
            if before["exclusive"] != exclusive or before["ordered"] != ordered:
                tree.bump(cid, exclusive=exclusive, ordered=bool(ordered))
            for k, value in new_level.items():
                if tree.rows[k]["level"] != value:
                    tree.bump(k, level=value)
            after = {"exclusive": exclusive, "ordered": bool(ordered), "levels": _levels_of(tree, cid)}
            if after == before:
                raise _NoChange(cid)
            ev["payload"] = {"code": tree.path(cid), "before": before, "after": after}
    except _NoChange as nothing:
        cid = nothing.code_id
    return _current(project, cid)


def _levels_of(tree: _Tree, cid: int) -> dict[str, float] | None:
    """The declared levels under ``cid`` (lowest first), or None."""
    pairs = [(tree.rows[k]["level"], tree.rows[k]["name"]) for k in tree.children(cid)
             if tree.rows[k]["level"] is not None]
    return {name: float(v) for v, name in sorted(pairs)} or None


# ------------------------------------------------------------------ memos
def append_code_memo(project: "Project", code: CodeRef, note: str, *, actor: str | None = None) -> str:
    """Append ``note`` as a new paragraph to the memo on ``code`` (creating the memo) as a
    codebook edit: ONE transaction, event ``codebook.memo`` with the memo before and after,
    so the codebook history shows it beside the other edits. Returns the new memo text."""
    note = (note or "").strip()
    if not note:
        raise CodebookError("write the note first: the memo gets the text you type")
    with project.write("codebook.memo", actor=actor, target_type="code") as (conn, ev):
        tree = _Tree(project, conn)
        cid = tree.resolve(code)
        ev["target_id"] = cid
        existing = tree.memo_row(cid)
        before = existing["text"] if existing else None
        after = f"{before.rstrip()}\n\n{note}" if before and before.strip() else note
        coder_id = rows_.known_coder_id(conn, project, actor) if actor else None
        rows_.write_code_memo(conn, project, cid, after, existing=existing, coder_id=coder_id)
        ev["payload"] = {"code": tree.path(cid), "before": before, "after": after, "appended": note}
    return after
