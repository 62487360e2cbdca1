"""Reading delimited tables (CSV/TSV/semicolon CSV) with line numbers for errors."""

from __future__ import annotations

import csv
import io

from qualcode.errors import IngestError

__all__ = ["Table", "read_table", "find_column"]


class Table:
    """Header plus rows; each row is ``(line_number, {column: value})``."""

    def __init__(self, header: list[str], rows: list[tuple[int, dict[str, str]]]):
        self.header = header
        self.rows = rows


def _delimiter(first_line: str) -> str:
    # Excel in many European locales writes ';', and TSV uses tabs; pick whichever
    # separator the header line uses most (comma on ties).
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_table(text: str, path: str) -> Table:
    """Parse decoded delimited text. Raises :class:`IngestError` on malformed rows."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # blank line
            if header is None:
                header = [h.strip() for h in fields]
                folded = [h.casefold() for h in header if h]
                dup = sorted({h for h in header if h and folded.count(h.casefold()) > 1})
                if dup:
                    raise IngestError(path, f"malformed CSV: duplicate column name(s) {', '.join(map(repr, dup))}")
                continue
            if len(fields) > len(header) and any(f.strip() for f in fields[len(header):]):
                raise IngestError(path, f"malformed CSV: line {line} has {len(fields)} fields but the header "
                                        f"has {len(header)} (an unquoted separator in the text?)")
            rows.append((line, {h: (fields[k] if k < len(fields) else "") for k, h in enumerate(header) if h}))
    except csv.Error as exc:
        raise IngestError(path, f"malformed CSV near line {reader.line_num}: {exc}") from None
    if header is None:
        raise IngestError(path, "the table is empty (no header row)")
    return Table(header, rows)


def find_column(header: list[str], *names: str) -> str | None:
    """The header entry matching one of ``names`` (case/space-insensitive), in ``names`` order."""
    norm = {" ".join(h.split()).casefold(): h for h in header}
    for name in names:
        hit = norm.get(" ".join(name.split()).casefold())
        if hit is not None:
            return hit
    return None
