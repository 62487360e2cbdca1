"""Rewriting a document's text in place (in-project de-identification).

A document's text is otherwise immutable; this is the one exception, allowed only
while the document has no codings (codings point into the text). The old text
must not linger: on SQLite ``secure_delete`` zeroes freed pages, and old document
names are scrubbed from earlier event payloads (the one place the append-only log
is edited: a name that identifies a participant must not outlive the change).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from ..errors import ConflictError, NotFoundError, StoreError
from ..model import Document
from ..sentences import split_sentences
from . import owned
from . import schema as S
from .values import check_document

if TYPE_CHECKING:
    from .project import Project

__all__ = ["rewrite_documents", "memo_texts", "pseudonyms", "checkpoint_wal"]


def rewrite_documents(
    project: "Project",
    changes: Sequence[tuple[int, str | None, Document]],
    *,
    action: str,
    renamed: Mapping[str, str] | None = None,
    actor: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Replace documents' name, text and turns in ONE write transaction.

    ``changes`` holds ``(document id, sha256 of the text the caller reviewed or None,
    new document)``. Refused (nothing written) when a document is gone, changed
    since it was read (ConflictError), has codings, or would take another's name.
    """
    for _did, _sha, new in changes:
        check_document(new)
    with project.write(action, actor=actor, target_type="document", payload=payload) as (conn, _ev):
        if conn.dialect.name == "sqlite":
            # Overwrite freed space with zeros: without this the old text stays in
            # the file's free pages, readable by anyone with a hex viewer. The
            # setting stays on for this pooled connection; that only costs speed.
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
        for did, expected_sha, new in changes:
            _rewrite_one(conn, project, did, expected_sha, new)
        if renamed:
            _scrub_event_names(conn, project.id, dict(renamed))


def _rewrite_one(conn: Connection, project: "Project", did: int, expected_sha: str | None, new: Document) -> None:
    row = conn.execute(
        select(S.documents.c.name, S.documents.c.text_sha256)
        .where(S.documents.c.id == did, S.documents.c.project_id == project.id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(f"document {did} was removed from the project meanwhile")
    if expected_sha and row[1] != expected_sha:
        raise ConflictError(f"{row[0]!r} changed since the review started; review it again")
    n = conn.execute(select(func.count()).select_from(S.codings).where(S.codings.c.document_id == did)).scalar_one()
    if n:
        raise StoreError(f"{row[0]!r} was coded during the review ({n} codings); its text cannot be rewritten now")
    if new.name != row[0]:
        clash = conn.execute(
            select(S.documents.c.id).where(
                S.documents.c.project_id == project.id, S.documents.c.name == new.name, S.documents.c.id != did
            )
        ).first()
        if clash:
            raise StoreError(f"the new name {new.name!r} is already used by another document; rename one first")
    _drop_derived(conn, project, did)
    conn.execute(
        update(S.documents)
        .where(S.documents.c.id == did)
        .values(
            name=new.name, text=new.text, text_sha256=hashlib.sha256(new.text.encode("utf-8")).hexdigest(),
            source_path=new.source_path, metadata=new.metadata, word_count=new.word_count,
        )
    )
    conn.execute(delete(S.segments).where(S.segments.c.document_id == did))
    if new.segments:
        conn.execute(
            insert(S.segments),
            [
                {"document_id": did, "idx": i, "start": s.start, "end": s.end, "speaker": s.speaker,
                 "timestamp": s.timestamp, "end_timestamp": s.end_timestamp, "metadata": s.meta or None}
                for i, s in enumerate(new.segments)
            ],
        )


def _drop_derived(conn: Connection, project: "Project", did: int) -> None:
    """Delete what was computed from the old text, in the rewrite's transaction:
    embeddings (hash and vector) of its turns and of the sentence groups long turns
    are split into, and suggestion decisions on its old offsets. Embeddings are a
    cache shared by the database's projects: another project holding the same text
    simply embeds it again."""
    text = conn.execute(select(S.documents.c.text).where(S.documents.c.id == did)).scalar_one()
    spans = conn.execute(select(S.segments.c.start, S.segments.c.end).where(S.segments.c.document_id == did)).all()
    pieces = {text}
    for start, end in spans:
        turn = text[start:end]
        pieces.add(turn)
        pieces.update(text[s:e] for s, e in split_sentences(turn, start))
    hashes = sorted(hashlib.sha256(t.encode("utf-8")).hexdigest() for t in pieces)
    for i in range(0, len(hashes), 500):  # stay under SQLite's bound-parameter limit
        conn.execute(delete(S.embeddings).where(S.embeddings.c.text_sha256.in_(hashes[i : i + 500])))
    owned.delete_decisions(conn, project, S.suggestion_decisions.c.document_id == did)


def _scrub_event_names(conn: Connection, project_id: int, renamed: dict[str, str]) -> None:
    rows = conn.execute(select(S.events.c.id, S.events.c.payload).where(S.events.c.project_id == project_id)).all()
    for eid, payload in rows:
        if not payload:
            continue
        raw = json.dumps(payload, ensure_ascii=False)
        if not any(old in raw for old in renamed):
            continue
        conn.execute(update(S.events).where(S.events.c.id == eid).values(payload=_rename_in(payload, renamed)))


def _rename_in(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, str):
        return renamed.get(value, value)
    if isinstance(value, list):
        return [_rename_in(v, renamed) for v in value]
    if isinstance(value, dict):
        return {k: _rename_in(v, renamed) for k, v in value.items()}
    return value


def memo_texts(project: "Project") -> list[tuple[str, int, str]]:
    """``(target type, target id, text)`` of every memo on a project, document or code."""
    with project.read() as conn:
        return [(str(t), int(i), str(x or "")) for t, i, x in conn.execute(
            select(S.memos.c.target_type, S.memos.c.target_id, S.memos.c.text).where(S.memos.c.project_id == project.id)
        ).all()]


def pseudonyms(project: "Project") -> list[str]:
    """Every participant pseudonym of the project."""
    with project.read() as conn:
        return list(conn.execute(
            select(S.participants.c.pseudonym).where(S.participants.c.project_id == project.id)
        ).scalars())


def checkpoint_wal(project: "Project") -> bool:
    """SQLite: copy the write-ahead log into the main file and truncate it; False when
    another connection was reading and the log could not be emptied."""
    raw = project.engine.raw_connection()
    try:
        busy, _log, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    return not busy
