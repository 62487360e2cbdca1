"""Coded excerpts with their context, selected by code, coder, participant and attribute.

One function, :func:`select_excerpts`, feeds the Word report, the CSV/XLSX tables
and the Export page, so all three agree on what "the excerpts of code X by coder Y
from Brazilian participants" means:

* ``codes`` names codes or themes (by id, name, or path ``"Theme > Code"``); a
  theme or code includes every code below it.
* ``coders`` names coders; ``"consensus"`` is an ordinary coder (the merged one).
* ``participants`` and ``attributes`` (participant attribute -> accepted values)
  select documents through the participant they belong to. A document without a
  participant counts as a participant named after the document, as in
  :mod:`qualcode.analysis`.

Offsets in the frame are code points into the document text, like everywhere in
qualcode; ``context`` is the coded span alone (``"span"``) or the whole speaker
turn(s) it lies in (``"turn"``), with ``context_start``/``context_end`` so a
writer can emphasise the span inside its turn.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ..errors import ExportError, NotFoundError
from ..model import Code, Coding

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Project

__all__ = [
    "ExcerptQuery",
    "EXCERPT_COLUMNS",
    "select_excerpts",
    "select_documents",
    "resolve_codes",
    "code_paths_by_id",
    "format_timestamp",
    "PATH_SEPARATOR",
]

Context = Literal["span", "turn"]
Order = Literal["code", "participant"]
PATH_SEPARATOR = " › "

#: Columns of :func:`select_excerpts` (``attributes`` holds the participant's dict).
EXCERPT_COLUMNS = [
    "coding_id", "document_id", "document", "document_position", "participant", "attributes",
    "speaker", "turn", "timestamp", "start", "end", "code_id", "code", "code_path", "theme", "depth",
    "code_order", "coder", "origin", "origin_detail", "snippet", "memo", "created_at",
    "context", "context_start", "context_end", "turn_meta",
]


@dataclass
class ExcerptQuery:
    """Which codings to take and how much text around them.

    Every filter is optional (None = no restriction). ``attributes`` maps a
    participant attribute to the values to keep, e.g. ``{"country": ["Brazil"]}``;
    several attributes must all match. ``order`` is ``"code"`` (codebook order, then
    interview order and position) or ``"participant"`` (participant, then interview
    order and position).
    """

    codes: Sequence[int | str] | None = None
    coders: Sequence[str] | None = None
    participants: Sequence[str] | None = None
    attributes: Mapping[str, Sequence[str]] | None = None
    documents: Sequence[str] | None = None
    context: Context = "span"
    order: Order = "code"

    def describe(self) -> list[str]:
        """The filters in words, one line each (for a report's title page)."""
        lines = []
        if self.codes:
            lines.append("Codes: " + ", ".join(str(c) for c in self.codes))
        if self.coders:
            lines.append("Coders: " + ", ".join(self.coders))
        if self.participants:
            lines.append("Participants: " + ", ".join(self.participants))
        for key, values in (self.attributes or {}).items():
            lines.append(f"{key}: " + ", ".join(str(v) for v in values))
        if self.documents:
            lines.append("Documents: " + ", ".join(self.documents))
        return lines


def format_timestamp(seconds: float | None) -> str:
    """``hh:mm:ss`` for a turn's timestamp ("" when the transcript has none)."""
    if seconds is None or pd.isna(seconds):
        return ""
    total = int(round(float(seconds)))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def code_paths_by_id(codes: Sequence[Code]) -> dict[int, tuple[str, ...]]:
    """Each code id's path of names from its theme (codes in tree order)."""
    by_name_stack: list[tuple[str, tuple[str, ...]]] = []
    out: dict[int, tuple[str, ...]] = {}
    for code in codes:
        if code.parent is None:
            by_name_stack = []
        else:
            while by_name_stack and by_name_stack[-1][0] != code.parent:
                by_name_stack.pop()
        path = (by_name_stack[-1][1] if by_name_stack else ()) + (code.name,)
        by_name_stack.append((code.name, path))
        if code.id is not None:
            out[int(code.id)] = path
    return out


def resolve_codes(codes: Sequence[Code], refs: Sequence[int | str]) -> set[int]:
    """Code ids for ``refs`` (ids, names or ``"Theme > Code"`` paths) and all their
    descendants. Raises NotFoundError naming every unknown reference at once."""
    paths = code_paths_by_id(codes)
    wanted: set[int] = set()
    unknown: list[str] = []
    for ref in refs:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit() and int(ref) in paths):
            hits = [int(ref)] if int(ref) in paths else []
        else:
            parts = tuple(p.strip() for p in str(ref).replace("›", ">").split(">"))
            hits = [cid for cid, p in paths.items() if p[-len(parts):] == parts]
            if len(hits) > 1 and len(parts) == 1:
                # A name used twice is ambiguous only if the codes are not nested in each other.
                tops = [h for h in hits if not any(paths[h][: len(paths[o])] == paths[o] for o in hits if o != h)]
                if len(tops) > 1:
                    raise ExportError(
                        f"several codes are named {ref!r}: give the path, e.g. "
                        + " or ".join(repr(" > ".join(paths[h])) for h in tops[:3])
                    )
        if not hits:
            unknown.append(str(ref))
        for h in hits:
            prefix = paths[h]
            wanted.update(cid for cid, p in paths.items() if p[: len(prefix)] == prefix)
    if unknown:
        raise NotFoundError("no code " + ", ".join(repr(u) for u in unknown) + " in the codebook")
    return wanted


