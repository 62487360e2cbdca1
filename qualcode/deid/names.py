"""The project's list of known names, and who is the same person.

A known-names file lists the real names the study must never show (participants
behind their pseudonyms, family, staff). One entry per line, as plain text or CSV::

    # name, replacement (optional), kind (optional: person place org facility keep)
    Maria Santos, P03
    Chinedu Okafor
    Kirkcaldy,,place
    Replika,,keep          # never propose this (the chatbot the study is about)

Known names are always caught, in any case, with accents or not, and in the
possessive ("maria's", "MARIA", "Maria’s"). A person's first and last names are
caught on their own too, unless two known people share them. A name that is also
an ordinary English word (Will, Hope, Grace) is caught only when capitalised.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeidError
from .kinds import KINDS
from .lexicon import fold, is_common_word, name_tokens, significant_tokens, strip_possessive
from .patterns import Hit

__all__ = ["KnownName", "KnownNames", "load_known_names", "entity_id", "resolve_people"]

_BOUNDARY_L = r"(?<![^\W_])"
_BOUNDARY_R = r"(?![^\W_])"


def entity_id(kind: str, text: str) -> str:
    """Identity of what a span names: same id, same placeholder.

    People are identified by their name tokens (titles and possessives removed);
    other kinds by their folded text without a leading "the"; contact details by
    their characters only (so "+44 7700 900123" and "+447700900123" are one phone).
    """
    if kind == "person":
        return "person:" + " ".join(name_tokens(text))
    key = fold(" ".join(text.split()))
    if kind in ("phone",):
        key = re.sub(r"\D", "", key)
    elif kind in ("email", "url", "handle"):
        key = key.strip().lstrip("@")
    else:
        key = re.sub(r"^the\s+", "", key)
        key = re.sub(r"(?:'s|s')$", "", key)
    return f"{kind}:{key}"


@dataclass(frozen=True)
class KnownName:
    """One entry of the known-names list."""

    name: str
    replacement: str | None = None  # e.g. the participant pseudonym "P03"
    kind: str = "person"  # or "keep": never propose this text

    @property
    def entity(self) -> str:
        return entity_id(self.kind, self.name)


@dataclass
class KnownNames:
    """The known-names list, compiled for matching."""

    entries: list[KnownName] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._compile()

    # ------------------------------------------------------------- building
    @classmethod
    def parse(cls, text: str, source: str = "known names") -> "KnownNames":
        """Parse the file format described in the module docstring."""
        entries: list[KnownName] = []
        problems: list[str] = []
        lines = [ln for ln in text.splitlines()]
        rows = list(csv.reader(io.StringIO("\n".join(_strip_comment(ln) for ln in lines)), skipinitialspace=True))
        for lineno, row in enumerate(rows, 1):
            cells = [c.strip() for c in row]
            if not cells or not cells[0]:
                continue
            if lineno == 1 and cells[0].lower() in ("name", "names", "real name", "original"):
                continue  # a header row
            kind = (cells[2].lower() if len(cells) > 2 and cells[2] else "person")
            kind = {"people": "person", "places": "place", "organisation": "org", "organization": "org"}.get(kind, kind)
            if kind not in KINDS and kind != "keep":
                problems.append(f"line {lineno}: unknown kind {cells[2]!r}")
                continue
            replacement = cells[1] if len(cells) > 1 and cells[1] else None
            entries.append(KnownName(cells[0], replacement, kind))
        if problems:
            raise DeidError(f"{source}: " + "; ".join(problems))
        return cls(entries)

    @classmethod
    def from_names(cls, names: Iterable[str] | Mapping[str, str | None]) -> "KnownNames":
        """From plain names, or a mapping name -> replacement."""
        if isinstance(names, Mapping):
            return cls([KnownName(n, r or None) for n, r in names.items()])
        return cls([KnownName(n) for n in names])

    def __len__(self) -> int:
        return len(self.entries)

    def merged(self, other: "KnownNames | None") -> "KnownNames":
        return KnownNames(self.entries + (other.entries if other else []))

    # ------------------------------------------------------------- matching
    def _compile(self) -> None:
        self.keep = frozenset(fold(" ".join(e.name.split())) for e in self.entries if e.kind == "keep")
        phrases = sorted((k for k in self.keep if " " in k), key=len, reverse=True)
        self._keep_regex = (
            re.compile(f"{_BOUNDARY_L}(?:" + "|".join(r"\s+".join(map(re.escape, k.split())) for k in phrases) + f"){_BOUNDARY_R}")
            if phrases else None
        )
        self.replacements: dict[str, str] = {}
        # variant (folded) -> set of entity ids it could mean
        variants: dict[str, set[str]] = defaultdict(set)
        self.kind_of: dict[str, str] = {}
        for e in self.entries:
            if e.kind == "keep":
                continue
            ent = e.entity
            self.kind_of[ent] = e.kind
            if e.replacement:
                self.replacements.setdefault(ent, e.replacement)
            variants[_norm(e.name)].add(ent)
            if e.kind == "person":
                for tok in significant_tokens(name_tokens(e.name)):
                    variants[tok].add(ent)
        self._variants = {v: ents for v, ents in variants.items() if v}
        if not self._variants:
            self._regex = None
            return
        alts = sorted(self._variants, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(p) for p in v.split()) for v in alts)
        self._regex = re.compile(f"{_BOUNDARY_L}(?:{body}){_BOUNDARY_R}")

    def person_anchors(self) -> dict[tuple[str, ...], str]:
        """Full names of known people -> entity id (for grouping name variants)."""
        return {name_tokens(e.name): e.entity for e in self.entries if e.kind == "person"}

    def find(self, text: str) -> list[tuple[Hit, str]]:
        """Every occurrence of a known name in ``text`` with the entity it means."""
        if self._regex is None:
            return []
        folded = fold(text)
        out: list[tuple[Hit, str]] = []
        for m in self._regex.finditer(folded):
            s, e = m.span()
            original = text[s:e]
            variant = " ".join(m.group(0).split())
            ents = self._variants.get(variant, set())
            if not ents:
                continue
            if is_common_word(variant) and original.islower():
                continue  # "will" the verb, not Will the brother
            if len(ents) == 1:
                ent = next(iter(ents))
                kind = self.kind_of[ent]
            else:
                # A first name two known people share: still a person, but which one
                # is unknown, so it gets a placeholder of its own.
                kind = "person"
                ent = entity_id("person", variant)
            out.append((Hit(s, e, kind, "known"), ent))
        return out

    def kept_phrases(self, text: str) -> list[tuple[int, int]]:
        """Where a kept phrase of two or more words ("Kia ora", "Valentine's Day")
        occurs in ``text``: a name found inside one is no name."""
        if self._keep_regex is None:
            return []
        return [m.span() for m in self._keep_regex.finditer(fold(text))]

    def is_kept(self, text: str) -> bool:
        return fold(" ".join(text.split())) in self.keep


def _strip_comment(line: str) -> str:
    # "#" starts a comment unless it is inside a name (rare; "#" is not a letter).
    return line.split("#", 1)[0] if "#" in line else line


def _norm(name: str) -> str:
    return fold(" ".join(strip_possessive(name.strip()).split()))


def load_known_names(path: str | Path | None) -> KnownNames:
    """Read a known-names file (plain text or CSV, UTF-8). None -> an empty list."""
    if path is None:
        return KnownNames()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DeidError(f"{p}: cannot read the known-names file ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return KnownNames.parse(text, source=str(p))


def resolve_people(
    mentions: Iterable[tuple[int, tuple[str, ...]]],
    anchors: Mapping[tuple[str, ...], str],
) -> dict[tuple[int, tuple[str, ...]], str]:
    """Decide which person each name mention is.

    ``mentions`` are ``(document index, name tokens)``; ``anchors`` are full names
    already known to be people (the known-names list, a loaded key) -> entity id.

    The rule (documented in docs/deidentification.md):

    1. Identical names are the same person.
    2. A name whose words are all contained in a longer name ("Maria" in "Maria
       Santos", "Santos" in "Maria Santos") is that person when exactly one such
       longer name occurs in the same document; failing that, when exactly one
       occurs in the whole batch (or the known-names list / loaded key).
    3. Otherwise (no longer name, or several: "Maria" with "Maria Santos" and
       "Maria Lopez" around) it is a person of its own.
    """
    mentions = list(mentions)
    full: dict[tuple[str, ...], str] = dict(anchors)
    per_doc: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for doc, toks in mentions:
        per_doc[doc].add(toks)
        if len(significant_tokens(toks)) >= 2 and toks not in full:
            full[toks] = "person:" + " ".join(toks)
    # A longer name joins the one longer name that contains it ("Maria Santos" in
    # "Maria Santos Reyes"), or else the one known person it extends ("Maria
    # Lopez" when the list knows only "Maria" ... and nobody else called Maria).
    anchor_sigs = {a: significant_tokens(a) for a in anchors}
    for toks in sorted(full, key=lambda t: len(significant_tokens(t)), reverse=True):
        if toks in anchors:
            continue
        sig = significant_tokens(toks)
        supers = {full[o] for o in full if o != toks and sig < significant_tokens(o)}
        if len(supers) == 1:
            full[toks] = next(iter(supers))
        elif not supers:
            subs = {anchors[a] for a, asig in anchor_sigs.items() if asig and asig < sig}
            if len(subs) == 1:
                full[toks] = next(iter(subs))

    def containing(candidates: Iterable[tuple[str, ...]], sig: frozenset[str]) -> set[str]:
        return {full[c] for c in candidates if c in full and sig <= significant_tokens(c)}

    out: dict[tuple[int, tuple[str, ...]], str] = {}
    for doc, toks in mentions:
        if toks in full:
            out[(doc, toks)] = full[toks]
            continue
        own = "person:" + " ".join(toks)
        sig = significant_tokens(toks)
        if not sig:
            out[(doc, toks)] = own
            continue
        local = containing(per_doc[doc], sig)
        if len(local) == 1:
            out[(doc, toks)] = next(iter(local))
        elif local:
            out[(doc, toks)] = own  # two Marias in this interview: cannot tell which
        else:
            everywhere = containing(full, sig)
            out[(doc, toks)] = next(iter(everywhere)) if len(everywhere) == 1 else own
    return out
