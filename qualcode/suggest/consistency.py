"""Consistency checks: a second pair of eyes on a coder's own codings.

Two lists, both read from what :meth:`Suggester.build` already computed (the cached
embeddings and the *out-of-fold* scores of calibration: every coded excerpt scored by a
model that was trained without its document), so they cost nothing extra:

* **unlike** (list a): codings that look unlike the rest of their code. For a code in a
  mutually exclusive group, the doubt is how much more the excerpt looks like the best
  other code of the group than like its own (``alternative score - own score``); for an
  overlapping code, how far its own score falls below the code's threshold. Possible
  mistakes, or a code whose meaning drifted while coding.
* **missed** (list b): excerpts in documents the coder has already coded that score at or
  above a code's threshold although the coder did not apply it there (for an exclusive
  group: excerpts that carry none of its codes). Possible misses.

The researcher answers each entry: keep the coding, change it to the suggested code or
remove it (list a); add the code or dismiss the entry (list b). Answers are recorded
like suggestion decisions (``suggestion_decisions``, suggester ``qualcode-consistency``)
and in the event log; an answered entry is not listed again for that coder.
Measured on AnnoMI in docs/suggestions.md ("Consistency checks").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import StoreError, SuggestionError
from ..model import SUGGESTION, Coding
from ..store.codes import move_coding
from ..store.decisions import record_decision
from .decisions import decision_log, origin_detail

__all__ = [
    "ADD", "CHECKER", "DISMISS", "KEEP", "RECODE", "REMOVE", "Consistency", "Missed", "Unlike",
    "add_missed", "check_consistency", "dismiss_missed", "keep_coding", "recode_coding", "remove_coding",
]

CHECKER = "qualcode-consistency"
VERSION = "1"
KEEP, RECODE, REMOVE = "keep", "recode", "remove"  # answers to list (a)
ADD, DISMISS = "add", "dismiss"  # answers to list (b)


@dataclass(frozen=True)
class Unlike:
    """A coding that looks unlike the rest of its code (list a)."""

    coding_id: int
    document_id: int
    document: str
    start: int
    end: int
    text: str
    speaker: str | None
    code_id: int
    code: str
    own_score: float  # out-of-fold score of its own code
    alternative_id: int | None  # the code it looks more like (same exclusive group), if any
    alternative: str | None
    alternative_score: float | None
    doubt: float  # > 0; larger = more unlike

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.document_id, self.start, self.end, self.code_id)


@dataclass(frozen=True)
class Missed:
    """An excerpt of a coded document that looks like a code the coder did not apply there (list b)."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    speaker: str | None
    code_id: int
    code: str
    score: float  # out-of-fold score
    threshold: float
    margin: float  # score - threshold, >= 0

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.document_id, self.start, self.end, self.code_id)


@dataclass(frozen=True)
class Consistency:
    """Both lists, most doubtful first, and what they were computed from."""

    unlike: list[Unlike]
    missed: list[Missed]
    checked_codings: int  # coded excerpts looked at
    checked_documents: int


def _answered(project, coder: str) -> set[tuple[int, int, int, int]]:
    return {(d.document_id, d.start, d.end, d.code_id)
            for d in decision_log(project, coder=coder, kinds=(KEEP, RECODE, REMOVE, ADD, DISMISS))
            if d.suggester == CHECKER}


def _group_of(groups) -> dict[int, tuple[list[int], bool]]:
    return {j: (list(cols), exclusive) for cols, exclusive in groups for j in cols}


def rank_unlike(oof: np.ndarray, Y: np.ndarray, groups, thresholds: np.ndarray,
                trained: np.ndarray, *, every: bool = False) -> list[tuple[int, int, int | None, float]]:
    """List (a) on arrays: ``(row, code, alternative code or None, doubt)`` with doubt > 0
    (``every``: whatever the doubt), most doubtful first.

    ``oof``/``Y`` are ``[unit, code]`` out-of-fold scores and labels; ``groups`` as
    :func:`~qualcode.suggest.scorer.find_groups`; only ``trained`` codes are judged.
    """
    group_of = _group_of(groups)
    out = []
    for r, j in zip(*np.nonzero(Y)):
        if not trained[j]:
            continue
        cols, exclusive = group_of[j]
        own = float(oof[r, j])
        others = [k for k in cols if k != j] if exclusive else []
        if others:
            alt = max(others, key=lambda k: oof[r, k])
            doubt = float(oof[r, alt]) - own
        else:
            alt, doubt = None, float(thresholds[j]) - own
        if doubt > 0 or every:
            out.append((int(r), int(j), None if alt is None else int(alt), doubt))
    out.sort(key=lambda t: (-t[3], t[0], t[1]))
    return out


