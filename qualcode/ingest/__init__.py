"""Importing transcripts and tables into :class:`~qualcode.model.Document` s.

Formats: ``.txt``/``.md`` (speaker labels), ``.docx`` (labelled paragraphs or a
transcript table), ``.vtt``/``.srt`` subtitles, chat ``.json`` (message lists and
chatbot exports), Reddit thread ``.json``, and ``.csv`` utterance tables, optionally
coded (see :class:`CsvMapping`). Every bad input raises
:class:`~qualcode.errors.IngestError` naming the file. See ``docs/import-formats.md``.
"""

from __future__ import annotations

from .api import FORMATS, detect_format, read_documents, read_documents_from_bytes
from .decode import DEFAULT_MAX_BYTES
from .participants import ParticipantRow, read_participants, read_participants_bytes
from .table import ANNOMI_MAPPING, CsvMapping, detect_csv_mapping

__all__ = [
    "read_documents",
    "read_documents_from_bytes",
    "read_participants",
    "read_participants_bytes",
    "ParticipantRow",
    "CsvMapping",
    "ANNOMI_MAPPING",
    "detect_csv_mapping",
    "detect_format",
    "FORMATS",
    "DEFAULT_MAX_BYTES",
]
