"""Per-code thresholds from the researcher's own codings.

A fixed cut-off (say 0.7) means different things for different codes: a frequent,
well-worded code scores high, a rare subtle one low. So each code's threshold is the one
that maximises F1 on *cross-validated* scores: the coder's coded documents are split into
folds, the suggester is trained without one fold and scores it, as if the researcher
had not coded those documents yet. The precision, recall and F1 at that threshold are
what the Suggestions page reports as "how good are suggestions for this code".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold, KFold

from .features import UnitData
from .scorer import CodeScorer, SuggestConfig

__all__ = ["Calibration", "best_threshold", "calibrate", "cross_validated_scores", "exclusive_top"]


@dataclass
class Calibration:
    """Per code: threshold, whether it was calibrated, and cross-validated P/R/F1 (NaN if not)."""

    thresholds: np.ndarray
    calibrated: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    # Out-of-fold blended scores of the coded units (rows as ``idx`` passed to calibrate,
    # before the exclusive top-1), or None: what the consistency checks read.
    oof: np.ndarray | None = None
    # Cohen's kappa (present/absent) of the cross-validated suggestions at the threshold, with a
    # 95% bootstrap interval over the coded documents; NaN where not calibrated.
    kappa: np.ndarray | None = None
    kappa_low: np.ndarray | None = None
    kappa_high: np.ndarray | None = None

    def better_than_chance(self, j: int) -> bool | None:
        """Whether code ``j``'s suggestions beat chance (kappa interval above 0); None if unknown."""
        if self.kappa_low is None or np.isnan(self.kappa_low[j]):
            return None
        return bool(self.kappa_low[j] > 0)


def exclusive_top(scores: np.ndarray, groups: Sequence[tuple[list[int], bool]]) -> np.ndarray:
    """Within each mutually exclusive group keep only the best code's score (others 0)."""
    out = scores.copy()
    for cols, exclusive in groups:
        if exclusive and len(cols) > 1:
            sub = out[:, cols]
            keep = sub.argmax(axis=1)
            mask = np.zeros_like(sub, dtype=bool)
            mask[np.arange(len(sub)), keep] = True
            out[:, cols] = np.where(mask, sub, 0.0)
    return out


def best_threshold(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, float]:
    """``(threshold, precision, recall, f1)`` maximising F1 of ``scores >= threshold``."""
    truth = truth.astype(bool)
    if not truth.any():
        return float("nan"), float("nan"), float("nan"), float("nan")
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    tp = np.cumsum(t)
    k = np.arange(1, len(s) + 1)
    # Only cut between distinct scores: ties go in or out together.
    last_of_run = np.r_[s[1:] != s[:-1], True]
    precision, recall = tp / k, tp / t.sum()
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    f1 = np.where(last_of_run, f1, -1.0)
    i = int(np.argmax(f1))
    # Halfway to the next lower score generalises better than the exact score.
    below = s[i + 1] if i + 1 < len(s) else s[i] - 1e-3
    threshold = float((s[i] + below) / 2)
    return threshold, float(precision[i]), float(recall[i]), float(f1[i])


# Above this many coded excerpts 3 folds estimate thresholds as well as 5 and save 40% of
# the time (a fully coded AnnoMI, 9,873 excerpts: 195 s with 5 folds, 97 s with 3).
FEWER_FOLDS_ABOVE = 2000


def _folds(groups: np.ndarray, n_folds: int):
    if len(groups) > FEWER_FOLDS_ABOVE:
        n_folds = min(n_folds, 3)
    docs = np.unique(groups)
    if len(docs) >= 2:
        return list(GroupKFold(n_splits=min(n_folds, len(docs))).split(groups, groups=groups))
    if len(groups) >= 2 * 3:
        # One coded document: folds over its excerpts are the best estimate available.
        return list(KFold(n_splits=3, shuffle=True, random_state=0).split(groups))
    return []


