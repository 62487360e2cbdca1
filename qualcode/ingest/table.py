"""Utterance tables (``.csv``): one row per utterance, possibly already coded.

Rows are grouped into documents by the document column and sorted by the order
column. Rows of one document that share an order value are one utterance coded by
several coders (AnnoMI-full repeats each utterance once per annotator): they become
ONE segment, and every row's codes become :class:`ImportedCoding` s of that row's coder.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, replace

from qualcode.errors import IngestError
from qualcode.model import Document, ImportedCoding

from .build import TextBuilder
from .csvread import Table, find_column, read_table
from .timecode import parse_clock

__all__ = ["CsvMapping", "ANNOMI_MAPPING", "DEFAULT_MISSING", "detect_csv_mapping", "parse_csv"]

DEFAULT_MISSING = frozenset({"", "n/a", "na", "nan", "none", "null", "-"})
DEFAULT_CODER = "imported"


@dataclass(frozen=True)
class CsvMapping:
    """Which columns of an utterance table mean what. Column names are matched
    case-insensitively. Only ``text`` is required; without ``document`` the whole
    file is one document named after the file, without ``order`` the file order is used.
    """

    text: str = "text"
    document: str | None = None
    order: str | None = None
    speaker: str | None = None
    timestamp: str | None = None
    # Columns whose values are codes; the column name becomes the code's theme.
    codes: tuple[str, ...] = ()
    # The coder of every code, or the fallback when coder_column is absent/empty.
    coder: str | None = None
    coder_column: str | None = None
    coder_prefix: str = ""  # prepended to coder_column values ("annotator-" + "3")
    document_prefix: str = ""  # prepended to document column values ("annomi-" + "7")
    missing_values: frozenset[str] = DEFAULT_MISSING  # casefolded cell values that are not codes
    code_separator: str | None = ";"  # one cell may hold several codes ("a; b")
    # Columns whose per-row values become turn metadata (Segment.meta: a score, a
    # model name, a rating...); numbers are stored as numbers.
    meta_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept a list for convenience but keep the dataclass hashable/immutable.
        object.__setattr__(self, "codes", tuple(self.codes))
        object.__setattr__(self, "meta_columns", tuple(self.meta_columns))
        object.__setattr__(self, "missing_values", frozenset(v.strip().casefold() for v in self.missing_values))


ANNOMI_MAPPING = CsvMapping(
    document="transcript_id",
    order="utterance_id",
    speaker="interlocutor",
    timestamp="timestamp",
    text="utterance_text",
    codes=("main_therapist_behaviour", "client_talk_type"),
    coder="annomi-expert",  # AnnoMI-simple has no annotator column
    coder_column="annotator_id",
    coder_prefix="annomi-annotator-",
    document_prefix="annomi-",
)

# Common column names per role, most specific first.
_CANDIDATES = {
    "document": ("document", "document_id", "doc", "doc_id", "transcript_id", "transcript", "conversation_id",
                 "conversation", "interview", "interview_id", "session", "session_id", "file"),
    "order": ("order", "utterance_id", "turn", "turn_id", "turn_index", "line", "index", "seq", "sequence"),
    "speaker": ("speaker", "interlocutor", "role", "author", "participant", "who", "sender"),
    "timestamp": ("timestamp", "time", "start", "start_time", "begin"),
    "text": ("text", "utterance_text", "utterance", "content", "message", "body", "turn_text"),
    "coder_column": ("coder", "annotator", "annotator_id", "coder_id", "rater"),
}
_CODE_COLUMNS = ("code", "codes")


def detect_csv_mapping(header: list[str], path: str = "<input>") -> CsvMapping:
    """Guess a mapping from column names (AnnoMI's columns give :data:`ANNOMI_MAPPING`)."""
    if all(find_column(header, c) for c in ("transcript_id", "utterance_id", "interlocutor", "utterance_text")):
        return ANNOMI_MAPPING
    found = {role: next((h for h in (find_column(header, n) for n in names) if h), None)
             for role, names in _CANDIDATES.items()}
    if found["text"] is None:
        raise IngestError(path, "no text column found: expected one of "
                                f"{', '.join(_CANDIDATES['text'])}; the columns are {', '.join(header)}. "
                                "Pass a CsvMapping naming the text column.")
    codes = tuple(h for h in header if h.strip().casefold() in _CODE_COLUMNS)
    return CsvMapping(text=found["text"], document=found["document"], order=found["order"],
                      speaker=found["speaker"], timestamp=found["timestamp"], codes=codes,
                      coder_column=found["coder_column"])


def _resolve(mapping: CsvMapping, table: Table, path: str) -> CsvMapping:
    """Replace mapping column names by the table's spelling; raise naming missing columns."""
    missing: list[str] = []

    def col(name: str | None, role: str) -> str | None:
        if name is None:
            return None
        hit = find_column(table.header, name)
        if hit is None:
            missing.append(f"{name!r} ({role})")
        return hit

    resolved = replace(
        mapping,
        text=col(mapping.text, "text") or mapping.text,
        document=col(mapping.document, "document"),
        order=col(mapping.order, "order"),
        speaker=col(mapping.speaker, "speaker"),
        timestamp=col(mapping.timestamp, "timestamp"),
        codes=tuple(c for c in (col(c, "codes") for c in mapping.codes) if c),
        meta_columns=tuple(c for c in (col(c, "turn metadata") for c in mapping.meta_columns) if c),
        # A named fallback coder makes the coder column optional (AnnoMI-simple).
        coder_column=(find_column(table.header, mapping.coder_column) if mapping.coder
                      else col(mapping.coder_column, "coder")) if mapping.coder_column else None,
    )
    if missing:
        raise IngestError(path, f"missing required column(s) {', '.join(missing)}; "
                                f"the columns are {', '.join(table.header)}")
    return resolved


def _order_key(value: str, line: int, path: str) -> tuple[int, float | str]:
    v = value.strip()
    if not v:
        raise IngestError(path, f"line {line}: the order column is empty")
    try:
        return (0, float(v))
    except ValueError:
        return (1, v)


def _timestamp(value: str) -> float | None:
    v = value.strip()
    if not v:
        return None
    seconds = parse_clock(v)
    if seconds is None:
        try:
            seconds = float(v)
        except ValueError:
            return None
    return seconds


@dataclass
class _Utterance:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def parse_csv(text: str, name: str, path: str, mapping: CsvMapping | None = None) -> list[Document]:
    """Parse a decoded utterance table into documents (see :class:`CsvMapping`)."""
    table = read_table(text, path)
    if not table.rows:
        raise IngestError(path, "the table has a header but no rows")
    mapping = _resolve(mapping or detect_csv_mapping(table.header, path), table, path)

    # Group rows: document -> order key -> rows (dicts keep first-appearance order).
    docs: dict[str, dict[object, _Utterance]] = {}
    for position, (line, row) in enumerate(table.rows):
        doc_value = row[mapping.document].strip() if mapping.document else name
        if not doc_value:
            raise IngestError(path, f"line {line}: the document column {mapping.document!r} is empty")
        key = _order_key(row[mapping.order], line, path) if mapping.order else (0, float(position))
        docs.setdefault(doc_value, {}).setdefault(key, _Utterance()).rows.append((line, row))

    mapped = {c for c in (mapping.text, mapping.document, mapping.order, mapping.speaker, mapping.timestamp,
                          mapping.coder_column, *mapping.codes, *mapping.meta_columns) if c}
    return [_document(doc_value, utterances, mapping, mapped, path) for doc_value, utterances in docs.items()]


def turn_value(value: str) -> str | int | float | None:
    """A cell as turn metadata: empty is None, a whole number an int, a decimal a float."""
    v = value.strip()
    if not v:
        return None
    try:
        return int(v) if abs(int(v)) < 2**53 else v
    except ValueError:
        pass
    try:
        number = float(v)
    except ValueError:
        return v
    return number if math.isfinite(number) else v


def _split_codes(value: str, mapping: CsvMapping) -> list[str]:
    parts = value.split(mapping.code_separator) if mapping.code_separator else [value]
    return [p.strip() for p in parts if p.strip().casefold() not in mapping.missing_values]


def _document(doc_value: str, utterances: dict[object, _Utterance], mapping: CsvMapping,
              mapped: set[str], path: str) -> Document:
    builder = TextBuilder()
    codings: list[ImportedCoding] = []
    seen: set[ImportedCoding] = set()
    warnings: list[str] = []
    empty = 0
    metas: list[tuple[int, dict[str, object]]] = []
    all_rows = [row for u in utterances.values() for _, row in u.rows]
    for key in sorted(utterances):  # type: ignore[type-var]
        rows = utterances[key].rows
        line, first = rows[0]
        speaker = (first[mapping.speaker].strip() or None) if mapping.speaker else None
        ts = _timestamp(first[mapping.timestamp]) if mapping.timestamp else None
        index = builder.add_turn(first[mapping.text], speaker, ts)
        if index is None:
            empty += 1
            continue
        if mapping.meta_columns:
            metas.append((index, {c: turn_value(first[c]) for c in mapping.meta_columns}))
        if len({r[mapping.text].strip() for _, r in rows}) > 1:
            warnings.append(f"line {line}: rows with the same order value have different text; kept the first")
        for _, row in rows:
            coder = mapping.coder or DEFAULT_CODER
            if mapping.coder_column and row[mapping.coder_column].strip():
                coder = mapping.coder_prefix + row[mapping.coder_column].strip()
            for column in mapping.codes:
                for code in _split_codes(row[column], mapping):
                    coding = ImportedCoding(index, code, coder, theme=column)
                    if coding not in seen:
                        seen.add(coding)
                        codings.append(coding)
    if empty:
        warnings.append(f"{empty} row(s) with empty text were skipped")
    # Columns that hold one value for the whole document describe it (topic, quality...).
    metadata: dict[str, object] = {}
    for column in (c for c in all_rows[0] if c not in mapped):
        values = {r[column].strip() for r in all_rows}
        if len(values) == 1 and (v := values.pop()) and v.casefold() not in mapping.missing_values:
            metadata[column] = v
    if mapping.codes:
        metadata["code_columns"] = list(mapping.codes)
    name = mapping.document_prefix + doc_value if mapping.document else doc_value
    segments = list(builder.segments)
    for index, meta in metas:
        segments[index] = dataclasses.replace(segments[index], meta=meta)
    return Document(name=name, text=builder.text, segments=segments, source_format="csv",
                    metadata=metadata, codings=codings, warnings=warnings)
