"""How often and where codes occur: frequencies, code x participant matrices, attribute tables."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import AnalysisError
from ..model import Code, Participant
from .frames import NOT_RECORDED, Level, _at_level, _codings, _participant_order, codebook_frame, count_people, participants_frame, people

__all__ = ["code_frequencies", "theme_frequencies", "code_participant_matrix", "participants_per_value", "code_attribute_table"]


# ---------------------------------------------------------------- frequencies
def _with_person(c: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    # ``person``: who a coding counts toward in participant counts (NA: an unlinked transcript).
    return c.assign(person=c["document_id"].map(people(documents)))


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
    c = _with_person(_codings(codings, documents, coder), documents)
    counts = c.groupby("code_id").agg(
        codings=("code_id", "size"), participants=("person", "nunique"), documents=("document_id", "nunique")
    )
    rows = book[book["codable"] | book["code_id"].isin(counts.index)]
    out = rows[["code_id", "code", "label", "theme", "theme_id", "parent", "depth", "colour"]].join(counts, on="code_id")
    for col in ("codings", "participants", "documents"):
        out[col] = out[col].fillna(0).astype(int)
    total = count_people(documents)
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
    c = _with_person(_codings(codings, documents, coder), documents)
    c = c.assign(theme_id=c["code_id"].map(book.set_index("code_id")["theme_id"]))
    counts = c.groupby("theme_id").agg(
        codings=("code_id", "size"),
        participants=("person", "nunique"),
        documents=("document_id", "nunique"),
        codes_used=("code_id", "nunique"),
    )
    themes = book[book["depth"] == 0][["code_id", "code", "colour"]].rename(columns={"code_id": "theme_id", "code": "theme"})
    out = themes.join(counts, on="theme_id")
    for col in ("codings", "participants", "documents", "codes_used"):
        out[col] = out[col].fillna(0).astype(int)
    out["codes_total"] = out["theme_id"].map(book[book["codable"]].groupby("theme_id").size()).fillna(0).astype(int)
    total = count_people(documents)
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
