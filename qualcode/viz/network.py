"""Co-occurrence as a network: codes as nodes, co-occurring pairs as edges.

Two deterministic layouts (no force-directed randomness, so a figure regenerated
for a revision looks the same):

* ``"circle"`` — codes on a circle in codebook order, clockwise from 12 o'clock;
  reads well up to about a dozen codes;
* ``"arc"`` — an arc diagram: codes in a column in codebook order, named by the
  axis like the rows of a bar chart, with each co-occurring pair joined by an
  arc on the right. Labels never collide, so it suits a whole codebook.

In both, each theme's codes sit together and carry the theme's colour.
"""

from __future__ import annotations

import math
import textwrap
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis import Cooccurrence, codebook_frame
from ._layout import Row, add_theme_headings, theme_rows
from .style import CATEGORICAL, Width, apply_paper_style, pt, theme_colours, width_inches

__all__ = ["cooccurrence_network"]

EDGE_COLOUR = "#7F7F7F"
EDGE_WIDTHS = (0.6, 1.4, 2.4, 3.6)  # px, weakest to strongest quarter of the measure
CIRCLE_MAX_NODES = 12
CIRCLE_MIN_PX = 160  # a smaller circle crowds its nodes and edges: draw the arc diagram instead
CHAR_PX = 0.55  # average glyph width as a share of the font size (Arial-like)
LABEL_PT = 7.5
ROW_IN = 0.17


def cooccurrence_network(
    co: Cooccurrence,
    codes: pd.DataFrame,
    *,
    measure: Literal["jaccard", "count"] = "jaccard",
    min_count: int = 1,
    layout: Literal["auto", "circle", "arc"] = "auto",
    width: Width = "single",
    title: str | None = None,
) -> go.Figure:
    """Codes as nodes (area ∝ units holding the code, colour = theme) and
    co-occurring pairs as edges (width in four steps of ``measure``).

    Pairs that co-occur in fewer than ``min_count`` units are not drawn; codes that
    never occur are left out. ``layout="auto"`` draws a circle up to
    12 codes and an arc diagram beyond.
    """
    if layout not in ("auto", "circle", "arc"):
        raise ValueError(f"layout must be 'auto', 'circle' or 'arc', not {layout!r}")
    book = codebook_frame(codes)
    occ = co.occurrences[co.occurrences > 0]
    labels = list(occ.index)
    w = width_inches(width)
    if layout == "auto":
        # The circle only where its labels leave it room (a dozen codes at page width);
        # otherwise the arc diagram, whose labels never collide at any width.
        fits = _circle_diameter_px(labels, w) >= CIRCLE_MIN_PX
        layout = "circle" if len(labels) <= CIRCLE_MAX_NODES and fits else "arc"
    pairs = co.pairs(min_count=min_count)
    pairs = pairs[pairs["code_a"].isin(labels) & pairs["code_b"].isin(labels)].reset_index(drop=True)
    steps = _edge_steps(pairs, measure)
    by_label = book.set_index("label")
    theme_of = {lab: int(by_label.loc[lab, "theme_id"]) if lab in by_label.index else -1 for lab in labels}
    colours = theme_colours(book)
    theme_names = dict(zip(book["code_id"].astype(int), book["code"]))
    fig = go.Figure()
    if layout == "circle":
        height, pos = _circle(fig, labels, pairs, steps, w)
    else:
        items = pd.DataFrame({"label": labels, "theme_id": [theme_of[lab] for lab in labels]})
        height, pos = _arc(fig, theme_rows(items, book), pairs, steps)
    biggest = float(occ.max()) if len(occ) else 1.0
    size = (5, 14) if layout == "circle" else (4, 9)  # arc rows are 0.17 in apart: keep nodes inside them
    frame = pd.DataFrame({"label": labels, "theme_id": [theme_of[lab] for lab in labels], "occ": occ.to_numpy()})
    for tid, part in frame.groupby("theme_id", sort=False):
        fig.add_scatter(
            x=[pos[lab][0] for lab in part["label"]], y=[pos[lab][1] for lab in part["label"]],
            mode="markers+text" if layout == "circle" else "markers", name=theme_names.get(int(tid), ""),
            marker=dict(size=[size[0] + size[1] * math.sqrt(v / biggest) for v in part["occ"]], color=colours.get(int(tid), CATEGORICAL[0]),
                        opacity=1, line=dict(color="#FFFFFF", width=0.8)),
            text=[_wrapped(lab) for lab in part["label"]] if layout == "circle" else None, cliponaxis=False,
            textfont=dict(size=pt(LABEL_PT)),
            textposition=[pos[lab][2] for lab in part["label"]] if layout == "circle" else None,
            customdata=np.stack([part["label"], part["occ"]], axis=1),
            hovertemplate="%{customdata[0]}: %{customdata[1]} units<extra></extra>",
        )
    # The arc diagram names its themes in bold headings; the circle needs a legend.
    show_legend = layout == "circle" and frame["theme_id"].nunique() > 1
    fig.update_layout(showlegend=show_legend)
    if show_legend:
        # Node sizes vary; legend symbols should not. Below the circle, two or three per row.
        per_row = 2 if w < 5 else 3
        fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="top", itemsizing="constant",
                                      entrywidth=1 / per_row, entrywidthmode="fraction"))
        height += 0.2 * math.ceil(frame["theme_id"].nunique() / per_row)
    return apply_paper_style(fig, w, round(height, 2), title=title)


