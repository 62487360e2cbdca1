"""Co-occurrence as a network: codes on a circle, edges for co-occurring pairs.

A circle in codebook order keeps each theme's codes together and gives the same
layout on every run (no force-directed randomness), which matters for a figure
that has to be regenerated for a revision.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis import Cooccurrence, codebook_frame
from .style import CATEGORICAL, Width, apply_paper_style, pt, theme_colours, width_inches

__all__ = ["cooccurrence_network"]

EDGE_COLOUR = "#7F7F7F"
EDGE_WIDTHS = (0.6, 1.4, 2.4, 3.6)  # px, weakest to strongest quarter


def cooccurrence_network(
    co: Cooccurrence,
    codes: pd.DataFrame,
    *,
    measure: Literal["jaccard", "count"] = "jaccard",
    min_count: int = 1,
    width: Width = "single",
    title: str | None = None,
) -> go.Figure:
    """Codes as nodes (area ∝ units holding the code, colour = theme) and
    co-occurring pairs as edges (width in four steps of ``measure``).

    Pairs that co-occur in fewer than ``min_count`` units are not drawn; codes
    that never occur are left out.
    """
    book = codebook_frame(codes)
    by_label = book.set_index("label")
    occ = co.occurrences[co.occurrences > 0]
    labels = list(occ.index)
    n = len(labels)
    # Start at 12 o'clock and go clockwise, like reading a clock.
    angle = {lab: math.pi / 2 - 2 * math.pi * i / max(n, 1) for i, lab in enumerate(labels)}
    xy = {lab: (math.cos(a), math.sin(a)) for lab, a in angle.items()}
    fig = go.Figure()
    pairs = co.pairs(min_count=min_count)
    pairs = pairs[pairs["code_a"].isin(labels) & pairs["code_b"].isin(labels)]
    if len(pairs):
        w = pairs["jaccard" if measure == "jaccard" else "count"].astype(float).to_numpy()
        top = float(np.nanmax(w)) if np.isfinite(w).any() else 1.0
        step = np.clip(np.ceil(np.nan_to_num(w) / (top or 1.0) * len(EDGE_WIDTHS)) - 1, 0, len(EDGE_WIDTHS) - 1).astype(int)
        # One trace per width step: plotly draws a trace's segments with one line width.
        for s, lw in enumerate(EDGE_WIDTHS):
            sel = pairs[step == s]
            if sel.empty:
                continue
            xs: list[float | None] = []
            ys: list[float | None] = []
            for a, b in zip(sel["code_a"], sel["code_b"]):
                xs += [xy[a][0], xy[b][0], None]
                ys += [xy[a][1], xy[b][1], None]
            fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=EDGE_COLOUR, width=lw), opacity=0.75,
                            hoverinfo="skip", showlegend=False)
    colours = theme_colours(book)
    biggest = float(occ.max()) if n else 1.0
    node_theme = [by_label.loc[lab, "theme_id"] if lab in by_label.index else None for lab in labels]
    frame = pd.DataFrame({"label": labels, "theme_id": node_theme, "occ": occ.to_numpy()})
    for tid, part in frame.groupby("theme_id", sort=False):
        theme = by_label.loc[by_label["code_id"] == tid, "code"]
        fig.add_scatter(
            x=[xy[lab][0] for lab in part["label"]], y=[xy[lab][1] for lab in part["label"]],
            mode="markers+text", name=str(theme.iloc[0]) if len(theme) else "",
            marker=dict(size=[6 + 16 * math.sqrt(v / biggest) for v in part["occ"]], color=colours.get(int(tid), CATEGORICAL[0]),
                        opacity=1, line=dict(color="#FFFFFF", width=0.8)),
            text=list(part["label"]), textfont=dict(size=pt(7.5)),
            textposition=[_text_position(angle[lab]) for lab in part["label"]],
            customdata=part["occ"], hovertemplate="%{text}: %{customdata} units<extra></extra>",
        )
    show_legend = frame["theme_id"].nunique() > 1
    fig.update_layout(showlegend=show_legend)
    if show_legend:
        # Node sizes vary; legend symbols should not.
        fig.update_layout(legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.02, yanchor="top", itemsizing="constant"))
    # Labels sit outside the circle: leave room for them on every side.
    fig.update_xaxes(visible=False, range=[-1.9, 1.9])
    fig.update_yaxes(visible=False, range=[-1.35, 1.35], scaleanchor="x", scaleratio=1)
    w = width_inches(width)
    return apply_paper_style(fig, w, round(w * 0.78 + (0.25 if show_legend else 0), 2), title=title)


def _text_position(a: float) -> str:
    """Put a node's label on the side facing away from the circle's centre."""
    x, y = math.cos(a), math.sin(a)
    vertical = "top" if y > 0.5 else "bottom" if y < -0.5 else "middle"
    horizontal = "right" if x > 0.2 else "left" if x < -0.2 else "center"
    return f"{vertical} {horizontal}"
