"""Proposals, the user's decisions on them, and the de-identified documents.

:func:`~qualcode.deid.detect.propose` finds candidate identifiers in a batch of documents and returns a
:class:`Review`: per document, non-overlapping :class:`Proposal` s, all accepted to
start with. The user rejects some, adds missed spans (:meth:`Review.add_span`),
then :meth:`Review.apply` returns NEW documents (the originals are never changed)
plus the :class:`~qualcode.deid.key.Key`.

Speaker labels are handled as whole units: when a turn's label is a real name it
is replaced everywhere in the document, in the text and in ``Segment.speaker``,
by the person's pseudonym (see :meth:`Review.resolve`), never partly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import DeidError
from ..model import Document, Segment
from .key import Key, speaker_form
from .kinds import DEFAULT_KINDS, KINDS
from .lexicon import fold, name_tokens, significant_tokens
from .names import KnownNames, entity_id, resolve_people
from .rewrite import Scrubber, rewrite
from .spans import WORD_L, WORD_R, Proposal, clip_to_regions, is_role_label, merge, speaker_labels

__all__ = ["Proposal", "DocumentReview", "Review", "DeidResult", "Edit"]

_L, _R = WORD_L, WORD_R


@dataclass
class DocumentReview:
    """One document under review. ``ref`` is its store id when it is in a project."""

    document: Document
    proposals: list[Proposal] = field(default_factory=list)
    ref: int | None = None
    text_sha256: str | None = None
    not_english: bool = False  # detection is English-only: the user is warned
    quasi: object = None  # a quasi.QuasiFlag: occupation + age + place (flagged, never replaced)

    def context(self, index: int, width: int = 50) -> str:
        """The proposal in its surroundings, on one line: ``…before ⟦span⟧ after…``."""
        p = self.proposals[index]
        text = self.document.text
        left = text[max(0, p.start - width) : p.start]
        right = text[p.end : p.end + width]
        one = lambda s: " ".join(s.split())  # noqa: E731 - newlines would break the table row
        return f"{'…' if p.start > width else ''}{one(left)} ⟦{p.text}⟧ {one(right)}{'…' if p.end + width < len(text) else ''}"


@dataclass
class DeidResult:
    """New documents and the key that maps their placeholders back."""

    documents: list[Document]
    key: Key
    counts: dict[str, int]  # kind -> number of spans replaced
    renamed: dict[str, str]  # original document name -> new name (when a name held an identifier)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line without any original text, safe for logs and terminals."""
        total = sum(self.counts.values())
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items(), key=lambda kv: KINDS.index(kv[0])) if n)
        return (
            f"de-identified {len(self.documents)} document(s): {total} replacement(s)"
            + (f" ({kinds})" if kinds else "")
            + f", {len(self.key)} distinct identifier(s) in the key"
        )


@dataclass(frozen=True)
class Edit:
    """One replacement in a document's text."""

    start: int
    end: int
    replacement: str
    kind: str
    source: str  # a proposal's source, or "speaker" for a whole speaker label


@dataclass(frozen=True)
class _Label:
    start: int
    end: int


