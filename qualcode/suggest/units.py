"""Excerpt units: what suggestions and themes are made for.

A unit is a speaker turn, or a sentence group inside a long turn (a 400-word answer
usually holds several codable ideas, and one vector for all of it blurs them).
Every unit keeps exact offsets into its document, so accepting a suggestion codes
exactly the text the researcher saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Coding
from ..sentences import split_sentences, word_count  # split_sentences re-exported: units split long turns

__all__ = ["PARTICIPANT_ROLES", "Unit", "coded_documents", "document_languages", "embedder_for", "label_units",
           "language_split", "model_note", "project_units", "split_sentences"]

# The default of suggestions and themes: the turns of people studied (an interview's
# participant, a chat log's user), not the interviewer's questions nor the chatbot's
# replies. Pass ``roles=None`` (or name ``speakers``) for every turn.
PARTICIPANT_ROLES = ("participant", "user")

# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) and whitespace.


@dataclass(frozen=True)
class Unit:
    """One excerpt that can receive codes; ``prev_text``/``next_text`` are the turns
    around its turn (context), empty at a document's start or end."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    speaker: str | None
    segment_index: int
    participant: str | None = None
    prev_text: str = ""
    prev_speaker: str | None = None
    next_text: str = ""

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.document_id, self.start, self.end)


def project_units(
    project,
    *,
    documents: Iterable[int] | None = None,
    speakers: Sequence[str] | None = None,
    split_long: int | None = 120,
    roles: Sequence[str] | None = None,
) -> list[Unit]:
    """The units of a project's documents, in interview order.

    ``speakers`` keeps only turns by those speakers (e.g. participants, not the
    interviewer); matching is case-insensitive. Without ``speakers``, ``roles`` keeps
    only turns whose speaker has one of those roles (e.g. :data:`PARTICIPANT_ROLES`),
    as confirmed for the project or detected from the label
    (:func:`qualcode.ingest.roles.project_roles`); a turn without a speaker label is a
    participant's. Turns longer than ``split_long`` words are split into sentence
    groups; ``None`` keeps whole turns (what a turn-coded gold standard like AnnoMI needs).
    """
    wanted = {s.casefold() for s in speakers} if speakers else None
    if wanted is None and roles is not None:
        from ..ingest.roles import project_roles

        keep_roles = set(roles)
        labels = [str(label) for label in project.speakers()]
        wanted = {label.casefold() for label, role in project_roles(project, labels).items() if role in keep_roles}
        if "participant" in keep_roles:
            wanted.add("")  # no label: taken as a participant's turn
    infos = project.documents()
    if documents is not None:
        keep = set(documents)
        infos = [d for d in infos if d.id in keep]
    units: list[Unit] = []
    for info in infos:
        did, doc = project.document(info.id)
        prev_text, prev_speaker = "", None
        turns = [doc.text[s.start : s.end] for s in doc.segments]
        for idx, seg in enumerate(doc.segments):
            text = turns[idx]
            next_text = turns[idx + 1] if idx + 1 < len(turns) else ""
            if wanted is None or (seg.speaker or "").casefold() in wanted:
                if split_long and word_count(text) > split_long:
                    spans = split_sentences(text, seg.start)
                else:
                    spans = [(seg.start, seg.end)]
                for s, e in spans:
                    if doc.text[s:e].strip():
                        units.append(
                            Unit(did, doc.name, s, e, doc.text[s:e], seg.speaker, idx, info.participant,
                                 prev_text, prev_speaker, next_text)
                        )
            prev_text, prev_speaker = text, seg.speaker
    return units


def _overlaps(unit: Unit, coding: Coding) -> bool:
    # A unit carries a code when the coding covers most of the unit or the unit holds
    # most of the coding: a coded sentence marks its turn, a coded turn its sentences.
    inter = min(unit.end, coding.end) - max(unit.start, coding.start)
    return inter > 0 and inter >= 0.5 * min(unit.end - unit.start, coding.end - coding.start)


def coded_documents(codings: Iterable[Coding]) -> set[int]:
    """Documents in which the coder applied at least one code.

    Units of those documents without a code count as "not this code" when training;
    documents the coder has not started on are unlabelled.
    """
    return {c.document_id for c in codings}


