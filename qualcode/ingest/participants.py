"""Participant tables: who took part, their attributes, and which documents are theirs.

``read_participants`` returns :class:`ParticipantRow` s rather than changing
documents: the caller (the project store) owns the link between participants and
documents, and may import the table before or after the transcripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from qualcode import limits
from qualcode.errors import IngestError
from qualcode.model import Participant

from .csvread import find_column, read_table
from .decode import DEFAULT_MAX_BYTES, check_size, decode_text

__all__ = ["ParticipantRow", "read_participants", "read_participants_bytes", "parse_participants"]

_ID_COLUMNS = ("pseudonym", "participant", "participant_id", "id", "pid")
_DOC_COLUMNS = ("document", "documents", "transcript", "transcripts", "file", "files")
# Known import extensions are stripped from listed documents so they match Document.name.
_EXTENSIONS = re.compile(r"\.(txt|text|md|markdown|docx|vtt|srt|json|csv|tsv)$", re.IGNORECASE)
_MISSING = frozenset({"", "n/a", "na", "nan", "none", "null"})


@dataclass
class ParticipantRow:
    """One row of a participants table.

    ``documents`` are the document names listed for this participant (the ``document``
    column, several separated by commas or semicolons, file extensions removed).
    """

    participant: Participant
    documents: list[str] = field(default_factory=list)


def parse_participants(text: str, path: str) -> list[ParticipantRow]:
    """Parse decoded participants CSV text."""
    table = read_table(text, path)
    id_col = find_column(table.header, *_ID_COLUMNS)
    if id_col is None:
        raise IngestError(path, f"missing required column: one of {', '.join(_ID_COLUMNS)}; "
                                f"the columns are {', '.join(table.header)}")
    doc_col = find_column(table.header, *_DOC_COLUMNS)
    rows: list[ParticipantRow] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        pseudonym = row[id_col].strip()
        if not pseudonym:
            raise IngestError(path, f"line {line}: the {id_col!r} column is empty")
        if pseudonym in seen:
            raise IngestError(path, f"line {line}: participant {pseudonym!r} already appears on line {seen[pseudonym]}")
        seen[pseudonym] = line
        attributes = {col: value.strip() for col, value in row.items()
                      if col not in (id_col, doc_col) and value.strip().casefold() not in _MISSING}
        documents = []
        if doc_col:
            documents = [_EXTENSIONS.sub("", d.strip()) for d in re.split(r"[;,]", row[doc_col]) if d.strip()]
        rows.append(ParticipantRow(Participant(pseudonym, attributes), documents))
    if not rows:
        raise IngestError(path, "the participants table has a header but no rows")
    return rows


def read_participants(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ParticipantRow]:
    """Read a participants CSV FILE (a regular file, not a link).

    The table needs a ``pseudonym`` (or ``participant``/``id``) column; every other
    column becomes an attribute, except ``document`` (see :class:`ParticipantRow`).
    Uploaded bytes go to :func:`read_participants_bytes`: a path and content never
    share one parameter.
    """
    if isinstance(path, (bytes, bytearray)):
        raise TypeError("read_participants reads a file; parse uploaded bytes with read_participants_bytes")
    p = Path(path)
    data = limits.read_file_bytes(p, lambda problem: IngestError(p, problem), max_bytes=max_bytes)
    return read_participants_bytes(data, str(p), max_bytes=max_bytes)


def read_participants_bytes(data: bytes, filename: str = "<participants>", *,
                            max_bytes: int = DEFAULT_MAX_BYTES) -> list[ParticipantRow]:
    """Parse participants CSV BYTES (an upload); ``filename`` names it in errors."""
    path = filename
    check_size(len(data), path, max_bytes)
    if PurePath(path.replace("\\", "/")).suffix.lower() not in ("", ".csv", ".tsv", ".txt"):
        raise IngestError(path, "a participants table must be a .csv file")
    text, _ = decode_text(bytes(data), path)
    return parse_participants(text, path)
