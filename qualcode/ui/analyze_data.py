"""The Analyze page's data: which coder to analyse, and the analyses, cached.

Every analysis here is a thin, cached wrapper over :mod:`qualcode.analysis`.
The cache key is ``(project location, project.revision(), coder)`` plus the
analysis' own parameters:

* a plain rerun (a click on a radio button, switching tabs) reads the revision —
  one small query — and computes nothing again;
* any write to the project (a coding saved on the Code page, by this session or
  another) bumps the revision, so the next run reads the codings afresh.

The project itself is passed as ``_project`` (the leading underscore tells
``st.cache_data`` not to hash it: an open project is an engine, not data).
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from .. import analysis as A
from ..agreement.consensus import DEFAULT_CONSENSUS_CODER
from ..viz.standard import MULTI_VALUE_SEPARATORS, chartable_attributes

__all__ = [
    "ALL_CODERS",
    "StudyKey",
    "study_key",
    "coder_options",
    "default_coder",
    "coder_label",
    "analysed_coder",
    "study",
    "theme_frequencies",
    "code_frequencies",
    "participant_matrix",
    "attribute_choices",
    "attribute_separator",
    "attribute_table",
    "cooccurrence",
    "per_interview",
    "saturation",
]

# Few entries: a study's frames are the size of its codings, and a session looks
# at one project and two or three coders at a time.
FRAMES_ENTRIES = 8
RESULT_ENTRIES = 64
#: The "all coders" choice. An empty name, because no coder can have one (the
#: store refuses it); None would be ambiguous in a selectbox, where it also means
#: "nothing chosen".
ALL_CODERS = ""


class StudyKey(NamedTuple):
    """What a cached analysis depends on besides its own parameters."""

    location: str
    revision: int
    coder: str | None  # None: all coders


def study_key(project, coder: str | None) -> StudyKey:
    """The cache key of ``project`` as it is now, for ``coder``."""
    return StudyKey(str(project.location), int(project.revision()), coder)


# ------------------------------------------------------------------- coders
def coder_options(coders: list[str], consensus: str = DEFAULT_CONSENSUS_CODER) -> list[str]:
    """The coder choices, in the order a researcher reaches for them: the
    consensus coder (when there is one), each coder, then :data:`ALL_CODERS`."""
    first = [consensus] if consensus in coders else []
    return [*first, *(c for c in coders if c != consensus), ALL_CODERS]


def default_coder(coders: list[str], consensus: str = DEFAULT_CONSENSUS_CODER) -> str:
    """The consensus coder when the team has built one (what findings report),
    otherwise all coders (with a single coder, the same thing)."""
    return consensus if consensus in coders else ALL_CODERS


def coder_label(choice: str) -> str:
    return "All coders" if choice == ALL_CODERS else choice


def analysed_coder(choice: str) -> str | None:
    """The ``coder`` argument of the analyses for a choice (None = all coders)."""
    return None if choice == ALL_CODERS else choice


# ----------------------------------------------------------------- analyses
@st.cache_data(show_spinner="Reading the codings…", max_entries=FRAMES_ENTRIES)
def study(_project, key: StudyKey) -> A.StudyFrames:
    """The study's frames for ``key.coder`` (read once per revision)."""
    return A.from_project(_project, coder=key.coder)


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def theme_frequencies(_project, key: StudyKey) -> pd.DataFrame:
    return study(_project, key).theme_frequencies()


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def code_frequencies(_project, key: StudyKey, include_empty: bool = True) -> pd.DataFrame:
    return study(_project, key).code_frequencies(include_empty=include_empty)


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def participant_matrix(_project, key: StudyKey, presence: bool, level: str, include_empty: bool) -> pd.DataFrame:
    return study(_project, key).code_participant_matrix(presence=presence, level=level, include_empty=include_empty)


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def attribute_choices(_project, key: StudyKey) -> tuple[list[str], dict[str, str | None]]:
    """All participant attributes, and those worth a chart with their value separator
    (see :func:`qualcode.viz.chartable_attributes`)."""
    s = study(_project, key)
    return s.attributes, chartable_attributes(s)


def attribute_separator(values: pd.Series) -> str | None:
    """The multi-value separator an attribute's values use (``;`` or `` + ``), if any.

    The same rule as the standard figure set, so the page and ``qualcode
    export-figures`` split "ChatGPT; Replika" alike."""
    column = values.dropna().astype(str)
    return next((s for s in MULTI_VALUE_SEPARATORS if column.str.contains(s, regex=False).any()), None)


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def attribute_table(_project, key: StudyKey, attribute: str, sep: str | None) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`~qualcode.analysis.code_attribute_table` and the group sizes."""
    s = study(_project, key)
    return s.code_attribute_table(attribute, sep=sep), s.participants_per_value(attribute, sep=sep)


@st.cache_data(show_spinner="Counting co-occurrences…", max_entries=RESULT_ENTRIES)
def cooccurrence(_project, key: StudyKey, unit: str) -> A.Cooccurrence:
    return study(_project, key).cooccurrence(unit)


@st.cache_data(show_spinner=False, max_entries=RESULT_ENTRIES)
def per_interview(_project, key: StudyKey) -> pd.DataFrame:
    """New codes per coded interview, in interview order."""
    return study(_project, key).new_codes_per_interview()


class Saturation(NamedTuple):
    per: pd.DataFrame
    band: A.SaturationBand
    guest: A.GuestSaturation | None  # None when fewer interviews are coded than the base needs


@st.cache_data(show_spinner="Drawing random interview orders…", max_entries=RESULT_ENTRIES)
def saturation(
    _project, key: StudyKey, base_size: int, run_length: int, threshold: float, n_orderings: int, seed: int
) -> Saturation:
    """The saturation curve's data: per interview, the random-order band, the Guest point."""
    per = per_interview(_project, key)
    band = A.saturation_band(per, n_orderings=n_orderings, seed=seed, base_size=base_size,
                             run_length=run_length, threshold=threshold)
    guest = (A.guest_saturation(per, base_size=base_size, run_length=run_length, threshold=threshold)
             if len(per) >= base_size else None)
    return Saturation(per, band, guest)
