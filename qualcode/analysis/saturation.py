"""Saturation: new codes per interview, Guest et al.'s criterion, and the band over orderings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AnalysisError, NotFoundError
from .frames import filter_coder

__all__ = ["new_codes_per_interview", "GuestSaturation", "guest_saturation", "SaturationBand", "saturation_band"]


# ------------------------------------------------------------------ saturation
def new_codes_per_interview(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    coder: str | None = None,
    order: Sequence[str | int] | None = None,
    include_uncoded: bool = False,
) -> pd.DataFrame:
    """Codes and new codes per successive interview.

    Interviews are documents in interview order (``position``), or in ``order``
    (document names or ids). A code is *new* in an interview when no earlier
    interview in the order holds it. By default interviews with no codings (by the
    chosen coder) are left out, because an interview nobody has coded yet is not
    evidence that nothing new was said; ``include_uncoded=True`` keeps them.

    Columns: ``interview`` (1, 2, ...), ``document_id``, ``document``,
    ``participant``, ``codes`` (frozenset of code ids), ``n_codes``,
    ``new_codes`` (count), ``new`` (sorted names of the new codes) and
    ``cumulative`` (distinct codes so far).
    """
    docs = documents.sort_values("position")
    if order is not None:
        key = {**{n: i for i, n in enumerate(docs["document"])}, **{d: i for i, d in enumerate(docs["document_id"])}}
        missing = [o for o in order if o not in key]
        if missing:
            raise NotFoundError(f"no document {missing[0]!r} in the study")
        docs = docs.iloc[[key[o] for o in order]]
    c = filter_coder(codings, coder)
    per_doc = c.groupby("document_id")["code_id"].agg(frozenset)
    names = dict(zip(c["code_id"], c["code"])) if "code" in c.columns else {}
    rows = []
    seen: set[int] = set()
    for doc in docs.itertuples(index=False):
        got = per_doc.get(doc.document_id, frozenset())
        if not got and not include_uncoded:
            continue
        new = got - seen
        seen |= got
        rows.append(
            {
                "interview": len(rows) + 1,
                "document_id": doc.document_id,
                "document": doc.document,
                "participant": doc.participant,
                "codes": frozenset(int(x) for x in got),
                "n_codes": len(got),
                "new_codes": len(new),
                "new": sorted(str(names.get(x, x)) for x in new),
                "cumulative": len(seen),
            }
        )
    cols = ["interview", "document_id", "document", "participant", "codes", "n_codes", "new_codes", "new", "cumulative"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class GuestSaturation:
    """Result of :func:`guest_saturation`.

    ``runs`` has one row per evaluated run: ``after`` (interviews before the run),
    ``run`` (e.g. ``"5-6"``), ``new_codes`` (codes first seen in the run),
    ``base_codes``, ``ratio`` (new_codes / base_codes) and ``saturated``
    (ratio <= threshold). ``point`` is the first ``after`` whose run is within the
    threshold, i.e. saturation was reached after ``point`` interviews and the next
    ``run_length`` interviews confirm it; None when no run qualifies.
    """

    runs: pd.DataFrame
    point: int | None
    base_size: int
    run_length: int
    threshold: float
    base_codes: int
    interviews: int

    def __iter__(self):  # ``runs, point = guest_saturation(...)``
        return iter((self.runs, self.point))

    def sentence(self) -> str:
        """A sentence for a methods section reporting the result."""
        params = f"base size {self.base_size}, run length {self.run_length}, new-information threshold ≤{self.threshold:.0%}"
        if self.point is None:
            return (
                f"Saturation was not reached within {self.interviews} interviews "
                f"({params}; Guest, Namey & Chen, 2020)."
            )
        row = self.runs[self.runs["after"] == self.point].iloc[0]
        return (
            f"Saturation was reached after {self.point} interviews: interviews {row['run']} added "
            f"{row['new_codes']} new code(s) to the {self.base_codes} codes of the base ({row['ratio']:.0%}; "
            f"{params}; Guest, Namey & Chen, 2020)."
        )


def _guest_points(cum: np.ndarray, base_size: int, run_length: int, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Guest ratios over cumulative-code curves ``cum`` (orderings × interviews).

    New codes in the run after ``n`` interviews are exactly ``cum[n + r] - cum[n]``,
    and the base is ``cum[base_size]``, so everything follows from the curve.
    Returns (after, ratios, first point per ordering or 0 when none).
    """
    n_int = cum.shape[1]
    after = np.arange(base_size, n_int - run_length + 1)
    padded = np.concatenate([np.zeros((cum.shape[0], 1), dtype=cum.dtype), cum], axis=1)  # padded[:, n] = cum after n
    base = padded[:, base_size].astype(float)
    new = padded[:, after + run_length] - padded[:, after]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(base[:, None] > 0, new / np.where(base[:, None] > 0, base[:, None], 1), np.nan)
    ok = ratio <= threshold + 1e-12
    first = np.where(ok.any(axis=1), after[np.argmax(ok, axis=1)] if len(after) else 0, 0)
    return after, ratio, first


def _check_guest(base_size: int, run_length: int, threshold: float) -> None:
    if base_size < 1 or run_length < 1:
        raise AnalysisError("base size and run length must be at least 1 interview")
    if not 0 <= threshold < 1:
        raise AnalysisError(f"the new-information threshold is a proportion in [0, 1), not {threshold}")


