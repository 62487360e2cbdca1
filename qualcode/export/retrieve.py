"""Retrieval: read every excerpt of one or more codes together (the Excerpts page).

What NVivo calls a node view and MAXQDA "retrieved segments": the excerpts of the
codes asked for, across transcripts, with participant, attributes, speaker, coder,
memo and the turn before and after, filtered and sorted, and the boolean queries
researchers use:

* ``A`` alone: every excerpt of A;
* ``A AND B``: excerpts of A that overlap a coding of B, or lie in the same speaker
  turn as one;
* ``A NOT B``: excerpts of A with no coding of B overlapping them or in their turn;
* ``A NEAR B``: excerpts of A with a coding of B within ``near`` turns.

The codings come from :func:`qualcode.store.queries.visible_codings`, so a coder in
blind mode retrieves only their own codings, whatever the filters ask for; B is read
through the same call, so a blind coder's AND/NOT cannot reveal another coder's work
either. The rows are :func:`~qualcode.export.excerpts.select_excerpts` rows (the same
columns as the report and the CSV tables) plus ``before`` / ``after`` (one line of the
neighbouring turns) and ``matched``; :func:`retrieval_docx_bytes` and
:func:`retrieval_csv_bytes` export exactly the rows shown.
"""

from __future__ import annotations

import bisect
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from docx import Document as new_document

from .. import __version__, atomic, turnmeta
from ..errors import ExportError
from ..ingest.roles import project_roles
from ..store.queries import visible_codings
from .docx import Report, ReportOptions, _add_text, _excerpt, _n, _para, _setup
from .excerpts import EXCERPT_COLUMNS, ExcerptQuery, code_paths_by_id, resolve_codes, select_excerpts
from .tables import _csv, excerpts_table

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Project

__all__ = [
    "Retrieval", "OPERATORS", "RETRIEVAL_COLUMNS", "retrieve", "retrieval_counts", "retrieval_csv_bytes",
    "retrieval_docx_bytes", "write_retrieval_docx", "write_retrieval_csv", "code_ids_for",
]

Operator = Literal["only", "and", "not", "near"]
OPERATORS: dict[str, str] = {"only": "A alone", "and": "A AND B", "not": "A NOT B", "near": "A NEAR B"}
#: Extra columns after :data:`~qualcode.export.excerpts.EXCERPT_COLUMNS`.
RETRIEVAL_COLUMNS = [*EXCERPT_COLUMNS, "before", "after", "matched"]
CONTEXT_CHARS = 160


@dataclass
class Retrieval:
    """What to retrieve. Every filter is optional (None = no restriction).

    ``codes`` (A) and ``other`` (B) name codes by id, name or path; with
    ``subcodes`` (``other_subcodes``) a code also stands for every code below it.
    ``speakers`` keeps excerpts whose turn has one of these speaker labels.
    ``order``: ``"document"`` (interview order, then position) or ``"code"``
    (codebook order, then interview order). ``near``: how many turns apart A and B
    may be for ``NEAR`` (0 = the same turn).
    """

    codes: Sequence[int | str] | None = None
    subcodes: bool = True
    operator: Operator = "only"
    other: Sequence[int | str] | None = None
    other_subcodes: bool = True
    near: int = 1
    coders: Sequence[str] | None = None
    participants: Sequence[str] | None = None
    attributes: Mapping[str, Sequence[str]] | None = None
    documents: Sequence[str] | None = None
    speakers: Sequence[str] | None = None
    order: Literal["document", "code"] = "document"
    #: Turn metadata conditions, e.g. ``{"op_replied": ["true"], "score": [">=10"]}``
    #: (see :mod:`qualcode.turnmeta`): keeps excerpts whose turn meets them all.
    turn_meta: Mapping[str, Sequence[str]] | None = None

    def describe(self, names: Mapping[int, str] | None = None) -> list[str]:
        """The retrieval in words, one line each (the Word export's first lines)."""
        def show(refs):
            return ", ".join(str((names or {}).get(r, r)) if isinstance(r, int) else str(r) for r in refs or [])

        lines = []
        a = show(self.codes) or "every code"
        if self.operator == "only":
            lines.append(f"Codes: {a}")
        else:
            word = {"and": "AND", "not": "NOT", "near": f"NEAR (within {self.near} turn{'s' if self.near != 1 else ''})"}
            lines.append(f"Query: {a} {word[self.operator]} {show(self.other)}")
        if not self.subcodes:
            lines.append("Sub-codes not included")
        for label, values in (("Coders", self.coders), ("Participants", self.participants),
                              ("Documents", self.documents), ("Speakers", self.speakers)):
            if values:
                lines.append(f"{label}: " + ", ".join(map(str, values)))
        for key, values in (self.attributes or {}).items():
            lines.append(f"{key}: " + ", ".join(map(str, values)))
        for key, values in (self.turn_meta or {}).items():
            lines.append(f"Turn {key}: " + " or ".join(map(str, values)))
        return lines


