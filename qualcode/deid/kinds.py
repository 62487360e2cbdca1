"""What kinds of identifier de-identification knows, and how each is labelled.

A *kind* is the category of what was removed. It decides the placeholder label
(``[PERSON 1]``, ``[EMAIL]``), whether placeholders are numbered, and which
recogniser wins when two proposals overlap.
"""

from __future__ import annotations

__all__ = [
    "KINDS",
    "DEFAULT_KINDS",
    "NUMBERED",
    "LABELS",
    "SOURCES",
    "SOURCE_PRIORITY",
    "parse_kinds",
]

# Order is the order of the review table's kind menu and of the benchmark report.
KINDS: tuple[str, ...] = (
    "person",
    "place",
    "org",
    "facility",
    "email",
    "phone",
    "url",
    "handle",
    "address",
    "age",
    "date",
)

# Dates are opt-in: interviews are full of "last March" and "in 2019", which matter
# for the analysis and rarely identify anyone; exact dates are asked for by name.
DEFAULT_KINDS: frozenset[str] = frozenset(KINDS) - {"date"}

# Entities that recur and whose identity matters to the analysis ("PERSON 1 is the
# sister") get numbers; contact details do not (nobody analyses which e-mail it was).
NUMBERED: frozenset[str] = frozenset({"person", "place", "org", "facility"})

LABELS: dict[str, str] = {
    "person": "PERSON",
    "place": "PLACE",
    "org": "ORG",
    "facility": "FACILITY",
    "email": "EMAIL",
    "phone": "PHONE",
    "url": "URL",
    "handle": "HANDLE",
    "address": "ADDRESS",
    "age": "AGE",
    "date": "DATE",
}

# Where a proposal came from. "known" = the project's list of real names;
# "label" = a speaker label that is not a role ("Maria:" but not "Interviewer:");
# "cue" = a name after "my therapist", "Aunty", "moved to"...; "ner" = spaCy's
# entity recogniser; "tagger" = a proper noun (spaCy's tagger) nothing else
# explained; "propagated" = another occurrence of something found elsewhere.
SOURCES: tuple[str, ...] = ("manual", "known", "label", "pattern", "cue", "ner", "tagger", "propagated")

# When accepted proposals overlap, the merged span takes the kind of the most
# trusted one: what the user typed, then the known-names list, then the patterns
# (an e-mail is never half a person), then the statistical guesses.
SOURCE_PRIORITY: dict[str, int] = {s: i for i, s in enumerate(SOURCES)}

_ALIASES = {
    "people": "person",
    "persons": "person",
    "name": "person",
    "names": "person",
    "places": "place",
    "location": "place",
    "locations": "place",
    "gpe": "place",
    "loc": "place",
    "orgs": "org",
    "organisation": "org",
    "organisations": "org",
    "organization": "org",
    "organizations": "org",
    "facilities": "facility",
    "fac": "facility",
    "emails": "email",
    "phones": "phone",
    "telephone": "phone",
    "urls": "url",
    "handles": "handle",
    "addresses": "address",
    "ages": "age",
    "dates": "date",
}


def parse_kinds(spec: str | None) -> frozenset[str]:
    """``"person,place"`` -> ``{"person", "place"}``; None/"" -> :data:`DEFAULT_KINDS`.

    ``"all"`` selects every kind (dates included); ``"default"`` the defaults, so
    ``"default,date"`` adds dates. Unknown names raise ValueError listing the valid ones.
    """
    if not spec or not spec.strip():
        return DEFAULT_KINDS
    out: set[str] = set()
    for raw in spec.split(","):
        word = raw.strip().lower()
        if not word:
            continue
        if word == "all":
            out.update(KINDS)
        elif word == "default":
            out.update(DEFAULT_KINDS)
        else:
            word = _ALIASES.get(word, word)
            if word not in KINDS:
                raise ValueError(f"unknown identifier kind {raw.strip()!r}; choose from {', '.join(KINDS)}, all, default")
            out.add(word)
    return frozenset(out)