@dataclass
class Review:
    """Everything proposed for a batch of documents, and the user's decisions."""

    documents: list[DocumentReview]
    kinds: frozenset[str] = DEFAULT_KINDS
    known: KnownNames = field(default_factory=KnownNames)
    key: Key = field(default_factory=Key)  # the key this review continues (not modified)
    # Set by resolve(): per document, speaker label -> replacement label.
    speakers: list[dict[str, str]] = field(default_factory=list)

    # ---------------------------------------------------------- decisions
    def set_accepted(self, doc_index: int, accepted: Sequence[bool]) -> None:
        """Set every proposal's decision for one document (the review table's column)."""
        props = self.documents[doc_index].proposals
        if len(accepted) != len(props):
            raise DeidError("the review table is out of date; reload the proposals")
        for p, a in zip(props, accepted):
            p.accepted = bool(a)
        self.resolve()

    def set_all(self, accepted: bool, *, text: str | None = None, doc_index: int | None = None) -> int:
        """Accept or reject many at once: every proposal, or those reading ``text``
        (any case), optionally in one document. Returns how many changed."""
        n = 0
        target = fold(" ".join(text.split())) if text is not None else None
        for i, dr in enumerate(self.documents):
            if doc_index is not None and i != doc_index:
                continue
            for p in dr.proposals:
                if target is not None and fold(" ".join(p.text.split())) != target:
                    continue
                if p.accepted != accepted:
                    p.accepted = accepted
                    n += 1
        self.resolve()
        return n

    def add_span(self, doc_index: int | None, text: str, kind: str, *, everywhere: bool = False) -> int:
        """Add a missed identifier: every occurrence of ``text`` (any case, whole
        words) in one document, or in every document when ``everywhere``.

        Returns the number of occurrences added; 0 means the text was not found.
        """
        if kind not in KINDS:
            raise DeidError(f"unknown identifier kind {kind!r}; choose from {', '.join(KINDS)}")
        needle = " ".join(text.split())
        if not needle:
            raise DeidError("type the text to find")
        body = r"\s+".join(re.escape(w) for w in fold(needle).split())
        left = _L if needle[0].isalnum() else ""
        right = _R if needle[-1].isalnum() else ""
        regex = re.compile(f"{left}{body}{right}")
        added = 0
        for i, dr in enumerate(self.documents):
            if not everywhere and i != doc_index:
                continue
            text_i = dr.document.text
            new = [
                Proposal(m.start(), m.end(), kind, "manual", text_i[m.start() : m.end()])
                for m in regex.finditer(fold(text_i))
            ]
            if new:
                dr.proposals = clip_to_regions(dr.document, merge(text_i, new + dr.proposals))
                added += len(new)
        self.resolve()
        return added

    def edit_proposal(self, doc_index: int, index: int, *, text: str | None = None, kind: str | None = None) -> None:
        """Correct one proposal in place: its kind, and/or its span given as the exact
        text it should cover (the original span grown or shrunk: "Comarch as" ->
        "Comarch", "Ola" -> "Ola Nowak"). The new text must occur overlapping the
        old span, in the same turn. The proposal becomes the user's own ("manual").
        """
        dr = self.documents[doc_index]
        p = dr.proposals[index]
        if kind is not None and kind not in KINDS:
            raise DeidError(f"unknown identifier kind {kind!r}; choose from {', '.join(KINDS)}")
        start, end = p.start, p.end
        if text is not None and " ".join(text.split()) != " ".join(p.text.split()):
            needle = " ".join(text.split())
            if not needle:
                raise DeidError("the text of a proposal cannot be empty; untick it to keep the text")
            body = r"\s+".join(re.escape(w) for w in fold(needle).split())
            body = (_L if needle[0].isalnum() else "") + body + (_R if needle[-1].isalnum() else "")
            doc_text = dr.document.text
            lo, hi = max(0, p.start - 200 - len(needle)), min(len(doc_text), p.end + 200 + len(needle))
            spots = [
                (lo + m.start(), lo + m.end())
                for m in re.finditer(body, fold(doc_text[lo:hi]))
                if lo + m.start() < p.end and p.start < lo + m.end()
            ]
            if not spots:
                raise DeidError(f"proposal {index + 1}: the new text does not overlap the old one in this document")
            start, end = min(spots, key=lambda se: abs(se[0] - p.start))
        # Proposals the grown span now covers are taken into it.
        kept = [q for j, q in enumerate(dr.proposals) if j != index and (q.end <= start or end <= q.start)]
        edited = replace(p, start=start, end=end, text=dr.document.text[start:end], kind=kind or p.kind,
                         source="manual", entity="")
        clipped = clip_to_regions(dr.document, [edited])
        if len(clipped) != 1 or (clipped[0].start, clipped[0].end) != (start, end):
            raise DeidError(f"proposal {index + 1}: a span cannot cross from one turn into the next")
        dr.proposals = sorted(kept + [edited], key=lambda q: (q.start, q.end))
        self.resolve()

    # ---------------------------------------------------------- resolving
    def _labels(self, doc: Document) -> dict[str, list[_Label]]:
        return {sp: [_Label(a, b) for a, b in spots] for sp, spots in speaker_labels(doc).items()}

    def resolve(self) -> Key:
        """Decide identities and replacements for the accepted proposals.

        Fills ``Proposal.entity``/``replacement`` and :attr:`speakers`, and returns
        a new key (the starting key plus everything assigned here). Deterministic:
        the same decisions always give the same placeholders.
        """
        key = self.key.copy()
        key.avoid(e.name for e in self.known.entries)
        key.avoid(p.text for dr in self.documents for p in dr.proposals if p.kind == "person")

        # 1. Which speakers are identifying, and the person mentions of each document.
        labels = [self._labels(dr.document) for dr in self.documents]
        speaker_ids: list[dict[str, bool]] = []
        mentions: list[tuple[int, tuple[str, ...]]] = []
        for i, dr in enumerate(self.documents):
            ids: dict[str, bool] = {}
            persons = {name_tokens(p.text) for p in dr.proposals if p.accepted and p.kind == "person"}
            for speaker, spots in labels[i].items():
                covered = any(
                    p.accepted and p.start < lab.end and lab.start < p.end for lab in spots for p in dr.proposals
                )
                listed = bool(self.known.find(speaker))
                # A name stored only on the segments cannot be shown as a proposal;
                # it is replaced when it is no role label (or a name found in the text).
                unseen = not spots and bool(name_tokens(speaker)) and (
                    name_tokens(speaker) in persons or ("person" in self.kinds and not is_role_label(speaker))
                )
                ids[speaker] = covered or listed or unseen
                if ids[speaker]:
                    mentions.append((i, name_tokens(speaker)))
            speaker_ids.append(ids)
            for p in dr.proposals:
                if p.accepted and p.kind == "person":
                    mentions.append((i, name_tokens(p.text)))
        anchors = self.known.person_anchors()
        for ent, entry in key.entries.items():
            if entry.kind == "person":
                for o in entry.originals:
                    toks = name_tokens(o)
                    if len(significant_tokens(toks)) >= 2:
                        anchors.setdefault(toks, ent)
        people = resolve_people(mentions, anchors)

        # 2. Replacements, in document order (speakers first: the participant
        # pseudonym must win over a number for the person who is interviewed).
        self.speakers = []
        for i, dr in enumerate(self.documents):
            ids = speaker_ids[i]
            identifying = [s for s, yes in ids.items() if yes]
            participant = dr.document.participant
            participant_ok = bool(participant) and not any(
                fold(participant) == fold(s) or self.known.find(participant) for s in identifying
            )
            mapping: dict[str, str] = {}
            for speaker in identifying:
                ent = people[(i, name_tokens(speaker))]
                fixed = self.known.replacements.get(ent)
                if fixed is None and participant_ok and len(identifying) == 1:
                    fixed = participant
                mapping[speaker] = speaker_form(key.replacement(ent, "person", fixed))
                key.note(ent, speaker, dr.document.name)
            self.speakers.append(mapping)
            for p in dr.proposals:
                if not p.accepted:
                    p.entity, p.replacement = "", ""
                    continue
                if p.kind == "person":
                    p.entity = people[(i, name_tokens(p.text))]
                elif not (p.source == "known" and p.entity):
                    p.entity = entity_id(p.kind, p.text)
                p.replacement = key.replacement(p.entity, p.kind, self.known.replacements.get(p.entity))
                key.note(p.entity, p.text, dr.document.name)
        return key

    # ------------------------------------------------------------- output
    def apply(self) -> DeidResult:
        """New documents with every accepted proposal replaced, and the key."""
        key = self.resolve()
        counts: Counter[str] = Counter()
        renamed: dict[str, str] = {}
        out_docs: list[Document] = []
        warnings: list[str] = []
        scrubber = Scrubber(self, key)
        for i, dr in enumerate(self.documents):
            doc = dr.document
            if dr.not_english:
                from .language import ENGLISH_ONLY_WARNING

                warnings.append(f"document {i + 1}: {ENGLISH_ONLY_WARNING}")
            speakers = self.speakers[i]
            edits = []
            for e in self._edits(i):
                edits.append((e.start, e.end, e.replacement))
                counts[e.kind] += 1
            new_text, remap = rewrite(doc.text, edits)
            segments = [
                Segment(remap(s.start), remap(s.end), speakers.get(s.speaker, s.speaker) if s.speaker else s.speaker,
                        s.timestamp, s.end_timestamp, s.meta)
                for s in doc.segments
            ]
            name = scrubber.scrub(doc.name, i)
            if name != doc.name:
                renamed[doc.name] = name
                warnings.append(f"document {len(out_docs) + 1}: its name held an identifier and was changed")
            new = Document(
                name=name,
                text=new_text,
                segments=segments,
                source_format=doc.source_format,
                source_path=scrubber.scrub(doc.source_path, i) if doc.source_path else doc.source_path,
                participant=scrubber.scrub(doc.participant, i) if doc.participant else doc.participant,
                metadata=scrubber.scrub_any(doc.metadata, i),
                codings=list(doc.codings),
                warnings=list(doc.warnings),
            )
            new.check()
            out_docs.append(new)
        return DeidResult(out_docs, key, dict(counts), renamed, warnings)

    def _edits(self, doc_index: int) -> list[Edit]:
        """What apply() will replace in one document (call resolve() first)."""
        dr = self.documents[doc_index]
        labels = self._labels(dr.document)
        edits: list[Edit] = []
        for speaker, repl in self.speakers[doc_index].items():
            for lab in labels.get(speaker, []):
                edits.append(Edit(lab.start, lab.end, repl, "person", "speaker"))
        for p in dr.proposals:
            if not p.accepted:
                continue
            if any(e.start < p.end and p.start < e.end for e in edits):
                continue  # inside a speaker label, which is replaced whole
            edits.append(Edit(p.start, p.end, p.replacement, p.kind, p.source))
        return sorted(edits, key=lambda e: e.start)

    def edits(self) -> list[list[Edit]]:
        """Per document, every replacement apply() would make (for evaluation)."""
        self.resolve()
        return [self._edits(i) for i in range(len(self.documents))]

    def preview(self, doc_index: int) -> str:
        """The de-identified text of one document under the current decisions."""
        return self.apply().documents[doc_index].text
