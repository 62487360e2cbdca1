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
from .render import trim_span, turn_pieces

__all__ = ["ApplyResult", "apply_codes", "turn_span", "turn_label", "describe_undo", "short"]


@dataclass
class ApplyResult:
    """Codings made by one "apply" and the codes that were refused (with why)."""

    codings: list[Coding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pieces: int = 1  # turns the selection was split into

    def message(self) -> str:
        if not self.codings:
            return ""
        names = ", ".join(dict.fromkeys(c.code_name or str(c.code_id) for c in self.codings))
        split = f" (one coding in each of {self.pieces} turns)" if self.pieces > 1 else ""
        return f"Coded “{short(self.codings[0].snippet, 80)}” with {names}{split}."


def apply_codes(
    project: Project,
    document_id: int,
    start: int,
    end: int,
    snippet: str,
    code_ids: Sequence[int],
    coder: str,
    doc: Document | None = None,
) -> ApplyResult:
    """Apply each code to ``[start, end)`` as ``coder``: one transaction (and one
    undo step) per code and turn. A code that is refused (already applied to this
    span by this coder, a folder...) is reported and the others still go in.

    With ``doc``, a span that crosses turns is cut into one coding per turn
    (:func:`~qualcode.ui.render.turn_pieces`): a quote never holds the next
    speaker's label or the text between turns.
    """
    pieces = turn_pieces(doc, start, end) if doc is not None else [(start, end)]
    if doc is not None and not pieces:
        return ApplyResult(problems=["the selection holds no turn text; select words inside a turn"])
    result = ApplyResult(pieces=len(pieces))
    for code_id in code_ids:
        for a, b in pieces:
            text = doc.text[a:b] if doc is not None else snippet
            try:
                result.codings.append(
                    project.add_coding(document_id, a, b, int(code_id), coder, snippet=text, origin=HUMAN)
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
    "coding.add": "your coding",
    "coding.remove": "your removal of the coding",
    "coding.memo": "your memo on the coding",
    "memo.set": "your memo",
}


def describe_undo(event: Event | None, project: Project | None = None) -> str:
    """A sentence for the researcher about what Undo just reverted: which code on
    which words, not only the kind of action."""
    if event is None:
        return "Nothing of yours to undo."
    what = _UNDO_WORDS.get(event.action, event.action)
    detail = ""
    coding = (event.payload or {}).get("coding") if event.action in ("coding.add", "coding.remove") else None
    if project is not None and coding:
        try:
            code = project.code(int(coding["code_id"])).name
            _, doc = project.document(int(coding["document_id"]))
            words = short(doc.text[int(coding["start"]) : int(coding["end"])], 50)
            detail = f" {code} on “{words}” in {doc.name}"
        except (QualcodeError, KeyError, TypeError, ValueError):
            detail = ""
    elif project is not None and event.action == "coding.memo" and event.target_id is not None:
        detail = f" (coding {event.target_id})"
    return f"Undone: {what}{detail}."
