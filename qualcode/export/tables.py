"""Coded excerpts and the code × participant matrix as CSV and Excel tables.

One row per coding, with every piece of context a researcher filters or pivots on
in a spreadsheet: document, participant, each participant attribute as its own
column, speaker, turn, timestamp, offsets, code, code path, theme, coder, origin,
snippet, memo and date. The rows are those of
:func:`qualcode.export.excerpts.select_excerpts`, so the tables, the Word report and
the Export page always agree.

CSV files are UTF-8 with a byte-order mark, so Excel opens accented and non-Latin
text correctly; the text is written exactly as coded (a snippet that starts with
``=`` or ``-`` may look like a formula to Excel's CSV import: open such files through
*Data > From Text*, or use the XLSX, where every text cell is stored as text).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import __version__
from ..analysis import code_participant_matrix, codebook_frame, documents_frame
from .excerpts import (
    PATH_SEPARATOR,
    ExcerptQuery,
    code_paths_by_id,
    format_timestamp,
    resolve_codes,
    select_documents,
    select_excerpts,
)
from .. import atomic

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Code
    from ..store import Project

__all__ = [
    "TABLE_COLUMNS",
    "excerpts_table",
    "study_frames",
    "matrix_table",
    "excerpts_csv_bytes",
    "matrix_csv_bytes",
    "xlsx_bytes",
    "write_csv",
    "write_xlsx",
]

#: Fixed columns of the excerpts table; participant attributes go after ``participant``.
TABLE_COLUMNS = [
    "coding_id", "document", "participant", "speaker", "turn", "timestamp", "start", "end", "code",
    "code_path", "theme", "coder", "origin", "snippet", "memo", "created_at",
]


def excerpts_table(excerpts: pd.DataFrame, attributes: Sequence[str] | None = None, *, context: bool = False) -> pd.DataFrame:
    """The spreadsheet form of :func:`select_excerpts` output.

    ``attributes``: participant attributes to add as columns (default: every
    attribute any selected participant has, in first-seen order). An attribute
    named like a fixed column gets an ``attribute:`` prefix. ``context=True`` adds
    the whole turn as a ``context`` column after ``snippet``. Each turn metadata
    field any excerpt's turn has (``score``, ``op_replied``...) becomes a
    ``turn:<name>`` column after ``timestamp``.
    """
    if attributes is None:
        attributes = list(dict.fromkeys(k for a in excerpts["attributes"] for k in (a or {})))
    cols = list(TABLE_COLUMNS)
    if context:
        cols.insert(cols.index("snippet") + 1, "context")
    out = excerpts.reindex(columns=cols).copy()
    out["timestamp"] = excerpts["timestamp"].map(format_timestamp) if len(excerpts) else []
    out["turn"] = out["turn"].astype("Int64")
    # Turn metadata (a Reddit comment's score, OP replied...) as "turn:<name>" columns.
    metas = excerpts["turn_meta"] if "turn_meta" in excerpts else pd.Series([None] * len(excerpts), dtype=object)
    meta_keys = list(dict.fromkeys(k for m in metas for k in (m or {})))
    at = out.columns.get_loc("timestamp") + 1
    for i, key in enumerate(meta_keys):
        out.insert(at + i, f"turn:{key}", [(m or {}).get(key) for m in metas])
    at = cols.index("participant") + 1
    for i, key in enumerate(attributes):
        name = f"attribute:{key}" if key in cols else key
        values = [str((a or {}).get(key, "")) for a in excerpts["attributes"]]
        out.insert(at + i, name, values)
    return out.reset_index(drop=True)


def study_frames(
    project: Project,
    query: ExcerptQuery | None = None,
    *,
    excerpts: pd.DataFrame | None = None,
    codes: Sequence[Code] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(codings, codebook, documents)`` frames for :mod:`qualcode.analysis`,
    restricted to ``query`` (its codes, coders, participants and attributes).

    ``excerpts`` (:func:`select_excerpts` with the same filters) and ``codes`` are
    what the caller has read already, in the same :meth:`~qualcode.store.Project.snapshot`:
    passing them reads nothing twice.
    """
    query = query or ExcerptQuery()
    codes = list(codes) if codes is not None else project.codes()
    codings = excerpts if excerpts is not None else select_excerpts(project, ExcerptQuery(
        codes=query.codes, coders=query.coders, participants=query.participants,
        attributes=query.attributes, documents=query.documents,
    ), codes=codes)
    book = codebook_frame(codes)
    if query.codes:
        keep = set(codings["code_id"]) | resolve_codes(codes, query.codes)
        book = book[book["code_id"].isin(keep)]
    docs = documents_frame(project.documents())
    if query.participants is not None or query.attributes or query.documents is not None:
        docs = docs[docs["document_id"].isin(select_documents(project, query)["document_id"])]
    return codings, book, docs


