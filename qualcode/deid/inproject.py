"""De-identifying documents that are already in a project.

Only documents without codings can be changed (a coding's offsets and snippet
point into the old text). The new text replaces the old in ONE transaction that
keeps the document's id, position, participant link and memos; on SQLite it runs
with ``PRAGMA secure_delete=ON`` so the old text's bytes are overwritten rather
than left in free pages, and the write-ahead log is checkpointed and truncated
afterwards, so the original text survives nowhere in the project file.

We do not use ``Project.add_documents(..., replace=True)`` here: it deletes and
re-inserts, which gives the document a new id and position, orphans memos on it,
matches by name (a de-identified name is a new name) and runs without
secure_delete.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from ..errors import ConflictError, NotFoundError, StoreError
from ..store import Project
from ..store import schema as S
from .key import Key
from .kinds import DEFAULT_KINDS
from .lexicon import fold
from .names import KnownNames
from .detect import propose
from .review import DeidResult, Review

__all__ = ["review_project_documents", "apply_review_to_project", "deidentify_project_documents", "DEIDENTIFY_ACTION"]

log = logging.getLogger(__name__)

DEIDENTIFY_ACTION = "documents.deidentify"


def _resolve_refs(project: Project, refs: Iterable[int | str]) -> list[int]:
    infos = project.documents()
    by_id = {d.id: d for d in infos}
    by_name = {d.name: d for d in infos}
    ids: list[int] = []
    for ref in refs:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit() and ref not in by_name):
            info = by_id.get(int(ref))
        else:
            info = by_name.get(ref)
        if info is None:
            raise NotFoundError(f"no document {ref!r} in this project")
        if info.id not in ids:
            ids.append(info.id)
    coded = [by_id[i] for i in ids if by_id[i].codings]
    if coded:
        listing = ", ".join(f"{d.name!r} ({d.codings} codings)" for d in coded)
        raise StoreError(
            f"cannot de-identify documents that are already coded: {listing}. "
            "De-identify before coding (codings point into the old text), or remove their codings first"
        )
    return ids


def review_project_documents(
    project: Project,
    refs: Iterable[int | str],
    *,
    kinds: Iterable[str] = DEFAULT_KINDS,
    known: KnownNames | None = None,
    key: Key | None = None,
    style: str = "label",
    nlp: Any = None,
    use_ner: bool = True,
) -> Review:
    """Propose identifiers in project documents (by id or name) for review.

    Raises StoreError naming every document that already has codings.
    Placeholders continue after any already in the project (``[PERSON 4]`` when a
    document de-identified earlier has ``[PERSON 3]``), so two runs without a
    saved key never give two people the same placeholder.
    """
    ids = _resolve_refs(project, refs)
    docs = [project.document(i)[1] for i in ids]
    start_key = key.copy() if key is not None else Key(style)
    others = [d.id for d in project.documents() if d.id not in ids]
    start_key.reserve_numbers(project.document(i)[1].text for i in others)
    review = propose(docs, kinds=kinds, known=known, key=start_key, style=style, nlp=nlp, use_ner=use_ner, refs=ids)
    for dr in review.documents:
        dr.text_sha256 = hashlib.sha256(dr.document.text.encode("utf-8")).hexdigest()
    return review


def apply_review_to_project(project: Project, review: Review, *, actor: str | None = None) -> DeidResult:
    """Replace the reviewed documents' text in the project with the de-identified
    text, in one transaction; return the result (with the key, which is NOT stored).

    Refuses (ConflictError) when a document changed since the review, and
    (StoreError) when one gained codings meanwhile; then nothing is written.
    """
    if any(dr.ref is None for dr in review.documents):
        raise StoreError("these documents are not in the project; import them instead")
    result = review.apply()
    ids = [int(dr.ref) for dr in review.documents]  # type: ignore[arg-type]
    with project.write(DEIDENTIFY_ACTION, actor=actor, target_type="document") as (conn, ev):
        if conn.dialect.name == "sqlite":
            # Overwrite freed space with zeros: without this the old text stays in
            # the file's free pages, readable by anyone with a hex viewer. The
            # setting stays on for this pooled connection; that only costs speed.
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
        for dr, new, did in zip(review.documents, result.documents, ids):
            row = conn.execute(
                select(S.documents.c.name, S.documents.c.text_sha256).where(
                    S.documents.c.id == did, S.documents.c.project_id == project.id
                )
            ).first()
            if row is None:
                raise NotFoundError(f"document {did} was removed from the project during the review")
            if dr.text_sha256 and row[1] != dr.text_sha256:
                raise ConflictError(f"{row[0]!r} changed since the review started; review it again")
            n = conn.execute(select(func.count()).select_from(S.codings).where(S.codings.c.document_id == did)).scalar_one()
            if n:
                raise StoreError(f"{row[0]!r} was coded during the review ({n} codings); it cannot be de-identified now")
            if new.name != row[0]:
                clash = conn.execute(
                    select(S.documents.c.id).where(
                        S.documents.c.project_id == project.id, S.documents.c.name == new.name, S.documents.c.id != did
                    )
                ).first()
                if clash:
                    raise StoreError(f"de-identified name {new.name!r} is already used by another document; rename one first")
            conn.execute(
                update(S.documents)
                .where(S.documents.c.id == did)
                .values(
                    name=new.name,
                    text=new.text,
                    text_sha256=hashlib.sha256(new.text.encode("utf-8")).hexdigest(),
                    source_path=new.source_path,
                    metadata=new.metadata,
                    word_count=new.word_count,
                )
            )
            conn.execute(delete(S.segments).where(S.segments.c.document_id == did))
            if new.segments:
                conn.execute(
                    insert(S.segments),
                    [
                        {"document_id": did, "idx": i, "start": s.start, "end": s.end, "speaker": s.speaker,
                         "timestamp": s.timestamp, "end_timestamp": s.end_timestamp}
                        for i, s in enumerate(new.segments)
                    ],
                )
        if result.renamed:
            _scrub_event_names(conn, project.id, result.renamed)
        # Counts only: the event log must never carry the text that was removed.
        ev["payload"] = {"document_ids": ids, "replacements": result.counts, "renamed": len(result.renamed)}
    result.warnings.extend(_leftovers(project, result))
    if project.engine.dialect.name == "sqlite":
        result.warnings.extend(checkpoint(project))
    else:
        result.warnings.append(
            "this database server may keep the old text in dead rows until it is vacuumed; ask its administrator "
            "to run VACUUM (PostgreSQL) on the documents and segments tables"
        )
    log.info("de-identified %d document(s): %s", len(ids), result.counts)
    return result


def _scrub_event_names(conn: Any, project_id: int, renamed: dict[str, str]) -> None:
    """Replace old document names in earlier event payloads (the import event lists
    them). The one place the append-only log is edited: a name that identifies a
    participant must not outlive the de-identification in the history."""
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


def _leftovers(project: Project, result: DeidResult) -> list[str]:
    """Warn (without quoting) about removed identifiers still written elsewhere in
    the project: memos, participant pseudonyms."""
    originals = {fold(o) for e in result.key.entries.values() for o in e.originals if len(o) >= 3}
    if not originals:
        return []
    out = []
    with project.read() as conn:
        memos = conn.execute(
            select(S.memos.c.target_type, S.memos.c.target_id, S.memos.c.text).where(S.memos.c.project_id == project.id)
        ).all()
        pseudonyms = conn.execute(select(S.participants.c.pseudonym).where(S.participants.c.project_id == project.id)).scalars().all()
    for target_type, target_id, text in memos:
        folded = fold(text or "")
        n = sum(1 for o in originals if o in folded)
        if n:
            out.append(f"the memo on {target_type} {target_id} mentions {n} removed identifier(s); edit it by hand")
    for p in pseudonyms:
        if fold(p) in originals:
            out.append("a participant's pseudonym is one of the removed names; rename the participant")
    return out


def checkpoint(project: Project) -> list[str]:
    """Copy the write-ahead log into the main file and truncate it to zero bytes.

    Returns a warning when another connection (the app, a second terminal) is
    reading and the log could not be emptied: the old text then lingers in the
    ``-wal`` file until the next checkpoint.
    """
    raw = project.engine.raw_connection()
    try:
        busy, _log, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    if busy:
        return [
            "another program is reading the project, so its write-ahead log (-wal file) could not be emptied; "
            "close the other programs and run `qualcode deidentify --checkpoint` (or reopen the project) "
            "so the old text is overwritten"
        ]
    return []


def deidentify_project_documents(
    project: Project,
    refs: Sequence[int | str],
    *,
    kinds: Iterable[str] = DEFAULT_KINDS,
    known: KnownNames | None = None,
    key: Key | None = None,
    style: str = "label",
    actor: str | None = None,
    nlp: Any = None,
    use_ner: bool = True,
) -> DeidResult:
    """Propose, accept everything, and apply (the command line's path)."""
    review = review_project_documents(
        project, refs, kinds=kinds, known=known, key=key, style=style, nlp=nlp, use_ner=use_ner
    )
    return apply_review_to_project(project, review, actor=actor)
