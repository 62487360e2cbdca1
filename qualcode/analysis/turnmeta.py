"""Codes by a turn metadata field: how often each code falls on turns with each value.

The question a Reddit support study asks ("are comments the poster replied to coded
*helpful* more often?", "which codes go with high-scoring comments?"): a code x value
table over the excerpts (:func:`qualcode.export.excerpts.select_excerpts` rows, whose
``turn_meta`` column holds each coding's turn metadata). Numbers can be banded
(``cuts=[0, 10]``: ``< 0``, ``0 to < 10``, ``>= 10``); yes/no fields read ``yes`` /
``no``; an excerpt whose turn lacks the field is ``(none)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..turnmeta import band, band_labels
from .frames import filter_coder

__all__ = ["codes_by_turn_meta"]


def codes_by_turn_meta(excerpts: pd.DataFrame, field: str, *, cuts: Sequence[float] | None = None,
                       coder: str | None = None, unit: str = "turns") -> pd.DataFrame:
    """Codes (rows, first-seen order) x values of turn metadata ``field`` (columns).

    ``unit="turns"`` counts distinct turns (a turn coded twice with a code, or by two
    coders, counts once); ``unit="codings"`` counts codings. ``coder`` restricts to
    one coder (None: all). Columns: the bands in ascending order when ``cuts`` are
    given, else the values sorted as text, with ``(none)`` last.
    """
    if unit not in ("turns", "codings"):
        raise ValueError(f"unit must be 'turns' or 'codings', not {unit!r}")
    frame = filter_coder(excerpts, coder) if coder is not None else excerpts
    if frame.empty:
        return pd.DataFrame(dtype=int)
    metas = frame["turn_meta"] if "turn_meta" in frame else pd.Series([None] * len(frame), index=frame.index)
    values = [band((m or {}).get(field), cuts) for m in metas]
    data = pd.DataFrame({"code": frame["code"].astype(str).tolist(), "value": values,
                         "turn": list(zip(frame["document_id"], frame["turn"]))})
    if unit == "turns":
        data = data.drop_duplicates(["code", "value", "turn"])
    table = pd.crosstab(data["code"], data["value"])
    order = list(dict.fromkeys(data["code"]))
    if cuts:
        columns = [c for c in band_labels(cuts) + ["(none)"] if c in table.columns]
    else:
        columns = sorted((c for c in table.columns if c != "(none)"), key=str) + (
            ["(none)"] if "(none)" in table.columns else [])
    table = table.reindex(index=order, columns=columns, fill_value=0)
    table.index.name, table.columns.name = "code", field
    return table.astype(int)
