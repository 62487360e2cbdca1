"""Writing the new text: edits applied with an exact offset map, and identifiers
scrubbed from a document's name, file path and metadata."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import DeidError
from .key import Key, speaker_form
from .lexicon import fold, is_common_word, name_tokens, significant_tokens, strip_possessive
from .spans import WORD_L, WORD_R

if TYPE_CHECKING:
    from .review import Review

__all__ = ["rewrite", "Scrubber"]

_L, _R = WORD_L, WORD_R


def rewrite(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, Callable[[int], int]]:
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
            raise DeidError("internal error: overlapping replacements")  # never: proposals are merged
        parts.append(text[pos:a])
        parts.append(r)
        pos = b
        total += len(r) - (b - a)
        ends.append(b)
        shifts.append(total)
    parts.append(text[pos:])
    def remap(offset: int) -> int:
        k = bisect.bisect_right(ends, offset)
        return offset + (shifts[k - 1] if k else 0)

    return "".join(parts), remap


class Scrubber:
    """Removes identifiers from a document's name, file path, participant and
    metadata: everything accepted in that document, plus the known names."""

    _SEP = r"[\s_.\-]+"

    def __init__(self, review: "Review", key: Key):
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
