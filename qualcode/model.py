"""Plain data objects shared by every layer.

Offsets are Python code-point offsets, half-open ``[start, end)``, into a document's
immutable text (the REFI-QDA convention). Browsers count UTF-16 units; the conversion
happens in the UI component, never here or in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Segment",
    "Document",
    "ImportedCoding",
    "Participant",
    "Code",
    "Coding",
    "HUMAN",
    "SUGGESTION",
    "CONSENSUS",
    "IMPORTED",
    "MACHINE",
]

# Values of Coding.origin. A paper must be able to say how each coding came to be.
HUMAN = "human"
SUGGESTION = "suggestion"
CONSENSUS = "consensus"
IMPORTED = "imported"
# Applied by a trained suggester to a whole corpus, unreviewed (qualcode.batch.autocode),
# always under a coder of its own, never a person's.
MACHINE = "machine"


@dataclass(frozen=True)
class Segment:
    """One speaker turn: ``document.text[start:end]`` is exactly the turn's text."""

    start: int
    end: int
    speaker: str | None = None
    timestamp: float | None = None  # seconds from the start of the recording
    end_timestamp: float | None = None
    # What the source said about the turn beyond its words (docs/import-formats.md,
    # "Turn metadata"): a Reddit comment's score, parent turn, depth and whether the
    # original poster replied; a chat message's model and time; a CSV's mapped extra
    # columns. Flat ``{name: str | int | float | bool | None}``. Not part of equality,
    # so two readings of the same turns compare equal whatever metadata they carry.
    meta: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class ImportedCoding:
    """A code that arrived with the source file (e.g. a coded CSV utterance table).

    ``segment_index`` points at the turn it codes; the whole turn is the span.
    """

    segment_index: int
    code: str
    coder: str
    theme: str | None = None


@dataclass
class Document:
    """An imported transcript. ``text`` never changes after import."""

    name: str
    text: str
    segments: list[Segment] = field(default_factory=list)
    source_format: str = "txt"
    source_path: str | None = None
    participant: str | None = None  # participant pseudonym / id, when known
    metadata: dict[str, Any] = field(default_factory=dict)
    codings: list[ImportedCoding] = field(default_factory=list)
    # Problems the importer noticed but could work around (e.g. cp1252 fallback).
    warnings: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Raise ValueError if a segment breaks the offset invariant."""
        prev_end = 0
        for i, seg in enumerate(self.segments):
            if not (0 <= seg.start < seg.end <= len(self.text)):
                raise ValueError(f"segment {i} has offsets [{seg.start}, {seg.end}) outside the text")
            if seg.start < prev_end:
                raise ValueError(f"segment {i} overlaps the previous one")
            prev_end = seg.end

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass
class Participant:
    """A person in the study, by pseudonym, with attributes (country, age band...)."""

    pseudonym: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Code:
    """A node of the codebook tree. Themes are codes with children; ``codable=False``
    marks a theme that is only a folder."""

    name: str
    parent: str | None = None  # name of the parent code/theme, None at the top
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    colour: str | None = None  # "#rrggbb"
    source: str = ""  # citation this code follows
    codable: bool = True
    guid: str | None = None
    id: int | None = None  # store id once saved
    # A theme whose codes are alternatives is one *variable* (docs/agreement.md §2.5):
    # ``exclusive`` (each unit gets at most one of its codes), ``ordered`` (its codes
    # are ranked levels; implies exclusive). ``level`` is this code's numeric value
    # among its parent's ordered levels (None: not declared).
    exclusive: bool = False
    ordered: bool = False
    level: float | None = None


@dataclass
class Coding:
    """A code applied by a coder to ``[start, end)`` of a document."""

    document_id: int
    start: int
    end: int
    code_id: int
    coder: str
    snippet: str = ""
    origin: str = HUMAN
    origin_detail: str | None = None  # e.g. "suggest/definition+logreg 1"
    memo: str | None = None
    created_at: str | None = None
    id: int | None = None
    code_name: str | None = None
