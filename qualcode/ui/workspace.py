"""What the coding workspace does, without Streamlit: apply codes, describe undo.

Kept apart from the page so tests can call it directly and the page stays a thin
layer of widgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import QualcodeError
from ..model import HUMAN, Coding, Document
from ..store import Event, Project
from .render import trim_span

__all__ = ["ApplyResult", "apply_codes", "turn_span", "turn_label", "describe_undo", "short"]


@dataclass
class ApplyResult:
    """Codings made by one "apply" and the codes that were refused (with why)."""

    codings: list[Coding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def message(self) -> str:
        names = ", ".join(c.code_name or str(c.code_id) for c in self.codings)
        return f"Coded “{short(self.codings[0].snippet, 80)}” with {names}." if self.codings else ""


def apply_codes(
    project: Project,
    document_id: int,
    start: int,
    end: int,
    snippet: str,
    code_ids: Sequence[int],
    coder: str,
) -> ApplyResult:
    """Apply each code to ``[start, end)`` as ``coder``: one transaction (and one
    undo step) per code. A code that is refused (already applied to this span by
    this coder, a folder...) is reported and the others still go in."""
    result = ApplyResult()
    for code_id in code_ids:
        try:
            result.codings.append(
                project.add_coding(document_id, start, end, int(code_id), coder, snippet=snippet, origin=HUMAN)
            )
        except QualcodeError as exc:
            msg = str(exc)
            if "refused by the database" in msg:  # the unique constraint on (span, code, coder)
                msg = "you already applied this code to exactly this text"
            try:
                name = project.code(int(code_id)).name
            except QualcodeError:
                name = f"code {code_id}"
            result.problems.append(f"{name}: {msg}")
    return result


def turn_span(doc: Document, index: int) -> tuple[int, int]:
    """The whole text of turn ``index`` (without surrounding whitespace)."""
    seg = doc.segments[index]
    return trim_span(doc.text, seg.start, seg.end)


def short(text: str, n: int = 60) -> str:
    """One line of at most ``n`` characters."""
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def turn_label(doc: Document, index: int) -> str:
    """``12 · P01 · 03:15 · first words…`` for turn pickers."""
    from .render import format_timestamp

    seg = doc.segments[index]
    parts = [str(index + 1), seg.speaker or "—"]
    ts = format_timestamp(seg.timestamp)
    if ts:
        parts.append(ts)
    parts.append(short(doc.text[seg.start : seg.end], 50))
    return " · ".join(parts)


_UNDO_WORDS = {
    "coding.add": "a coding you added",
    "coding.remove": "a coding you removed",
    "coding.memo": "a coding memo you changed",
    "memo.set": "a memo you saved",
}


def describe_undo(event: Event | None) -> str:
    """A sentence for the researcher about what Undo just reverted."""
    if event is None:
        return "Nothing of yours to undo."
    what = _UNDO_WORDS.get(event.action, event.action)
    return f"Undone: {what} ({event.at.replace('T', ' ').rstrip('Z')} UTC)."