def code_ids_for(codes, refs: Sequence[int | str] | None, *, subcodes: bool) -> set[int] | None:
    """Code ids a reference list stands for (None: no restriction)."""
    if not refs:
        return None
    if subcodes:
        return resolve_codes(codes, refs)
    paths = code_paths_by_id(codes)
    out: set[int] = set()
    for ref in refs:
        # The exact code: the first id of its own resolution that is the code itself.
        hits = resolve_codes(codes, [ref])
        top = min(hits, key=lambda h: len(paths[h]))
        out.add(top)
    return out


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CONTEXT_CHARS else text[: CONTEXT_CHARS - 1].rstrip() + "…"


def retrieve(project: Project, query: Retrieval | None = None, *, viewer: str | None = None,
             blind: bool = False) -> pd.DataFrame:
    """The excerpts ``query`` asks for, as ``viewer`` may see them (see the module doc).

    Columns: :data:`RETRIEVAL_COLUMNS`. ``matched`` names the codes of B that made an
    AND / NEAR row match (empty otherwise).
    """
    query = query or Retrieval()
    if query.operator not in OPERATORS:
        raise ExportError(f"operator must be one of {', '.join(OPERATORS)}, not {query.operator!r}")
    if query.operator != "only" and not query.other:
        raise ExportError(f"{OPERATORS[query.operator]} needs a code B")
    if query.order not in ("document", "code"):
        raise ExportError(f"order must be 'document' or 'code', not {query.order!r}")
    if query.near < 0:
        raise ExportError("NEAR needs a distance of 0 turns or more")
    if query.turn_meta:
        try:
            turnmeta.check_conditions(query.turn_meta)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    with project.snapshot():
        codes = project.codes()
        a_ids = code_ids_for(codes, query.codes, subcodes=query.subcodes)
        b_ids = code_ids_for(codes, query.other, subcodes=query.other_subcodes) if query.operator != "only" else None
        coders = list(query.coders) if query.coders is not None else None
        seen = visible_codings(project, viewer, blind=blind, coders=coders)
        a_rows = [c for c in seen if a_ids is None or c.code_id in a_ids]
        base = ExcerptQuery(participants=query.participants, attributes=query.attributes,
                            documents=query.documents, order="code")
        frame = select_excerpts(project, base, codes=codes, codings=a_rows)
        frame = frame.reindex(columns=RETRIEVAL_COLUMNS)
        if frame.empty:
            return frame
        segs = project.segments_frame()
        turns: dict[int, pd.DataFrame] = {
            int(d): f.sort_values("start").reset_index(drop=True) for d, f in segs.groupby("document_id")
        }
        texts = {int(d): project.document(int(d))[1].text for d in frame["document_id"].unique()}
        before, after = [], []
        for did, turn in zip(frame["document_id"], frame["turn"]):
            t = turns.get(int(did))
            if t is None or pd.isna(turn):
                before.append("")
                after.append("")
                continue
            i = int(turn) - 1
            text = texts[int(did)]

            def show(j: int) -> str:
                if 0 <= j < len(t):
                    who = t.at[j, "speaker"]
                    body = _line(text[int(t.at[j, "start"]) : int(t.at[j, "end"])])
                    return f"{who}: {body}" if isinstance(who, str) and who else body
                return ""

            before.append(show(i - 1))
            after.append(show(i + 1))
        frame["before"], frame["after"] = before, after
        frame["matched"] = ""
        if query.operator != "only":
            b_rows = [c for c in seen if c.code_id in (b_ids or set())]
            frame = _combine(frame, b_rows, turns, query)
    if query.speakers is not None:
        frame = frame[frame["speaker"].isin(list(query.speakers))]
    if query.turn_meta:
        frame = frame[[turnmeta.matches(m, query.turn_meta) for m in frame["turn_meta"]]]
    if query.order == "document":
        frame = frame.sort_values(["document_position", "start", "end", "code_order", "coder"], kind="stable")
    return frame.reset_index(drop=True)


def _turn_of(turns: pd.DataFrame | None, start: int, end: int) -> tuple[int, int] | None:
    """First and last turn index a span touches (None when untimed/unsegmented)."""
    if turns is None or turns.empty:
        return None
    starts = turns["start"].tolist()
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    if int(turns.at[i, "end"]) <= start and i + 1 < len(turns):
        i += 1
    j = max(bisect.bisect_left(starts, end) - 1, i)
    return i, j


