"""The key: which original became which placeholder.

The key is what makes the replacement consistent (the same person is always
``[PERSON 1]``, across documents and across runs when the key is reloaded) and
what re-identifies everybody, so it is NEVER written into the project: the user
saves it to a file of their choosing (CSV or JSON) or discards it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeidError
from .kinds import LABELS, NUMBERED
from .lexicon import fold
from .pseudonyms import PSEUDONYMS
from .. import atomic

__all__ = ["Key", "KeyEntry", "STYLES", "speaker_form"]

STYLES = ("label", "pseudonym")
KEY_FORMAT = "qualcode-deid-key"
_NUMBERED_RE = re.compile(r"\[([A-Z]+) (\d+)\]")


def speaker_form(replacement: str) -> str:
    """How a replacement reads as a speaker label: ``[PERSON 1]`` -> ``PERSON 1``."""
    return replacement[1:-1] if replacement.startswith("[") and replacement.endswith("]") else replacement


@dataclass
class KeyEntry:
    """One entity: its kind, its replacement and every way it was written."""

    entity: str
    kind: str
    replacement: str
    originals: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)


class Key:
    """Assigns and remembers replacements; saved only where the user says."""

    def __init__(self, style: str = "label"):
        if style not in STYLES:
            raise DeidError(f"unknown replacement style {style!r}; choose {' or '.join(STYLES)}")
        self.style = style
        self.entries: dict[str, KeyEntry] = {}
        self._next: dict[str, int] = {}
        self._avoid: set[str] = set()  # folded real names a pseudonym must not be

    # ----------------------------------------------------------- assigning
    def avoid(self, names: Iterable[str]) -> None:
        """Real names (any case) that must never be handed out as pseudonyms."""
        for n in names:
            for w in n.split():
                self._avoid.add(fold(w))

    def reserve_numbers(self, texts: Iterable[str]) -> None:
        """Continue numbering after placeholders already in these texts.

        Used for documents already de-identified in the project without this key:
        a new ``[PERSON 1]`` would otherwise collide with someone else's.
        """
        for text in texts:
            for label, n in _NUMBERED_RE.findall(text):
                self._next[label] = max(self._next.get(label, 1), int(n) + 1)

    def _number(self, label: str) -> int:
        n = self._next.get(label, 1)
        self._next[label] = n + 1
        return n

    def _pseudonym(self) -> str | None:
        used = {e.replacement for e in self.entries.values()}
        for name in PSEUDONYMS:
            if name not in used and fold(name) not in self._avoid:
                return name
        return None

    def _bracket(self, text: str) -> str:
        return text if self.style == "pseudonym" else f"[{text}]"

    def replacement(self, entity: str, kind: str, fixed: str | None = None) -> str:
        """The replacement for an entity, assigning one on first sight.

        ``fixed`` is a replacement chosen by the user (a pseudonym from the
        known-names list, or the document's participant id) and wins on first
        sight; an entity keeps whatever it got first, so documents stay consistent.
        """
        entry = self.entries.get(entity)
        if entry is None:
            entry = KeyEntry(entity, kind, self._new_replacement(kind, fixed))
            self.entries[entity] = entry
        return entry.replacement

    def _new_replacement(self, kind: str, fixed: str | None) -> str:
        label = LABELS[kind]
        if fixed:
            return self._bracket(fixed)
        if kind == "person" and self.style == "pseudonym":
            name = self._pseudonym()
            if name:
                return name
        if kind in NUMBERED:
            return f"[{label} {self._number(label)}]"
        return f"[{label}]"

    def note(self, entity: str, original: str, document: str | None = None) -> None:
        """Record that ``original`` (as written) was replaced as ``entity``."""
        entry = self.entries[entity]
        entry.originals.add(original)
        if document:
            entry.documents.add(document)

    # ------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        # An empty key is still a key (it may carry reserved numbers): never falsy.
        return True

    def rows(self) -> list[dict[str, str]]:
        """One row per way an original was written: kind, original, replacement."""
        out = []
        for e in sorted(self.entries.values(), key=lambda e: (e.kind, _natural(e.replacement), e.entity)):
            for original in sorted(e.originals) or [""]:
                out.append(
                    {"kind": e.kind, "original": original, "replacement": e.replacement, "entity": e.entity,
                     "documents": "; ".join(sorted(e.documents))}
                )
        return out

    def copy(self) -> "Key":
        k = Key(self.style)
        k.entries = {
            ent: KeyEntry(e.entity, e.kind, e.replacement, set(e.originals), set(e.documents))
            for ent, e in self.entries.items()
        }
        k._next = dict(self._next)
        k._avoid = set(self._avoid)
        return k

    # ------------------------------------------------------- saving/loading
    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["kind", "original", "replacement", "entity", "documents"], lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows())
        return buf.getvalue()

    def to_json(self) -> str:
        data = {
            "format": KEY_FORMAT,
            "version": 1,
            "style": self.style,
            "warning": "This file re-identifies the study's participants. Keep it apart from the data.",
            "entries": [
                {"entity": e.entity, "kind": e.kind, "replacement": e.replacement,
                 "originals": sorted(e.originals), "documents": sorted(e.documents)}
                for e in sorted(self.entries.values(), key=lambda e: (e.kind, _natural(e.replacement)))
            ],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the key as JSON (``.json``) or CSV (anything else)."""
        p = Path(path)
        content = self.to_json() if p.suffix.lower() == ".json" else self.to_csv()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only and atomic: the key re-identifies participants.
            atomic.write_text(p, content, perms=0o600)
        except OSError as exc:
            raise DeidError(f"{p}: cannot write the key ({exc.strerror or exc})") from exc
        return p

    @classmethod
    def load(cls, path: str | Path, style: str | None = None) -> "Key":
        """Read a key saved earlier, to keep placeholders consistent with it."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise DeidError(f"{p}: cannot read the key ({exc.strerror or exc})") from exc
        try:
            return cls.parse(text, json_format=p.suffix.lower() == ".json", style=style)
        except (ValueError, KeyError, TypeError) as exc:
            raise DeidError(f"{p}: not a qualcode de-identification key ({exc})") from exc

    @classmethod
    def parse(cls, text: str, *, json_format: bool, style: str | None = None) -> "Key":
        from .names import entity_id

        if json_format:
            data = json.loads(text)
            if data.get("format") != KEY_FORMAT:
                raise ValueError("missing format marker")
            key = cls(style or data.get("style", "label"))
            rows = [
                {"entity": e["entity"], "kind": e["kind"], "replacement": e["replacement"], "original": o,
                 "documents": "; ".join(e.get("documents", []))}
                for e in data["entries"]
                for o in (e.get("originals") or [""])
            ]
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
            key = cls(style or "label")
        for r in rows:
            kind = r["kind"]
            if kind not in LABELS:
                raise ValueError(f"unknown kind {kind!r}")
            ent = r.get("entity") or entity_id(kind, r["original"])
            entry = key.entries.setdefault(ent, KeyEntry(ent, kind, r["replacement"]))
            if r.get("original"):
                entry.originals.add(r["original"])
                key.avoid([r["original"]] if kind == "person" else [])
            for d in (r.get("documents") or "").split(";"):
                if d.strip():
                    entry.documents.add(d.strip())
        key.reserve_numbers(e.replacement for e in key.entries.values())
        return key


def _natural(s: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))
