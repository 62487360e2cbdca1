"""Agreement on free spans (unitizing): Krippendorff's unitizing alpha and Mathet's gamma.

When coders mark their own spans in running text (no predefined units), agreement is
about where the units begin and end as well as which code they get. Two coefficients:

- :func:`unitizing_alpha`: Krippendorff's uα (Krippendorff 1995; 2004, section 12.4),
  per code: each coder's continuum is cut into units of the code and gaps, and two
  coders disagree by the squared differences of the boundaries of overlapping units
  (or a unit's squared length where the other coder has a gap around it). Verified
  against the worked example of Krippendorff (2004, p. 254): D_o = .0144, D_e = .0532,
  uα = .7286 for category c.
- :func:`gamma_agreement`: Mathet, Widlöcher & Métivier's (2015) gamma, computed by
  the ``pygamma-agreement`` package (Titeux & Riad, 2021), which aligns the units of
  the coders and compares the alignment's disorder with that of random continua.

A continuum is a list of pieces (transcripts) with their lengths; spans are given by
piece and half-open offsets ``[start, end)`` (code points, as everywhere in qualcode).
Sections never cross pieces: the end of one transcript and the start of the next are
two gaps, not one.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import AgreementError, Coefficient

__all__ = ["UnitizingResult", "unitizing_alpha", "sections", "unitizing_delta", "gamma_agreement", "ALL_CODES"]

ALL_CODES = "all codes"


@dataclass(frozen=True)
class UnitizingResult:
    """uα of one code (or ``ALL_CODES``): ``d_o`` and ``d_e`` are the observed and
    expected disagreements; ``n_units`` counts the coders' units of the code."""

    code: Hashable
    alpha: float
    d_o: float
    d_e: float
    n_units: int
    length: int
    n_coders: int

    def coefficient(self) -> Coefficient:
        """As a :class:`~qualcode.agreement.Coefficient` (no interval: see docs/agreement.md §1.5)."""
        note = "" if self.alpha == self.alpha else "undefined: no unit of this code, or no expected disagreement"
        return Coefficient("unitizing_alpha", self.alpha, n_units=self.n_units, n_coders=self.n_coders, note=note)


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans of one coder and code as one unit. Spans that only touch stay
    two units: where a coder ends one unit and starts the next is part of unitizing."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def sections(units: Sequence[tuple[int, int]], begin: int, end: int) -> list[tuple[int, int, int]]:
    """A coder's piece ``[begin, end)`` cut into ``(start, length, w)`` sections: the
    units (``w = 1``, merged where they overlap, clipped to the piece; adjacent ones stay apart) and the gaps
    between them (``w = 0``), in order."""
    out: list[tuple[int, int, int]] = []
    pos = begin
    for s, e in _merged([(max(s, begin), min(e, end)) for s, e in units if min(e, end) > max(s, begin)]):
        if s > pos:
            out.append((pos, s - pos, 0))
        out.append((s, e - s, 1))
        pos = e
    if end > pos:
        out.append((pos, end - pos, 0))
    return out


def unitizing_delta(b1: int, l1: int, w1: int, b2: int, l2: int, w2: int) -> int:
    """Krippendorff's (2004, p. 252) squared difference between section ``(b1, l1, w1)``
    of one coder and ``(b2, l2, w2)`` of another (begin, length, 1 = unit / 0 = gap).

    Two overlapping units: the squared differences of their begins plus of their ends.
    A unit lying inside the other coder's gap: its squared length. Anything else
    (gap and gap, units that do not overlap, a unit only partly in a gap): 0.
    """
    if w1 and w2:
        if -l1 < b1 - b2 < l2:
            return (b1 - b2) ** 2 + (b1 + l1 - b2 - l2) ** 2
        return 0
    if w1 and not w2:
        return l1 ** 2 if l2 - l1 >= b1 - b2 >= 0 else 0
    if w2 and not w1:
        return l2 ** 2 if l1 - l2 >= b2 - b1 >= 0 else 0
    return 0


def _observed_sum(a: list[tuple[int, int, int]], b: list[tuple[int, int, int]]) -> int:
    """Sum of the differences over every overlapping pair of sections of two coders (one
    piece). Sections of each coder tile the piece, so a sweep visits every overlap once."""
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        b1, l1, w1 = a[i]
        b2, l2, w2 = b[j]
        total += unitizing_delta(b1, l1, w1, b2, l2, w2)
        if b1 + l1 <= b2 + l2:
            i += 1
        else:
            j += 1
    return total


def _expected_sum(unit_lengths: np.ndarray, gap_lengths: np.ndarray) -> float:
    """The numerator of Krippendorff's (2004, p. 253) expected disagreement:
    sum over units of ``(N - 1)/3 (2l^3 - 3l^2 + l) + l^2 sum_{gaps >= l} (l_gap - l + 1)``."""
    n = len(unit_lengths)
    l = unit_lengths.astype(float)
    first = (n - 1) / 3.0 * (2 * l ** 3 - 3 * l ** 2 + l)
    g = np.sort(gap_lengths.astype(float))
    suffix = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])  # sum of g[k:]
    k = np.searchsorted(g, l, side="left")  # gaps at least as long as the unit start at k
    count = len(g) - k
    second = l ** 2 * (suffix[k] - count * (l - 1))
    return float((first + second).sum())