def rank_missed(oof: np.ndarray, Y: np.ndarray, groups, thresholds: np.ndarray,
                trained: np.ndarray) -> list[tuple[int, int, float, float]]:
    """List (b) on arrays: ``(row, code, score, margin over threshold)``, largest margin first.

    A code of an exclusive group is a candidate only on rows with none of the group's
    codes, and only as the group's best-scoring code there.
    """
    group_of = _group_of(groups)
    out = []
    for j in np.flatnonzero(trained):
        cols, exclusive = group_of[j]
        cand = ~Y[:, j] & (oof[:, j] >= thresholds[j])
        if exclusive:
            cand &= ~Y[:, cols].any(axis=1) & (oof[:, j] >= oof[:, cols].max(axis=1))
        for r in np.flatnonzero(cand):
            out.append((int(r), int(j), float(oof[r, j]), float(oof[r, j] - thresholds[j])))
    out.sort(key=lambda t: (-t[3], t[0], t[1]))
    return out


def check_consistency(suggester, *, include_answered: bool = False) -> Consistency:
    """The two lists for the suggester's coder (see the module docstring).

    Needs a calibrated suggester (a code with 3+ codings in 2+ documents, or one document
    with enough excerpts to split); raises :class:`SuggestionError` otherwise. Entries the
    coder answered before are left out unless ``include_answered``.
    """
    cal = suggester.calibration
    idx = np.asarray(suggester.train_idx, dtype=int)
    if cal.oof is None or len(idx) == 0:
        raise SuggestionError("consistency checks need more coded excerpts: code at least 3 excerpts with a code, "
                              "in two or more transcripts")
    oof, Y = cal.oof, suggester.labels[idx]
    codes, units = suggester.codes, suggester.units
    thresholds = cal.thresholds
    trained = cal.calibrated  # codes with a model; the others have only a definition score
    answered = set() if include_answered else _answered(suggester.project, suggester.coder)
    current = [c for c in suggester.project.codings(coders=[suggester.coder]) if c.code_id in suggester._col]
    by_doc: dict[int, list[Coding]] = {}
    for c in current:
        by_doc.setdefault(c.document_id, []).append(c)

    # (a) per coding: the mean doubt over the excerpts it covers.
    per_coding: dict[int, list] = {}
    # Every excerpt of a coding counts (``every``), so a long coding is judged on all of it.
    for r, j, alt_j, doubt in rank_unlike(oof, Y, suggester.scorer.groups, thresholds, trained, every=True):
        u = units[idx[r]]
        for c in by_doc.get(u.document_id, ()):
            if c.code_id == codes[j].id and c.end > u.start and c.start < u.end:
                entry = per_coding.setdefault(c.id, [c, j, [], [], u])
                entry[2].append(doubt)
                entry[3].append((float(oof[r, j]), alt_j, float(oof[r, alt_j]) if alt_j is not None else None))
    unlike: list[Unlike] = []
    names = {u.document_id: u.document for u in units}
    for cid, (c, j, doubts, owns, first) in per_coding.items():
        doubt = float(np.mean(doubts))
        if doubt <= 0 or (c.document_id, c.start, c.end, c.code_id) in answered:
            continue
        own = float(np.mean([o[0] for o in owns]))
        alts = [o[1] for o in owns if o[1] is not None]
        alt_j = max(set(alts), key=alts.count) if alts else None
        alt_score = float(np.mean([o[2] for o in owns if o[1] == alt_j])) if alt_j is not None else None
        unlike.append(Unlike(cid, c.document_id, names[c.document_id], c.start, c.end, c.snippet,
                             first.speaker, c.code_id, codes[j].name, own,
                             codes[alt_j].id if alt_j is not None else None,
                             codes[alt_j].name if alt_j is not None else None, alt_score, doubt))
    unlike.sort(key=lambda x: (-x.doubt, x.document_id, x.start))

    # (b) excerpts of coded documents without the code (for an exclusive group: without any of its codes).
    coded_now = {(c.document_id, c.code_id): [] for c in current}
    for c in current:
        coded_now[(c.document_id, c.code_id)].append(c)
    missed: list[Missed] = []
    for r, j, score, margin in rank_missed(oof, Y, suggester.scorer.groups, thresholds, trained):
        u, code = units[idx[r]], codes[j]
        if (u.document_id, u.start, u.end, code.id) in answered:
            continue
        # Coded since the build (e.g. just added from this list): no longer missed.
        if any(c.end > u.start and c.start < u.end for c in coded_now.get((u.document_id, code.id), ())):
            continue
        missed.append(Missed(u.document_id, u.document, u.start, u.end, u.text, u.speaker, code.id, code.name,
                             score, float(thresholds[j]), margin))
    missed.sort(key=lambda x: (-x.margin, x.document_id, x.start))
    # Codings removed or recoded since the build are gone from list (a).
    live = {c.id: c for c in current}
    unlike = [x for x in unlike if x.coding_id in live and live[x.coding_id].code_id == x.code_id]
    return Consistency(unlike, missed, int(Y.any(axis=1).sum()), len({units[i].document_id for i in idx}))


