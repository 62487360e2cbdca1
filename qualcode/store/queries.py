"""Read-only queries the coding workspace needs beyond :class:`~qualcode.store.Project`.

Plain functions over ``project.read()`` and the schema tables, so the Project class
stays small. They return plain data (dicts, dataclasses), never ORM rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, distinct, func, select

from . import schema as S
from .blind import visible_codings
from .project import Project

__all__ = ["exchange_rows", "recent_codes", "visible_codings", "turn_coverage", "code_counts", "coding_counts_by_document", "document_languages", "code_examples", "code_versions", "code_parents", "SearchHit", "search_documents"]


def recent_codes(project: Project, coder: str, *, limit: int = 5) -> list[int]:
    """The codes ``coder`` applied most recently, newest first (the workspace's
    one-click "recent codes"). Read from the coder's own codings, so it survives a
    reload and never reveals what another coder used."""
    cod = S.codings
    with project.read() as conn:
        q = (
            select(cod.c.code_id, func.max(cod.c.id).label("last"))
            .join(S.coders, S.coders.c.id == cod.c.coder_id)
            .where(cod.c.project_id == project.id, S.coders.c.name == coder)
            .group_by(cod.c.code_id)
            .order_by(func.max(cod.c.id).desc())
            .limit(limit)
        )
        return [int(c) for c, _ in conn.execute(q).all()]


def turn_coverage(project: Project, coders: Sequence[str] | None = None) -> dict[int, int]:
    """Per document id: how many turns (segments) overlap at least one coding.

    Restricted to codings by ``coders`` when given (e.g. the current coder, to
    show their progress). Documents with no coded turn are absent.
    """
    seg, cod = S.segments, S.codings
    with project.read() as conn:
        q = (
            select(seg.c.document_id, func.count(distinct(seg.c.id)))
            .join(cod, and_(cod.c.document_id == seg.c.document_id, cod.c.start < seg.c.end, cod.c.end > seg.c.start))
            .where(cod.c.project_id == project.id)
            .group_by(seg.c.document_id)
        )
        if coders is not None:
            q = q.join(S.coders, S.coders.c.id == cod.c.coder_id).where(S.coders.c.name.in_(list(coders)))
        return {int(d): int(n) for d, n in conn.execute(q).all()}


def code_counts(project: Project, coders: Sequence[str] | None = None) -> dict[int, int]:
    """Number of codings per code id (codes never applied are absent)."""
    cod = S.codings
    with project.read() as conn:
        q = select(cod.c.code_id, func.count()).where(cod.c.project_id == project.id).group_by(cod.c.code_id)
        if coders is not None:
            q = q.join(S.coders, S.coders.c.id == cod.c.coder_id).where(S.coders.c.name.in_(list(coders)))
        return {int(c): int(n) for c, n in conn.execute(q).all()}


def coding_counts_by_document(project: Project, coders: Sequence[str] | None = None) -> dict[int, int]:
    """Number of codings per document id, optionally only those by ``coders``."""
    cod = S.codings
    with project.read() as conn:
        q = select(cod.c.document_id, func.count()).where(cod.c.project_id == project.id).group_by(cod.c.document_id)
        if coders is not None:
            q = q.join(S.coders, S.coders.c.id == cod.c.coder_id).where(S.coders.c.name.in_(list(coders)))
        return {int(d): int(n) for d, n in conn.execute(q).all()}


def code_examples(
    project: Project, code_id: int, *, limit: int = 3, coders: Sequence[str] | None = None
) -> list[tuple[str, str, str]]:
    """Up to ``limit`` excerpts coded with a code: ``(document name, coder, snippet)``."""
    cod = S.codings
    with project.read() as conn:
        q = (
            select(S.documents.c.name, S.coders.c.name, cod.c.snippet)
            .join(S.documents, S.documents.c.id == cod.c.document_id)
            .join(S.coders, S.coders.c.id == cod.c.coder_id)
            .where(cod.c.project_id == project.id, cod.c.code_id == code_id)
            .order_by(S.documents.c.position, cod.c.start)
            .limit(limit)
        )
        if coders is not None:
            q = q.where(S.coders.c.name.in_(list(coders)))
        return [(str(d), str(c), str(s)) for d, c, s in conn.execute(q).all()]


def code_versions(project: Project) -> dict[int, int]:
    """Each code's edit version (what codebook edits pass as ``expected_version``)."""
    with project.read() as conn:
        rows = conn.execute(select(S.codes.c.id, S.codes.c.version).where(S.codes.c.project_id == project.id)).all()
    return {int(i): int(v) for i, v in rows}


