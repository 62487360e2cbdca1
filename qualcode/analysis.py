"""Patterns across participants: pandas in, pandas out.

Every analysis is a pure function over plain frames (the shapes returned by
:class:`~qualcode.store.Project`), so it can be tested on hand-built data and reused
by the app, the exports and a researcher's own notebook. :func:`from_project` is the
only function here that touches a project; it bundles the frames in a
:class:`StudyFrames`, whose methods call the functions below.

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
sessions merge into one participant). A document not linked to any participant
counts as a participant of its own, named after the document. Denominators ("of
12 participants") count the participants with at least one document in the
project, whether or not anything in their interviews has been coded yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .errors import NotFoundError, QualcodeError
from .model import Code, Participant

if TYPE_CHECKING:  # pragma: no cover
    from .store.project import DocumentInfo, Project

__all__ = [
    "AnalysisError",
    "NOT_RECORDED",
    "StudyFrames",
    "from_project",
    "codebook_frame",
    "documents_frame",
    "participants_frame",
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

#: Group name for participants who have no value for an attribute.
NOT_RECORDED = "(not recorded)"

Level = Literal["code", "theme"]
Unit = Literal["segment", "overlap"]


class AnalysisError(QualcodeError):
    """An analysis was asked something the data cannot answer (an unknown
    attribute, a saturation base larger than the study, ...)."""


# --------------------------------------------------------------------- frames
def codebook_frame(codes: Sequence[Code] | pd.DataFrame) -> pd.DataFrame:
    """The codebook as a frame in tree order, one row per code or theme.

    ``codes`` is ``project.codes()`` (parents before children, depth-first). Columns:
    ``code_id``, ``code`` (name), ``label`` (the name, or ``"Parent / Name"`` where two
    codes share a name), ``parent``, ``parent_id``, ``theme`` / ``theme_id`` (the
    top-level ancestor; a top-level code is its own theme), ``depth`` (0 at the top),
    ``colour`` (as stored, may be None), ``codable`` and ``order``.
    A frame that already has these columns is returned unchanged.
    """
    if isinstance(codes, pd.DataFrame):
        return codes
    rows: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []  # the current path from the top
    for order, code in enumerate(codes):
        if code.parent is None:
            stack = []
        else:
            # Depth-first order: the parent is the nearest ancestor on the path of that name.
            while stack and stack[-1]["code"] != code.parent:
                stack.pop()
            if not stack:
                raise AnalysisError(f"code {code.name!r} names parent {code.parent!r}, which does not come before it")
        parent = stack[-1] if stack else None
        row = {
            "code_id": int(code.id) if code.id is not None else -(order + 1),
            "code": code.name,
            "parent": code.parent,
            "parent_id": parent["code_id"] if parent else None,
            "theme": stack[0]["code"] if stack else code.name,
            "theme_id": stack[0]["code_id"] if stack else None,
            "depth": len(stack),
            "colour": code.colour or None,
            "codable": bool(code.codable),
            "order": order,
        }
        if row["theme_id"] is None:
            row["theme_id"] = row["code_id"]
        rows.append(row)
        stack.append(row)
    cols = ["code_id", "code", "label", "parent", "parent_id", "theme", "theme_id", "depth", "colour", "codable", "order"]
    if not rows:
        return pd.DataFrame(columns=cols)
    book = pd.DataFrame(rows)
    dupes = book["code"].duplicated(keep=False)
    book["label"] = np.where(dupes & book["parent"].notna(), book["parent"].fillna("") + " / " + book["code"], book["code"])
    book["parent_id"] = book["parent_id"].astype("Int64")
    return book[cols]


def documents_frame(documents: Sequence[DocumentInfo] | pd.DataFrame) -> pd.DataFrame:
    """Documents in interview order with the participant each belongs to.

    Columns: ``document_id``, ``document``, ``participant`` (the pseudonym, or the
    document's name when it is not linked to a participant), ``linked`` and
    ``position`` (1, 2, ... in interview order).
    """
    if isinstance(documents, pd.DataFrame):
        return documents
    docs = sorted(documents, key=lambda d: (d.position, d.id))
    return pd.DataFrame(
        {
            "document_id": [d.id for d in docs],
            "document": [d.name for d in docs],
            "participant": [d.participant or d.name for d in docs],
            "linked": [d.participant is not None for d in docs],
            "position": list(range(1, len(docs) + 1)),
        },
        columns=["document_id", "document", "participant", "linked", "position"],
    )


def participants_frame(participants: Sequence[Participant] | pd.DataFrame) -> pd.DataFrame:
    """Participants' attributes, one row per pseudonym (index ``participant``),
    one string column per attribute (missing values are NaN)."""
    if isinstance(participants, pd.DataFrame):
        return participants
    frame = pd.DataFrame.from_records(
        [{"participant": p.pseudonym, **{str(k): v for k, v in p.attributes.items()}} for p in participants]
    )
    if frame.empty:
        return pd.DataFrame(index=pd.Index([], name="participant"))
    return frame.set_index("participant")


def filter_coder(codings: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    """The codings of one coder, or all of them when ``coder`` is None."""
    if coder is None:
        return codings
    return codings[codings["coder"] == coder]


def _codings(codings: pd.DataFrame, documents: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    """Coder-filtered codings with a ``participant`` column (from the documents)."""
    c = filter_coder(codings, coder)
    part = documents.set_index("document_id")["participant"]
    c = c.assign(participant=c["document_id"].map(part))
    # Codings on documents missing from the frame (none in a real project) have no owner.
    return c[c["participant"].notna()]


def _participant_order(documents: pd.DataFrame) -> list[str]:
    """Participants in order of their first interview."""
    return list(dict.fromkeys(documents.sort_values("position")["participant"]))


def _at_level(codings: pd.DataFrame, book: pd.DataFrame, level: Level) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Re-key codings to their theme (``level="theme"``) and return the rows to report."""
    if level == "code":
        return codings, book[book["codable"] | book["code_id"].isin(codings["code_id"])]
    if level != "theme":
        raise AnalysisError(f"level must be 'code' or 'theme', not {level!r}")
    to_theme = book.set_index("code_id")["theme_id"]
    return codings.assign(code_id=codings["code_id"].map(to_theme)), book[book["depth"] == 0]


# ---------------------------------------------------------------- frequencies
def code_frequencies(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    documents: pd.DataFrame,
    *,
    coder: str | None = None,
    include_empty: bool = True,
) -> pd.DataFrame:
    """How often each code was applied, and by how many participants.

    One row per codable code (and any folder that somehow carries codings) in
    codebook order. Columns: ``code_id``, ``code``, ``label``, ``theme``,
    ``theme_id``, ``parent``, ``depth``, ``colour``, ``codings`` (number of codings;
    with ``coder=None`` every coder's codings count), ``participants`` (distinct
    participants with the code), ``documents`` (distinct documents),
    ``participants_total`` and ``share`` (participants / participants_total).
    ``include_empty=False`` drops codes nobody applied.
    """
    book = codebook_frame(codes)
    c = _codings(codings, documents, coder)
    counts = c.groupby("code_id").agg(
        codings=("code_id", "size"), participants=("participant", "nunique"), documents=("document_id", "nunique")
    )
    rows = book[book["codable"] | book["code_id"].isin(counts.index)]
    out = rows[["code_id", "code", "label", "theme", "theme_id", "parent", "depth", "colour"]].join(counts, on="code_id")
    for col in ("codings", "participants", "documents"):
        out[col] = out[col].fillna(0).astype(int)
    total = documents["participant"].nunique()
    out["participants_total"] = total
    out["share"] = out["participants"] / total if total else 0.0
    if not include_empty:
        out = out[out["codings"] > 0]
    return out.reset_index(drop=True)


def theme_frequencies(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    documents: pd.DataFrame,
    *,
    coder: str | None = None,
) -> pd.DataFrame:
    """Totals per theme (top-level code), counting each coding once.

    A coding counts toward the theme of its code's top-level ancestor, whether it
    was applied to a sub-code or to the theme itself, so a theme's ``codings`` is the
    number of codings in its branch (never a sum of per-code participant counts).
    Columns: ``theme_id``, ``theme``, ``colour``, ``codings``, ``participants``
    (distinct participants with any code of the theme), ``documents``,
    ``codes_used`` (codes of the branch applied at least once), ``codes_total``
    (codable codes in the branch), ``participants_total`` and ``share``.
    """
    book = codebook_frame(codes)
    c = _codings(codings, documents, coder)
    c = c.assign(theme_id=c["code_id"].map(book.set_index("code_id")["theme_id"]))
    counts = c.groupby("theme_id").agg(
        codings=("code_id", "size"),
        participants=("participant", "nunique"),
        documents=("document_id", "nunique"),
        codes_used=("code_id", "nunique"),
    )
    themes = book[book["depth"] == 0][["code_id", "code", "colour"]].rename(columns={"code_id": "theme_id", "code": "theme"})
    out = themes.join(counts, on="theme_id")
    for col in ("codings", "participants", "documents", "codes_used"):
        out[col] = out[col].fillna(0).astype(int)
    out["codes_total"] = out["theme_id"].map(book[book["codable"]].groupby("theme_id").size()).fillna(0).astype(int)
    total = documents["participant"].nunique()
    out["participants_total"] = total
    out["share"] = out["participants"] / total if total else 0.0
    return out.reset_index(drop=True)


# ------------------------------------------------------------------- matrices
def code_participant_matrix(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    documents: pd.DataFrame,
    *,
    coder: str | None = None,
    presence: bool = False,
    level: Level = "code",
    include_empty: bool = True,
) -> pd.DataFrame:
    """Codes (rows, codebook order, by label) × participants (columns, in order of
    their first interview).

    Cells hold the number of codings, or with ``presence=True`` 1 when the
    participant has the code (with ``coder=None``: when any coder applied it) and 0
    otherwise. ``level="theme"`` gives themes × participants. Every participant
    with a document appears, coded or not; ``include_empty=False`` drops rows
    that are all zero.
    """
    book = codebook_frame(codes)
    c, rows = _at_level(_codings(codings, documents, coder), book, level)
    table = pd.crosstab(c["code_id"], c["participant"]) if len(c) else pd.DataFrame()
    matrix = table.reindex(index=rows["code_id"], columns=_participant_order(documents), fill_value=0).fillna(0).astype(int)
    matrix.index = pd.Index(rows["label"].tolist(), name=level)
    matrix.columns.name = "participant"
    if presence:
        matrix = (matrix > 0).astype(int)
    if not include_empty:
        matrix = matrix[matrix.sum(axis=1) > 0]
    return matrix


def _attribute_values(
    documents: pd.DataFrame, participants: pd.DataFrame, attribute: str, sep: str | None
) -> pd.DataFrame:
    """``participant, value`` pairs for the participants with documents (one row per value)."""
    if attribute not in participants.columns:
        known = ", ".join(map(str, participants.columns)) or "none"
        raise AnalysisError(f"no participant attribute {attribute!r} (attributes: {known})")
    people = pd.Index(documents["participant"].unique(), name="participant")
    values = participants[attribute].reindex(people)
    blank = values.isna() | (values.astype("string").str.strip() == "").fillna(True)
    values = values.where(~blank, NOT_RECORDED).astype(str)
    pairs = values.rename("value").reset_index()
    if sep:
        pairs["value"] = pairs["value"].str.split(sep, regex=False)
        pairs = pairs.explode("value")
        pairs["value"] = pairs["value"].str.strip()
        pairs = pairs[pairs["value"] != ""].drop_duplicates()
    return pairs.reset_index(drop=True)


def participants_per_value(
    documents: pd.DataFrame,
    participants: Sequence[Participant] | pd.DataFrame,
    attribute: str,
    *,
    sep: str | None = None,
) -> pd.Series:
    """How many participants (with at least one document) have each value of
    ``attribute``: the denominators behind "3 of 4 participants from Kenya".

    Sorted by group size (largest first), then by value; participants without the
    attribute form the group :data:`NOT_RECORDED`, listed last. With ``sep`` (e.g.
    ``";"``) a multi-valued attribute such as "chatbots used" is split and a
    participant counts in every group they belong to.
    """
    pairs = _attribute_values(documents, participants_frame(participants), attribute, sep)
    sizes = pairs.groupby("value")["participant"].nunique()
    return _sort_groups(sizes).rename("participants")


def _sort_groups(sizes: pd.Series) -> pd.Series:
    """Largest group first, then by value; the not-recorded group last."""
    order = sorted(sizes.index, key=lambda v: (v == NOT_RECORDED, -int(sizes[v]), str(v)))
    return sizes.loc[order]


def code_attribute_table(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    documents: pd.DataFrame,
    participants: Sequence[Participant] | pd.DataFrame,
    attribute: str,
    *,
    coder: str | None = None,
    sep: str | None = None,
    level: Level = "code",
) -> pd.DataFrame:
    """Codes × values of a participant attribute (country, chatbot used, ...), long form.

    One row per (code, value) for every codable code and every value, in codebook
    order then group order (see :func:`participants_per_value`). Columns:
    ``code_id``, ``label``, ``theme``, ``value``, ``codings``, ``participants``
    (participants of the group with the code), ``group_size`` (participants in
    the group), ``share`` (participants / group_size) and ``summary`` (e.g.
    ``"3/4"``), so a reader sees the number of people behind every cell.
    """
    book = codebook_frame(codes)
    pairs = _attribute_values(documents, participants_frame(participants), attribute, sep)
    sizes = _sort_groups(pairs.groupby("value")["participant"].nunique())
    c, rows = _at_level(_codings(codings, documents, coder), book, level)
    c = c.merge(pairs, on="participant", how="inner")
    counts = c.groupby(["code_id", "value"]).agg(codings=("code_id", "size"), participants=("participant", "nunique"))
    grid = pd.MultiIndex.from_product([rows["code_id"], sizes.index], names=["code_id", "value"])
    out = counts.reindex(grid, fill_value=0).reset_index()
    meta = rows.set_index("code_id")[["label", "theme"]]
    out = out.join(meta, on="code_id")
    out["group_size"] = out["value"].map(sizes).astype(int)
    out["share"] = out["participants"] / out["group_size"]
    out["summary"] = out["participants"].astype(str) + "/" + out["group_size"].astype(str)
    out[["codings", "participants"]] = out[["codings", "participants"]].astype(int)
    return out[["code_id", "label", "theme", "value", "codings", "participants", "group_size", "share", "summary"]]


# --------------------------------------------------------------- co-occurrence
@dataclass(frozen=True)
class Cooccurrence:
    """Code co-occurrence over units (turns or overlapping passages).

    ``counts`` and ``jaccard`` are symmetric code × code frames (labels, codebook
    order). ``counts[a][b]`` is the number of units holding both codes;
    ``jaccard[a][b]`` is that number divided by the number of units holding either
    (the Jaccard index over units; ATLAS.ti calls the same ratio the
    c-coefficient). A code is not compared with itself: the diagonal of ``counts``
    is 0 and that of ``jaccard`` is NaN; ``jaccard`` is also NaN for a pair of codes
    neither of which occurs. ``occurrences`` is the number of units holding each
    code. ``unplaced`` counts codings that touch no turn (segment mode only).
    """

    unit: str
    counts: pd.DataFrame
    jaccard: pd.DataFrame
    occurrences: pd.Series
    unplaced: int = 0

    def pairs(self, *, min_count: int = 1) -> pd.DataFrame:
        """The upper triangle as ``code_a, code_b, count, jaccard``, strongest first."""
        labels = list(self.counts.index)
        rows = [
            (a, b, int(self.counts.iat[i, j]), float(self.jaccard.iat[i, j]))
            for i, a in enumerate(labels)
            for j, b in enumerate(labels)
            if i < j and self.counts.iat[i, j] >= min_count
        ]
        out = pd.DataFrame(rows, columns=["code_a", "code_b", "count", "jaccard"])
        return out.sort_values(["count", "jaccard"], ascending=False, kind="stable").reset_index(drop=True)


def cooccurrence(
    codings: pd.DataFrame,
    codes: Sequence[Code] | pd.DataFrame,
    *,
    segments: pd.DataFrame | None = None,
    unit: Unit = "segment",
    coder: str | None = None,
    include_empty: bool = True,
) -> Cooccurrence:
    """How often two codes occur together.

    ``unit="segment"``: the unit is a speaker turn (``segments`` is
    ``project.segments_frame()``). A coding belongs to every turn its span shares
    at least one character with; a turn holds a code when any included coding of
    that code belongs to it, so two codings of one code in one turn count once.

    ``unit="overlap"``: codes co-occur where their spans overlap (share at least
    one character; spans that only touch do not). For each pair of codes the
    codings of the two codes in a document are merged into *passages*, maximal
    runs of overlapping spans; a passage holds both codes or one. ``counts`` is the
    number of passages holding both, and the Jaccard denominator the number of
    passages holding either, so a place where A and B overlap counts once however
    many coders coded it, and a third code never links A and B.

    See :class:`Cooccurrence` for the diagonal (0 / NaN) and the Jaccard index.
    """
    book = codebook_frame(codes)
    c = filter_coder(codings, coder)
    rows = book[book["codable"] | book["code_id"].isin(c["code_id"])]
    ids = list(rows["code_id"])
    pos = {cid: i for i, cid in enumerate(ids)}
    c = c[c["code_id"].isin(pos)]
    k = len(ids)
    unplaced = 0
    if unit == "segment":
        if segments is None:
            raise AnalysisError("co-occurrence by turn needs the segments frame (project.segments_frame())")
        units, unplaced = _turn_units(c, segments)
        x = np.zeros((len(units), k), dtype=np.int64)
        for u, code_ids in enumerate(units.values()):
            x[u, [pos[i] for i in code_ids]] = 1
        both = x.T @ x
        occ = np.diag(both).copy()
        union = occ[:, None] + occ[None, :] - both
    elif unit == "overlap":
        both, union, occ = _overlap_counts(c, pos)
    else:
        raise AnalysisError(f"unit must be 'segment' or 'overlap', not {unit!r}")
    both = both.astype(np.int64)
    np.fill_diagonal(both, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(union > 0, both / np.where(union > 0, union, 1), np.nan)
    np.fill_diagonal(jac, np.nan)
    labels = pd.Index(rows["label"].tolist(), name="code")
    counts = pd.DataFrame(both, index=labels, columns=labels.rename("code_b"))
    jaccard = pd.DataFrame(jac, index=labels, columns=labels.rename("code_b"))
    occurrences = pd.Series(np.asarray(occ, dtype=np.int64), index=labels, name="units")
    if not include_empty:
        keep = occurrences > 0
        counts, jaccard, occurrences = counts.loc[keep, keep], jaccard.loc[keep, keep], occurrences[keep]
    return Cooccurrence(unit, counts, jaccard, occurrences, unplaced)


def _turn_units(codings: pd.DataFrame, segments: pd.DataFrame) -> tuple[dict[tuple[int, int], set[int]], int]:
    """Map each (document, turn) to the codes touching it; count codings touching no turn."""
    units: dict[tuple[int, int], set[int]] = {}
    unplaced = 0
    segs = {d: g.sort_values("start") for d, g in segments.groupby("document_id")}
    for doc_id, group in codings.groupby("document_id"):
        seg = segs.get(doc_id)
        if seg is None or seg.empty:
            unplaced += len(group)
            continue
        starts, ends, idx = seg["start"].to_numpy(), seg["end"].to_numpy(), seg["idx"].to_numpy()
        # Turns never overlap, so starts and ends are both sorted: binary search
        # finds the first turn ending after the span starts and the last starting before it ends.
        first = np.searchsorted(ends, group["start"].to_numpy(), side="right")
        last = np.searchsorted(starts, group["end"].to_numpy(), side="left") - 1
        for code_id, lo, hi in zip(group["code_id"], first, last):
            if lo > hi:
                unplaced += 1
            for t in range(lo, hi + 1):
                units.setdefault((int(doc_id), int(idx[t])), set()).add(int(code_id))
    return units, unplaced


def _passages(spans: Iterable[tuple[int, int, int]]) -> list[set[int]]:
    """Merge ``(start, end, tag)`` spans into runs of overlapping spans; the tags of each run."""
    runs: list[set[int]] = []
    end = -1
    for s, e, tag in sorted(spans):
        if runs and s < end:
            runs[-1].add(tag)
            end = max(end, e)
        else:
            runs.append({tag})
            end = e
    return runs


def _overlap_counts(codings: pd.DataFrame, pos: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = len(pos)
    both = np.zeros((k, k), dtype=np.int64)
    union = np.zeros((k, k), dtype=np.int64)
    occ = np.zeros(k, dtype=np.int64)
    for _, doc in codings.groupby("document_id"):
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for code_id, s, e in zip(doc["code_id"], doc["start"], doc["end"]):
            spans.setdefault(pos[int(code_id)], []).append((int(s), int(e), 0))
        alone = {i: len(_passages(v)) for i, v in spans.items()}
        for i, n in alone.items():
            occ[i] += n
        present = sorted(spans)
        for a_i, a in enumerate(present):
            for b in present[a_i + 1 :]:
                runs = _passages(spans[a] + [(s, e, 1) for s, e, _ in spans[b]])
                n_both = sum(1 for r in runs if len(r) == 2)
                both[a, b] += n_both
                # Passages of A or B = the merged runs; pairs absent from this
                # document are added from ``occ`` below.
                union[a, b] += len(runs) - alone[a] - alone[b]
    union = union + union.T + occ[:, None] + occ[None, :]
    both = both + both.T
    return both, union, occ


# ------------------------------------------------------------------ saturation
def new_codes_per_interview(
    codings: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    coder: str | None = None,
    order: Sequence[str | int] | None = None,
    include_uncoded: bool = False,
) -> pd.DataFrame:
    """Codes and new codes per successive interview.

    Interviews are documents in interview order (``position``), or in ``order``
    (document names or ids). A code is *new* in an interview when no earlier
    interview in the order holds it. By default interviews with no codings (by the
    chosen coder) are left out, because an interview nobody has coded yet is not
    evidence that nothing new was said; ``include_uncoded=True`` keeps them.

    Columns: ``interview`` (1, 2, ...), ``document_id``, ``document``,
    ``participant``, ``codes`` (frozenset of code ids), ``n_codes``,
    ``new_codes`` (count), ``new`` (sorted names of the new codes) and
    ``cumulative`` (distinct codes so far).
    """
    docs = documents.sort_values("position")
    if order is not None:
        key = {**{n: i for i, n in enumerate(docs["document"])}, **{d: i for i, d in enumerate(docs["document_id"])}}
        missing = [o for o in order if o not in key]
        if missing:
            raise NotFoundError(f"no document {missing[0]!r} in the study")
        docs = docs.iloc[[key[o] for o in order]]
    c = filter_coder(codings, coder)
    per_doc = c.groupby("document_id")["code_id"].agg(frozenset)
    names = dict(zip(c["code_id"], c["code"])) if "code" in c.columns else {}
    rows = []
    seen: set[int] = set()
    for doc in docs.itertuples(index=False):
        got = per_doc.get(doc.document_id, frozenset())
        if not got and not include_uncoded:
            continue
        new = got - seen
        seen |= got
        rows.append(
            {
                "interview": len(rows) + 1,
                "document_id": doc.document_id,
                "document": doc.document,
                "participant": doc.participant,
                "codes": frozenset(int(x) for x in got),
                "n_codes": len(got),
                "new_codes": len(new),
                "new": sorted(str(names.get(x, x)) for x in new),
                "cumulative": len(seen),
            }
        )
    cols = ["interview", "document_id", "document", "participant", "codes", "n_codes", "new_codes", "new", "cumulative"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class GuestSaturation:
    """Result of :func:`guest_saturation`.

    ``runs`` has one row per evaluated run: ``after`` (interviews before the run),
    ``run`` (e.g. ``"5-6"``), ``new_codes`` (codes first seen in the run),
    ``base_codes``, ``ratio`` (new_codes / base_codes) and ``saturated``
    (ratio <= threshold). ``point`` is the first ``after`` whose run is within the
    threshold, i.e. saturation was reached after ``point`` interviews and the next
    ``run_length`` interviews confirm it; None when no run qualifies.
    """

    runs: pd.DataFrame
    point: int | None
    base_size: int
    run_length: int
    threshold: float
    base_codes: int
    interviews: int

    def __iter__(self):  # ``runs, point = guest_saturation(...)``
        return iter((self.runs, self.point))

    def sentence(self) -> str:
        """A sentence for a methods section reporting the result."""
        params = f"base size {self.base_size}, run length {self.run_length}, new-information threshold ≤{self.threshold:.0%}"
        if self.point is None:
            return (
                f"Saturation was not reached within {self.interviews} interviews "
                f"({params}; Guest, Namey & Chen, 2020)."
            )
        row = self.runs[self.runs["after"] == self.point].iloc[0]
        return (
            f"Saturation was reached after {self.point} interviews: interviews {row['run']} added "
            f"{row['new_codes']} new code(s) to the {self.base_codes} codes of the base ({row['ratio']:.0%}; "
            f"{params}; Guest, Namey & Chen, 2020)."
        )


def _guest_points(cum: np.ndarray, base_size: int, run_length: int, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Guest ratios over cumulative-code curves ``cum`` (orderings × interviews).

    New codes in the run after ``n`` interviews are exactly ``cum[n + r] - cum[n]``,
    and the base is ``cum[base_size]``, so everything follows from the curve.
    Returns (after, ratios, first point per ordering or 0 when none).
    """
    n_int = cum.shape[1]
    after = np.arange(base_size, n_int - run_length + 1)
    padded = np.concatenate([np.zeros((cum.shape[0], 1), dtype=cum.dtype), cum], axis=1)  # padded[:, n] = cum after n
    base = padded[:, base_size].astype(float)
    new = padded[:, after + run_length] - padded[:, after]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(base[:, None] > 0, new / np.where(base[:, None] > 0, base[:, None], 1), np.nan)
    ok = ratio <= threshold + 1e-12
    first = np.where(ok.any(axis=1), after[np.argmax(ok, axis=1)] if len(after) else 0, 0)
    return after, ratio, first


def _check_guest(base_size: int, run_length: int, threshold: float) -> None:
    if base_size < 1 or run_length < 1:
        raise AnalysisError("base size and run length must be at least 1 interview")
    if not 0 <= threshold < 1:
        raise AnalysisError(f"the new-information threshold is a proportion in [0, 1), not {threshold}")


def guest_saturation(
    per_interview: pd.DataFrame,
    *,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> GuestSaturation:
    """Thematic saturation by the new-information ratio of Guest, Namey & Chen (2020).

    Guest, G., Namey, E., & Chen, M. (2020). A simple method to assess and report
    thematic saturation in qualitative research. *PLOS ONE*, 15(5), e0232076.
    https://doi.org/10.1371/journal.pone.0232076

    Implemented from the paper's definitions:

    * **base size** — the first ``base_size`` interviews; the number of distinct
      codes they hold is the denominator (the base stays fixed);
    * **run length** — the ``run_length`` interviews that follow a point ``n``
      (``n >= base_size``); the codes they add that no interview 1..n holds are the
      *new information* of that run;
    * **new-information ratio** — new codes in the run / codes in the base;
      saturation is reached after ``n`` interviews at the first run whose ratio is
      <= ``threshold`` (the paper discusses ≤5% and 0%). Every start ``n`` is
      tried (the run window moves one interview at a time), and a run that would
      pass the last interview is not evaluated.

    ``per_interview`` is :func:`new_codes_per_interview`'s frame (its order is the
    order assessed). Returns a :class:`GuestSaturation` (unpacks as
    ``runs, point``).
    """
    _check_guest(base_size, run_length, threshold)
    n = len(per_interview)
    if n < base_size:
        raise AnalysisError(f"the base needs {base_size} coded interviews; the study has {n}")
    cum = per_interview["cumulative"].to_numpy(dtype=np.int64)[None, :]
    after, ratio, first = _guest_points(cum, base_size, run_length, threshold)
    padded = np.concatenate([[0], cum[0]])
    base_codes = int(padded[base_size])
    runs = pd.DataFrame(
        {
            "after": after,
            "run": [f"{a + 1}-{a + run_length}" if run_length > 1 else f"{a + 1}" for a in after],
            "new_codes": (padded[after + run_length] - padded[after]).astype(int),
            "base_codes": base_codes,
            "ratio": ratio[0],
        }
    )
    runs["saturated"] = runs["ratio"] <= threshold + 1e-12
    point = int(first[0]) if len(after) and runs["saturated"].any() else None
    return GuestSaturation(runs, point, base_size, run_length, threshold, base_codes, n)


@dataclass(frozen=True)
class SaturationBand:
    """Result of :func:`saturation_band`.

    ``curve``: one row per number of interviews ``interviews`` (1..N) with the
    distinct codes found after that many interviews over the random orderings —
    ``min``, ``low`` and ``high`` (the ``percentiles``), ``median``, ``max`` — and
    ``observed`` (the actual interview order). ``points``: the Guest saturation
    point of each ordering (NaN where it was not reached), as in the paper's
    bootstrap. ``reached`` is the share of orderings that reached saturation.
    """

    curve: pd.DataFrame
    points: pd.Series
    n_orderings: int
    seed: int
    percentiles: tuple[float, float]
    params: dict[str, float] = field(default_factory=dict)

    @property
    def reached(self) -> float:
        return float(self.points.notna().mean()) if len(self.points) else 0.0


def saturation_band(
    per_interview: pd.DataFrame,
    *,
    n_orderings: int = 500,
    seed: int = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> SaturationBand:
    """The cumulative-codes curve over ``n_orderings`` random interview orders.

    The curve of one order depends on which interviews happen to come first; the
    band shows how much. Orderings are drawn with ``numpy.random.default_rng(seed)``
    so the figure is reproducible. The Guest et al. (2020) point is computed for
    every ordering too (see :func:`guest_saturation`); with fewer interviews than
    ``base_size + run_length`` no run exists and every point is NaN.
    """
    _check_guest(base_size, run_length, threshold)
    if n_orderings < 1:
        raise AnalysisError("n_orderings must be at least 1")
    n = len(per_interview)
    cols = ["interviews", "min", "low", "median", "high", "max", "observed"]
    if n == 0:
        return SaturationBand(pd.DataFrame(columns=cols), pd.Series(dtype=float), n_orderings, seed, percentiles)
    codes = sorted({c for s in per_interview["codes"] for c in s})
    col = {c: i for i, c in enumerate(codes)}
    m = np.zeros((n, len(codes)), dtype=bool)
    for r, s in enumerate(per_interview["codes"]):
        m[r, [col[c] for c in s]] = True
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(np.arange(n), (n_orderings, 1)), axis=1)
    # Running "seen yet" per ordering and code, then distinct codes so far.
    cum = np.logical_or.accumulate(m[perms], axis=1).sum(axis=2)
    lo, hi = np.percentile(cum, percentiles, axis=0)
    curve = pd.DataFrame(
        {
            "interviews": np.arange(1, n + 1),
            "min": cum.min(axis=0),
            "low": lo,
            "median": np.median(cum, axis=0),
            "high": hi,
            "max": cum.max(axis=0),
            "observed": per_interview["cumulative"].to_numpy(),
        },
        columns=cols,
    )
    if n >= base_size:
        after, _, first = _guest_points(cum, base_size, run_length, threshold)
        points = pd.Series(np.where(first > 0, first, np.nan), name="point") if len(after) else pd.Series(np.full(n_orderings, np.nan), name="point")
    else:
        points = pd.Series(np.full(n_orderings, np.nan), name="point")
    params = {"base_size": base_size, "run_length": run_length, "threshold": threshold}
    return SaturationBand(curve, points, n_orderings, seed, (float(percentiles[0]), float(percentiles[1])), params)


# ------------------------------------------------------------------- loading
@dataclass(frozen=True)
class StudyFrames:
    """A study's frames, read once from a project, with the analyses as methods.

    ``codings`` holds only the chosen coder's codings (all coders when ``coder`` is
    None); the other frames describe the whole study.
    """

    codings: pd.DataFrame
    codes: pd.DataFrame
    documents: pd.DataFrame
    participants: pd.DataFrame
    segments: pd.DataFrame
    coder: str | None = None

    @property
    def attributes(self) -> list[str]:
        """Participant attribute names, in the order first seen."""
        return [str(c) for c in self.participants.columns]

    def code_frequencies(self, **kw: Any) -> pd.DataFrame:
        """:func:`code_frequencies` on this study."""
        return code_frequencies(self.codings, self.codes, self.documents, **kw)

    def theme_frequencies(self, **kw: Any) -> pd.DataFrame:
        """:func:`theme_frequencies` on this study."""
        return theme_frequencies(self.codings, self.codes, self.documents, **kw)

    def code_participant_matrix(self, **kw: Any) -> pd.DataFrame:
        """:func:`code_participant_matrix` on this study."""
        return code_participant_matrix(self.codings, self.codes, self.documents, **kw)

    def participants_per_value(self, attribute: str, **kw: Any) -> pd.Series:
        """:func:`participants_per_value` on this study."""
        return participants_per_value(self.documents, self.participants, attribute, **kw)

    def code_attribute_table(self, attribute: str, **kw: Any) -> pd.DataFrame:
        """:func:`code_attribute_table` on this study."""
        return code_attribute_table(self.codings, self.codes, self.documents, self.participants, attribute, **kw)

    def cooccurrence(self, unit: Unit = "segment", **kw: Any) -> Cooccurrence:
        """:func:`cooccurrence` on this study."""
        return cooccurrence(self.codings, self.codes, segments=self.segments, unit=unit, **kw)

    def new_codes_per_interview(self, **kw: Any) -> pd.DataFrame:
        """:func:`new_codes_per_interview` on this study."""
        return new_codes_per_interview(self.codings, self.documents, **kw)


def from_project(project: Project, coder: str | None = None) -> StudyFrames:
    """Read a project's frames for the analyses.

    ``coder`` is a coder's name (e.g. ``"consensus"``) or None for all coders; an
    unknown coder raises :class:`~qualcode.errors.NotFoundError`.
    """
    if coder is not None and coder not in project.coders():
        known = ", ".join(project.coders()) or "none yet"
        raise NotFoundError(f"no coder {coder!r} in this project (coders: {known})")
    codings = project.codings_frame(coders=[coder] if coder is not None else None)
    return StudyFrames(
        codings=codings,
        codes=codebook_frame(project.codes()),
        documents=documents_frame(project.documents()),
        participants=participants_frame(project.participants()),
        segments=project.segments_frame(),
        coder=coder,
    )
