"""Rows of the ``suggestion_decisions`` table: what each coder did with a suggestion.

A decision is the coder's own, like a coding: :func:`record_decision` goes through
:mod:`qualcode.store.owned`, so in team mode a coder records only their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from . import schema as S
from ._util import now_iso
from .owned import insert_decision

if TYPE_CHECKING:
    from .project import Project

__all__ = ["record_decision", "decision_rows"]


def record_decision(conn: Connection, project: "Project", *, document_id: int, start: int, end: int, code_id: int,
                    decision: str, coder: str, suggester: str, version: str, score: float | None) -> None:
    """Insert one decision inside the caller's :meth:`Project.write` transaction."""
    insert_decision(conn, project, dict(
        project_id=project.id, document_id=document_id, start=start, end=end, code_id=code_id,
        decision=decision, coder=coder, suggester=suggester, suggester_version=version,
        score=None if score is None else float(score), at=now_iso(),
    ))


def decision_rows(project: "Project", *, coder: str | None = None, kinds: Iterable[str]) -> list[dict[str, Any]]:
    """Recorded decisions as plain dicts, oldest first (optionally one coder's)."""
    t = S.suggestion_decisions
    q = select(t).where(t.c.project_id == project.id, t.c.decision.in_(list(kinds))).order_by(t.c.id)
    if coder is not None:
        q = q.where(t.c.coder == coder)
    with project.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
