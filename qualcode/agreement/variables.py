"""Agreement on a *variable*: a set of mutually exclusive codes (one category per unit).

A theme whose codes are alternatives (AnnoMI's therapist behaviour, "effective" /
"not effective", EPITOME's no / weak / strong empathy) is one variable with several
categories, not several yes/no codes. The matrix is coders x units of category
indices (``0 .. q-1``; ``nan`` = the coder gave none of the codes to the unit, or
did not code it), as :func:`~qualcode.agreement.nominal_unit_matrix` builds it.

Coefficients (each a :class:`~qualcode.agreement.Coefficient`, with a unit bootstrap
CI from :func:`~qualcode.agreement.bootstrap_ci`):

- :func:`krippendorff_alpha`: alpha at the level of measurement (nominal, ordinal,
  interval, ratio), Krippendorff (2011, 2004 ch. 11).
- :func:`gwet_ac1` and :func:`brennan_prediger`: the multi-rater forms with missing
  ratings of Gwet (2014), *Handbook of inter-rater reliability* (4th ed.),
  Advanced Analytics, ch. 2 and 4 (equations for "r raters, missing ratings").
- Cohen's (two coders) / Fleiss' kappa over the categories: the nominal
  coefficients of :mod:`qualcode.agreement.coefficients`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._base import AgreementError, Coefficient, reliability_flag
from .coefficients import bootstrap_ci, cohens_kappa, fleiss_kappa

__all__ = ["LEVELS", "krippendorff_alpha", "gwet_ac1", "brennan_prediger", "variable_report",
           "propose_exclusive"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _matrix(matrix: Any) -> np.ndarray:
    arr = matrix.to_numpy(dtype=float) if isinstance(matrix, pd.DataFrame) else np.asarray(matrix, dtype=float)
    if arr.ndim != 2:
        raise AgreementError("a variable's agreement needs a 2-D coders x units matrix of category indices")
    return arr


def _counts(arr: np.ndarray, q: int) -> np.ndarray:
    """units x categories: how many coders gave each category to each unit."""
    out = np.zeros((arr.shape[1], q))
    for c in range(q):
        out[:, c] = (arr == c).sum(axis=0)
    return out


def _n_categories(arr: np.ndarray, q: int | None) -> int:
    seen = arr[~np.isnan(arr)]
    top = int(seen.max()) + 1 if seen.size else 0
    if q is None:
        return max(top, 1)
    if top > q:
        raise AgreementError(f"category index {top - 1} outside the variable's {q} categories")
    return q


def _delta2(level: str, values: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's (2011) difference functions between categories c and k."""
    v = values.astype(float)
    if level == "nominal":
        return 1.0 - np.eye(len(v))
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = ((v[:, None] - v[None, :]) / s) ** 2
        return np.nan_to_num(d)
    if level == "ordinal":
        # Categories ranked by value; delta_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2.
        order = np.argsort(v, kind="stable")
        cum = np.cumsum(n_c[order])
        rank = np.empty(len(v), dtype=int)
        rank[order] = np.arange(len(v))
        lo, hi = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
        between = cum[hi] - np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
        return (between - (n_c[:, None] + n_c[None, :]) / 2) ** 2
    raise AgreementError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def krippendorff_alpha(matrix: Any, *, level: str = "nominal", values: Sequence[float] | None = None,
                       n_categories: int | None = None) -> Coefficient:
    """Krippendorff's alpha at a level of measurement, any number of coders, missing allowed.

    ``values[c]`` is the numeric value of category ``c`` (default ``0, 1, 2, ...``: the
    categories in their listed order); only its order matters for ``ordinal``.
    ``alpha = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck`` over the
    coincidence matrix of pairable units (Krippendorff 2011, sections C-E).
    """
    arr = _matrix(matrix)
    q = _n_categories(arr, n_categories if values is None else len(values))
    vals = np.arange(q, dtype=float) if values is None else np.asarray(values, dtype=float)
    counts = _counts(arr, q)
    m = counts.sum(axis=1)
    pair = m >= 2
    name = f"krippendorff_alpha_{level}"
    n_coders = int((~np.isnan(arr[:, pair])).any(axis=1).sum()) if pair.any() else 0
    if not pair.any():
        return Coefficient(name, float("nan"), n_units=0, n_coders=n_coders, note="no pairable unit")
    cp = counts[pair]
    o = (cp[:, :, None] * cp[:, None, :] - np.einsum("uc,ck->uck", cp, np.eye(q))) / (m[pair] - 1)[:, None, None]
    o = o.sum(axis=0)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d = _delta2(level, vals, n_c)
    d_e = (np.outer(n_c, n_c) * d).sum()
    if d_e <= 1e-12:
        return Coefficient(name, float("nan"), n_units=int(pair.sum()), n_coders=n_coders,
                           note="undefined: no variation in the pairable values")
    value = 1.0 - (n - 1) * (o * d).sum() / d_e
    return Coefficient(name, float(value), n_units=int(pair.sum()), n_coders=n_coders)


def _gwet_parts(arr: np.ndarray, q: int) -> tuple[float, np.ndarray, int, int]:
    counts = _counts(arr, q)
    r = counts.sum(axis=1)
    two = r >= 2
    if not two.any():
        return float("nan"), np.zeros(q), 0, 0
    pa = float((counts[two] * (counts[two] - 1)).sum(axis=1).dot(1.0 / (r[two] * (r[two] - 1))) / two.sum())
    one = r >= 1
    pi = (counts[one] / r[one][:, None]).mean(axis=0)
    n_coders = int((~np.isnan(arr[:, two])).any(axis=1).sum())
    return pa, pi, int(two.sum()), n_coders


