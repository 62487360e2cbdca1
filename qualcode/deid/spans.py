"""Spans proposed for removal, and keeping them apart.

A :class:`Proposal` is one span; :func:`merge` makes a document's proposals
non-overlapping and :func:`clip_to_regions` keeps each inside one turn (or one
gap between turns), which is what lets segment offsets re-map exactly.
Speaker labels are found here too (:func:`speaker_labels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Document
from .kinds import NUMBERED, SOURCE_PRIORITY
from .lexicon import NEVER_IDENTIFIERS, fold, is_common_word, is_stop_word

__all__ = ["Proposal", "tighten", "merge", "clip_to_regions", "speaker_labels", "is_role_label", "ROLE_SPEAKERS", "WORD_L", "WORD_R"]

_ABSORBING = frozenset({"email", "url", "handle", "phone", "address"})
_EDGE_WORDS = frozenset("on at the and in of to from for with a an my our by".split())
WORD_L = r"(?<![^\W_])"  # not preceded by a letter or digit
WORD_R = r"(?![^\W_])"  # not followed by one
_L, _R = WORD_L, WORD_R


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


def merge(text: str, props: list[Proposal]) -> list[Proposal]:
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
            if (
                e > s
                and _meaningful(text[s:e], p.kind)
                and fold(text[s:e]) not in NEVER_IDENTIFIERS
                and not any(c.start < e and s < c.end for c in claimed)
            ):
                claimed.append(replace(p, start=s, end=e, text=text[s:e], entity=""))
            pos = max(pos, b)
    claimed.sort(key=lambda p: (p.start, p.end))
    return claimed


_KEEP_EDGE = frozenset("de da do dos das del della di van von der den la le du bin binti al el ibn".split())
_TOKEN = re.compile(r"\S+")


def _edge_word(token: str, capitalised_span: bool) -> bool:
    """A word at the edge of a name span that belongs to the sentence, not the name:
    "as" in "Comarch as", "said" in "Ola said"."""
    word = token.strip(".,;:!?()[]\"'’“”")
    if not word or fold(word) in _KEEP_EDGE or any(c.isdigit() for c in word):
        return False
    if capitalised_span:
        return not any(c.isupper() for c in word)
    # Lower-case transcript: the name itself is lower case, so only function words
    # and the verbs that follow a name go ("ola said"); "georgia state" stays whole.
    return is_stop_word(word) or fold(word) in _NAME_VERBS


_OPENERS = frozenset(
    "yesterday today tomorrow tonight then now so well anyway also later recently sometimes lately afterwards "
    "but and because when if after before since maybe perhaps actually honestly basically obviously "
    "i we you he she they it this that there here".split()
)

_NAME_VERBS = frozenset(
    "said says told tells asked asks replied thinks thought wants wanted went goes came comes called calls texted "
    "rang messaged knows knew lives lived works worked".split()
)
# "Szkoła Podstawowa nr 7", "Colegio Fe y Alegría 25": numbering and joiners inside a name.
_INNER = _KEEP_EDGE | frozenset("of the and & for y e du upon on nr nº n°".split())


def tighten(text: str, props: list[Proposal]) -> list[Proposal]:
    """Cut every found name (person, place, org, facility) back to exactly the name.

    Whatever proposed it (an entity recogniser, a cue pattern, propagation), a span
    never keeps a neighbouring sentence word: in a capitalised name a lower-case
    word at either edge goes ("Comarch as" -> "Comarch", "Ola said" -> "Ola"), and
    one inside that no name is joined by ("Aigerim so Arjun") splits the span in
    two; particles and joiners ("de", "van", "of", "and") stay inside. In a
    lower-case transcript a common English word at an edge goes. Manual and
    known-name spans are the user's own and stay as they are.
    """
    out: list[Proposal] = []
    for p in props:
        if p.kind not in NUMBERED or p.source in ("manual", "known"):
            out.append(p)
            continue
        capitalised = any(c.isupper() for c in text[p.start : p.end])
        tokens = list(_TOKEN.finditer(text, p.start, p.end))
        groups: list[list[re.Match[str]]] = [[]]
        previous = ""
        for t in tokens:
            word = t.group(0).strip(".,;:!?()[]\"'’“”")
            lower_word = capitalised and word and not any(c.isupper() or c.isdigit() for c in word)
            # A joiner said twice ("Tomasz of of Comarch") is a stumble between two
            # names, not a name's "of".
            if lower_word and (fold(word) not in _INNER or fold(word) == previous):
                groups.append([])  # a sentence word inside: the span splits here
            else:
                groups[-1].append(t)
            previous = fold(word) if lower_word else ""
        pieces = []
        for g in groups:
            a, b = 0, len(g)
            while a < b and _edge_word(g[a].group(0), capitalised):
                a += 1
            # A sentence's capitalised first word before a name ("Yesterday Ola",
            # "So Ngozi"), but never the name's only word ("May", "Will").
            while a < b - 1 and fold(g[a].group(0).strip(".,;:!?()[]\"'’“”")) in _OPENERS:
                a += 1
            while b > a and _edge_word(g[b - 1].group(0), capitalised):
                b -= 1
            if a < b:
                s, e = g[a].start(), g[b - 1].end()
                while e > s and not text[e - 1].isalnum():
                    e -= 1
                while s < e and not text[s].isalnum():
                    s += 1
                if e > s:
                    pieces.append((s, e))
        if pieces == [(p.start, p.end)]:
            out.append(p)
            continue
        out += [replace(p, start=s, end=e, text=text[s:e], entity="") for s, e in pieces]
    return out


def _regions(doc: Document) -> list[tuple[int, int]]:
    """The text cut at segment boundaries: each turn and each gap between turns."""
    cuts = sorted({0, len(doc.text)} | {b for s in doc.segments for b in (s.start, s.end)})
    return list(zip(cuts, cuts[1:]))


def clip_to_regions(doc: Document, props: list[Proposal]) -> list[Proposal]:
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


ROLE_SPEAKERS = frozenset(
    """user assistant system bot chatbot ai me you host guest narrator moderator facilitator
    interviewer interviewee participant respondent researcher therapist counsellor counselor
    doctor nurse client patient mum mom dad unknown other others all everyone group""".split()
)


def is_role_label(speaker: str) -> bool:
    """True for a speaker label that names a role, not a person ("Interviewer",
    "P07", "Speaker 2", "assistant", "Replika"); such labels are never replaced."""
    from ..ingest.labels import is_known_label

    key = fold(" ".join(speaker.split()))
    return (
        is_known_label(speaker)
        or key in ROLE_SPEAKERS
        or key in NEVER_IDENTIFIERS
        or all(w in ROLE_SPEAKERS or w.isdigit() for w in key.split())
    )


def speaker_labels(doc: Document) -> dict[str, list[tuple[int, int]]]:
    """Where each speaker's label is written in the text: the last occurrence of
    the label in the gap before each of its turns. A speaker stored only on the
    segments (tables, chat exports) maps to an empty list."""
    out: dict[str, list[tuple[int, int]]] = {}
    prev = 0
    for seg in doc.segments:
        if seg.speaker:
            spots = out.setdefault(seg.speaker, [])
            pat = r"\s+".join(re.escape(w) for w in seg.speaker.split())
            if pat:
                matches = list(re.finditer(f"{_L}{pat}{_R}", doc.text[prev : seg.start]))
                if matches:
                    spots.append((prev + matches[-1].start(), prev + matches[-1].end()))
        prev = seg.end
    return out
