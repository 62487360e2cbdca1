"""Shared pieces of :mod:`qualcode.agreement`: the result object (the error type lives in :mod:`qualcode.errors`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import AgreementError  # re-exported: qualcode.agreement.AgreementError

__all__ = ["AgreementError", "Coefficient", "reliability_flag"]


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient with its (optional) bootstrap confidence interval.

    ``value`` is ``nan`` when the coefficient is undefined for the data (for example
    when there is no variation at all, where chance-corrected coefficients are 0/0);
    ``note`` then says why. ``n_units`` counts the units that entered the
    computation (for weighted data, e.g. character units, the summed weights, i.e.
    characters), ``n_coders`` the coders with at least one value in those units.
    ``ci_low``/``ci_high`` are ``nan`` unless the object came from
    :func:`~qualcode.agreement.bootstrap_ci`.
    """

    name: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    n_units: int = 0
    n_coders: int = 0
    note: str = ""
    level: float | None = None
    n_boot: int = 0

    def __float__(self) -> float:
        return float(self.value)

    @property
    def defined(self) -> bool:
        """True when ``value`` is a number (not ``nan``)."""
        return not math.isnan(self.value)


def reliability_flag(alpha: float) -> str:
    """Krippendorff's (2004, p. 241) conventions for alpha.

    ``"reliable"`` for alpha >= .800, ``"tentative"`` for .667 <= alpha < .800
    (data fit only for tentative conclusions), ``"unreliable"`` below .667 and
    ``"undefined"`` when alpha is ``nan``.

    Krippendorff, K. (2004). *Content analysis: An introduction to its methodology*
    (2nd ed.), Sage, p. 241.
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"
