"""Inter-coder agreement: unit building, coefficients, bootstrap CIs, reports, consensus.

Pure numpy/pandas; no store access. See ``docs/agreement.md`` for the methods,
conventions and how to report the figures in a paper.

Typical use::

    from qualcode.agreement import agreement_report
    report = agreement_report(codings, segments, coders=["ana", "ben"])

``codings``: DataFrame with ``document``, ``start``, ``end``, ``code``, ``coder``;
``segments``: DataFrame with ``document``, ``start``, ``end`` (the speaker turns).
"""

from __future__ import annotations

from ._base import AgreementError, Coefficient, reliability_flag
from .coefficients import (
    bootstrap_ci,
    cohens_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)
from .reports import POOLED, REPORT_COLUMNS, agreement_report, disagreements, majority_consensus
from .units import (
    CharacterUnits,
    character_unit_matrix,
    nominal_unit_matrix,
    segment_unit_matrix,
    unit_table,
)

__all__ = [
    "AgreementError",
    "Coefficient",
    "CharacterUnits",
    "POOLED",
    "REPORT_COLUMNS",
    "unit_table",
    "segment_unit_matrix",
    "nominal_unit_matrix",
    "character_unit_matrix",
    "percent_agreement",
    "cohens_kappa",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "bootstrap_ci",
    "reliability_flag",
    "agreement_report",
    "disagreements",
    "majority_consensus",
]
