"""Accepting and rejecting suggestions.

Accepting makes an ordinary coding by the accepting coder, marked ``origin="suggestion"``
with the suggester's name, version and score in ``origin_detail``, so a paper can report
how many codings came from suggestions. Rejecting is remembered per coder: the same
(span, code) is not offered to that coder again. Both decisions are kept in the
``suggestion_decisions`` table and the event log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import StoreError
from ..model import SUGGESTION, Coding
from ..store.decisions import decision_rows, record_decision

__all__ = ["ACCEPT", "REJECT", "Decision", "accept", "decided_keys", "decision_log", "origin_detail", "reject"]

ACCEPT = "accept"
REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    """A coder's answer to one suggestion."""

    document_id: int
    start: int
    end: int
    code_id: int
    decision: str
    coder: str
    suggester: str
    suggester_version: str
    score: float | None
    at: str


def origin_detail(suggester: str, version: str, score: float | None, basis: str | None = None) -> str:
    """``qualcode-suggest/1 score=0.83 basis=model+definition`` (stored on accepted codings)."""
    detail = f"{suggester}/{version}"
    if score is not None:
        detail += f" score={score:.3f}"
    if basis:
        detail += f" basis={basis}"
    return detail


def accept(
    project,
    suggestion,
    coder: str,
    *,
    suggester: str,
    version: str,
) -> Coding:
    """Code the suggested span as ``coder`` and remember the acceptance.

    ``suggestion`` needs ``document_id, start, end, code_id, text, score`` (a
    :class:`~qualcode.suggest.Suggestion` has them). The snippet is checked against the
    transcript, so a suggestion computed before a document changed cannot code wrong text.
    """
    coding = project.add_coding(
        suggestion.document_id, suggestion.start, suggestion.end, suggestion.code_id, coder,
        snippet=suggestion.text, origin=SUGGESTION,
        origin_detail=origin_detail(suggester, version, suggestion.score, getattr(suggestion, "basis", None)),
    )
    payload = {"document_id": suggestion.document_id, "start": suggestion.start, "end": suggestion.end,
               "code_id": suggestion.code_id, "coding_id": coding.id, "score": float(suggestion.score)}
    with project.write("suggestion.accept", actor=coder, target_type="coding", target_id=coding.id, payload=payload) as (conn, _):
        record_decision(conn, project, document_id=suggestion.document_id, start=suggestion.start,
                        end=suggestion.end, code_id=suggestion.code_id, decision=ACCEPT, coder=coder,
                        suggester=suggester, version=version, score=suggestion.score)
    return coding


def reject(project, suggestion, coder: str, *, suggester: str, version: str) -> None:
    """Remember that ``coder`` does not want this code on this span."""
    if not coder or not coder.strip():
        raise StoreError("a rejection needs the coder who made it")
    payload = {"document_id": suggestion.document_id, "start": suggestion.start, "end": suggestion.end,
               "code_id": suggestion.code_id, "score": float(suggestion.score)}
    with project.write("suggestion.reject", actor=coder, target_type="document", target_id=suggestion.document_id,
                       payload=payload) as (conn, _):
        record_decision(conn, project, document_id=suggestion.document_id, start=suggestion.start,
                        end=suggestion.end, code_id=suggestion.code_id, decision=REJECT, coder=coder,
                        suggester=suggester, version=version, score=suggestion.score)


def decision_log(project, *, coder: str | None = None, kinds: Iterable[str] = (ACCEPT, REJECT)) -> list[Decision]:
    """Recorded decisions, oldest first (optionally one coder's)."""
    return [
        Decision(r["document_id"], r["start"], r["end"], r["code_id"], r["decision"], r["coder"], r["suggester"],
                 r["suggester_version"], r["score"], r["at"])
        for r in decision_rows(project, coder=coder, kinds=kinds)
    ]


def decided_keys(project, coder: str, *, kinds: Iterable[str] = (REJECT,)) -> set[tuple[int, int, int, int]]:
    """``{(document_id, start, end, code_id)}`` the coder has rejected (or decided, per ``kinds``)."""
    return {(d.document_id, d.start, d.end, d.code_id) for d in decision_log(project, coder=coder, kinds=kinds)}
