"""Proposals, the user's decisions on them, and the de-identified documents.

:func:`propose` finds candidate identifiers in a batch of documents and returns a
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
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import QualcodeError
from ..model import Document, Segment
from .key import Key, speaker_form
from .kinds import DEFAULT_KINDS, KINDS, NUMBERED, SOURCE_PRIORITY
from .lexicon import NEVER_IDENTIFIERS, fold, is_common_word, name_tokens, significant_tokens, strip_possessive
from .names import KnownNames, entity_id, resolve_people
from .patterns import PATTERN_KINDS, Hit, find_cues, find_patterns

__all__ = ["Proposal", "DocumentReview", "Review", "DeidResult", "propose"]

_NER_KINDS = frozenset({"person", "place", "org", "facility"})
_ABSORBING = frozenset({"email", "url", "handle", "phone", "address"})
_EDGE_WORDS = frozenset("on at the and in of to from for with a an my our by".split())
_L = r"(?<![^\W_])"
_R = r"(?![^\W_])"


@dataclass
class Proposal:
    """A span proposed for removal; ``accepted`` is the user's decision."""

    start: int
    end: int
    kind: str
    source: str
    text: str
    accepted: bool = True
    entity: str = ""  # who/what it names (set by Review.resolve)
    replacement: str = ""  # what it becomes (set by Review.resolve; "" when rejected)

    @property
    def priority(self) -> int:
        return SOURCE_PRIORITY.get(self.source, len(SOURCE_PRIORITY))


@dataclass
class DocumentReview:
    """One document under review. ``ref`` is its store id when it is in a project."""

    document: Document
    proposals: list[Proposal] = field(default_factory=list)
    ref: int | None = None
    text_sha256: str | None = None

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