def _record(conn, project, entry, decision: str, coder: str, score: float | None) -> None:
    record_decision(conn, project, document_id=entry.document_id, start=entry.start, end=entry.end,
                    code_id=entry.code_id, decision=decision, coder=coder, suggester=CHECKER, version=VERSION,
                    score=score)


def _need_coder(coder: str) -> None:
    if not coder or not coder.strip():
        raise StoreError("an answer to a consistency check needs the coder who gives it")


def _need_coding(project, entry: Unlike) -> None:
    # Changed or removed since the list was computed (another tab, undo): refuse, write nothing.
    if not any(c.id == entry.coding_id and c.code_id == entry.code_id for c in project.codings()):
        raise StoreError(f"{entry.document}: that coding has changed since the check; check again")


def keep_coding(project, entry: Unlike, coder: str) -> None:
    """The coding is right as it is: record that, and stop listing it."""
    _need_coder(coder)
    payload = {"coding_id": entry.coding_id, "code_id": entry.code_id, "doubt": round(entry.doubt, 4)}
    with project.write("consistency.keep", actor=coder, target_type="coding", target_id=entry.coding_id,
                       payload=payload) as (conn, _):
        _record(conn, project, entry, KEEP, coder, entry.own_score)


def recode_coding(project, entry: Unlike, coder: str, code_id: int | None = None) -> None:
    """Change the coding to ``code_id`` (default: the code it looks more like), in one transaction."""
    _need_coder(coder)
    target = code_id if code_id is not None else entry.alternative_id
    if target is None:
        raise SuggestionError("no other code to change this coding to; choose one")
    _need_coding(project, entry)
    payload = {"coding_id": entry.coding_id, "from_code_id": entry.code_id, "to_code_id": int(target)}
    with project.write("consistency.recode", actor=coder, target_type="coding", target_id=entry.coding_id,
                       payload=payload) as (conn, _):
        move_coding(conn, project, entry.coding_id, int(target))
        _record(conn, project, entry, RECODE, coder, entry.own_score)


def remove_coding(project, entry: Unlike, coder: str) -> None:
    """Delete the coding and record why, in one transaction."""
    _need_coder(coder)
    from ..store.codes import drop_coding

    _need_coding(project, entry)
    payload = {"coding_id": entry.coding_id, "code_id": entry.code_id, "doubt": round(entry.doubt, 4)}
    with project.write("consistency.remove", actor=coder, target_type="coding", target_id=entry.coding_id,
                       payload=payload) as (conn, _):
        drop_coding(conn, project, entry.coding_id)
        _record(conn, project, entry, REMOVE, coder, entry.own_score)


def add_missed(project, entry: Missed, coder: str) -> Coding:
    """Apply the code to the excerpt (origin "suggestion", detail names the checker) and record it."""
    _need_coder(coder)
    coding = project.add_coding(entry.document_id, entry.start, entry.end, entry.code_id, coder, snippet=entry.text,
                                origin=SUGGESTION, origin_detail=origin_detail(CHECKER, VERSION, entry.score))
    with project.write("consistency.add", actor=coder, target_type="coding", target_id=coding.id,
                       payload={"coding_id": coding.id, "code_id": entry.code_id}) as (conn, _):
        _record(conn, project, entry, ADD, coder, entry.score)
    return coding


def dismiss_missed(project, entry: Missed, coder: str) -> None:
    """The code does not apply there: record that, and stop listing it."""
    _need_coder(coder)
    with project.write("consistency.dismiss", actor=coder, target_type="document", target_id=entry.document_id,
                       payload={"code_id": entry.code_id, "start": entry.start, "end": entry.end}) as (conn, _):
        _record(conn, project, entry, DISMISS, coder, entry.score)
