"""The plain frames every analysis takes: codebook, documents, participants, codings by coder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..model import Code, Participant

if TYPE_CHECKING:  # pragma: no cover
    from ..store.project import DocumentInfo

__all__ = ["NOT_RECORDED", "Level", "Unit", "codebook_frame", "count_people", "documents_frame", "filter_coder",
           "participants_frame", "people"]


#: Group name for participants who have no value for an attribute.
NOT_RECORDED = "(not recorded)"

Level = Literal["code", "theme"]
Unit = Literal["segment", "overlap"]


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


def people(documents: pd.DataFrame) -> pd.Series:
    """Per document (index ``document_id``), the person it counts toward in a
    participant count: its participant, or NA for a transcript not linked to one.

    A count of participants counts people, so an unlinked transcript (whose
    ``participant`` column holds its own name) is not a participant. When no
    transcript is linked at all (a corpus of threads or chat logs), each document
    stands for its own source and counts as one.
    """
    part = documents.set_index("document_id")["participant"]
    if "linked" not in documents.columns or not documents["linked"].any():
        return part
    return part.where(documents.set_index("document_id")["linked"].astype(bool))


def count_people(documents: pd.DataFrame) -> int:
    """How many people the documents belong to (see :func:`people`)."""
    return int(people(documents).nunique())


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