def cross_validated_scores(parents: Sequence[object], data: UnitData, idx: np.ndarray, Y: np.ndarray,
                           D: np.ndarray, config: SuggestConfig, *, exclusive: bool = True) -> np.ndarray | None:
    """Out-of-fold blended scores for units ``idx`` (None when too few to split).

    ``exclusive=False`` keeps every code's score (not only the best of an exclusive group)."""
    folds = _folds(data.groups[idx], config.cv_folds)
    if not folds:
        return None
    out = np.zeros(Y.shape, dtype=np.float32)

    def one_fold(fold):
        tr, te = fold
        scorer = CodeScorer(parents, config).fit(data, idx[tr], Y[tr])
        return te, scorer.score(data, idx[te], D[te])

    # The folds are independent; the solver's sparse products and BLAS release the
    # interpreter lock, so two threads on two cores finish the folds in ~0.75x the time.
    workers = min(len(folds), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qualcode-cv") as pool:
        for te, scores in pool.map(one_fold, folds):
            out[te] = scores
    # Exclusivity is a property of the whole codebook, not of one fold's sample.
    return exclusive_top(out, _groups_like(parents, Y)) if exclusive else out


def _groups_like(parents: Sequence[object], Y: np.ndarray):
    from .scorer import find_groups

    return find_groups(parents, Y, np.ones(len(Y), dtype=bool))


def _kappa(tp, fp, fn, tn):
    """Binary Cohen's kappa; NaN where it is undefined (chance agreement is 1: every unit
    on one side in both the suggestions and the codings, so nothing tells skill from chance)."""
    n = tp + fp + fn + tn
    po = (tp + tn) / np.maximum(n, 1)
    pe = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / np.maximum(n, 1) ** 2
    return np.where(pe < 1 - 1e-12, (po - pe) / np.maximum(1 - pe, 1e-12), np.nan)


def kappa_interval(pred: np.ndarray, truth: np.ndarray, groups: np.ndarray, *, reps: int = 400,
                   seed: int = 0) -> tuple[float, float, float]:
    """Binary Cohen's kappa and a 95% bootstrap interval resampling ``groups`` (documents;
    excerpts when there is one document): neighbouring excerpts are not independent."""
    pred, truth = pred.astype(bool), truth.astype(bool)
    g = groups if len(np.unique(groups)) >= 2 else np.arange(len(groups))
    _, inv = np.unique(g, return_inverse=True)
    cells = np.stack([pred & truth, pred & ~truth, ~pred & truth, ~pred & ~truth], axis=1).astype(float)
    per = np.zeros((inv.max() + 1, 4))
    np.add.at(per, inv, cells)
    k = float(_kappa(*per.sum(axis=0)))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(per), size=(reps, len(per)))
    sums = per[draws].sum(axis=1)  # [reps, 4]
    boot = _kappa(sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3])
    boot = boot[~np.isnan(boot)]
    if np.isnan(k) or len(boot) < reps // 2:
        # Undefined on the data or on most resamples: unknown, not "no better than chance".
        return k, float("nan"), float("nan")
    return k, float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def calibrate(parents: Sequence[object], data: UnitData, idx: np.ndarray, Y: np.ndarray, D: np.ndarray,
              config: SuggestConfig) -> Calibration:
    """Thresholds for every code; codes with fewer than ``min_positives`` codings keep the default."""
    k = Y.shape[1]
    cal = Calibration(np.full(k, config.default_threshold, dtype=np.float32), np.zeros(k, dtype=bool),
                      np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan))
    positives = Y.sum(axis=0)
    if not (positives >= config.min_positives).any():
        return cal
    raw = cross_validated_scores(parents, data, np.asarray(idx, dtype=int), Y, D, config, exclusive=False)
    if raw is None:
        return cal
    cal.oof = raw
    cv = exclusive_top(raw, _groups_like(parents, Y))
    cal.kappa, cal.kappa_low, cal.kappa_high = (np.full(k, np.nan) for _ in range(3))
    for j in range(k):
        if positives[j] < config.min_positives or Y[:, j].all():
            # Coded on every unit: no negatives to set a threshold against, so it keeps the default.
            continue
        t, p, r, f = best_threshold(cv[:, j], Y[:, j])
        if np.isnan(t):
            continue
        cal.thresholds[j], cal.precision[j], cal.recall[j], cal.f1[j] = max(t, 1e-3), p, r, f
        cal.calibrated[j] = True
        cal.kappa[j], cal.kappa_low[j], cal.kappa_high[j] = kappa_interval(
            cv[:, j] >= cal.thresholds[j], Y[:, j], data.groups[np.asarray(idx, dtype=int)])
    return cal
