"""Rows grouped under theme headings, shared by the bar chart and the arc diagram.

A legend of long theme names fits badly in a one-column figure, so code rows are
grouped under a bold heading per theme instead (a table-like layout that
qualitative papers use anyway). A top-level code without sub-codes is its own
theme and gets no heading.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .style import INK, pt

__all__ = ["Row", "theme_rows", "add_theme_headings"]


@dataclass(frozen=True)
class Row:
    """One row of a grouped layout: a theme heading or a code."""

    y: int
    kind: str  # "heading" | "code"
    label: str
    theme_id: int


def theme_rows(items: pd.DataFrame, book: pd.DataFrame) -> list[Row]:
    """Rows for ``items`` (columns ``label``, ``theme_id``, in codebook order) with a
    heading before each theme that has sub-codes."""
    names = dict(zip(book["code_id"].astype(int), book["code"]))
    branch = book.groupby("theme_id").size()
    rows: list[Row] = []
    last: int | None = None
    for label, tid in zip(items["label"], items["theme_id"].astype(int)):
        if tid != last and int(branch.get(tid, 1)) > 1:
            rows.append(Row(len(rows), "heading", str(names.get(tid, "")), tid))
        last = tid
        rows.append(Row(len(rows), "code", str(label), tid))
    return rows


def add_theme_headings(fig: go.Figure, rows: list[Row], *, in_plot: bool = True, x: float = 0) -> None:
    """Label the rows on the y axis (codes) and their theme headings.

    ``in_plot=True`` writes each heading into the plot at its row, left-aligned
    at ``x`` (a bar chart's baseline, where a heading row has no bar); otherwise
    the heading is a bold axis label (where the plot area is busy, e.g. arcs).
    """
    heading = (lambda r: "") if in_plot else (lambda r: f"<b>{r.label}</b>")
    fig.update_yaxes(
        tickmode="array", tickvals=[r.y for r in rows], ticktext=[r.label if r.kind == "code" else heading(r) for r in rows],
        autorange=False, range=[len(rows) - 0.5, -0.5], ticks="", showline=False, showgrid=False, zeroline=False,
    )
    for r in rows:
        if in_plot and r.kind == "heading":
            fig.add_annotation(x=x, y=r.y, xref="x", yref="y", text=f"<b>{r.label}</b>", showarrow=False,
                               xanchor="left", yanchor="middle", font=dict(size=pt(8), color=INK))