@dataclass(frozen=True)
class SearchHit:
    """One keyword match: where it is and a little text either side."""

    document_id: int
    document: str
    start: int
    end: int
    before: str
    match: str
    after: str


def code_parents(project: Project) -> dict[int, int | None]:
    """Code id -> its parent's id (None at the top): the tree exactly, where names may repeat."""
    with project.read() as conn:
        rows = conn.execute(select(S.codes.c.id, S.codes.c.parent_id).where(S.codes.c.project_id == project.id)).all()
    return {int(i): (int(p) if p is not None else None) for i, p in rows}


def search_documents(project: Project, query: str, *, context: int = 60, limit: int = 2000) -> list[SearchHit]:
    """Case-insensitive substring search over every document's text.

    Offsets are code points into the document text. Matching runs on the original
    text (``re.IGNORECASE`` on an escaped pattern), not on ``text.lower()``, because
    lower-casing can change a string's length (e.g. "İ") and shift every offset.
    Stops after ``limit`` hits.
    """
    query = query.strip()
    if not query:
        return []
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    hits: list[SearchHit] = []
    with project.read() as conn:
        rows = conn.execute(
            select(S.documents.c.id, S.documents.c.name, S.documents.c.text)
            .where(S.documents.c.project_id == project.id)
            .order_by(S.documents.c.position, S.documents.c.id)
        ).all()
    for did, name, text in rows:
        for m in pattern.finditer(text):
            a, b = m.span()
            hits.append(
                SearchHit(
                    int(did), str(name), a, b,
                    _squash(text[max(0, a - context) : a]), text[a:b], _squash(text[b : b + context]),
                )
            )
            if len(hits) >= limit:
                return hits
    return hits


def _squash(s: str) -> str:
    # Context is shown on one line; turn breaks become a visible separator.
    return re.sub(r"\s*\n\s*", " ⏎ ", s)


def exchange_rows(project: Project):
    """What a REFI-QDA export needs beyond the Project API, read in one snapshot:
    ``(project description and creation date, documents with metadata, import date and
    participant, memos with their authors)``."""
    with project.read() as conn:
        prow = conn.execute(select(S.projects.c.description, S.projects.c.created_at).where(S.projects.c.id == project.id)).first()
        docs = conn.execute(
            select(S.documents.c.id, S.documents.c.name, S.documents.c.text, S.documents.c.metadata,
                   S.documents.c.imported_at, S.participants.c.pseudonym)
            .select_from(S.documents.outerjoin(S.participants, S.participants.c.id == S.documents.c.participant_id))
            .where(S.documents.c.project_id == project.id)
            .order_by(S.documents.c.position, S.documents.c.id)
        ).all()
        memos = conn.execute(
            select(S.memos.c.target_type, S.memos.c.target_id, S.memos.c.text, S.memos.c.created_at,
                   S.memos.c.updated_at, S.coders.c.name)
            .select_from(S.memos.outerjoin(S.coders, S.coders.c.id == S.memos.c.coder_id))
            .where(S.memos.c.project_id == project.id)
            .order_by(S.memos.c.id)
        ).all()
    return prow, docs, memos


def document_languages(project: Project) -> dict[int, str]:
    """Per document id: the language detected at import (``metadata["language"]``,
    ISO 639-1). Documents without one are absent."""
    with project.read() as conn:
        rows = conn.execute(select(S.documents.c.id, S.documents.c.metadata)
                            .where(S.documents.c.project_id == project.id)).all()
    return {int(i): str(m["language"]) for i, m in rows if isinstance(m, dict) and isinstance(m.get("language"), str)}
