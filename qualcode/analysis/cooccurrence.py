"""Which codes occur together: in the same speaker turn or in overlapping passages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..model import Code
from .frames import Unit, codebook_frame, filter_coder

__all__ = ["Cooccurrence", "cooccurrence"]


# --------------------------------------------------------------- co-occurrence
@dataclass(frozen=True)
class Cooccurrence:
    """Code co-occurrence over units (turns or overlapping passages).

    ``counts`` and ``jaccard`` are symmetric code × code frames (labels, codebook
    order). ``counts[a][b]`` is the number of units holding both codes;
    ``jaccard[a][b]`` is that number divided by the number of units holding either
    (the Jaccard index over units; ATLAS.ti calls the same ratio the
    c-coefficient). A code is not compared with itself: the diagonal of ``counts``
    is 0 and that of ``jaccard`` is NaN; ``jaccard`` is also NaN for a pair of codes
    neither of which occurs. ``occurrences`` is the number of units holding each
    code. ``unplaced`` counts codings that touch no turn (segment mode only).
    """

    unit: str
    counts: pd.DataFrame
    jaccard: pd.DataFrame
    occurrences: pd.Series
    unplaced: int = 0

    def pairs(self, *, min_count: int = 1) -> pd.DataFrame:
        """The upper triangle as ``code_a, code_b, count, jaccard``, strongest first."""
        labels = list(self.counts.index)
        rows = [
            (a, b, int(self.counts.iat[i, j]), float(self.jaccard.iat[i, j]))
            for i, a in enumerate(labels)
            for j, b in enumerate(labels)
            if i < j and self.counts.iat[i, j] >= min_count
        ]
        out = pd.DataFrame(rows, columns=["code_a", "code_b", "count", "jaccard"])
        return out.sort_values(["count", "jaccard"], ascending=False, kind="stable").reset_index(drop=True)


def cooccurrence(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    *,
    segments: pd.DataFrame | None = None,
    unit: Unit = "segment",
    coder: str | None = None,
    include_empty: bool = True,
) -> Cooccurrence:
    """How often two codes occur together.

    ``unit="segment"``: the unit is a speaker turn (``segments`` is
    ``project.segments_frame()``). A coding belongs to every turn its span shares
    at least one character with; a turn holds a code when any included coding of
    that code belongs to it, so two codings of one code in one turn count once.

    ``unit="overlap"``: codes co-occur where their spans overlap (share at least
    one character; spans that only touch do not). For each pair of codes the
    codings of the two codes in a document are merged into *passages*, maximal
    runs of overlapping spans; a passage holds both codes or one. ``counts`` is the
    number of passages holding both, and the Jaccard denominator the number of
    passages holding either, so a place where A and B overlap counts once however
    many coders coded it, and a third code never links A and B.

    See :class:`Cooccurrence` for the diagonal (0 / NaN) and the Jaccard index.
    """
    book = codebook_frame(codes)
    c = filter_coder(codings, coder)
    rows = book[book["codable"] | book["code_id"].isin(c["code_id"])]
    ids = list(rows["code_id"])
    pos = {cid: i for i, cid in enumerate(ids)}
    c = c[c["code_id"].isin(pos)]
    k = len(ids)
    unplaced = 0
    if unit == "segment":
        if segments is None:
            raise AnalysisError("co-occurrence by turn needs the segments frame (project.segments_frame())")
        units, unplaced = _turn_units(c, segments)
        x = np.zeros((len(units), k), dtype=np.int64)
        for u, code_ids in enumerate(units.values()):
            x[u, [pos[i] for i in code_ids]] = 1
        both = x.T @ x
        occ = np.diag(both).copy()
        union = occ[:, None] + occ[None, :] - both
    elif unit == "overlap":
        both, union, occ = _overlap_counts(c, pos)
    else:
        raise AnalysisError(f"unit must be 'segment' or 'overlap', not {unit!r}")
    both = both.astype(np.int64)
    np.fill_diagonal(both, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
    np.fill_diagonal(jac, np.nan)
    labels = pd.Index(rows["label"].tolist(), name="code")
    counts = pd.DataFrame(both, index=labels, columns=labels.rename("code_b"))
    jaccard = pd.DataFrame(jac, index=labels, columns=labels.rename("code_b"))
    occurrences = pd.Series(np.asarray(occ, dtype=np.int64), index=labels, name="units")
    if not include_empty:
        keep = occurrences > 0
        counts, jaccard, occurrences = counts.loc[keep, keep], jaccard.loc[keep, keep], occurrences[keep]
    return Cooccurrence(unit, counts, jaccard, occurrences, unplaced)


def _turn_units(codings: pd.DataFrame, segments: pd.DataFrame) -> tuple[dict[tuple[int, int], set[int]], int]:
    """Map each (document, turn) to the codes touching it; count codings touching no turn."""
    units: dict[tuple[int, int], set[int]] = {}
    unplaced = 0
    segs = {d: g.sort_values("start") for d, g in segments.groupby("document_id")}
    for doc_id, group in codings.groupby("document_id"):
        seg = segs.get(doc_id)
        if seg is None or seg.empty:
            unplaced += len(group)
            continue
        starts, ends, idx = seg["start"].to_numpy(), seg["end"].to_numpy(), seg["idx"].to_numpy()
        # Turns never overlap, so starts and ends are both sorted: binary search
        # finds the first turn ending after the span starts and the last starting before it ends.
        first = np.searchsorted(ends, group["start"].to_numpy(), side="right")
        last = np.searchsorted(starts, group["end"].to_numpy(), side="left") - 1
        for code_id, lo, hi in zip(group["code_id"], first, last):
            if lo > hi:
                unplaced += 1
            for t in range(lo, hi + 1):
                units.setdefault((int(doc_id), int(idx[t])), set()).add(int(code_id))
    return units, unplaced


def _passages(spans: Iterable[tuple[int, int, int]]) -> list[set[int]]:
    """Merge ``(start, end, tag)`` spans into runs of overlapping spans; the tags of each run."""
    runs: list[set[int]] = []
    end = -1
    for s, e, tag in sorted(spans):
        if runs and s < end:
            runs[-1].add(tag)
            end = max(end, e)
        else:
            runs.append({tag})
            end = e
    return runs


def _overlap_counts(codings: pd.DataFrame, pos: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = len(pos)
    both = np.zeros((k, k), dtype=np.int64)
    union = np.zeros((k, k), dtype=np.int64)
    occ = np.zeros(k, dtype=np.int64)
    for _, doc in codings.groupby("document_id"):
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for code_id, s, e in zip(doc["code_id"], doc["start"], doc["end"]):
            spans.setdefault(pos[int(code_id)], []).append((int(s), int(e), 0))
        alone = {i: len(_passages(v)) for i, v in spans.items()}
        for i, n in alone.items():
            occ[i] += n
        present = sorted(spans)
        for a_i, a in enumerate(present):
            for b in present[a_i + 1 :]:
                runs = _passages(spans[a] + [(s, e, 1) for s, e, _ in spans[b]])
                n_both = sum(1 for r in runs if len(r) == 2)
                both[a, b] += n_both
                # Passages of A or B = the merged runs; pairs absent from this
                # document are added from ``occ`` below.
                union[a, b] += len(runs) - alone[a] - alone[b]
    union = union + union.T + occ[:, None] + occ[None, :]
    both = both + both.T
    return both, union, occ
