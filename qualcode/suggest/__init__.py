"""Code suggestions: the codebook's definitions plus a model of the researcher's codings.

We suggest, the researcher decides. Every suggestion carries its score, the threshold
calibrated for its code, the codebook text it matched and the nearest excerpts the
researcher coded with that code; accepting one makes a coding marked as a suggestion,
rejecting one is remembered. See docs/suggestions.md for how it works and how well.

Public API::

    s = Suggester.build(project, "Ana")        # embed, train, calibrate
    s.for_document("P01")                       # suggestions for one transcript
    s.more_like("Rehearsal space")              # "find more like this code"
    s.quality()                                 # cross-validated P/R/F1 per code
    s.accept(suggestion) / s.reject(suggestion)
"""

from __future__ import annotations

from .decisions import ACCEPT, REJECT, Decision, decided_keys, decision_log
from .engine import (
    SUGGESTER,
    VERSION,
    CodeQuality,
    DefinitionMatch,
    Evidence,
    Suggester,
    Suggestion,
)
from .features import FeatureConfig
from .scorer import SuggestConfig
from .units import PARTICIPANT_ROLES, Unit, project_units, split_sentences

__all__ = [
    "ACCEPT",
    "PARTICIPANT_ROLES",
    "REJECT",
    "SUGGESTER",
    "VERSION",
    "CodeQuality",
    "Decision",
    "DefinitionMatch",
    "Evidence",
    "FeatureConfig",
    "SuggestConfig",
    "Suggester",
    "Suggestion",
    "Unit",
    "decided_keys",
    "decision_log",
    "project_units",
    "split_sentences",
]