def label_units(units: Sequence[Unit], codings: Sequence[Coding], code_ids: Sequence[int]) -> np.ndarray:
    """Boolean matrix ``[unit, code]``: does any of ``codings`` put that code on the unit?"""
    col = {cid: j for j, cid in enumerate(code_ids)}
    by_doc: dict[int, list[Coding]] = {}
    for c in codings:
        if c.code_id in col:
            by_doc.setdefault(c.document_id, []).append(c)
    Y = np.zeros((len(units), len(code_ids)), dtype=bool)
    for i, u in enumerate(units):
        for c in by_doc.get(u.document_id, ()):
            if c.end > u.start and c.start < u.end and _overlaps(u, c):
                Y[i, col[c.code_id]] = True
    return Y


def document_languages(project, documents: Iterable[int] | None = None) -> dict[int, str]:
    """The language detected at import of each transcript that has one, by id."""
    wanted = set(documents) if documents is not None else None
    found: dict[int, str] = {}
    for info in project.documents():
        if wanted is None or info.id in wanted:
            lang = project.document(info.id)[1].metadata.get("language")
            if isinstance(lang, str) and lang:
                found[info.id] = lang
    return found


def embedder_for(project, documents: Iterable[int] | None = None, embedder=None):
    """The sentence model for suggestions and themes over these transcripts.

    ``embedder`` when given. Otherwise the configured model (all-MiniLM-L6-v2, or
    ``QUALCODE_EMBEDDING_MODEL`` when set: the researcher's choice is kept), unless some
    transcript is not in English and the multilingual model
    (:mod:`qualcode.embed.multilingual`) is installed: then the multilingual model, for
    all of them, so every excerpt is compared in one vector space (an English coding can
    teach a code for Chinese turns). Transcripts in a language it was not trained on are
    left out by :func:`language_split`, which names them.
    """
    import os

    from ..embed import MODEL_ENV, get_embedder
    from ..embed.multilingual import MULTILINGUAL, multilingual_available
    from ..ingest.language import MODEL_LANGUAGES

    if embedder is not None:
        return embedder
    if os.environ.get(MODEL_ENV):
        return get_embedder()
    if set(document_languages(project, documents).values()) - MODEL_LANGUAGES and multilingual_available():
        return get_embedder(MULTILINGUAL)
    return get_embedder()


def model_note(what: str, embedder, languages: dict[int, str]) -> str:
    """One line saying that ``what`` uses the multilingual model and why ("" when it does not)."""
    from ..embed.multilingual import MULTILINGUAL
    from ..ingest.language import MODEL_LANGUAGES, language_name

    if getattr(embedder, "name", None) != MULTILINGUAL:
        return ""
    other = sorted({lang for lang in languages.values() if lang not in MODEL_LANGUAGES})
    named = ", ".join(language_name(lang) for lang in other[:3]) + (" and more" if len(other) > 3 else "")
    return (f"{what.capitalize()} use the multilingual sentence model ({MULTILINGUAL}) because some transcripts "
            f"are not in English ({named}).")


def language_split(project, documents: Iterable[int] | None = None,
                   languages: Iterable[str] | None = None) -> tuple[list[int], list[tuple[int, str, str]]]:
    """``(ids the model can read, [(id, name, language)] of those it cannot))``.

    A transcript is left out when the language detected at import
    (``metadata["language"]``, :mod:`qualcode.ingest.language`) is not one of
    ``languages`` (default: the shipped model's, English). A transcript with no
    detected language (too short, or imported before detection) is kept.
    """
    from ..ingest.language import MODEL_LANGUAGES

    readable = set(languages) if languages is not None else set(MODEL_LANGUAGES)
    wanted = set(documents) if documents is not None else None
    keep: list[int] = []
    refused: list[tuple[int, str, str]] = []
    for info in project.documents():
        if wanted is not None and info.id not in wanted:
            continue
        lang = project.document(info.id)[1].metadata.get("language")
        if isinstance(lang, str) and lang and lang not in readable:
            refused.append((info.id, info.name, lang))
        else:
            keep.append(info.id)
    return keep, refused