def guest_saturation(
    per_interview: pd.DataFrame,
    *,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> GuestSaturation:
    """Thematic saturation by the new-information ratio of Guest, Namey & Chen (2020).

    Guest, G., Namey, E., & Chen, M. (2020). A simple method to assess and report
    thematic saturation in qualitative research. *PLOS ONE*, 15(5), e0232076.
    https://doi.org/10.1371/journal.pone.0232076

    Implemented from the paper's definitions:

    * **base size** — the first ``base_size`` interviews; the number of distinct
      codes they hold is the denominator (the base stays fixed);
    * **run length** — the ``run_length`` interviews that follow a point ``n``
      (``n >= base_size``); the codes they add that no interview 1..n holds are the
      *new information* of that run;
    * **new-information ratio** — new codes in the run / codes in the base;
      saturation is reached after ``n`` interviews at the first run whose ratio is
      <= ``threshold`` (the paper discusses ≤5% and 0%). Every start ``n`` is
      tried (the run window moves one interview at a time), and a run that would
      pass the last interview is not evaluated.

    ``per_interview`` is :func:`new_codes_per_interview`'s frame (its order is the
    order assessed). Returns a :class:`GuestSaturation` (unpacks as
    ``runs, point``).
    """
    _check_guest(base_size, run_length, threshold)
    n = len(per_interview)
    if n < base_size:
        raise AnalysisError(f"the base needs {base_size} coded interviews; the study has {n}")
    cum = per_interview["cumulative"].to_numpy(dtype=np.int64)[None, :]
    after, ratio, first = _guest_points(cum, base_size, run_length, threshold)
    padded = np.concatenate([[0], cum[0]])
    base_codes = int(padded[base_size])
    runs = pd.DataFrame(
        {
            "after": after,
            "run": [f"{a + 1}-{a + run_length}" if run_length > 1 else f"{a + 1}" for a in after],
            "new_codes": (padded[after + run_length] - padded[after]).astype(int),
            "base_codes": base_codes,
            "ratio": ratio[0],
        }
    )
    runs["saturated"] = runs["ratio"] <= threshold + 1e-12
    point = int(first[0]) if len(after) and runs["saturated"].any() else None
    return GuestSaturation(runs, point, base_size, run_length, threshold, base_codes, n)


@dataclass(frozen=True)
class SaturationBand:
    """Result of :func:`saturation_band`.

    ``curve``: one row per number of interviews ``interviews`` (1..N) with the
    distinct codes found after that many interviews over the random orderings —
    ``min``, ``low`` and ``high`` (the ``percentiles``), ``median``, ``max`` — and
    ``observed`` (the actual interview order). ``points``: the Guest saturation
    point of each ordering (NaN where it was not reached), as in the paper's
    bootstrap. ``reached`` is the share of orderings that reached saturation.
    """

    curve: pd.DataFrame
    points: pd.Series
    n_orderings: int
    seed: int
    percentiles: tuple[float, float]
    params: dict[str, float] = field(default_factory=dict)

    @property
    def reached(self) -> float:
        return float(self.points.notna().mean()) if len(self.points) else 0.0


def saturation_band(
    per_interview: pd.DataFrame,
    *,
    n_orderings: int = 500,
    seed: int = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> SaturationBand:
    """The cumulative-codes curve over ``n_orderings`` random interview orders.

    The curve of one order depends on which interviews happen to come first; the
    band shows how much. Orderings are drawn with ``numpy.random.default_rng(seed)``
    so the figure is reproducible. The Guest et al. (2020) point is computed for
    every ordering too (see :func:`guest_saturation`); with fewer interviews than
    ``base_size + run_length`` no run exists and every point is NaN.
    """
    _check_guest(base_size, run_length, threshold)
    if n_orderings < 1:
        raise AnalysisError("n_orderings must be at least 1")
    n = len(per_interview)
    cols = ["interviews", "min", "low", "median", "high", "max", "observed"]
    if n == 0:
        return SaturationBand(pd.DataFrame(columns=cols), pd.Series(dtype=float), n_orderings, seed, percentiles)
    codes = sorted({c for s in per_interview["codes"] for c in s})
    col = {c: i for i, c in enumerate(codes)}
    m = np.zeros((n, len(codes)), dtype=bool)
    for r, s in enumerate(per_interview["codes"]):
        m[r, [col[c] for c in s]] = True
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(np.arange(n), (n_orderings, 1)), axis=1)
    # Running "seen yet" per ordering and code, then distinct codes so far.
    cum = np.logical_or.accumulate(m[perms], axis=1).sum(axis=2)
    lo, hi = np.percentile(cum, percentiles, axis=0)
    curve = pd.DataFrame(
        {
            "interviews": np.arange(1, n + 1),
            "min": cum.min(axis=0),
            "low": lo,
            "median": np.median(cum, axis=0),
            "high": hi,
            "max": cum.max(axis=0),
            "observed": per_interview["cumulative"].to_numpy(),
        },
        columns=cols,
    )
    if n >= base_size:
        after, _, first = _guest_points(cum, base_size, run_length, threshold)
        points = pd.Series(np.where(first > 0, first, np.nan), name="point") if len(after) else pd.Series(np.full(n_orderings, np.nan), name="point")
    else:
        points = pd.Series(np.full(n_orderings, np.nan), name="point")
    params = {"base_size": base_size, "run_length": run_length, "threshold": threshold}
    return SaturationBand(curve, points, n_orderings, seed, (float(percentiles[0]), float(percentiles[1])), params)
