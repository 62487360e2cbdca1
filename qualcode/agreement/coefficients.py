"""Agreement coefficients on a coders x units matrix, and the unit bootstrap.

Every coefficient takes a *reliability-data matrix*: one row per coder, one column
per unit, each cell the category that coder gave that unit, ``nan``/``None`` when
the coder gave none (missing). Categories can be numbers, strings or booleans; only
equality between them matters (all coefficients here are nominal).

An optional ``weights`` vector gives each unit (column) a multiplicity: a column of
weight 3 counts exactly like three identical columns. Character-level data uses it
to represent runs of identically coded characters (see
:func:`~qualcode.agreement.character_unit_matrix`); the bootstrap uses it for the
resamples. Every coefficient is a function of weighted sums over units of per-unit
quantities, so the point estimate and all bootstrap replicates are computed by the
same code (one matrix product per replicate block).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ._base import AgreementError, Coefficient

__all__ = [
    "percent_agreement",
    "cohens_kappa",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "bootstrap_ci",
]

_EPS = 1e-12


# --------------------------------------------------------------------------- encoding


def _encode(matrix: Any) -> tuple[np.ndarray, int]:
    """Return (codes, K): an int array coders x units with -1 for missing, and the
    number of distinct categories."""
    if isinstance(matrix, pd.DataFrame):
        matrix = matrix.to_numpy()
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise AgreementError(f"expected a 2-D coders x units matrix, got {arr.ndim} dimension(s)")
    flat = arr.ravel()
    if arr.dtype.kind in "fiub":
        flat = flat.astype(float)
    codes, uniques = pd.factorize(flat, use_na_sentinel=True, sort=False)
    return codes.reshape(arr.shape).astype(np.int64), len(uniques)


def _counts(codes: np.ndarray, k: int) -> np.ndarray:
    """units x K matrix: how many coders gave each category to each unit."""
    n_units = codes.shape[1]
    unit_idx = np.broadcast_to(np.arange(n_units), codes.shape)
    ok = codes >= 0
    flat = unit_idx[ok] * max(k, 1) + codes[ok]
    return np.bincount(flat, minlength=n_units * max(k, 1)).reshape(n_units, max(k, 1)).astype(float)


def _weights(weights: Any, n_units: int) -> np.ndarray:
    if weights is None:
        return np.ones(n_units)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_units,):
        raise AgreementError(f"weights must have one entry per unit ({n_units}), got shape {w.shape}")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise AgreementError("weights must be finite and non-negative")
    return w


# ------------------------------------------------------------- per-statistic machinery


@dataclass
class _Prepared:
    """Per-unit quantities of the units that enter one statistic."""

    used: np.ndarray  # bool mask over all units (columns)
    parts: dict[str, np.ndarray]  # each with leading dimension = number of used units
    n_coders: int
    problem: str = ""  # non-empty: the statistic cannot be computed at all
    extra_note: str = ""


@dataclass(frozen=True)
class _Spec:
    name: str
    prepare: Callable[[np.ndarray, int], _Prepared]
    evaluate: Callable[[dict[str, np.ndarray]], np.ndarray]  # weighted sums -> values
    undefined_note: Callable[[dict[str, np.ndarray]], str]


def _sums(parts: dict[str, np.ndarray], w: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted sums over units; ``w`` is (B, U) and every result has leading dim B."""
    return {key: w @ val for key, val in parts.items()}


def _coders_present(codes: np.ndarray, used: np.ndarray) -> int:
    return int(np.sum(np.any(codes[:, used] >= 0, axis=1)))


# percent agreement ---------------------------------------------------------------


def _prep_percent(codes: np.ndarray, k: int) -> _Prepared:
    n = _counts(codes, k)
    m = n.sum(axis=1)
    used = m >= 2
    pairs = m * (m - 1) / 2
    agree = (n * (n - 1) / 2).sum(axis=1)
    return _Prepared(used, {"pairs": pairs[used], "agree": agree[used]}, _coders_present(codes, used))


def _eval_percent(s: dict[str, np.ndarray]) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s["pairs"] > 0, s["agree"] / np.where(s["pairs"] > 0, s["pairs"], 1), np.nan)