def matrix_table(project: Project, query: ExcerptQuery | None = None, *, presence: bool = False,
                 excerpts: pd.DataFrame | None = None, codes: Sequence[Code] | None = None) -> pd.DataFrame:
    """Codes (rows, codebook order) × participants (columns, interview order):
    number of codings, or 0/1 presence (see
    :func:`qualcode.analysis.code_participant_matrix`). ``excerpts``/``codes`` as
    for :func:`study_frames`."""
    codings, book, docs = study_frames(project, query, excerpts=excerpts, codes=codes)
    return code_participant_matrix(codings, book, docs, presence=presence)


def _csv(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    # utf-8-sig: Excel reads a BOM-less CSV as the local code page and garbles non-ASCII text.
    return frame.to_csv(index=index, lineterminator="\r\n").encode("utf-8-sig")


def excerpts_csv_bytes(project: Project, query: ExcerptQuery | None = None, attributes: Sequence[str] | None = None) -> bytes:
    """The excerpts table as CSV bytes."""
    query = query or ExcerptQuery()
    return _csv(excerpts_table(select_excerpts(project, query), attributes, context=query.context == "turn"))


def matrix_csv_bytes(project: Project, query: ExcerptQuery | None = None, *, presence: bool = False) -> bytes:
    """The code × participant matrix as CSV bytes (first column: the code)."""
    return _csv(matrix_table(project, query, presence=presence), index=True)


def _codebook_sheet(codes: Sequence[Code]) -> pd.DataFrame:
    paths = code_paths_by_id(codes)
    return pd.DataFrame(
        [{"code_path": PATH_SEPARATOR.join(paths.get(int(c.id or 0), (c.name,))), "codable": c.codable,
          "definition": c.definition, "when_to_use": c.when_to_use, "when_not_to_use": c.when_not_to_use,
          "example": c.example, "source": c.source, "guid": c.guid} for c in codes],
        columns=["code_path", "codable", "definition", "when_to_use", "when_not_to_use", "example", "source", "guid"],
    )


def xlsx_bytes(project: Project, query: ExcerptQuery | None = None, attributes: Sequence[str] | None = None) -> bytes:
    """A workbook with sheets *Excerpts*, *Code x participant* (codings counted),
    *Codebook* and *About* (project, date, filters), ready to filter and pivot."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    query = query or ExcerptQuery()
    with project.snapshot():  # the three sheets describe one state of the project
        codes = project.codes()
        excerpts = select_excerpts(project, query, codes=codes)
        sheets = {
            "Excerpts": (excerpts_table(excerpts, attributes, context=query.context == "turn"), False),
            "Code x participant": (matrix_table(project, query, excerpts=excerpts, codes=codes), True),
            "Codebook": (_codebook_sheet(codes), False),
        }
    wb = Workbook()
    wb.remove(wb.active)
    wide = {"snippet": 80, "context": 80, "memo": 40, "definition": 60, "when_to_use": 40,
            "when_not_to_use": 40, "example": 50, "code_path": 40}
    for title, (frame, index) in sheets.items():
        ws = wb.create_sheet(title)
        if index:
            frame = frame.reset_index()
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the transcript says
        for j, name in enumerate(frame.columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = wide.get(str(name), 14 if j > 1 or not index else 40)
            if str(name) in wide:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2" if index else "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions
    about = wb.create_sheet("About")
    lines = [("Project", project.name), ("Exported", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
             ("By", f"qualcode {__version__}"), ("Offsets", "start/end are character (code point) offsets into each document's text")]
    lines += [("Filter", line) for line in query.describe()] or [("Filter", "none: every coding")]
    for k, v in lines:
        about.append([k, v])
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_csv(project: Project, path: str | os.PathLike[str], query: ExcerptQuery | None = None, *,
              matrix: bool = False, attributes: Sequence[str] | None = None) -> Path:
    """Write the excerpts (or, with ``matrix=True``, the code × participant matrix) as CSV."""
    data = matrix_csv_bytes(project, query) if matrix else excerpts_csv_bytes(project, query, attributes)
    out = Path(path)
    atomic.write_bytes(out, data)
    return out


def write_xlsx(project: Project, path: str | os.PathLike[str], query: ExcerptQuery | None = None, *,
               attributes: Sequence[str] | None = None) -> Path:
    """Write the workbook of :func:`xlsx_bytes`."""
    out = Path(path)
    atomic.write_bytes(out, xlsx_bytes(project, query, attributes))
    return out
