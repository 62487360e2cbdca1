"""A project's own "never an identifier" list for de-identification.

Kept in the project's event log (``deid.never`` events, newest wins), like blind
mode: no table, no migration, and the log says when the list changed and who
changed it. What is stored is the difference from the built-in defaults
(``qualcode.deid.never``): words added and defaults taken off, so a project keeps
getting defaults added in later versions. Only an owner may change it in team mode
(the ``deid.`` actions need an owner).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..errors import ValueRefused
from . import schema as S
from .project import Project
from .values import check_text

__all__ = ["NEVER_ACTION", "set_never_changes", "never_changes"]

NEVER_ACTION = "deid.never"
_MAX_TERMS = 5000
_MAX_LEN = 200


def _clean(terms: Iterable[str], field: str) -> list[str]:
    out = list(dict.fromkeys(" ".join(str(t).split()) for t in terms))
    out = [t for t in out if t]
    if len(out) > _MAX_TERMS:
        raise ValueRefused(f"never-an-identifier list: {len(out)} {field} words; at most {_MAX_TERMS} are allowed")
    for t in out:
        check_text(t, "never-an-identifier list", f"{field} word", _MAX_LEN)
    return out


def set_never_changes(project: Project, add: Iterable[str], remove: Iterable[str], *, actor: str | None = None) -> None:
    """Record the project's changes to the default list (one transaction, one event)."""
    add, remove = _clean(add, "added"), _clean(remove, "removed")
    if never_changes(project) == (add, remove):
        return  # nothing changes: no event
    with project.write(NEVER_ACTION, actor=actor, target_type="project") as (_conn, ev):
        ev["target_id"] = int(project.id)
        ev["payload"] = {"add": add, "remove": remove}


def never_changes(project: Project) -> tuple[list[str], list[str]]:
    """``(added, removed)`` as last saved; two empty lists when never changed."""
    ev = S.events
    with project.read() as conn:
        payload = conn.execute(
            select(ev.c.payload)
            .where(ev.c.project_id == project.id, ev.c.action == NEVER_ACTION)
            .order_by(ev.c.id.desc())
            .limit(1)
        ).scalar()
    payload = payload or {}
    return [str(t) for t in payload.get("add", [])], [str(t) for t in payload.get("remove", [])]
