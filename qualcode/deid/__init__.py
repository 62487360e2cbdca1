"""De-identification of transcripts: find identifiers, review, replace consistently.

Interview transcripts name participants, family, therapists, towns, employers,
e-mails and phone numbers; ethics approvals require them removed before analysis.
This package proposes every likely identifier (spaCy entities, patterns, cue
phrases and the project's list of known names), lets the user accept, reject or
add spans, and produces NEW documents whose text has each identifier replaced by
a consistent placeholder (``[PERSON 1]``, ``[PLACE 2]``, ``[EMAIL]`` ...) with
segments re-mapped exactly. The key (original -> placeholder) is never stored in
the project; the caller saves it to a file the user chose, or discards it.

Typical use::

    from qualcode.deid import deidentify_documents, load_known_names
    result = deidentify_documents(docs, known_names="names.csv")
    project.add_documents(result.documents)
    result.key.save("key.csv")   # or not: then the key is gone

    review = review_project_documents(project, ["P01"], known=load_known_names("names.csv"))
    review.documents[0].proposals[3].accepted = False
    review.add_span(0, "Auntie Bisi", "person")
    result = apply_review_to_project(project, review)

See docs/deidentification.md for the rules (name variants, speaker labels).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import Document
from .inproject import project_never_terms, save_never_terms
from .never import DEFAULT_NEVER, never_terms
from .inproject import apply_review_to_project, checkpoint, deidentify_project_documents, review_project_documents
from .key import STYLES, Key
from .kinds import DEFAULT_KINDS, KINDS, LABELS, parse_kinds
from .names import KnownName, KnownNames, load_known_names
from .ner import load_nlp
from .detect import propose
from .review import DeidResult, DocumentReview, Proposal, Review

__all__ = [
    "deidentify_documents",
    "propose",
    "Review",
    "DocumentReview",
    "Proposal",
    "DeidResult",
    "Key",
    "KnownName",
    "KnownNames",
    "load_known_names",
    "review_project_documents",
    "apply_review_to_project",
    "deidentify_project_documents",
    "project_never_terms",
    "save_never_terms",
    "DEFAULT_NEVER",
    "never_terms",
    "checkpoint",
    "load_nlp",
    "parse_kinds",
    "KINDS",
    "DEFAULT_KINDS",
    "LABELS",
    "STYLES",
]


def deidentify_documents(
    docs: Sequence[Document],
    *,
    known_names: KnownNames | str | Path | None = None,
    kinds: Iterable[str] | str | None = None,
    style: str = "label",
    key: Key | str | Path | None = None,
    nlp: Any = None,
    use_ner: bool = True,
) -> DeidResult:
    """De-identify documents before import, accepting every proposal.

    ``known_names``: a :class:`KnownNames` or the path of a known-names file.
    ``kinds``: what to remove, as kind names or ``"person,place,..."`` (default:
    everything but dates). ``style``: ``"label"`` (``[PERSON 1]``) or
    ``"pseudonym"`` (realistic first names for people). ``key``: a key (or the
    path of a saved key) to continue, so placeholders match an earlier import.

    Returns a :class:`DeidResult`: ``documents`` (new Document objects; the
    inputs are untouched), ``key`` (save it with ``result.key.save(path)`` or let
    it go), ``renamed`` (old -> new document names, for names that held an
    identifier) and ``summary()`` (a line without any original text).
    """
    known = known_names if isinstance(known_names, KnownNames) or known_names is None else load_known_names(known_names)
    if isinstance(kinds, str) or kinds is None:
        kinds = parse_kinds(kinds)
    if key is not None and not isinstance(key, Key):
        key = Key.load(key, style=style)
    review = propose(docs, kinds=kinds, known=known, key=key, style=style, nlp=nlp, use_ner=use_ner)
    return review.apply()