def select_documents(project: Project, query: ExcerptQuery) -> pd.DataFrame:
    """Documents that pass the participant/attribute/document filters: ``document_id``,
    ``document``, ``document_position``, ``participant``, ``attributes``."""
    people = {p.pseudonym: p.attributes for p in project.participants()}
    rows = []
    for d in project.documents():
        who = d.participant or d.name
        rows.append({"document_id": d.id, "document": d.name, "document_position": d.position,
                     "participant": who, "attributes": dict(people.get(d.participant or "", {}))})
    docs = pd.DataFrame(rows, columns=["document_id", "document", "document_position", "participant", "attributes"])
    if query.documents is not None:
        missing = sorted(set(query.documents) - set(docs["document"]))
        if missing:
            raise NotFoundError("no document " + ", ".join(map(repr, missing)) + " in this project")
        docs = docs[docs["document"].isin(list(query.documents))]
    if query.participants is not None:
        missing = sorted(set(query.participants) - set(docs["participant"]) - set(people))
        if missing:
            raise NotFoundError("no participant " + ", ".join(map(repr, missing)) + " in this project")
        docs = docs[docs["participant"].isin(list(query.participants))]
    for key, values in (query.attributes or {}).items():
        if not any(key in a for a in people.values()):
            known = sorted({k for a in people.values() for k in a})
            raise NotFoundError(f"no participant attribute {key!r} (attributes: {', '.join(known) or 'none'})")
        accepted = {str(v).strip().casefold() for v in values}
        docs = docs[docs["attributes"].map(lambda a: str(a.get(key, "")).strip().casefold() in accepted)]
    return docs


def _turn_index(project: Project, doc_ids: set[int]) -> dict[int, tuple[list[int], pd.DataFrame]]:
    segs = project.segments_frame()
    out = {}
    for did, frame in segs[segs["document_id"].isin(doc_ids)].groupby("document_id"):
        frame = frame.sort_values("start").reset_index(drop=True)
        out[int(did)] = (frame["start"].tolist(), frame)
    return out


