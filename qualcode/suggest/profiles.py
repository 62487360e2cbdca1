"""Code profiles: what a code "sounds like" before anyone has used it.

A profile is the code's name, definition, when-to-use rule and example(s), each
embedded separately. An excerpt's definition score for a code is its best cosine
similarity to any of those texts, and the text it matched is shown as evidence, so the
researcher sees *which* part of the codebook a suggestion leans on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Code

__all__ = ["ProfilePart", "definition_scores", "humanise", "profile_parts", "rescale_similarity"]

# MiniLM cosines between an excerpt and a short label or definition rarely leave
# [0.05, 0.65]; this maps that range onto [0, 1] so a definition score can be blended
# with a classifier probability. Per-code thresholds are calibrated afterwards on the
# researcher's own codings, so these constants only set the uncalibrated starting point.
SIM_FLOOR = 0.05
SIM_CEIL = 0.65


@dataclass(frozen=True)
class ProfilePart:
    """One text of a code's profile: ``field`` is name, definition, when_to_use or example."""

    code_index: int
    field: str
    text: str


def humanise(name: str) -> str:
    """``therapist_input`` -> ``therapist input``: embeddings read words, not identifiers."""
    return re.sub(r"[_\-]+", " ", name).strip()


def profile_parts(codes: Sequence[Code]) -> list[ProfilePart]:
    """The profile texts of every code (at least its name)."""
    parts: list[ProfilePart] = []
    for k, code in enumerate(codes):
        name = humanise(code.name)
        parts.append(ProfilePart(k, "name", name))
        if code.definition.strip():
            # The name gives the definition its subject ("Rehearsal space: practising ...").
            parts.append(ProfilePart(k, "definition", f"{name}: {code.definition.strip()}"))
        if code.when_to_use.strip():
            parts.append(ProfilePart(k, "when_to_use", code.when_to_use.strip()))
        for line in code.example.splitlines():
            if line.strip():
                parts.append(ProfilePart(k, "example", line.strip().strip('"“”')))
    return parts


def definition_scores(
    unit_vectors: np.ndarray, part_vectors: np.ndarray, parts: Sequence[ProfilePart], n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(similarity [unit, code], matched part index [unit, code])``.

    Similarity is the best cosine between the unit and any profile text of the code.
    """
    n = unit_vectors.shape[0]
    sims = np.full((n, n_codes), -1.0, dtype=np.float32)
    best = np.full((n, n_codes), -1, dtype=np.int64)
    if not parts or n == 0:
        return np.zeros((n, n_codes), dtype=np.float32), best
    all_sims = unit_vectors @ part_vectors.T
    for j, part in enumerate(parts):
        col = all_sims[:, j]
        better = col > sims[:, part.code_index]
        sims[better, part.code_index] = col[better]
        best[better, part.code_index] = j
    return sims, best


def rescale_similarity(sims: np.ndarray) -> np.ndarray:
    """Map cosine similarity onto [0, 1] (see :data:`SIM_FLOOR`, :data:`SIM_CEIL`)."""
    return np.clip((sims - SIM_FLOOR) / (SIM_CEIL - SIM_FLOOR), 0.0, 1.0).astype(np.float32)