def _edge_steps(pairs: pd.DataFrame, measure: str) -> np.ndarray:
    """Width step (0..3) of each edge: which quarter of the strongest value it reaches."""
    if pairs.empty:
        return np.zeros(0, dtype=int)
    w = pairs["jaccard" if measure == "jaccard" else "count"].astype(float).fillna(0).to_numpy()
    top = float(w.max()) or 1.0
    return np.clip(np.ceil(w / top * len(EDGE_WIDTHS)) - 1, 0, len(EDGE_WIDTHS) - 1).astype(int)


def _add_edges(fig: go.Figure, paths: list[tuple[list[float], list[float]]], steps: np.ndarray) -> None:
    # One trace per width step: plotly draws all segments of a trace with one width.
    for s, lw in enumerate(EDGE_WIDTHS):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for (px, py), step in zip(paths, steps):
            if step == s:
                xs += [*px, None]
                ys += [*py, None]
        if xs:
            fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=EDGE_COLOUR, width=lw), opacity=0.7,
                            hoverinfo="skip", showlegend=False)


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


Positions = dict[str, tuple[float, float, str]]  # label -> (x, y, text position)


def _wrapped(label: str) -> str:
    """A circle label on at most two lines of about 18 characters."""
    lines = textwrap.wrap(label, 18) or [label]
    return "<br>".join(lines if len(lines) <= 2 else [lines[0], _short(" ".join(lines[1:]), 18)])


def _label_px(labels: list[str]) -> tuple[float, float]:
    """Width and height (px) of the widest and tallest wrapped circle label."""
    parts = [_wrapped(lab).split("<br>") for lab in labels]
    wide = max((len(line) for p in parts for line in p), default=0) * CHAR_PX * pt(LABEL_PT)
    tall = max((len(p) for p in parts), default=1) * pt(LABEL_PT) * 1.25
    return wide, tall


def _circle_diameter_px(labels: list[str], w_in: float) -> float:
    """The circle's diameter once the labels have their room on both sides."""
    wide, _ = _label_px(labels)
    return w_in * 96 - 12 - 2 * (wide + 16)


def _circle(fig: go.Figure, labels: list[str], pairs: pd.DataFrame, steps: np.ndarray, w_in: float) -> tuple[float, Positions]:
    n = len(labels)
    angle = {lab: math.pi / 2 - 2 * math.pi * i / max(n, 1) for i, lab in enumerate(labels)}
    pos = {lab: (math.cos(a), math.sin(a), _text_position(a)) for lab, a in angle.items()}
    _add_edges(fig, [([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]]) for a, b in zip(pairs["code_a"], pairs["code_b"])], steps)
    # Data unit 1 = the circle's radius in px; the x range leaves each side the
    # widest label, the y range the tallest label above and below.
    plot_px = w_in * 96 - 12
    radius_px = max(40.0, _circle_diameter_px(labels, w_in) / 2)
    _, tall = _label_px(labels)
    half_x = plot_px / 2 / radius_px
    half_y = 1 + (tall + 14) / radius_px
    fig.update_xaxes(visible=False, range=[-half_x, half_x])
    fig.update_yaxes(visible=False, range=[-half_y, half_y], scaleanchor="x", scaleratio=1)
    return (2 * half_y * radius_px + 12) / 96, pos


def _arc(fig: go.Figure, rows: list[Row], pairs: pd.DataFrame, steps: np.ndarray) -> tuple[float, Positions]:
    y = {r.label: float(r.y) for r in rows if r.kind == "code"}
    pos = {lab: (0.0, v, "") for lab, v in y.items()}
    t = np.linspace(0, math.pi, 64)  # smooth at page width too
    paths = []
    for a, b in zip(pairs["code_a"], pairs["code_b"]):
        mid, r = (y[a] + y[b]) / 2, abs(y[a] - y[b]) / 2
        paths.append(((r * np.sin(t)).tolist(), (mid - r * np.cos(t)).tolist()))
    _add_edges(fig, paths, steps)
    widest = max((abs(y[a] - y[b]) / 2 for a, b in zip(pairs["code_a"], pairs["code_b"])), default=1.0)
    fig.update_xaxes(visible=False, range=[-0.8, widest + 0.5])
    add_theme_headings(fig, rows, in_plot=False)
    return 0.35 + len(rows) * ROW_IN, pos


def _text_position(a: float) -> str:
    """Put a node's label on the side facing away from the circle's centre."""
    x, y = math.cos(a), math.sin(a)
    vertical = "top" if y > 0.5 else "bottom" if y < -0.5 else "middle"
    horizontal = "right" if x > 0.2 else "left" if x < -0.2 else "center"
    return f"{vertical} {horizontal}"
