"""Per-code agreement report, disagreement list and majority consensus."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._base import AgreementError, Coefficient, reliability_flag
from .coefficients import (
    bootstrap_ci,
    cohens_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)
from .units import CodedDocuments, character_unit_matrix, segment_unit_matrix, unit_table

__all__ = ["agreement_report", "disagreements", "majority_consensus", "REPORT_COLUMNS", "POOLED"]

POOLED = "pooled"
"""Label of the report row that pools every code x unit decision."""

REPORT_COLUMNS = [
    "code",
    "n_units",
    "n_coders",
    "percent_agreement",
    "cohens_kappa",
    "cohens_kappa_ci_low",
    "cohens_kappa_ci_high",
    "fleiss_kappa",
    "fleiss_kappa_ci_low",
    "fleiss_kappa_ci_high",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "flag",
    "note",
]


def _row(code: Hashable, m: np.ndarray, weights: np.ndarray | None, clusters: np.ndarray | None,
         n_boot: int, level: float, seed: int | None) -> dict:
    kw = dict(n_boot=n_boot, level=level, seed=seed, weights=weights, clusters=clusters)
    pa = percent_agreement(m, weights=weights)
    alpha = bootstrap_ci(krippendorff_alpha_nominal, m, **kw)
    fleiss = bootstrap_ci(fleiss_kappa, m, **kw)
    if m.shape[0] == 2:
        cohen = bootstrap_ci(cohens_kappa, m, **kw)
    else:
        cohen = Coefficient("Cohen's kappa", math.nan)
    notes = [alpha.note] if alpha.note else []
    notes += [f"Fleiss' kappa: {part}" for part in fleiss.note.split("; ") if "not coded by all" in part]
    return {
        "code": code,
        "n_units": alpha.n_units,
        "n_coders": alpha.n_coders,
        "percent_agreement": pa.value,
        "cohens_kappa": cohen.value,
        "cohens_kappa_ci_low": cohen.ci_low,
        "cohens_kappa_ci_high": cohen.ci_high,
        "fleiss_kappa": fleiss.value,
        "fleiss_kappa_ci_low": fleiss.ci_low,
        "fleiss_kappa_ci_high": fleiss.ci_high,
        "alpha": alpha.value,
        "alpha_ci_low": alpha.ci_low,
        "alpha_ci_high": alpha.ci_high,
        "flag": reliability_flag(alpha.value),
        "note": "; ".join(notes),
    }


def agreement_report(
    codings: pd.DataFrame,
    segments: pd.DataFrame | None,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable] | None = None,
    unit: str = "segment",
    n_boot: int = 1000,
    seed: int | None = 0,
    *,
    level: float = 0.95,
    texts: Mapping[Hashable, str] | None = None,
    lengths: Mapping[Hashable, int] | None = None,
    coded_documents: CodedDocuments | None = None,
    min_overlap: float | None = None,
    ignore_whitespace: bool = True,
) -> pd.DataFrame:
    """Agreement per code plus a pooled row, as a DataFrame (columns
    :data:`REPORT_COLUMNS`).

    ``unit="segment"``: binary presence units, one per segment and code (see
    :func:`~qualcode.agreement.segment_unit_matrix`, ``min_overlap`` and
    ``coded_documents`` as there). ``unit="character"``: binary character units (see
    :func:`~qualcode.agreement.character_unit_matrix`; ``segments`` may be ``None``
    when ``texts`` or ``lengths`` are given; ``ignore_whitespace`` as there).

    Per row: ``n_units`` = units entering alpha (pairable units; characters for
    character units), percent agreement, Cohen's kappa (only with exactly two coders,
    else ``nan``), Fleiss' kappa (units coded by all coders), Krippendorff's nominal
    alpha, each kappa/alpha with a percentile bootstrap CI (``n_boot``
    resamples at ``level``; ``n_boot=0``: no CI), and ``flag`` from alpha after
    Krippendorff (2004, p. 241): ``"reliable"`` >= .800, ``"tentative"`` .667-.800,
    ``"unreliable"`` < .667, ``"undefined"`` when alpha is ``nan`` (e.g. a code
    nobody used).

    The ``"pooled"`` row concatenates all code x unit presence decisions into one
    binary reliability matrix (codes x units columns) and computes the same
    coefficients on it; its bootstrap resamples whole segments (for character
    units: the clusters) with all their code decisions, since decisions on one
    segment are not independent. Alternatives (the mean of per-code alphas, or
    Krippendorff's multi-valued alpha over code sets) are discussed in
    ``docs/agreement.md``.

    ``DataFrame.attrs`` records ``unit``, ``unit_note`` (how units and boundaries
    were built), ``level``, ``n_boot`` and ``seed``.
    """
    coders = list(coders)
    if unit == "segment":
        if segments is None:
            raise AgreementError("segment units need the segments DataFrame")
        mats = segment_unit_matrix(codings, segments, coders, codes, min_overlap=min_overlap,
                                   coded_documents=coded_documents)
        n_units = len(unit_table(segments))
        weights, clusters = None, None
        pooled_weights, pooled_clusters = None, np.tile(np.arange(n_units), len(mats))
        rule = ("overlap of at least one character" if min_overlap is None
                else f"coverage of at least {min_overlap:.0%} of the segment")
        unit_note = f"segment x code presence units: {n_units} segments; a code is present for a coder on {rule}"
    elif unit == "character":
        cu = character_unit_matrix(codings, coders, codes, segments=segments, texts=texts, lengths=lengths,
                                   ignore_whitespace=ignore_whitespace, coded_documents=coded_documents)
        mats = cu.matrices
        weights, clusters = cu.weights, cu.clusters
        pooled_weights = np.tile(weights, len(mats))
        pooled_clusters = np.tile(clusters, len(mats))
        unit_note = cu.note + f"; bootstrap resamples {cu.clustered_by}s"
    else:
        raise AgreementError(f"unit must be 'segment' or 'character', got {unit!r}")

    rows = [_row(code, m, weights, clusters, n_boot, level, seed) for code, m in mats.items()]
    if mats:
        pooled = np.concatenate(list(mats.values()), axis=1)
    else:
        pooled = np.zeros((len(coders), 0))
        pooled_clusters = None
    rows.append(_row(POOLED, pooled, pooled_weights, pooled_clusters, n_boot, level, seed))
    df = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    df.attrs.update(unit=unit, unit_note=unit_note, level=level, n_boot=n_boot, seed=seed)
    return df


def disagreements(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable] | None = None,
    *,
    min_overlap: float | None = None,
    coded_documents: CodedDocuments | None = None,
) -> pd.DataFrame:
    """Every segment x code on which the coders who coded it disagree.

    One row per (segment, code) where at least one coder applied the code and at
    least one other coder of that document did not (presence as in
    :func:`~qualcode.agreement.segment_unit_matrix`). Columns: ``document``,
    ``start``, ``end`` (the segment), ``code``, ``applied_by`` and
    ``not_applied_by`` (lists of coders, in the order given), ``missing`` (coders
    who did not code the document, per ``coded_documents``), ``unit`` (the row of
    :func:`~qualcode.agreement.unit_table`). Sorted by unit, then code order.
    """
    coders = list(coders)
    units = unit_table(segments)
    mats = segment_unit_matrix(codings, segments, coders, codes, min_overlap=min_overlap,
                               coded_documents=coded_documents)
    found = []
    for k, (code, m) in enumerate(mats.items()):
        yes = np.nansum(m == 1, axis=0)
        no = np.nansum(m == 0, axis=0)
        for u in np.flatnonzero((yes > 0) & (no > 0)):
            col = m[:, u]
            found.append((u, k, {
                "document": units["document"].iloc[u],
                "start": int(units["start"].iloc[u]),
                "end": int(units["end"].iloc[u]),
                "code": code,
                "applied_by": [c for c, v in zip(coders, col, strict=True) if v == 1],
                "not_applied_by": [c for c, v in zip(coders, col, strict=True) if v == 0],
                "missing": [c for c, v in zip(coders, col, strict=True) if np.isnan(v)],
                "unit": int(u),
            }))
    found.sort(key=lambda t: (t[0], t[1]))
    cols = ["document", "start", "end", "code", "applied_by", "not_applied_by", "missing", "unit"]
    return pd.DataFrame([r for _, _, r in found], columns=cols)


def majority_consensus(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable] | None = None,
    threshold: float = 0.5,
    extra_voter: Hashable | None = None,
    *,
    min_overlap: float | None = None,
    coded_documents: CodedDocuments | None = None,
    quorum: int = 2,
) -> pd.DataFrame:
    """Segment-level majority consensus: which codes go to which segment, and on which spans.

    Each segment x code is a vote among the coders who coded the segment's
    document (presence as in :func:`~qualcode.agreement.segment_unit_matrix`); the
    code goes to the consensus when ``votes_for > threshold * votes_total``
    (strictly: with two coders and the default 0.5, both must agree; a tie is not a
    majority). ``extra_voter`` names one more coder whose codings count as one more
    vote (e.g. accepted machine suggestions, as in ensemble labelling); it must not
    also be in ``coders``. Pure: nothing is written anywhere.

    **Quorum**: a segment is voted on only when at least ``quorum`` voters coded its
    document (default 2), so one coder alone is never a consensus.

    **Spans** (``spans``, the rule in ``span_rule``): inside a winning segment the
    consensus keeps the characters that more than ``threshold`` of the segment's
    voters covered with the code (``"majority of characters"``: with two coders, the
    intersection of their spans); when no character reaches that (the voters marked
    different parts of the turn), the union of the voters' spans inside the segment
    (``"union"``). Never the whole turn unless the coders marked it.

    Returns a DataFrame with ``document``, ``start``, ``end`` (the segment), ``code``,
    ``votes_for``, ``votes_total``, ``voters`` (list of the voters who applied
    the code), ``spans`` (list of ``(start, end)``) and ``span_rule``, one row per
    segment x code, in unit order then code order.
    """
    if not 0 <= threshold < 1:
        raise AgreementError(f"threshold must be in [0, 1), got {threshold}")
    if quorum < 1:
        raise AgreementError(f"quorum must be at least 1, got {quorum}")
    voters = list(coders)
    if extra_voter is not None:
        if extra_voter in voters:
            raise AgreementError(f"extra_voter {extra_voter!r} is already one of the coders")
        voters.append(extra_voter)
    units = unit_table(segments)
    mats = segment_unit_matrix(codings, segments, voters, codes, min_overlap=min_overlap,
                               coded_documents=coded_documents)
    found = []
    for k, (code, m) in enumerate(mats.items()):
        votes_for = np.nansum(m == 1, axis=0)
        votes_total = np.sum(~np.isnan(m), axis=0)
        win = (votes_total >= quorum) & (votes_for - threshold * votes_total > 1e-9)
        for u in np.flatnonzero(win):
            who = [v for v, x in zip(voters, m[:, u], strict=True) if x == 1]
            spans, rule = _consensus_spans(codings, units["document"].iloc[u], int(units["start"].iloc[u]),
                                           int(units["end"].iloc[u]), code, who, threshold * votes_total[u])
            found.append((u, k, {
                "document": units["document"].iloc[u],
                "start": int(units["start"].iloc[u]),
                "end": int(units["end"].iloc[u]),
                "code": code,
                "votes_for": int(votes_for[u]),
                "votes_total": int(votes_total[u]),
                "voters": who,
                "spans": spans,
                "span_rule": rule,
            }))
    found.sort(key=lambda t: (t[0], t[1]))
    cols = ["document", "start", "end", "code", "votes_for", "votes_total", "voters", "spans", "span_rule"]
    return pd.DataFrame([r for _, _, r in found], columns=cols)


def _consensus_spans(codings: pd.DataFrame, document: Hashable, start: int, end: int, code: Hashable,
                     who: Sequence[Hashable], need: float) -> tuple[list[tuple[int, int]], str]:
    """The consensus spans of one segment x code (rule in :func:`majority_consensus`)."""
    c = codings[(codings["document"] == document) & (codings["code"] == code) & codings["coder"].isin(list(who))
                & (codings["start"] < end) & (codings["end"] > start)]
    events: dict[int, int] = {}
    for coder, rows in c.groupby("coder"):
        # One coder's overlapping spans count once per character.
        merged: list[list[int]] = []
        for s0, e0 in sorted(zip(rows["start"].clip(lower=start), rows["end"].clip(upper=end))):
            if merged and s0 <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], int(e0))
            else:
                merged.append([int(s0), int(e0)])
        for s0, e0 in merged:
            events[s0] = events.get(s0, 0) + 1
            events[e0] = events.get(e0, 0) - 1
    cuts = sorted(events)
    depth, pieces = 0, []
    for a, b in zip(cuts, cuts[1:]):
        depth += events[a]
        pieces.append((a, b, depth))

    def runs(ok) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for a, b, d in pieces:
            if ok(d):
                if out and out[-1][1] == a:
                    out[-1] = (out[-1][0], b)
                else:
                    out.append((a, b))
        return out

    major = runs(lambda d: d - need > 1e-9)
    if major:
        return major, "majority of characters"
    return runs(lambda d: d > 0), "union"
