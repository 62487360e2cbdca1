"""Sets: named groups of documents and codes (REFI-QDA ``Sets``; NVivo sets, MAXQDA
document sets, ATLAS.ti groups).

Kept in the project's event log, like blind mode and speaker roles, so no schema
change is needed: a ``.qdpx`` import records the sets it brought in its own event's
payload (``sets``), and :func:`save_sets` records edits (``project.sets``). The newest
record of a set name wins. Members are store ids, so renaming a document or a code
keeps its sets; a member deleted since is dropped when the sets are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from ..errors import StoreError
from . import schema as S
from .project import Project
from .values import check_text

__all__ = ["SETS_ACTION", "IMPORT_ACTION", "ProjectSet", "save_sets", "project_sets", "set_payload"]

SETS_ACTION = "project.sets"
IMPORT_ACTION = "documents.import_qdpx"


@dataclass
class ProjectSet:
    """One set: its name, description, member documents and codes (store ids)."""

    name: str
    description: str = ""
    documents: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)


def set_payload(sets: Sequence[ProjectSet]) -> list[dict]:
    """The event-payload form of ``sets`` (checked: names and descriptions are text)."""
    out = []
    for s in sets:
        name = " ".join(str(s.name).split())
        if not name:
            raise StoreError("a set needs a name")
        check_text(name, "set", "name", 300)
        check_text(str(s.description or ""), f"set {name[:40]!r}", "description")
        out.append({"name": name, "description": str(s.description or ""),
                    "documents": sorted({int(d) for d in s.documents}), "codes": sorted({int(c) for c in s.codes})})
    return out


def save_sets(project: Project, sets: Sequence[ProjectSet], *, actor: str | None = None) -> None:
    """Record ``sets`` (replacing sets of the same names), in one event."""
    payload = set_payload(sets)
    if not payload:
        return
    with project.write(SETS_ACTION, actor=actor, target_type="project", target_id=project.id) as (_conn, ev):
        ev["payload"] = {"sets": payload}


def project_sets(project: Project) -> list[ProjectSet]:
    """The project's sets, newest record of each name, members that still exist."""
    ev = S.events
    with project.read() as conn:
        rows = conn.execute(
            select(ev.c.payload).where(ev.c.project_id == project.id, ev.c.action.in_((SETS_ACTION, IMPORT_ACTION)))
            .order_by(ev.c.id)
        ).scalars().all()
        docs = set(conn.execute(select(S.documents.c.id).where(S.documents.c.project_id == project.id)).scalars())
        codes = set(conn.execute(select(S.codes.c.id).where(S.codes.c.project_id == project.id)).scalars())
    found: dict[str, ProjectSet] = {}
    for payload in rows:
        for item in (payload or {}).get("sets") or []:
            try:
                name = str(item["name"])
                found.pop(name, None)  # a newer record of the name moves it to the end
                found[name] = ProjectSet(name, str(item.get("description") or ""),
                                         [int(d) for d in item.get("documents") or [] if int(d) in docs],
                                         [int(c) for c in item.get("codes") or [] if int(c) in codes])
            except (KeyError, TypeError, ValueError):
                continue  # a malformed record is not a set
    return list(found.values())