def select_excerpts(project: Project, query: ExcerptQuery | None = None, *, codes: Sequence[Code] | None = None,
                    codings: Sequence[Coding] | None = None) -> pd.DataFrame:
    """The codings that pass ``query``, one row each, with their context (see
    :data:`EXCERPT_COLUMNS`), sorted by ``query.order``.

    ``turn`` is the 1-based number of the speaker turn (segment) the coding starts
    in, ``timestamp`` that turn's time in seconds (None when untimed). ``codes``: the
    project's codes when the caller has read them already (in the same snapshot).
    ``codings``: the codings to consider instead of the project's (e.g. what
    :func:`qualcode.store.queries.visible_codings` lets a blind coder see); the
    query's filters still apply to them.
    """
    query = query or ExcerptQuery()
    if query.context not in ("span", "turn"):
        raise ExportError(f"context must be 'span' or 'turn', not {query.context!r}")
    if query.order not in ("code", "participant"):
        raise ExportError(f"order must be 'code' or 'participant', not {query.order!r}")
    codes = list(codes) if codes is not None else project.codes()
    paths = code_paths_by_id(codes)
    order_of = {int(c.id): i for i, c in enumerate(codes) if c.id is not None}
    code_ids = sorted(resolve_codes(codes, query.codes)) if query.codes else None
    if query.coders is not None:
        known = set(project.coders())
        missing = [c for c in query.coders if c not in known]
        if missing:
            raise NotFoundError("no coder " + ", ".join(map(repr, missing)) + f" (coders: {', '.join(sorted(known)) or 'none yet'})")
    docs = select_documents(project, query).set_index("document_id")
    if codings is None:
        codings = project.codings(coders=list(query.coders) if query.coders is not None else None, code_ids=code_ids)
    else:
        wanted = set(code_ids) if code_ids is not None else None
        codings = [c for c in codings if (wanted is None or c.code_id in wanted)
                   and (query.coders is None or c.coder in query.coders)]
    codings = [c for c in codings if c.document_id in docs.index]
    turns = _turn_index(project, {c.document_id for c in codings})
    texts: dict[int, str] = {}
    rows = []
    for c in codings:
        d = docs.loc[c.document_id]
        speaker = turn = timestamp = turn_meta = None
        ctx_start, ctx_end = c.start, c.end
        if c.document_id in turns:
            starts, frame = turns[c.document_id]
            i = max(bisect.bisect_right(starts, c.start) - 1, 0)
            if frame.at[i, "end"] <= c.start and i + 1 < len(frame):
                i += 1  # the coding starts in the gap before the next turn (e.g. on its label)
            j = max(bisect.bisect_left(starts, c.end) - 1, i)
            seg = frame.iloc[i]
            if seg["start"] < c.end:
                speaker = seg["speaker"] if pd.notna(seg["speaker"]) else None
                turn = int(seg["idx"]) + 1
                timestamp = float(seg["timestamp"]) if pd.notna(seg["timestamp"]) else None
                turn_meta = seg["metadata"] if isinstance(seg["metadata"], dict) and seg["metadata"] else None
                if query.context == "turn":
                    ctx_start = min(c.start, int(seg["start"]))
                    ctx_end = max(c.end, int(frame.iloc[j]["end"]))
        if query.context == "turn" and (ctx_start, ctx_end) != (c.start, c.end):
            if c.document_id not in texts:
                texts[c.document_id] = project.document(c.document_id)[1].text
            context = texts[c.document_id][ctx_start:ctx_end]
        else:
            context = c.snippet
        path = paths.get(c.code_id, (c.code_name or "",))
        rows.append({
            "coding_id": c.id, "document_id": c.document_id, "document": d["document"],
            "document_position": int(d["document_position"]), "participant": d["participant"],
            "attributes": d["attributes"], "speaker": speaker, "turn": turn, "timestamp": timestamp,
            "start": c.start, "end": c.end, "code_id": c.code_id, "code": c.code_name,
            "code_path": PATH_SEPARATOR.join(path), "theme": path[0], "depth": len(path) - 1,
            "code_order": order_of.get(c.code_id, len(order_of)), "coder": c.coder, "origin": c.origin,
            "origin_detail": c.origin_detail, "snippet": c.snippet, "memo": c.memo, "created_at": c.created_at,
            "context": context, "context_start": ctx_start, "context_end": ctx_end, "turn_meta": turn_meta,
        })
    frame = pd.DataFrame(rows, columns=EXCERPT_COLUMNS)
    if frame.empty:
        return frame
    if query.order == "code":
        keys = ["code_order", "document_position", "start", "end", "coder"]
    else:
        first = frame.groupby("participant")["document_position"].transform("min")
        frame = frame.assign(_first=first)
        keys = ["_first", "participant", "document_position", "start", "end", "code_order", "coder"]
    frame = frame.sort_values(keys, kind="stable").drop(columns=["_first"], errors="ignore")
    return frame.reset_index(drop=True)
