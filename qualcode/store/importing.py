"""Row writers for imports, used inside one :meth:`Project.write` transaction.

:meth:`Project.add_documents` and the REFI-QDA project import
(:mod:`qualcode.refi.qdpx_import`) write documents, turns, coders, participants
and memos (codes: :mod:`qualcode.store.codes`) through these functions, so there is one insert of each and
every value is checked (:mod:`qualcode.store.values`) before the database sees it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from ..model import Document
from . import schema as S
from .values import check_document, check_text

if TYPE_CHECKING:
    from .project import Project

__all__ = [
    "existing_document_names",
    "next_document_position",
    "insert_document",
    "coder_id",
    "participant_id",
    "merge_participant_attributes",
    "append_memo",
    "describe_project",
]


def existing_document_names(conn: Connection, project: "Project", names: Sequence[str]) -> dict[str, int]:
    """``{name: id}`` of the project's documents among ``names``."""
    return {str(n): int(i) for n, i in conn.execute(
        select(S.documents.c.name, S.documents.c.id).where(
            S.documents.c.project_id == project.id, S.documents.c.name.in_(list(names)))
    ).all()}


def next_document_position(conn: Connection, project: "Project") -> int:
    """The interview-order position after the project's last document."""
    return int(conn.execute(select(func.coalesce(func.max(S.documents.c.position), 0))
                            .where(S.documents.c.project_id == project.id)).scalar_one()) + 1


def insert_document(conn: Connection, project: "Project", doc: Document, *, position: int, imported_at: str,
                    participant_id: int | None = None) -> int:
    """Insert one document with its turns; returns its id (codings are the caller's)."""
    check_document(doc)
    did = int(conn.execute(
        insert(S.documents).values(
            project_id=project.id, name=doc.name, text=doc.text,
            text_sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
            source_format=doc.source_format, source_path=doc.source_path, participant_id=participant_id,
            metadata=doc.metadata, word_count=doc.word_count, position=position, imported_at=imported_at,
        )
    ).inserted_primary_key[0])
    if doc.segments:
        conn.execute(insert(S.segments), [
            {"document_id": did, "idx": i, "start": s.start, "end": s.end, "speaker": s.speaker,
             "timestamp": s.timestamp, "end_timestamp": s.end_timestamp, "metadata": s.meta or None}
            for i, s in enumerate(doc.segments)
        ])
    return did


def coder_id(conn: Connection, project: "Project", name: str) -> int:
    """The id of coder ``name``, created on first use."""
    return project._coder_id(conn, name, create=True)


def participant_id(conn: Connection, project: "Project", pseudonym: str) -> int:
    """The id of participant ``pseudonym``, created on first use."""
    return project._participant_id(conn, pseudonym, create=True)


def merge_participant_attributes(conn: Connection, project: "Project", pseudonym: str,
                                 attributes: Mapping[str, Any]) -> int:
    """Create or find a participant and add ``attributes`` to theirs; returns the id."""
    pid = participant_id(conn, project, pseudonym)
    check_text(dict(attributes), f"participant {pseudonym[:40]!r}", "attributes")
    old = conn.execute(select(S.participants.c.attributes).where(S.participants.c.id == pid)).scalar() or {}
    conn.execute(update(S.participants).where(S.participants.c.id == pid).values(attributes={**old, **attributes}))
    return pid


def append_memo(conn: Connection, project: "Project", target_type: str, target_id: int, text: str, ts: str,
                *, coder_id: int | None = None, created_at: str | None = None) -> None:
    """Write a memo; one already there keeps its text and the new one follows it.

    ``coder_id`` and ``created_at`` (a new memo's author and date, e.g. a REFI-QDA
    note's ``creatingUser`` and ``creationDateTime``) default to none and ``ts``.
    """
    check_text(text, f"{target_type} {target_id}", "memo")
    row = conn.execute(select(S.memos.c.id, S.memos.c.text, S.memos.c.version).where(
        S.memos.c.project_id == project.id, S.memos.c.target_type == target_type, S.memos.c.target_id == target_id)
        .with_for_update()).first()
    if row:
        conn.execute(update(S.memos).where(S.memos.c.id == row[0]).values(
            text=f"{row[1]}\n\n{text}", updated_at=ts, version=row[2] + 1))
    else:
        conn.execute(insert(S.memos).values(project_id=project.id, target_type=target_type, target_id=target_id,
                                            coder_id=coder_id, text=text, created_at=created_at or ts, updated_at=ts,
                                            version=1))


def describe_project(conn: Connection, project: "Project", text: str) -> bool:
    """Give the project the description ``text`` if it has none; False when it has one
    already (the caller keeps ``text`` elsewhere, e.g. in the project memo)."""
    check_text(text, "project", "description")
    current = conn.execute(select(S.projects.c.description).where(S.projects.c.id == project.id)).scalar()
    if (current or "").strip():
        return current.strip() == text.strip()
    conn.execute(update(S.projects).where(S.projects.c.id == project.id).values(description=text))
    return True