# ====================================================================== propose
def propose(
    docs: Sequence[Document],
    *,
    kinds: Iterable[str] = DEFAULT_KINDS,
    known: KnownNames | None = None,
    key: Key | None = None,
    style: str = "label",
    nlp: Any = None,
    use_ner: bool = True,
    refs: Sequence[int | None] | None = None,
) -> Review:
    """Find identifiers in ``docs`` and return them for review (all accepted).

    ``kinds`` selects what to look for (see :mod:`qualcode.deid.kinds`); names on
    the ``known`` list are caught whatever the kinds. ``key`` continues an earlier
    key (its placeholders are reused). ``use_ner=False`` skips the spaCy model
    (patterns, cues and known names only; fast, for tests and tiny machines).
    """
    kinds = frozenset(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise QualcodeError(f"unknown identifier kind(s): {', '.join(sorted(unknown))}")
    known = known or KnownNames()
    texts = [d.text for d in docs]
    from .ner import Analysis

    if use_ner and kinds & _NER_KINDS and texts:
        from .ner import analyse

        analyses = analyse(texts, kinds, nlp)
    else:
        analyses = [Analysis() for _ in texts]

    lowercase_docs = [_is_lowercase_style(t) for t in texts]
    found: list[list[tuple[Hit, str]]] = []
    for i, text in enumerate(texts):
        proper = analyses[i].proper
        lower_ok = (lambda s, e, proper=proper: _all_proper(proper, s, e)) if lowercase_docs[i] else None
        hits: list[tuple[Hit, str]] = list(known.find(text))
        candidates = find_patterns(text, kinds & PATTERN_KINDS) + find_cues(text, kinds, lowercase_ok=lower_ok)
        candidates += analyses[i].hits
        for h in candidates:
            span = text[h.start : h.end]
            if known.is_kept(span) or known.is_kept(strip_possessive(span)) or fold(span) in NEVER_IDENTIFIERS:
                continue
            hits.append((h, ""))
        found.append(hits)

    _propagate(texts, found, known, kinds, lowercase_docs, analyses)

    reviews = []
    for i, doc in enumerate(docs):
        props = [Proposal(h.start, h.end, h.kind, h.source, doc.text[h.start : h.end], entity=ent) for h, ent in found[i]]
        props = _clip_to_regions(doc, _merge(doc.text, props))
        reviews.append(DocumentReview(doc, props, ref=refs[i] if refs else None))
    review = Review(reviews, kinds=kinds, known=known, key=key.copy() if key else Key(style))
    review.resolve()
    return review


def _is_lowercase_style(text: str) -> bool:
    """Chat logs and automatic transcripts often have no capitals at all; there a
    capital letter cannot be what marks a name."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    if len(words) < 20:
        return False
    upper = sum(1 for w in words if w[0].isupper())
    return upper / len(words) < 0.03


def _all_proper(proper: set[tuple[int, int]], s: int, e: int) -> bool:
    return bool(proper) and any(a >= s and b <= e for a, b in proper)


def _propagate(
    texts: list[str],
    found: list[list[tuple[Hit, str]]],
    known: KnownNames,
    kinds: frozenset[str],
    lowercase_docs: list[bool],
    analyses: list[Any],
) -> None:
    """Find every other occurrence, in any document of the batch, of a name found
    once: the tagger sees "Chinedu Okafor" but misses "Chinedu" three turns later."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for i, hits in enumerate(found):
        for h, _ in hits:
            if h.source not in ("ner", "cue") or h.kind not in NUMBERED:
                continue
            surface = fold(" ".join(strip_possessive(texts[i][h.start : h.end]).split()))
            candidates = [surface]
            if h.kind == "person":
                candidates += [t for t in significant_tokens(name_tokens(surface)) if len(t) >= 3]
            for c in candidates:
                if len(c) >= 3 and not is_common_word(c) and c not in NEVER_IDENTIFIERS and not known.is_kept(c):
                    votes[c][h.kind] += 1
    if not votes:
        return
    kind_of = {s: c.most_common(1)[0][0] for s, c in votes.items()}
    body = "|".join(r"\s+".join(re.escape(w) for w in s.split()) for s in sorted(kind_of, key=len, reverse=True))
    regex = re.compile(f"{_L}(?:{body}){_R}")
    for i, text in enumerate(texts):
        taken = {(h.start, h.end) for h, _ in found[i]}
        proper = analyses[i].proper
        for m in regex.finditer(fold(text)):
            s, e = m.span()
            if (s, e) in taken:
                continue
            original = text[s:e]
            if not any(c.isupper() for c in original):
                # Lower case: a name only in a capital-free transcript, and only where
                # the tagger reads it as a proper noun or it is no English word at all.
                if not lowercase_docs[i] or not (_all_proper(proper, s, e) or not is_common_word(original)):
                    continue
            kind = kind_of[" ".join(m.group(0).split())]
            if kind in kinds:
                found[i].append((Hit(s, e, kind, "propagated"), ""))


def _trim_piece(text: str, s: int, e: int) -> tuple[int, int]:
    """Shrink a leftover piece to its words, dropping "on", "the", "'s" at the edges."""
    while True:
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not text[e - 1].isalnum():
            e -= 1
        m = re.match(r"(\w+)\s+", text[s:e])
        if m and m.group(1).lower() in _EDGE_WORDS:
            s += m.end()
            continue
        m = re.search(r"\s+(\w+)$", text[s:e])
        if m and m.group(1).lower() in _EDGE_WORDS:
            e = s + m.start()
            continue
        if text[s:e].lower() in _EDGE_WORDS or text[e - 2 : e] in ("'s", "’s"):
            if text[e - 2 : e] in ("'s", "’s") and e - 2 > s:
                e -= 2
                continue
            return s, s
        return s, e


def _meaningful(piece: str, kind: str) -> bool:
    if not any(c.isalnum() for c in piece):
        return False
    if kind in NUMBERED:
        return any(c.isupper() for c in piece) and not all(is_common_word(w) for w in piece.split())
    return True


def _merge(text: str, props: list[Proposal]) -> list[Proposal]:
    """Make proposals non-overlapping.

    The most trusted source claims its span first (manual > known > pattern > cue >
    ner > propagated; longer first within a source), except that an e-mail, web
    address, handle, phone or street address takes the whole of its span from the
    names inside it. A later proposal of the same
    kind that overlaps an accepted claim is merged into it (the union: "Maria" and
    "Maria Santos" make one span); one of another kind keeps only what is left
    outside the claims ("Tesco on Byres Road" next to the address "Byres Road"
    keeps "Tesco").
    """
    order = sorted(props, key=lambda p: (p.priority, -(p.end - p.start), p.start))
    claimed: list[Proposal] = []
    for p in order:
        overlaps = [c for c in claimed if c.start < p.end and p.start < c.end]
        if not overlaps:
            claimed.append(p)
            continue
        if (
            p.kind in _ABSORBING
            and p.accepted
            and all(p.start <= c.start and c.end <= p.end and c.kind not in _ABSORBING for c in overlaps)
        ):
            # A name inside an e-mail or a street address goes with the whole of it:
            # "maria.santos@example.com" is one [EMAIL], not "[P03].[P03]@...".
            for c in overlaps:
                claimed.remove(c)
            claimed.append(p)
            continue
        same = [c for c in overlaps if c.kind == p.kind and c.accepted and p.accepted]
        if same and len(same) == len(overlaps):
            s = min([p.start] + [c.start for c in same])
            e = max([p.end] + [c.end for c in same])
            blocked = any(c.start < e and s < c.end and c not in same for c in claimed)
            if not blocked:
                head = same[0]
                for c in same[1:]:
                    claimed.remove(c)
                if (s, e) != (head.start, head.end):
                    head.start, head.end, head.text = s, e, text[s:e]
                    if head.source == "known":
                        head.entity = ""  # the span grew; decide identity again
                continue
        # Keep only what lies outside every claim.
        cuts = sorted((c.start, c.end) for c in claimed if c.start < p.end and p.start < c.end)
        pos = p.start
        for a, b in cuts + [(p.end, p.end)]:
            s, e = _trim_piece(text, pos, min(a, p.end))
            if e > s and _meaningful(text[s:e], p.kind) and not any(c.start < e and s < c.end for c in claimed):
                claimed.append(replace(p, start=s, end=e, text=text[s:e], entity=""))
            pos = max(pos, b)
    claimed.sort(key=lambda p: (p.start, p.end))
    return claimed


def _regions(doc: Document) -> list[tuple[int, int]]:
    """The text cut at segment boundaries: each turn and each gap between turns."""
    cuts = sorted({0, len(doc.text)} | {b for s in doc.segments for b in (s.start, s.end)})
    return list(zip(cuts, cuts[1:]))


def _clip_to_regions(doc: Document, props: list[Proposal]) -> list[Proposal]:
    """No replacement may straddle a turn boundary, so that every turn's new text is
    exactly its old text with its own replacements (offsets re-map exactly)."""
    if not doc.segments:
        return props
    regions = _regions(doc)
    out: list[Proposal] = []
    for p in props:
        inside = [(max(a, p.start), min(b, p.end)) for a, b in regions if a < p.end and p.start < b]
        if len(inside) == 1:
            out.append(p)
            continue
        for a, b in inside:
            s, e = _trim_piece(doc.text, a, b)
            if e > s and _meaningful(doc.text[s:e], p.kind):
                out.append(replace(p, start=s, end=e, text=doc.text[s:e], entity=""))
    return out


# ======================================================================= review
@dataclass(frozen=True)
class Edit:
    """One replacement in a document's text."""

    start: int
    end: int
    replacement: str
    kind: str
    source: str  # a proposal's source, or "speaker" for a whole speaker label


@dataclass
class _Label:
    segment: int
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
            raise QualcodeError("the review table is out of date; reload the proposals")
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
            raise QualcodeError(f"unknown identifier kind {kind!r}; choose from {', '.join(KINDS)}")
        needle = " ".join(text.split())
        if not needle:
            raise QualcodeError("type the text to find")
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
                dr.proposals = _clip_to_regions(dr.document, _merge(text_i, new + dr.proposals))
                added += len(new)
        self.resolve()
        return added

    # ---------------------------------------------------------- resolving
    def _labels(self, doc: Document) -> dict[str, list[_Label]]:
        """Where each speaker's label is written in the text (between turns)."""
        out: dict[str, list[_Label]] = defaultdict(list)
        prev = 0
        for k, seg in enumerate(doc.segments):
            if seg.speaker:
                gap = doc.text[prev : seg.start]
                pat = r"\s+".join(re.escape(w) for w in seg.speaker.split())
                matches = list(re.finditer(f"{_L}{pat}{_R}", gap)) if pat else []
                if matches:
                    m = matches[-1]
                    out[seg.speaker].append(_Label(k, prev + m.start(), prev + m.end()))
                else:
                    out.setdefault(seg.speaker, [])
            prev = seg.end
        return out

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
                ids[speaker] = covered or listed or (not spots and name_tokens(speaker) in persons and bool(name_tokens(speaker)))
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
        self._resolved_key = key
        return key

    # ------------------------------------------------------------- output
    def apply(self) -> DeidResult:
        """New documents with every accepted proposal replaced, and the key."""
        key = self.resolve()
        counts: Counter[str] = Counter()
        renamed: dict[str, str] = {}
        out_docs: list[Document] = []
        warnings: list[str] = []
        scrubber = _Scrubber(self, key)
        for i, dr in enumerate(self.documents):
            doc = dr.document
            speakers = self.speakers[i]
            edits = []
            for e in self._edits(i):
                edits.append((e.start, e.end, e.replacement))
                counts[e.kind] += 1
            new_text, remap = _rewrite(doc.text, edits)
            segments = [
                Segment(remap(s.start), remap(s.end), speakers.get(s.speaker, s.speaker) if s.speaker else s.speaker,
                        s.timestamp, s.end_timestamp)
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


def _rewrite(text: str, edits: list[tuple[int, int, str]]):
    """Apply non-overlapping ``(start, end, replacement)`` edits; return the new text
    and a function mapping an old offset outside any edit (or at its edges) to the
    new one: positions move by the length change of every edit that ends before."""
    edits = sorted(edits)
    parts, pos = [], 0
    ends: list[int] = []
    shifts: list[int] = []
    total = 0
    for a, b, r in edits:
        if a < pos:
            raise QualcodeError("internal error: overlapping replacements")  # never: proposals are merged
        parts.append(text[pos:a])
        parts.append(r)
        pos = b
        total += len(r) - (b - a)
        ends.append(b)
        shifts.append(total)
    parts.append(text[pos:])
    import bisect

    def remap(offset: int) -> int:
        k = bisect.bisect_right(ends, offset)
        return offset + (shifts[k - 1] if k else 0)

    return "".join(parts), remap


class _Scrubber:
    """Removes identifiers from a document's name, file path, participant and
    metadata: everything accepted in that document, plus the known names."""

    _SEP = r"[\s_.\-]+"

    def __init__(self, review: Review, key: Key):
        self.review = review
        self.key = key
        self._cache: dict[int, tuple[re.Pattern[str] | None, dict[str, Any]]] = {}

    def _table(self, i: int) -> tuple[re.Pattern[str] | None, dict[str, Any]]:
        if i in self._cache:
            return self._cache[i]
        # folded text -> a replacement, or (entity, kind, fixed) to assign on a match
        table: dict[str, Any] = {}
        dr = self.review.documents[i]
        for p in dr.proposals:
            if p.accepted and p.replacement:
                table.setdefault(fold(" ".join(strip_possessive(p.text).split())), speaker_form(p.replacement))
        for speaker, repl in self.review.speakers[i].items():
            table.setdefault(fold(" ".join(speaker.split())), repl)
        known = self.review.known
        for e in known.entries:
            if e.kind == "keep":
                continue
            spec = (e.entity, e.kind, known.replacements.get(e.entity))
            table.setdefault(fold(" ".join(e.name.split())), spec)
            if e.kind == "person":
                for t in significant_tokens(name_tokens(e.name)):
                    if not is_common_word(t):
                        table.setdefault(t, spec)
        table = {k: v for k, v in table.items() if len(k) >= 2}
        regex = None
        if table:
            body = "|".join(self._SEP.join(re.escape(w) for w in k.split()) for k in sorted(table, key=len, reverse=True))
            regex = re.compile(f"{_L}(?:{body}){_R}")
        self._cache[i] = (regex, table)
        return self._cache[i]

    def scrub(self, value: str, i: int) -> str:
        regex, table = self._table(i)
        if regex is None or not value:
            return value
        folded = fold(value)
        out, pos = [], 0
        for m in regex.finditer(folded):
            found = table.get(m.group(0)) or table.get(" ".join(re.split(self._SEP, m.group(0))))
            if isinstance(found, tuple):
                entity, kind, fixed = found
                found = speaker_form(self.key.replacement(entity, kind, fixed))
                self.key.note(entity, value[m.start() : m.end()], self.review.documents[i].document.name)
            out.append(value[pos : m.start()])
            out.append(found or "REDACTED")
            pos = m.end()
        out.append(value[pos:])
        return "".join(out)

    def scrub_any(self, value: Any, i: int) -> Any:
        if isinstance(value, str):
            return self.scrub(value, i)
        if isinstance(value, dict):
            return {k: self.scrub_any(v, i) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_any(v, i) for v in value]
        return value