def gwet_ac1(matrix: Any, *, n_categories: int | None = None) -> Coefficient:
    """Gwet's AC1 for r coders with missing ratings (Gwet 2014, ch. 4).

    ``p_a`` = mean over units rated by >= 2 coders of ``sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))``;
    ``pi_k`` = mean over units rated by >= 1 coder of ``r_ik / r_i``;
    ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)``; ``AC1 = (p_a - p_e) / (1 - p_e)``.
    ``q`` is the number of categories of the variable (``n_categories``), not only
    those observed.
    """
    arr = _matrix(matrix)
    q = _n_categories(arr, n_categories)
    pa, pi, n_units, n_coders = _gwet_parts(arr, q)
    if n_units == 0 or q < 2:
        return Coefficient("gwet_ac1", float("nan"), n_units=n_units, n_coders=n_coders,
                           note="undefined: no unit with two ratings or fewer than 2 categories")
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    return Coefficient("gwet_ac1", (pa - pe) / (1 - pe), n_units=n_units, n_coders=n_coders)


def brennan_prediger(matrix: Any, *, n_categories: int | None = None) -> Coefficient:
    """Brennan & Prediger's (1981) kappa, ``(p_a - 1/q) / (1 - 1/q)``, with Gwet's (2014)
    ``p_a`` for r coders and missing ratings; ``q`` = the variable's categories."""
    arr = _matrix(matrix)
    q = _n_categories(arr, n_categories)
    pa, _, n_units, n_coders = _gwet_parts(arr, q)
    if n_units == 0 or q < 2:
        return Coefficient("brennan_prediger", float("nan"), n_units=n_units, n_coders=n_coders,
                           note="undefined: no unit with two ratings or fewer than 2 categories")
    return Coefficient("brennan_prediger", (pa - 1 / q) / (1 - 1 / q), n_units=n_units, n_coders=n_coders)


VARIABLE_COLUMNS = ["coefficient", "value", "ci_low", "ci_high", "n_units", "n_coders", "flag", "note"]


def variable_report(matrix: Any, categories: Sequence[str], *, levels: Sequence[str] = ("nominal",),
                    values: Sequence[float] | None = None, n_boot: int = 1000, seed: int | None = 0,
                    level: float = 0.95) -> pd.DataFrame:
    """One row per coefficient for one variable: alpha at each of ``levels``, Cohen's
    (two coders) or Fleiss' kappa, Gwet's AC1 and Brennan-Prediger, each with a
    percentile unit-bootstrap CI (``n_boot`` resamples, same ``seed``, same CI)."""
    arr = _matrix(matrix)
    q = len(categories)
    if q < 2:
        raise AgreementError("a variable needs at least two categories (codes)")
    if values is not None and len(values) != q:
        raise AgreementError(f"{len(values)} level values for {q} categories")
    stats = []
    for lv in levels:
        if lv not in LEVELS:
            raise AgreementError(f"level must be one of {', '.join(LEVELS)}, not {lv!r}")

        def alpha(m, lv=lv):
            return krippendorff_alpha(m, level=lv, values=values, n_categories=q)
        alpha.__name__ = f"krippendorff_alpha_{lv}"
        stats.append(alpha)
    stats.append(cohens_kappa if arr.shape[0] == 2 else fleiss_kappa)

    def ac1(m):
        return gwet_ac1(m, n_categories=q)

    def bp(m):
        return brennan_prediger(m, n_categories=q)
    stats += [ac1, bp]
    rows = []
    for stat in stats:
        c = bootstrap_ci(stat, arr, n_boot=n_boot, level=level, seed=seed)
        flag = reliability_flag(c.value) if c.name.startswith("krippendorff") else ""
        rows.append([c.name, c.value, c.ci_low, c.ci_high, c.n_units, c.n_coders, flag, c.note])
    out = pd.DataFrame(rows, columns=VARIABLE_COLUMNS)
    out.attrs.update({"categories": list(categories), "level": level, "n_boot": n_boot})
    return out


def propose_exclusive(codings: pd.DataFrame, units: pd.DataFrame, codes: Sequence[Any]) -> bool:
    """True when no coder ever put two of ``codes`` on one unit (so the set can be
    declared a variable). ``codings``: ``document, start, end, code, coder``;
    ``units``: ``document, start, end`` (the turns)."""
    sub = codings[codings["code"].isin(list(codes))]
    if sub.empty:
        return False
    for doc, turns in units.groupby("document"):
        cd = sub[sub["document"] == doc]
        if cd.empty:
            continue
        starts, ends = turns["start"].to_numpy(), turns["end"].to_numpy()
        for _, by_coder in cd.groupby("coder"):
            s, e = by_coder["start"].to_numpy(), by_coder["end"].to_numpy()
            hit = (s[:, None] < ends[None, :]) & (e[:, None] > starts[None, :])  # codings x turns
            code_arr = by_coder["code"].to_numpy()
            for t in range(len(starts)):
                if len(set(code_arr[hit[:, t]].tolist())) > 1:
                    return False
    return True
