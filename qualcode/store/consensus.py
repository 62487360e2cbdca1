"""The consensus coder's codings: the rows adjudication and majority votes write.

The decisions themselves (which spans, which detail) are made in
:mod:`qualcode.agreement.consensus`; these functions only read and write rows,
inside the caller's :meth:`Project.write` transaction, through
:mod:`qualcode.store.owned` (writing the consensus coder's codings is adjudicating
others' work: an owner's action in team mode).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..model import CONSENSUS
from . import schema as S
from .owned import delete_codings, insert_codings

if TYPE_CHECKING:
    from .project import Project

__all__ = ["coder_id", "coder_spans", "replace_in_turn", "replace_majority"]

_cod = S.codings


def coder_id(conn: Connection, project: "Project", name: str) -> int:
    """The id of coder ``name`` (created on first use)."""
    return project._coder_id(conn, name, create=True)


def _overlapping(project: "Project", document_id: int, code_id: int, start: int, end: int):
    return (_cod.c.project_id == project.id, _cod.c.document_id == document_id, _cod.c.code_id == code_id,
            _cod.c.start < end, _cod.c.end > start)


def coder_spans(conn: Connection, project: "Project", document_id: int, code_id: int, start: int, end: int,
                coders: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of ``code_id`` by ``coders`` that overlap ``[start, end)`` of the document, as stored now."""
    if not coders:
        return []
    rows = conn.execute(
        select(_cod.c.start, _cod.c.end).join(S.coders, S.coders.c.id == _cod.c.coder_id)
        .where(*_overlapping(project, document_id, code_id, start, end), S.coders.c.name.in_(list(coders)))
    ).all()
    return [(int(s), int(e)) for s, e in rows]


def _row(project: "Project", did: int, code_id: int, coder: int, s: int, e: int, text: str, detail: str | None,
         created: str, memo: str | None = None, origin: str = CONSENSUS) -> dict[str, Any]:
    return dict(project_id=project.id, document_id=did, code_id=code_id, coder_id=coder, start=s, end=e,
                snippet=text[s:e], origin=origin, origin_detail=detail, memo=memo, created_at=created)


def replace_in_turn(conn: Connection, project: "Project", *, document_id: int, code_id: int, start: int, end: int,
                    text: str, consensus_coder: str, spans: Iterable[tuple[int, int]], detail: str,
                    created: str) -> tuple[list[tuple[int, int, int]], list[dict[str, Any]], list[list[int]]]:
    """Replace the consensus coder's codings of ``code_id`` inside one turn by ``spans``.

    A consensus coding reaching beyond the turn keeps its parts outside it. Returns
    ``(written [(start, end, id)], removed rows, kept_outside [[start, end]])``.
    """
    cons_id = coder_id(conn, project, consensus_coder)
    removed = delete_codings(conn, project, *_overlapping(project, document_id, code_id, start, end),
                             _cod.c.coder_id == cons_id)
    kept_outside = []
    for r in removed:
        for s, e in ((r["start"], start), (end, r["end"])):
            if e > s and text[s:e].strip():
                insert_codings(conn, project, [_row(project, document_id, code_id, cons_id, s, e, text,
                                                    r["origin_detail"], r["created_at"], r["memo"], r["origin"])])
                kept_outside.append([s, e])
    written = []
    for s, e in spans:
        [cid] = insert_codings(conn, project, [_row(project, document_id, code_id, cons_id, s, e, text, detail, created)])
        written.append((s, e, cid))
    return written, removed, kept_outside


def replace_majority(conn: Connection, project: "Project", *, consensus_coder: str, prefix: str,
                     document_id: int | None, code_ids: Sequence[int] | None,
                     rows: Iterable[tuple[int, int, int, int, str, str]], created: str) -> tuple[int, int, int]:
    """Replace the consensus coder's earlier majority codings (``origin_detail`` starting
    with ``prefix``) in scope by ``rows`` of ``(document_id, code_id, start, end, text, detail)``.

    Other codings of the consensus coder stay, and a row identical to one of them is
    not written twice. Returns ``(consensus coder id, written, replaced)``.
    """
    cons_id = coder_id(conn, project, consensus_coder)
    scope = [_cod.c.coder_id == cons_id]
    if document_id is not None:
        scope.append(_cod.c.document_id == document_id)
    if code_ids is not None:
        scope.append(_cod.c.code_id.in_(list(code_ids)))
    replaced = delete_codings(conn, project, *scope, _cod.c.origin == CONSENSUS, _cod.c.origin_detail.like(prefix + "%"))
    existing = {tuple(r) for r in conn.execute(
        select(_cod.c.document_id, _cod.c.code_id, _cod.c.start, _cod.c.end).where(_cod.c.project_id == project.id, *scope)
    ).all()}
    new = [_row(project, did, code_id, cons_id, s, e, text, detail, created)
           for did, code_id, s, e, text, detail in rows if (did, code_id, s, e) not in existing]
    insert_codings(conn, project, new)
    return cons_id, len(new), len(replaced)

