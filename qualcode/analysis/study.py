"""A study's frames read once from a project (:class:`StudyFrames`), with the analyses as methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import NotFoundError
from .cooccurrence import Cooccurrence, cooccurrence
from .counts import code_attribute_table, code_frequencies, code_participant_matrix, participants_per_value, theme_frequencies
from .frames import Unit, codebook_frame, documents_frame, participants_frame
from .saturation import new_codes_per_interview

if TYPE_CHECKING:  # pragma: no cover
    from ..store.project import Project

__all__ = ["StudyFrames", "from_project"]


# ------------------------------------------------------------------- loading
@dataclass(frozen=True)
class StudyFrames:
    """A study's frames, read once from a project, with the analyses as methods.

    ``codings`` holds only the chosen coder's codings (all coders when ``coder`` is
    None); the other frames describe the whole study.
    """

    codings: pd.DataFrame
    codes: pd.DataFrame
    documents: pd.DataFrame
    participants: pd.DataFrame
    segments: pd.DataFrame
    coder: str | None = None

    @property
    def attributes(self) -> list[str]:
        """Participant attribute names, in the order first seen."""
        return [str(c) for c in self.participants.columns]

    def code_frequencies(self, **kw: Any) -> pd.DataFrame:
        """:func:`code_frequencies` on this study."""
        return code_frequencies(self.codings, self.codes, self.documents, **kw)

    def theme_frequencies(self, **kw: Any) -> pd.DataFrame:
        """:func:`theme_frequencies` on this study."""
        return theme_frequencies(self.codings, self.codes, self.documents, **kw)

    def code_participant_matrix(self, **kw: Any) -> pd.DataFrame:
        """:func:`code_participant_matrix` on this study."""
        return code_participant_matrix(self.codings, self.codes, self.documents, **kw)

    def participants_per_value(self, attribute: str, **kw: Any) -> pd.Series:
        """:func:`participants_per_value` on this study."""
        return participants_per_value(self.documents, self.participants, attribute, **kw)

    def code_attribute_table(self, attribute: str, **kw: Any) -> pd.DataFrame:
        """:func:`code_attribute_table` on this study."""
        return code_attribute_table(self.codings, self.codes, self.documents, self.participants, attribute, **kw)

    def cooccurrence(self, unit: Unit = "segment", **kw: Any) -> Cooccurrence:
        """:func:`cooccurrence` on this study."""
        return cooccurrence(self.codings, self.codes, segments=self.segments, unit=unit, **kw)

    def new_codes_per_interview(self, **kw: Any) -> pd.DataFrame:
        """:func:`new_codes_per_interview` on this study."""
        return new_codes_per_interview(self.codings, self.documents, **kw)


def from_project(project: Project, coder: str | None = None) -> StudyFrames:
    """Read a project's frames for the analyses.

    ``coder`` is a coder's name (e.g. ``"consensus"``) or None for all coders; an
    unknown coder raises :class:`~qualcode.errors.NotFoundError`.
    """
    if coder is not None and coder not in project.coders():
        known = ", ".join(project.coders()) or "none yet"
        raise NotFoundError(f"no coder {coder!r} in this project (coders: {known})")
    codings = project.codings_frame(coders=[coder] if coder is not None else None)
    return StudyFrames(
        codings=codings,
        codes=codebook_frame(project.codes()),
        documents=documents_frame(project.documents()),
        participants=participants_frame(project.participants()),
        segments=project.segments_frame(),
        coder=coder,
    )
