"""Patterns across participants: pandas in, pandas out.

Every analysis is a pure function over plain frames (the shapes returned by
:class:`~qualcode.store.Project`), so it can be tested on hand-built data and reused
by the app, the exports and a researcher's own notebook. :func:`from_project`
(:mod:`.study`) is the only function that touches a project; it bundles the frames in
a :class:`StudyFrames`, whose methods call the functions of :mod:`.frames`,
:mod:`.counts`, :mod:`.cooccurrence` and :mod:`.saturation`.

Coders
------
Every analysis takes ``coder``: a coder's name (a person, or the merged
``"consensus"`` coder, which is just another coder), or ``None`` for *all coders*.
With all coders,

* **counts** count every coding: a passage coded by two coders counts twice, so
  "codings" then measures coding effort rather than the number of passages;
* **presence** is "any coder": a participant (interview, turn, passage) has a code
  when at least one coder applied it there.

Participants
------------
A participant is a pseudonym linked to one or more documents (several interview
sessions merge into one participant). In the code x participant matrix a document
not linked to any participant is a column of its own, named after the document.
Participant **counts** count people: a frequency's participants and its denominator
("of 12 participants") are the linked participants with at least one document in the
project, whether or not anything in their interviews has been coded yet, and an
unlinked transcript is nobody (:func:`count_people`). Only when no document is linked
at all (threads, chat logs) each document counts as one.
"""

from ..errors import AnalysisError
from .cooccurrence import Cooccurrence, cooccurrence
from .counts import code_attribute_table, code_frequencies, code_participant_matrix, participants_per_value, theme_frequencies
from .frames import NOT_RECORDED, codebook_frame, count_people, documents_frame, filter_coder, participants_frame, people
from .saturation import GuestSaturation, SaturationBand, guest_saturation, new_codes_per_interview, saturation_band
from .study import StudyFrames, from_project

__all__ = [
    "AnalysisError",
    "NOT_RECORDED",
    "StudyFrames",
    "from_project",
    "codebook_frame",
    "documents_frame",
    "participants_frame",
    "count_people",
    "people",
    "filter_coder",
    "code_frequencies",
    "theme_frequencies",
    "code_participant_matrix",
    "participants_per_value",
    "code_attribute_table",
    "Cooccurrence",
    "cooccurrence",
    "new_codes_per_interview",
    "GuestSaturation",
    "guest_saturation",
    "SaturationBand",
    "saturation_band",
]