def unitizing_alpha(
    codings: pd.DataFrame,
    coders: Sequence[Hashable],
    lengths: Mapping[Hashable, int],
    codes: Sequence[Hashable] | None = None,
) -> list[UnitizingResult]:
    """Krippendorff's (2004, section 12.4) unitizing alpha per code, and over all codes.

    ``codings``: ``document``, ``start``, ``end``, ``code``, ``coder``; ``lengths``:
    the pieces of the continuum (``{document: length}``; every coder is taken to have
    unitized all of them: pass only the documents every listed coder coded). A
    coder's overlapping spans of one code are one unit. For code c with ``N`` units
    among ``m`` coders on a continuum of length ``L``:

    ``D_o = sum_i sum_{j != i} sum_g sum_h delta^2(ig, jh) / (m (m - 1) L^2)``,
    ``D_e = (2 / L) sum_units [...] / (m L (m L - 1) - sum_units l (l - 1))``
    (:func:`unitizing_delta`, :func:`_expected_sum`) and ``uα = 1 - D_o / D_e``.
    The last result, ``ALL_CODES``, is ``1 - sum D_o / sum D_e`` over the codes.
    """
    coders = list(coders)
    if len(coders) < 2 or len(set(coders)) != len(coders):
        raise AgreementError("unitizing alpha compares two or more different coders")
    missing = {"document", "start", "end", "code", "coder"} - set(codings.columns)
    if missing:
        raise AgreementError(f"codings need the columns {sorted(missing)}")
    pieces = {d: int(n) for d, n in lengths.items() if int(n) > 0}
    total = sum(pieces.values())
    if total == 0:
        raise AgreementError("unitizing alpha needs a continuum: no document with text")
    sub = codings[codings["coder"].isin(coders) & codings["document"].isin(list(pieces))]
    if (sub["end"] <= sub["start"]).any():
        raise AgreementError("a coding has end <= start")
    if codes is None:
        codes = list(dict.fromkeys(sub["code"].tolist()))
    m = len(coders)
    spans = {key: list(zip(g["start"].astype(int), g["end"].astype(int)))
             for key, g in sub.groupby(["code", "coder", "document"], sort=False)}
    results = []
    for code in codes:
        observed = 0
        unit_lengths: list[int] = []
        gap_lengths: list[int] = []
        for doc, length in pieces.items():
            secs = [sections(spans.get((code, c, doc), []), 0, length) for c in coders]
            for s in secs:
                unit_lengths += [l for _, l, w in s if w]
                gap_lengths += [l for _, l, w in s if not w]
            for i in range(m):
                for j in range(i + 1, m):
                    observed += 2 * _observed_sum(secs[i], secs[j])  # the difference is symmetric
        d_o = observed / (m * (m - 1) * total ** 2)
        ul = np.asarray(unit_lengths)
        denominator = m * total * (m * total - 1) - float((ul * (ul - 1)).sum())
        d_e = 2.0 / total * _expected_sum(ul, np.asarray(gap_lengths)) / denominator if len(ul) else 0.0
        alpha = 1.0 - d_o / d_e if d_e > 0 else float("nan")
        results.append(UnitizingResult(code, alpha, d_o, d_e, len(ul), total, m))
    d_o, d_e = sum(r.d_o for r in results), sum(r.d_e for r in results)
    results.append(UnitizingResult(ALL_CODES, 1.0 - d_o / d_e if d_e > 0 else float("nan"), d_o, d_e,
                                   sum(r.n_units for r in results), total, m))
    return results


def gamma_agreement(
    codings: pd.DataFrame,
    coders: Sequence[Hashable],
    lengths: Mapping[Hashable, int],
    *,
    n_samples: int = 30,
    seed: int | None = 0,
) -> float:
    """Mathet et al.'s (2015) gamma over all codes, by ``pygamma-agreement``.

    The pieces are laid end to end (their offsets shifted) so that units of different
    transcripts never align. Dissimilarity: pygamma's combined positional and
    categorical one (alpha = beta = 1, the package's default). The expected disorder
    comes from ``n_samples`` random continua (pygamma's statistical sampler); the seed
    makes the figure repeatable (numpy's global generator is restored afterwards).
    Raises AgreementError when the package is not installed or there is nothing to align.
    """
    try:
        from pyannote.core import Segment
        from pygamma_agreement import CombinedCategoricalDissimilarity, Continuum
    except ImportError:  # pragma: no cover - the package is pinned in requirements.txt
        raise AgreementError("Mathet's gamma needs the pygamma-agreement package (pip install "
                             "pygamma-agreement==0.5.9)") from None
    coders = [str(c) for c in coders]
    offset, shift = 0, {}
    for doc, n in lengths.items():
        shift[doc] = offset
        offset += int(n)
    sub = codings[codings["coder"].astype(str).isin(coders) & codings["document"].isin(list(shift))]
    if sub.empty:
        raise AgreementError("gamma needs codings of the compared coders")
    continuum = Continuum()
    for r in sub.itertuples(index=False):
        base = shift[r.document]
        continuum.add(str(r.coder), Segment(base + int(r.start), base + int(r.end)), str(r.code))
    if len(continuum.annotators) < 2:
        raise AgreementError("gamma needs codings from at least two of the coders")
    state = np.random.get_state()
    quiet = logging.getLogger().level
    try:
        if seed is not None:
            np.random.seed(seed)
        logging.getLogger().setLevel(logging.ERROR)  # pygamma warns about its LP solver at every call
        result = continuum.compute_gamma(CombinedCategoricalDissimilarity(alpha=1, beta=1), n_samples=n_samples)
    finally:
        logging.getLogger().setLevel(quiet)
        np.random.set_state(state)
    return float(result.gamma)
