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
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import NotFoundError, StoreError
from ..store import Project
from ..store.rewrite import checkpoint_wal, memo_texts, pseudonyms, rewrite_documents
from .key import Key
from .kinds import DEFAULT_KINDS
from .lexicon import fold
from .names import KnownNames
from .detect import propose
from .review import DeidResult, Review

__all__ = ["project_never_terms", "save_never_terms", "review_project_documents", "apply_review_to_project", "deidentify_project_documents", "DEIDENTIFY_ACTION"]

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


def project_never_terms(project: Project) -> list[str]:
    """The project's "never an identifier" list: the defaults with its own changes."""
    from ..store.deid_settings import never_changes
    from .never import never_terms

    add, remove = never_changes(project)
    return never_terms(add, remove)


def save_never_terms(project: Project, terms: Iterable[str], *, actor: str | None = None) -> tuple[int, int]:
    """Save ``terms`` as the project's list; returns (words added to, defaults taken
    off) the built-in list. Stored as the difference, so later defaults still apply."""
    from ..store.deid_settings import set_never_changes
    from .never import DEFAULT_NEVER

    wanted = {fold(" ".join(t.split())): " ".join(t.split()) for t in terms if t.strip()}
    defaults = {fold(t): t for t in DEFAULT_NEVER}
    add = [t for k, t in wanted.items() if k not in defaults]
    remove = [t for k, t in defaults.items() if k not in wanted]
    set_never_changes(project, add, remove, actor=actor)
    return len(add), len(remove)


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
    never: Iterable[str] | None = None,
) -> Review:
    """Propose identifiers in project documents (by id or name) for review.

    ``never``: what is never an identifier (default: the project's own list,
    :func:`project_never_terms`).

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
    if never is None:
        never = project_never_terms(project)
    review = propose(
        docs, kinds=kinds, known=known, key=start_key, style=style, nlp=nlp, use_ner=use_ner, refs=ids, never=never
    )
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
    changes = [(did, dr.text_sha256 or None, new) for dr, new, did in zip(review.documents, result.documents, ids)]
    # Counts only: the event log must never carry the text that was removed.
    rewrite_documents(project, changes, action=DEIDENTIFY_ACTION, renamed=result.renamed, actor=actor,
                      payload={"document_ids": ids, "replacements": result.counts, "renamed": len(result.renamed)})
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


def _leftovers(project: Project, result: DeidResult) -> list[str]:
    """Warn (without quoting) about removed identifiers still written elsewhere in
    the project: memos, participant pseudonyms."""
    originals = {fold(o) for e in result.key.entries.values() for o in e.originals if len(o) >= 3}
    if not originals:
        return []
    out = []
    for target_type, target_id, text in memo_texts(project):
        folded = fold(text or "")
        n = sum(1 for o in originals if o in folded)
        if n:
            out.append(f"the memo on {target_type} {target_id} mentions {n} removed identifier(s); edit it by hand")
    for p in pseudonyms(project):
        if fold(p) in originals:
            out.append("a participant's pseudonym is one of the removed names; rename the participant")
    return out


def checkpoint(project: Project) -> list[str]:
    """Copy the write-ahead log into the main file and truncate it to zero bytes.

    Returns a warning when another connection (the app, a second terminal) is
    reading and the log could not be emptied: the old text then lingers in the
    ``-wal`` file until the next checkpoint.
    """
    if not checkpoint_wal(project):
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