def _combine(frame: pd.DataFrame, b_rows, turns: dict[int, pd.DataFrame], query: Retrieval) -> pd.DataFrame:
    by_doc: dict[int, list] = {}
    for c in b_rows:
        by_doc.setdefault(int(c.document_id), []).append(c)
    b_turns = {id(c): _turn_of(turns.get(int(c.document_id)), c.start, c.end) for c in b_rows}
    keep, matched = [], []
    distance = 0 if query.operator in ("and", "not") else query.near
    for row in frame.itertuples():
        span = _turn_of(turns.get(int(row.document_id)), int(row.start), int(row.end))
        hits = set()
        for c in by_doc.get(int(row.document_id), []):
            if c.id == row.coding_id:
                continue
            overlap = c.start < row.end and row.start < c.end
            near = False
            bt = b_turns[id(c)]
            if span is not None and bt is not None:
                gap = max(bt[0] - span[1], span[0] - bt[1], 0)
                near = gap <= distance
            if overlap or near:
                hits.add(str(c.code_name))
        ok = not hits if query.operator == "not" else bool(hits)
        keep.append(ok)
        matched.append(", ".join(sorted(hits)) if ok else "")
    frame = frame.assign(matched=matched)
    return frame[keep]


def retrieval_counts(frame: pd.DataFrame, by: str = "participant") -> pd.DataFrame:
    """Excerpts (and, by attribute, participants) per participant or per value of a
    participant attribute: columns ``[by, "excerpts", "participants"]``, most first."""
    cols = [by, "excerpts", "participants"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    if by == "participant":
        keys = frame["participant"].astype(str)
    else:
        keys = frame["attributes"].map(lambda a: str((a or {}).get(by, "")) or "(none)")
    out = (
        pd.DataFrame({by: keys, "participant": frame["participant"]})
        .groupby(by, sort=False)
        .agg(excerpts=("participant", "size"), participants=("participant", "nunique"))
        .reset_index()
        .sort_values(["excerpts", by], ascending=[False, True], kind="stable")
    )
    return out[cols].reset_index(drop=True)


def retrieval_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The retrieved excerpts as CSV (the export tables' columns plus the context lines)."""
    table = excerpts_table(frame.reindex(columns=EXCERPT_COLUMNS), context=False)
    for col in ("before", "after", "matched"):
        table[col] = frame[col].tolist() if len(frame) else []
    return _csv(table)


def retrieval_report(project: Project, frame: pd.DataFrame, query: Retrieval, *,
                     show_attributes: Sequence[str] = (), title: str | None = None) -> Report:
    """The retrieved excerpts as a Word document in the report's excerpt style
    (named styles *Excerpt*, *Excerpt Source*, *Memo*), in the order shown."""
    options = ReportOptions(show_attributes=list(show_attributes), include_memos=True)
    doc = new_document()
    _setup(doc, options)
    doc.core_properties.title = title or f"{project.name}: excerpts"
    doc.core_properties.author = f"qualcode {__version__}"
    doc.add_heading(title or "Retrieved excerpts", level=1)
    names = {int(c.id): c.name for c in project.codes() if c.id is not None}
    for line in query.describe(names):
        _para(doc, line, "Code Note")
    _para(doc, f"{_n(len(frame), 'excerpt')} from {_n(frame['participant'].nunique() if len(frame) else 0, 'participant')}"
               f" · project {project.name} · {date.today().isoformat()}", "Code Note")
    if frame.empty:
        _para(doc, "No excerpt matches this retrieval.", "Code Note")
    roles = project_roles(project)
    for row in frame.itertuples():
        _excerpt(doc, row, options, True, roles)
        if isinstance(row.matched, str) and row.matched:
            par = _para(doc, style="Code Note")
            _add_text(par, f"With: {row.matched}")
    return Report(doc, len(frame), [])


def retrieval_docx_bytes(project: Project, frame: pd.DataFrame, query: Retrieval, **kwargs) -> bytes:
    """:func:`retrieval_report` as the bytes of a ``.docx``."""
    buf = io.BytesIO()
    retrieval_report(project, frame, query, **kwargs).document.save(buf)
    return buf.getvalue()


def write_retrieval_docx(project: Project, frame: pd.DataFrame, query: Retrieval, path: str | os.PathLike[str],
                         **kwargs) -> Path:
    """Save :func:`retrieval_report` to ``path`` (through :mod:`qualcode.atomic`)."""
    return retrieval_report(project, frame, query, **kwargs).save(path)


def write_retrieval_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Save :func:`retrieval_csv_bytes` to ``path`` (through :mod:`qualcode.atomic`)."""
    out = Path(path)
    atomic.write_bytes(out, retrieval_csv_bytes(frame))
    return out