_PERCENT = _Spec(
    "percent agreement",
    _prep_percent,
    _eval_percent,
    lambda s: "undefined: no unit has values from two or more coders",
)


# Cohen's kappa --------------------------------------------------------------------


def _prep_cohen(codes: np.ndarray, k: int) -> _Prepared:
    if codes.shape[0] != 2:
        return _Prepared(np.zeros(codes.shape[1], bool), {}, codes.shape[0],
                         problem=f"undefined: Cohen's kappa needs exactly 2 coders, got {codes.shape[0]}")
    a, b = codes
    used = (a >= 0) & (b >= 0)
    kk = max(k, 1)
    eye = np.eye(kk)
    parts = {
        "n": np.ones(int(used.sum())),
        "agree": (a[used] == b[used]).astype(float),
        "pa": eye[a[used]] if used.any() else np.zeros((0, kk)),
        "pb": eye[b[used]] if used.any() else np.zeros((0, kk)),
    }
    dropped = int((~used).sum())
    note = f"{dropped} unit(s) without values from both coders dropped" if dropped else ""
    return _Prepared(used, parts, _coders_present(codes, used), extra_note=note)


def _cohen_po_pe(s: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    n = np.where(s["n"] > 0, s["n"], 1.0)
    po = s["agree"] / n
    pe = ((s["pa"] / n[:, None]) * (s["pb"] / n[:, None])).sum(axis=1)
    return po, pe


def _eval_cohen(s: dict[str, np.ndarray]) -> np.ndarray:
    po, pe = _cohen_po_pe(s)
    ok = (s["n"] > 0) & (1 - pe > _EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (po - pe) / np.where(ok, 1 - pe, 1), np.nan)


def _note_cohen(s: dict[str, np.ndarray]) -> str:
    if s["n"][0] <= 0:
        return "undefined: no unit coded by both coders"
    return "undefined: no variation (both coders used one and the same category throughout; p_e = 1)"


_COHEN = _Spec("Cohen's kappa", _prep_cohen, _eval_cohen, _note_cohen)


# Fleiss' kappa --------------------------------------------------------------------


def _prep_fleiss(codes: np.ndarray, k: int) -> _Prepared:
    r = codes.shape[0]
    if r < 2:
        return _Prepared(np.zeros(codes.shape[1], bool), {}, r,
                         problem=f"undefined: Fleiss' kappa needs at least 2 coders, got {r}")
    n = _counts(codes, k)
    m = n.sum(axis=1)
    used = m == r
    nu = n[used]
    p_i = ((nu * nu).sum(axis=1) - r) / (r * (r - 1))
    parts = {"n": np.ones(len(nu)), "p_i": p_i, "counts": nu / r}
    dropped = int((~used).sum())
    note = f"{dropped} unit(s) not coded by all {r} coders dropped" if dropped else ""
    return _Prepared(used, parts, r if used.any() else 0, extra_note=note)


def _eval_fleiss(s: dict[str, np.ndarray]) -> np.ndarray:
    n = np.where(s["n"] > 0, s["n"], 1.0)
    p_bar = s["p_i"] / n
    p_j = s["counts"] / n[:, None]
    p_e = (p_j * p_j).sum(axis=1)
    ok = (s["n"] > 0) & (1 - p_e > _EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, (p_bar - p_e) / np.where(ok, 1 - p_e, 1), np.nan)


def _note_fleiss(s: dict[str, np.ndarray]) -> str:
    if s["n"][0] <= 0:
        return "undefined: no unit coded by all coders"
    return "undefined: no variation (every rating is the same category; P_e = 1)"


_FLEISS = _Spec("Fleiss' kappa", _prep_fleiss, _eval_fleiss, _note_fleiss)


# Krippendorff's alpha (nominal) ---------------------------------------------------


def _prep_alpha(codes: np.ndarray, k: int) -> _Prepared:
    n = _counts(codes, k)
    m = n.sum(axis=1)
    used = m >= 2
    nu, mu = n[used], m[used]
    diag = (nu * (nu - 1)).sum(axis=1) / np.where(mu > 1, mu - 1, 1)
    dropped = int(((m == 1)).sum())
    note = f"{dropped} unit(s) with a single value (not pairable) dropped" if dropped else ""
    return _Prepared(used, {"m": mu, "diag": diag, "counts": nu}, _coders_present(codes, used), extra_note=note)


def _eval_alpha(s: dict[str, np.ndarray]) -> np.ndarray:
    n = s["m"]
    observed = n - s["diag"]  # sum of off-diagonal coincidences
    expected = n * n - (s["counts"] * s["counts"]).sum(axis=1)  # n^2 - sum_c n_c^2
    ok = (n > 0) & (expected > _EPS * np.maximum(n * n, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, 1 - (n - 1) * observed / np.where(ok, expected, 1), np.nan)


def _note_alpha(s: dict[str, np.ndarray]) -> str:
    if s["m"][0] <= 0:
        return "undefined: no unit has values from two or more coders"
    return "undefined: no variation (every pairable value is the same category; D_e = 0)"


_ALPHA = _Spec("Krippendorff's alpha (nominal)", _prep_alpha, _eval_alpha, _note_alpha)


# ------------------------------------------------------------------------ public API


def _point(spec: _Spec, codes: np.ndarray, k: int, weights: Any) -> tuple[Coefficient, _Prepared, np.ndarray]:
    w_all = _weights(weights, codes.shape[1])
    prep = spec.prepare(codes, k)
    if prep.problem:
        return Coefficient(spec.name, math.nan, n_coders=prep.n_coders, note=prep.problem), prep, w_all
    # units with weight 0 do not enter the statistic
    keep = w_all[prep.used] > 0
    if not keep.all():
        idx = np.flatnonzero(prep.used)
        prep.used = prep.used.copy()
        prep.used[idx[~keep]] = False
        prep.parts = {key: val[keep] for key, val in prep.parts.items()}
        prep.n_coders = _coders_present(codes, prep.used)
    w = w_all[prep.used]
    sums = _sums(prep.parts, w[None, :]) if prep.used.any() else {
        key: np.zeros((1,) + val.shape[1:]) for key, val in prep.parts.items()
    }
    value = float(spec.evaluate(sums)[0])
    notes = []
    if math.isnan(value):
        notes.append(spec.undefined_note(sums))
    if prep.extra_note:
        notes.append(prep.extra_note)
    total = float(w.sum())
    n_units = int(round(total)) if abs(total - round(total)) < 1e-9 else total
    coef = Coefficient(spec.name, value, n_units=n_units, n_coders=prep.n_coders, note="; ".join(notes))
    return coef, prep, w_all


def percent_agreement(matrix: Any, *, weights: Any = None) -> Coefficient:
    """Observed (pairwise) percent agreement, as a proportion in [0, 1].

    For every unit with values from ``m >= 2`` coders there are ``m(m-1)/2`` coder
    pairs; the result is the number of agreeing pairs over the number of pairs,
    summed over all units (for two coders: the share of units on which they agree).
    Units with fewer than two values are ignored. Not chance-corrected: with rare
    codes it is dominated by agreement on absence.

    Args:
        matrix: coders x units; ``nan``/``None`` = missing.
        weights: optional multiplicity of each unit (column).
    """
    codes, k = _encode(matrix)
    return _point(_PERCENT, codes, k, weights)[0]


def cohens_kappa(a: Any, b: Any = None, *, weights: Any = None) -> Coefficient:
    """Cohen's (1960) kappa for two coders and any number of nominal categories.

    ``kappa = (p_o - p_e) / (1 - p_e)`` where ``p_o`` is the proportion of units on
    which the two coders agree and ``p_e = sum_k p_a(k) * p_b(k)`` is the chance
    agreement from each coder's *own* marginal proportions (for two categories
    ``p_a(yes) p_b(yes) + p_a(no) p_b(no)``, not ``P(yes) * P(no)``). Units where
    either coder is missing are dropped. Undefined (``nan``, with a note) when
    ``p_e = 1``, i.e. both coders used one and the same category throughout.

    Call as ``cohens_kappa(a, b)`` with two 1-D sequences, or ``cohens_kappa(m)``
    with a 2 x units matrix (the form :func:`bootstrap_ci` uses).

    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement*, 20(1), 37-46.
    """
    if b is None:
        matrix = a
    else:
        rows = [np.asarray(x) for x in (a, b)]
        if rows[0].ndim != 1 or rows[1].shape != rows[0].shape:
            raise AgreementError("cohens_kappa(a, b) needs two 1-D sequences of equal length")
        if all(r.dtype.kind in "fiub" for r in rows):
            matrix = np.vstack([r.astype(float) for r in rows])
        else:  # strings, None, mixed: compared as Python objects, None/nan = missing
            matrix = np.vstack([r.astype(object) for r in rows])
    codes, k = _encode(matrix)
    return _point(_COHEN, codes, k, weights)[0]


def fleiss_kappa(matrix: Any, *, weights: Any = None) -> Coefficient:
    """Fleiss' (1971) kappa for several coders, nominal categories.

    With ``N`` units each rated by the same number ``n`` of coders, ``n_ij`` the
    number of coders who put unit ``i`` in category ``j``:
    ``P_i = (sum_j n_ij^2 - n) / (n(n-1))``, ``P_bar = mean_i P_i``,
    ``p_j = sum_i n_ij / (N n)``, ``P_e = sum_j p_j^2`` and
    ``kappa = (P_bar - P_e) / (1 - P_e)``. Chance agreement is the *sum of squared*
    category proportions. Only units with a value from every coder (row) are used;
    the note says how many were dropped. Undefined (``nan``) when ``P_e = 1``.

    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin*, 76(5), 378-382.
    """
    codes, k = _encode(matrix)
    return _point(_FLEISS, codes, k, weights)[0]


def krippendorff_alpha_nominal(matrix: Any, *, weights: Any = None) -> Coefficient:
    """Krippendorff's alpha for nominal data, any number of coders, missing allowed.

    Following Krippendorff (2011): units with fewer than two values are not
    pairable and are dropped; in each remaining unit ``u`` with ``m_u`` values, every
    ordered pair of values from different coders adds ``1/(m_u - 1)`` to the
    coincidence matrix ``o_ck``. With ``n_c = sum_k o_ck`` and ``n = sum_c n_c``
    (the number of pairable values),
    ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k``
    ``      = 1 - (n - 1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2)``.
    Undefined (``nan`` with a note) when there is no pairable unit or no
    variation (all pairable values in one category: ``D_e = 0``).

    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg
    School for Communication, University of Pennsylvania.
    https://repository.upenn.edu/asc_papers/43 ; Krippendorff, K. (2004). *Content
    analysis* (2nd ed.), Sage, ch. 11.
    """
    codes, k = _encode(matrix)
    return _point(_ALPHA, codes, k, weights)[0]


_SPECS: dict[Callable[..., Coefficient], _Spec] = {
    percent_agreement: _PERCENT,
    cohens_kappa: _COHEN,
    fleiss_kappa: _FLEISS,
    krippendorff_alpha_nominal: _ALPHA,
}


def _resample_counts(rng: np.random.Generator, n_rep: int, n_groups: int) -> np.ndarray:
    """(n_rep, n_groups) counts of how often each group is drawn (n_groups draws)."""
    idx = rng.integers(0, n_groups, size=(n_rep, n_groups))
    flat = (idx + n_groups * np.arange(n_rep)[:, None]).ravel()
    return np.bincount(flat, minlength=n_rep * n_groups).reshape(n_rep, n_groups).astype(float)


_BLOCK = 4_000_000  # entries of one (replicates x groups) block of resample counts


def _draw_blocks(seed: int | None, n_boot: int, n_groups: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, _BLOCK // n_groups))
    out, done = [], 0
    while done < n_boot:
        b = min(block, n_boot - done)
        counts = _resample_counts(rng, b, n_groups)
        counts.flags.writeable = False
        out.append(counts)
        done += b
    return out


@lru_cache(maxsize=1)
def _cached_blocks(seed: int, n_boot: int, n_groups: int) -> tuple[np.ndarray, ...]:
    return tuple(_draw_blocks(seed, n_boot, n_groups))


def _count_blocks(seed: int | None, n_boot: int, n_groups: int) -> Sequence[np.ndarray]:
    """The resample counts, in blocks. They depend only on (seed, n_boot, n_groups),
    so a report bootstrapping many codes over the same units reuses one draw
    (identical results, less time); only small draws are cached."""
    if isinstance(seed, (int, np.integer)) and n_boot * n_groups <= _BLOCK:
        return _cached_blocks(int(seed), n_boot, n_groups)
    return _draw_blocks(seed, n_boot, n_groups)


def bootstrap_ci(
    stat: Callable[..., Any],
    matrix: Any,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
    *,
    weights: Any = None,
    clusters: Any = None,
) -> Coefficient:
    """Point estimate of ``stat`` plus a percentile bootstrap confidence interval.

    Method (nonparametric case-resampling bootstrap, Efron & Tibshirani 1993): the
    units that enter the coefficient (``n_units`` of them, e.g. the pairable units
    for alpha) are drawn with replacement ``n_units`` times, the coefficient is
    recomputed on each of ``n_boot`` resamples, and the interval is the
    ``(1-level)/2`` and ``(1+level)/2`` quantiles of the replicates. Replicates where
    the coefficient is undefined (e.g. a resample without variation) are dropped and
    counted in the note. With ``clusters`` (one label per unit), whole clusters are
    resampled instead (a cluster bootstrap): use it when units are not independent,
    e.g. the code x segment decisions of one segment, or character runs of one turn.

    Hayes & Krippendorff (2007) also bootstrap alpha, but their KALPHA macro draws
    pairs of values from the observed coincidence matrix, keeping the original
    expected disagreement fixed; resampling whole units keeps each unit's values
    together, lets the expected disagreement vary, and works identically for every
    coefficient. The two can give different intervals: name the method.

    Args:
        stat: one of :func:`percent_agreement`, :func:`cohens_kappa`,
            :func:`fleiss_kappa`, :func:`krippendorff_alpha_nominal` (fast,
            vectorised path) or any callable ``stat(matrix) -> float | Coefficient``
            (resampled column by column; ``weights`` then need a ``weights=`` keyword).
        matrix: coders x units.
        n_boot: number of bootstrap replicates; 0 gives the point estimate only.
        level: confidence level, in (0, 1).
        seed: seed of ``numpy.random.default_rng``; same seed, same interval.
        weights: optional multiplicity of each unit.
        clusters: optional cluster label of each unit (resampled together).

    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard
    reliability measure for coding data. *Communication Methods and Measures*, 1(1),
    77-89. Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*.
    Chapman & Hall.
    """
    if not 0 < level < 1:
        raise AgreementError(f"level must be between 0 and 1, got {level}")
    if n_boot < 0:
        raise AgreementError(f"n_boot must be >= 0, got {n_boot}")
    spec = _SPECS.get(stat)
    if spec is None:
        return _bootstrap_generic(stat, matrix, n_boot, level, seed, weights, clusters)

    codes, k = _encode(matrix)
    coef, prep, w_all = _point(spec, codes, k, weights)
    coef = replace(coef, level=level, n_boot=n_boot)
    if n_boot == 0 or not coef.defined:
        return coef
    used_idx = np.flatnonzero(prep.used)
    groups = _groups(clusters, codes.shape[1], used_idx)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    if n_groups < 2:
        return replace(coef, note=_join(coef.note, "no CI: fewer than 2 units/clusters to resample"))
    # A resample gives every unit of group g the weight count_g * w_u, so the weighted
    # sums are counts @ (per-group sums of w_u * part_u): aggregate once, then one
    # (n_boot x groups) matrix product per part.
    w_used = w_all[used_idx]
    per_group = {key: _group_sums(groups, n_groups, w_used, val) for key, val in prep.parts.items()}
    # one (n_boot x groups) @ (groups x all part columns) product per block
    keys = list(per_group)
    widths = [1 if per_group[key].ndim == 1 else per_group[key].shape[1] for key in keys]
    stacked = np.column_stack([per_group[key] for key in keys])
    edges = np.cumsum([0] + widths)
    values = []
    for counts in _count_blocks(seed, n_boot, n_groups):
        prod = counts @ stacked
        sums = {key: prod[:, lo] if per_group[key].ndim == 1 else prod[:, lo:hi]
                for key, lo, hi in zip(keys, edges[:-1], edges[1:], strict=True)}
        values.append(spec.evaluate(sums))
    return _finish(coef, np.concatenate(values), level, clusters is not None, n_groups)


def _groups(clusters: Any, n_units: int, used_idx: np.ndarray) -> np.ndarray:
    if clusters is None:
        return np.arange(len(used_idx))
    labels = np.asarray(clusters)
    if labels.shape != (n_units,):
        raise AgreementError(f"clusters must have one label per unit ({n_units}), got shape {labels.shape}")
    g, _ = pd.factorize(labels[used_idx], sort=False)
    return g.astype(np.int64)


def _group_sums(groups: np.ndarray, n_groups: int, w: np.ndarray, val: np.ndarray) -> np.ndarray:
    """Sum of ``w_u * val_u`` over the units of each group (val 1-D or units x K)."""
    if val.ndim == 1:
        return np.bincount(groups, weights=w * val, minlength=n_groups)
    cols = [np.bincount(groups, weights=w * val[:, j], minlength=n_groups) for j in range(val.shape[1])]
    return np.stack(cols, axis=1) if cols else np.zeros((n_groups, 0))


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _finish(coef: Coefficient, values: np.ndarray, level: float, clustered: bool, n_groups: int) -> Coefficient:
    ok = values[~np.isnan(values)]
    notes = [coef.note]
    if clustered:
        notes.append(f"cluster bootstrap over {n_groups} clusters")
    dropped = len(values) - len(ok)
    if dropped:
        notes.append(f"{dropped} of {len(values)} bootstrap replicates undefined and dropped")
    if len(ok) == 0:
        return replace(coef, note=_join(*notes))
    lo, hi = np.quantile(ok, [(1 - level) / 2, (1 + level) / 2])
    return replace(coef, ci_low=float(lo), ci_high=float(hi), note=_join(*notes))


def _bootstrap_generic(stat: Callable[..., Any], matrix: Any, n_boot: int, level: float,
                       seed: int | None, weights: Any, clusters: Any) -> Coefficient:
    arr = matrix.to_numpy() if isinstance(matrix, pd.DataFrame) else np.asarray(matrix)
    if arr.ndim != 2:
        raise AgreementError("bootstrap_ci needs a 2-D coders x units matrix")
    n_units = arr.shape[1]
    takes_weights = "weights" in inspect.signature(stat).parameters
    if weights is not None and not takes_weights:
        raise AgreementError("weights given but the statistic has no weights= parameter")
    w = None if weights is None else _weights(weights, n_units)

    def call(cols: np.ndarray) -> Any:
        sub = arr[:, cols]
        return stat(sub, weights=w[cols]) if w is not None else stat(sub)

    point = call(np.arange(n_units))
    if isinstance(point, Coefficient):
        coef = point
    else:
        coef = Coefficient(getattr(stat, "__name__", "statistic"), float(point), n_units=n_units,
                           n_coders=arr.shape[0])
    coef = replace(coef, level=level, n_boot=n_boot)
    if n_boot == 0 or not coef.defined:
        return coef
    groups = _groups(clusters, n_units, np.arange(n_units))
    n_groups = int(groups.max()) + 1 if n_units else 0
    if n_groups < 2:
        return replace(coef, note=_join(coef.note, "no CI: fewer than 2 units/clusters to resample"))
    members = [np.flatnonzero(groups == g) for g in range(n_groups)]
    rng = np.random.default_rng(seed)
    values = np.empty(n_boot)
    for i in range(n_boot):
        drawn = rng.integers(0, n_groups, size=n_groups)
        cols = np.concatenate([members[g] for g in drawn])
        values[i] = float(call(cols))
    return _finish(coef, values, level, clusters is not None, n_groups)
