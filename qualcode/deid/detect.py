"""Finding identifiers: the recognisers run over a batch of documents.

Known names, patterns, cue phrases, speaker labels, spaCy entities and proper
nouns give candidate spans; names found once are then looked for everywhere in
the batch; overlaps are merged. The result is a :class:`~qualcode.deid.review.Review`
with every proposal accepted, ready for the user's decisions.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import DeidError
from ..model import Document
from .key import Key
from .kinds import DEFAULT_KINDS, KINDS, NUMBERED
from .lexicon import (
    MONTHS,
    NEVER_IDENTIFIERS,
    ROLE_WORDS,
    TITLES,
    WEEKDAYS,
    fold,
    is_common_word,
    name_tokens,
    significant_tokens,
    strip_possessive,
)
from .names import KnownNames
from .patterns import PATTERN_KINDS, Hit, find_cues, find_patterns
from .review import DocumentReview, Review
from .spans import ROLE_SPEAKERS, WORD_L, WORD_R, Proposal, clip_to_regions, is_role_label, merge, speaker_labels, tighten

__all__ = ["propose"]

_NER_KINDS = frozenset({"person", "place", "org", "facility"})
_L, _R = WORD_L, WORD_R


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
    never: Iterable[str] | None = None,
) -> Review:
    """Find identifiers in ``docs`` and return them for review (all accepted).

    ``kinds`` selects what to look for (see :mod:`qualcode.deid.kinds`); names on
    the ``known`` list are caught whatever the kinds. ``key`` continues an earlier
    key (its placeholders are reused). ``use_ner=False`` skips the spaCy model
    (patterns, cues and known names only; fast, for tests and tiny machines).
    ``never``: what is never an identifier (default: :data:`~qualcode.deid.never.DEFAULT_NEVER`,
    languages, nationalities, religions, chatbots); a name on ``known`` still counts.
    """
    kinds = frozenset(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise DeidError(f"unknown identifier kind(s): {', '.join(sorted(unknown))}")
    known = known or KnownNames()
    from .never import DEFAULT_NEVER, never_known

    user_known = known
    known = known.merged(never_known(DEFAULT_NEVER if never is None else never))
    texts = [d.text for d in docs]
    from .ner import Analysis

    if use_ner and kinds & _NER_KINDS and texts:
        from .ner import analyse

        analyses = analyse(texts, kinds, nlp)
    else:
        analyses = [Analysis() for _ in texts]

    lowercase_docs = [_LowerCase(t) for t in texts]
    found: list[list[tuple[Hit, str]]] = []
    for i, text in enumerate(texts):
        proper = analyses[i].proper
        lower = lowercase_docs[i]
        nouns = analyses[i].nouns
        lower_ok = (
            (lambda s, e, strong, proper=proper, nouns=nouns, lower=lower: lower(s) and (
                _any_token(proper, s, e) or (strong and _any_token(nouns, s, e))
            ))
            if lower
            else None
        )
        hits: list[tuple[Hit, str]] = list(known.find(text))
        candidates = find_patterns(text, kinds & PATTERN_KINDS) + find_cues(text, kinds, lowercase_ok=lower_ok)
        if "person" in kinds:
            # A speaker label that is no role is a name (or a user name): "Seun:".
            for speaker, spots in speaker_labels(docs[i]).items():
                if not is_role_label(speaker):
                    candidates += [Hit(a, b, "person", "label") for a, b in spots]
        for h in analyses[i].hits:
            # spaCy's rare lower-case "names" in ordinary prose are words ("ma").
            if lowercase_docs[i](h.start) or any(c.isupper() for c in text[h.start : h.end]):
                candidates.append(h)
        candidates += _tagger_hits(text, analyses[i].runs, candidates, kinds)
        inside_kept = known.kept_phrases(text)
        for h in candidates:
            span = text[h.start : h.end]
            if known.is_kept(span) or known.is_kept(strip_possessive(span)) or fold(span) in NEVER_IDENTIFIERS:
                continue
            if any(a <= h.start and h.end <= b for a, b in inside_kept):
                continue  # "Kia" of "Kia ora", "Valentine" of "Valentine's Day"
            hits.append((h, ""))
        found.append(hits)

    _propagate(texts, found, known, kinds, lowercase_docs, analyses)

    reviews = []
    for i, doc in enumerate(docs):
        props = [Proposal(h.start, h.end, h.kind, h.source, doc.text[h.start : h.end], entity=ent) for h, ent in found[i]]
        props = tighten(doc.text, clip_to_regions(doc, merge(doc.text, tighten(doc.text, props))))
        # Cutting a span to the name can leave a kept word on its own ("Mina is Coptic"
        # -> "Mina", "Coptic").
        props = [
            p for p in props
            if p.source in ("known", "manual")
            or not (known.is_kept(p.text) or known.is_kept(strip_possessive(p.text)) or fold(p.text) in NEVER_IDENTIFIERS
                    or (p.kind == "person" and any(c.isalpha() for c in p.text) and is_role_label(p.text)))
        ]
        from .language import looks_english
        from .quasi import find_quasi

        reviews.append(
            DocumentReview(
                doc, props, ref=refs[i] if refs else None, not_english=_not_english(doc, looks_english),
                quasi=find_quasi(doc.text, {p.kind for p in props}),
            )
        )
    review = Review(reviews, kinds=kinds, known=user_known, key=key.copy() if key is not None else Key(style))
    review.resolve()
    return review


# Not "to" and "from": "I talked to Tomasz", "a text from Ola" name people; "moved to",
# "came from" are place cues already.
_PLACE_PREPOSITIONS = frozenset("in at near around outside towards toward fae frae via".split())


def _not_english(doc: Document, looks_english) -> bool:  # noqa: ANN001 - the checker
    """The language detected at import when there is one (it reads any script: a Chinese
    transcript has too few space-separated words for the function-word test), else the
    English function-word test of :mod:`.language`."""
    lang = (doc.metadata or {}).get("language")
    if isinstance(lang, str) and lang:
        return lang != "en"
    return looks_english(doc.text) is False


def _tagger_hits(text: str, runs: list[tuple[int, int, str]], taken: list[Hit], kinds: frozenset[str]) -> list[Hit]:
    """Proper nouns that no recogniser explained: after "in/at/from/to" a place,
    otherwise a person ("My sister Ngozi in Enugu" -> Enugu, when the entity
    recogniser saw only Ngozi)."""
    out = []
    for s, e, prev in runs:
        if any(h.start < e and s < h.end for h in taken):
            continue
        span = text[s:e]
        words = span.split()
        if all(is_common_word(w) for w in words) or fold(span) in NEVER_IDENTIFIERS:
            continue
        if any(fold(w) in ROLE_SPEAKERS or fold(w) in TITLES or fold(w) in ROLE_WORDS for w in words):
            continue
        if fold(words[0]).rstrip("s") in WEEKDAYS or fold(words[0]) in MONTHS:
            continue  # "Saturdays", "Tuesdays"
        if not prev and len(words) == 1:
            continue  # any word is capitalised at a sentence start ("Bloody lonely")
        kind = "place" if prev in _PLACE_PREPOSITIONS else "person"
        if kind in kinds:
            out.append(Hit(s, e, kind, "tagger"))
    return out


class _LowerCase:
    """Which lines of a text are written without capitals (chat logs, automatic
    transcripts): there a capital letter cannot be what marks a name. Decided
    line by line, after any speaker label, because a researcher's tidy questions
    often alternate with a participant's lower-case answers."""

    def __init__(self, text: str):
        self.spans: list[tuple[int, int]] = []
        pos = 0
        for line in text.split("\n"):
            body = line.split(": ", 1)[1] if ": " in line[:40] else line
            words = re.findall(r"[^\W\d_]{2,}", body)
            if len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) < 0.1:
                self.spans.append((pos, pos + len(line)))
            pos += len(line) + 1

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __call__(self, offset: int) -> bool:
        return any(a <= offset < b for a, b in self.spans)


def _any_token(tokens: set[tuple[int, int]], s: int, e: int) -> bool:
    return any(a >= s and b <= e for a, b in tokens)


def _propagate(
    texts: list[str],
    found: list[list[tuple[Hit, str]]],
    known: KnownNames,
    kinds: frozenset[str],
    lowercase_docs: list[_LowerCase],
    analyses: list[Any],
) -> None:
    """Find every other occurrence, in any document of the batch, of a name found
    once: the tagger sees "Chinedu Okafor" but misses "Chinedu" three turns later."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for i, hits in enumerate(found):
        for h, _ in hits:
            if h.source not in ("ner", "cue", "label") or h.kind not in NUMBERED:
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
                if not lowercase_docs[i](s) or not (_any_token(proper, s, e) or not is_common_word(original)):
                    continue
            kind = kind_of[" ".join(m.group(0).split())]
            if kind in kinds:
                found[i].append((Hit(s, e, kind, "propagated"), ""))
