"""Checking values before they reach the database, the same way on every backend.

PostgreSQL refuses a NUL character in text and a string longer than its column
(``sqlalchemy.exc.DataError``, raised halfway through a transaction); SQLite stores
both silently. Checking first gives one clear error that names the file and field on
both backends, and the database is never asked. The limits are the schema's own
column lengths, so they cannot drift apart.

Messages never quote the offending value: it may be transcript text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table

from ..errors import ValueRefused  # ValueRefused: re-exported here
from ..model import Document, Participant
from . import schema as S

__all__ = ["ValueRefused", "check_row", "check_text", "check_document", "check_turn_meta", "check_participants", "max_length"]


def max_length(table: Table, column: str) -> int | None:
    """The column's length limit from the schema (None for unbounded text)."""
    col_type = table.c[column].type
    return col_type.length if isinstance(col_type, String) else None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def check_text(value: Any, where: str, field: str, limit: int | None = None) -> None:
    """Refuse NUL characters anywhere in ``value`` (strings, JSON) and strings over ``limit``."""
    if _has_nul(value):
        raise ValueRefused(f"{where}: the {field} contains a NUL character (\\0), which a database cannot store")
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise ValueRefused(f"{where}: the {field} is {len(value)} characters long; at most {limit} are allowed")


def check_row(table: Table, values: Mapping[str, Any], where: str, *, fields: Mapping[str, str] | None = None) -> None:
    """Check every value of one row to be written to ``table`` against its column.

    ``fields`` maps column names to the words used in messages (``"speaker"``...).
    """
    for column, value in values.items():
        if column not in table.c or value is None:
            continue
        label = (fields or {}).get(column) or column.replace("_", " ")
        check_text(value, where, label, max_length(table, column))


def check_rows(table: Table, rows: Iterable[Mapping[str, Any]], where: str, **kw: Any) -> None:
    """:func:`check_row` for each row."""
    for row in rows:
        check_row(table, row, where, **kw)


def check_document(doc: Document) -> None:
    """A document and its turns, named by the document (and its file when known)."""
    where = _doc_where(doc)
    check_text(doc.name, where, "document name", max_length(S.documents, "name"))
    check_text(doc.text, where, "text")
    check_text(doc.source_path, where, "source path")
    check_text(doc.source_format, where, "source format", max_length(S.documents, "source_format"))
    check_text(doc.metadata, where, "metadata")
    if doc.participant is not None:
        check_text(doc.participant, where, "participant pseudonym", max_length(S.participants, "pseudonym"))
    speaker_max = max_length(S.segments, "speaker")
    for i, seg in enumerate(doc.segments):
        if seg.speaker is not None:
            check_text(seg.speaker, f"{where}, turn {i + 1}", "speaker label", speaker_max)
        if seg.meta:
            check_turn_meta(seg.meta, f"{where}, turn {i + 1}")
    coder_max = max_length(S.coders, "name")
    code_max = max_length(S.codes, "name")
    for c in doc.codings or ():
        check_text(c.coder, where, "coder name", coder_max)
        check_text(c.code, where, "code name", code_max)
        if c.theme is not None:
            check_text(c.theme, where, "theme name", code_max)


def check_turn_meta(meta: Mapping[str, Any], where: str) -> None:
    """A turn's metadata: a flat mapping of short names to short scalars (see
    :attr:`qualcode.model.Segment.meta` and the bounds in :mod:`qualcode.limits`)."""
    import math

    from .. import limits

    if not isinstance(meta, Mapping):
        raise ValueRefused(f"{where}: turn metadata must be a mapping of names to values")
    if len(meta) > limits.MAX_TURN_META_KEYS:
        raise ValueRefused(f"{where}: {len(meta)} turn metadata fields, over the limit of {limits.MAX_TURN_META_KEYS}")
    for key, value in meta.items():
        if not isinstance(key, str) or not key or len(key) > limits.MAX_TURN_META_KEY_CHARS:
            raise ValueRefused(f"{where}: a turn metadata name must be text of 1-{limits.MAX_TURN_META_KEY_CHARS} characters")
        check_text(key, where, "turn metadata name")
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueRefused(f"{where}: turn metadata {key[:40]!r} is not a finite number")
            if isinstance(value, int) and abs(value) >= 2**53:
                raise ValueRefused(f"{where}: turn metadata {key[:40]!r} is a number too large to store exactly")
            continue
        if not isinstance(value, str):
            raise ValueRefused(f"{where}: turn metadata {key[:40]!r} must be text, a number, true/false or empty")
        check_text(value, where, f"turn metadata {key[:40]!r}", limits.MAX_TURN_META_VALUE_CHARS)


def _doc_where(doc: Document) -> str:
    """How an error names a document: its file (when printable) and its name, shortened."""
    name = doc.name if isinstance(doc.name, str) and "\x00" not in doc.name else "?"
    label = f"document {name[:60]!r}" + ("..." if len(name) > 60 else "")
    path = doc.source_path
    if isinstance(path, str) and path and path != doc.name and "\x00" not in path and len(path) <= 200:
        return f"{path} ({label})"
    return label


def check_participants(rows: Iterable[tuple[Participant, Iterable[str]]], source: str | None = None) -> None:
    """Participants (pseudonym, attributes, linked document names) before an import."""
    pseudonym_max = max_length(S.participants, "pseudonym")
    for participant, _docs in rows:
        pseudonym = participant.pseudonym
        where = source or "participants"
        if isinstance(pseudonym, str) and "\x00" not in pseudonym and len(pseudonym) <= pseudonym_max:
            where = f"{where} (participant {pseudonym[:40]!r})"
        check_text(pseudonym, where, "pseudonym", pseudonym_max)
        for key, value in participant.attributes.items():
            check_text(str(key), where, "attribute name")
            check_text(value, where, f"attribute {str(key)[:40]!r}" if "\x00" not in str(key) else "attribute")
