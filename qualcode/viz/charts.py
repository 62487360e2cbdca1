"""Bar charts, heatmaps and the codebook sunburst/treemap (plotly, no I/O).

Each function takes the frame an analysis in :mod:`qualcode.analysis` returns
(plus the codebook frame where colours are needed) and returns a styled
``go.Figure`` sized for a paper; pass it to :mod:`qualcode.export.figures` to
write PNG, SVG or PDF.
"""

from __future__ import annotations

import math
import textwrap
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis import Cooccurrence, codebook_frame
from ._layout import add_theme_headings, theme_rows
from .style import CATEGORICAL, SEQUENTIAL, Width, apply_paper_style, code_colours, pt, theme_colours, width_inches

__all__ = [
    "code_bar_chart",
    "theme_bar_chart",
    "participant_heatmap",
    "cooccurrence_heatmap",
    "code_attribute_chart",
    "codebook_chart",
]

# Row height of bar charts and heatmaps, and the room axes and a legend take.
ROW_IN = 0.17
AXES_IN = 0.55
MAX_HEIGHT_IN = 9.0  # a journal page's text block
CELL_PX = 40
# Past this many codes a co-occurrence heatmap numbers its codes (full names on the
# rows, numbers on the columns) instead of printing every name twice.
NUMBER_COLUMNS_FROM = 8
MIN_CELL_PX = 11  # below this a heatmap cell (and its column number) cannot be read in print

Measure = Literal["participants", "codings"]


def _height(rows: int, *, extra: float = 0.0) -> float:
    return min(MAX_HEIGHT_IN, round(AXES_IN + rows * ROW_IN + extra, 2))


def _measure_title(measure: str, total: int | None) -> str:
    if measure == "participants":
        return f"Participants (of {total})" if total else "Participants"
    return "Codings"


def code_bar_chart(
    freq: pd.DataFrame,
    codes: pd.DataFrame,
    *,
    measure: Measure = "participants",
    colour_by: Literal["theme", "code"] = "theme",
    width: Width = "single",
    show_values: bool = True,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars, one per code of :func:`~qualcode.analysis.code_frequencies`,
    in codebook order, grouped under a bold heading per theme.

    ``colour_by="theme"`` gives each theme one colour (one trace per theme, named
    after it); ``"code"`` uses each code's own codebook colour (inherited from its
    parent or theme when unset). There is no legend: the headings name the themes.
    """
    book = codebook_frame(codes)
    rows = theme_rows(freq, book)
    y_of = iter([r.y for r in rows if r.kind == "code"])
    freq = freq.assign(_y=[next(y_of) for _ in range(len(freq))])
    total = int(freq["participants_total"].iloc[0]) if len(freq) and "participants_total" in freq else None
    fig = go.Figure()
    text = freq[measure].astype(int).astype(str) if show_values else None
    if colour_by == "theme":
        colours = theme_colours(book)
        for tid, part in freq.groupby("theme_id", sort=False):
            fig.add_bar(
                x=part[measure], y=part["_y"], orientation="h", name=str(part["theme"].iloc[0]),
                marker_color=colours.get(int(tid), CATEGORICAL[0]), customdata=part["label"],
                text=text.loc[part.index] if text is not None else None,
            )
    elif colour_by == "code":
        colours = code_colours(book)
        fig.add_bar(
            x=freq[measure], y=freq["_y"], orientation="h", name=measure, customdata=freq["label"],
            marker_color=[colours.get(int(c), CATEGORICAL[0]) for c in freq["code_id"]], text=text,
        )
    else:
        raise ValueError(f"colour_by must be 'theme' or 'code', not {colour_by!r}")
    # One trace per theme: overlay so each bar keeps the full row height.
    fig.update_layout(barmode="overlay", showlegend=False)
    fig.update_traces(textposition="outside", cliponaxis=False, textfont_size=pt(7.5), width=0.75,
                      hovertemplate="%{customdata}: %{x}<extra></extra>")
    add_theme_headings(fig, rows)
    fig.update_xaxes(title_text=_measure_title(measure, total), showgrid=True, rangemode="tozero")
    if measure == "participants" and total:
        fig.update_xaxes(range=[0, total * 1.08])
    return apply_paper_style(fig, width, _height(len(rows)), title=title)


def theme_bar_chart(
    themes: pd.DataFrame,
    codes: pd.DataFrame,
    *,
    measure: Measure = "participants",
    width: Width = "single",
    show_values: bool = True,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars, one per theme of :func:`~qualcode.analysis.theme_frequencies`,
    in codebook colours."""
    colours = theme_colours(codebook_frame(codes))
    total = int(themes["participants_total"].iloc[0]) if len(themes) else None
    fig = go.Figure(
        go.Bar(
            x=themes[measure], y=themes["theme"], orientation="h",
            marker_color=[colours.get(int(t), CATEGORICAL[0]) for t in themes["theme_id"]],
            text=themes[measure].astype(int).astype(str) if show_values else None,
            textposition="outside", cliponaxis=False, textfont_size=pt(7.5),
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", ticks="", showline=False)
    fig.update_xaxes(title_text=_measure_title(measure, total), showgrid=True, rangemode="tozero")
    if measure == "participants" and total:
        fig.update_xaxes(range=[0, total * 1.08])
    return apply_paper_style(fig, width, _height(len(themes), extra=0.1), title=title)


def _all_ticks(fig: go.Figure, x: list[str], y: list[str]) -> None:
    """Label every row and column: plotly would skip labels it thinks crowded,
    and a heatmap with every other participant unnamed is useless in print."""
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=x)
    fig.update_yaxes(tickmode="array", tickvals=y, ticktext=y)


def _cell_text(values: np.ndarray, fmt: str) -> list[list[str]]:
    """Cell labels, blank for zeros and missing cells (a wall of zeros is noise)."""
    return [["" if (pd.isna(v) or v == 0) else format(v, fmt) for v in row] for row in values]


def participant_heatmap(
    matrix: pd.DataFrame,
    *,
    presence: bool | None = None,
    width: Width | None = None,
    show_values: bool | None = None,
    title: str | None = None,
) -> go.Figure:
    """Codes (rows) × participants (columns) from
    :func:`~qualcode.analysis.code_participant_matrix`.

    A 0/1 matrix (``presence``, detected when not given) is drawn as filled and
    empty cells with no colour bar; counts get a white-to-blue scale with the
    count in each non-zero cell (``show_values``; on by default up to 30 columns).
    The width grows to the page width past 16 participants.
    """
    z = matrix.to_numpy(dtype=float)
    if presence is None:
        presence = bool(np.isin(z, [0, 1]).all())
    ncols = matrix.shape[1]
    if width is None:
        width = "single" if ncols <= 16 else "double"
    if show_values is None:
        show_values = not presence and ncols <= 30
    heat = go.Heatmap(
        z=z, x=[str(c) for c in matrix.columns], y=[str(r) for r in matrix.index],
        xgap=1, ygap=1, hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
    )
    if presence:
        heat.update(colorscale=[[0, "#F2F2F2"], [1, SEQUENTIAL[-1][1]]], zmin=0, zmax=1, showscale=False)
    else:
        heat.update(colorscale=SEQUENTIAL, zmin=0, colorbar=dict(title=dict(text="Codings")))
        if show_values:
            heat.update(text=_cell_text(z, "g"), texttemplate="%{text}", textfont=dict(size=pt(7)))
    fig = go.Figure(heat)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", ticks="", showline=False)
    fig.update_xaxes(side="top", ticks="", showline=False, tickangle=-90 if ncols > 8 else 0, type="category")
    _all_ticks(fig, list(heat.x), list(heat.y))
    w = width_inches(width)
    return apply_paper_style(fig, w, _height(matrix.shape[0], extra=0.25 if ncols > 8 else 0), title=title)


def cooccurrence_heatmap(
    co: Cooccurrence,
    *,
    measure: Literal["jaccard", "count"] = "jaccard",
    drop_empty: bool = True,
    width: Width | None = None,
    show_values: bool | None = None,
    title: str | None = None,
) -> go.Figure:
    """The lower triangle of a :class:`~qualcode.analysis.Cooccurrence` matrix.

    The matrix is symmetric and a code is not compared with itself, so only the
    cells below the diagonal are drawn, as square cells. The colour scale runs
    from 0 to the largest value (rounded up to a tenth for Jaccard). ``drop_empty``
    leaves out codes with no occurrence and, past a handful of codes, codes that
    co-occur with none (their row and column would be blank).

    Legible at both widths: past :data:`NUMBER_COLUMNS_FROM` codes the rows are
    numbered ("3  Rehearsal space") and the columns carry only the numbers, so
    long code names never crowd the x axis; cell values (``.42``, no leading zero
    for an index that cannot exceed 1, or counts) are printed only when the cells
    are big enough to hold them (``show_values`` forces them on or off).
    ``width=None`` picks one column for up to 14 codes, else page width.
    """
    frame = co.jaccard if measure == "jaccard" else co.counts
    if measure not in ("jaccard", "count"):
        raise ValueError(f"measure must be 'jaccard' or 'count', not {measure!r}")
    if drop_empty:
        keep = co.occurrences[co.occurrences > 0].index
        frame = frame.loc[keep, keep]
        if len(frame) > NUMBER_COLUMNS_FROM:
            paired = (co.counts.loc[frame.index, frame.index].to_numpy() > 0) & ~np.eye(len(frame), dtype=bool)
            frame = frame.loc[paired.any(axis=1), paired.any(axis=1)]
    n = len(frame)
    z = frame.to_numpy(dtype=float).copy()
    z[np.triu_indices(n)] = np.nan  # upper triangle and diagonal
    labels = [str(x) for x in frame.index]
    numbered = n > NUMBER_COLUMNS_FROM
    if numbered:
        # Every code gets a numbered row, the first one too (its row is empty, but it is
        # the key to column 1); the columns are the numbers.
        rows = [f"{i + 1}  {_short(lab)}" for i, lab in enumerate(labels)]
        cols = [str(i + 1) for i in range(n)][:-1]
        z = z[:, :-1]
    else:
        rows, cols = [_short(x) for x in labels[1:]], [_short(x) for x in labels[:-1]]
        z = z[1:, :-1]
    if width is None:
        width = "single" if n <= 14 else "double"
    w = width_inches(width)
    label_px = max((_text_px(r, 8) for r in rows), default=0) + 10
    ncols = max(len(cols), 1)

    def cell_px(w_in: float) -> float:
        # Square cells: what is left of the width after the row labels and the colour bar.
        return (w_in * 96 - label_px - 70) / ncols

    if cell_px(w) < MIN_CELL_PX and w < width_inches("double"):
        # Too many codes for one column: cells this small cannot be read, so the
        # figure takes the page width (meta["widened"] lets the caller say so).
        w = width_inches("double")
        widened = True
    else:
        widened = False
    cell = max(4.0, min(32.0, cell_px(w)))
    if show_values is None:
        show_values = cell >= 17  # ".42" in 7 pt is about 15 px wide
    top = float(np.nanmax(z)) if z.size and not np.isnan(z).all() else 0.0
    # Scale to the data (Jaccard indices of codes are mostly small), not to the
    # theoretical maximum of 1, which would wash every cell out to near-white.
    zmax = max(0.1, math.ceil(top * 10) / 10) if measure == "jaccard" else max(1.0, top)
    first = 0 if numbered else 1  # the row of z[0]: every code when numbered, else from the second
    pair_names = [[[labels[i + first], labels[j]] for j in range(len(cols))] for i in range(len(rows))]
    fmt = "%{z:.2f}" if measure == "jaccard" else "%{z:.0f}"
    heat = go.Heatmap(
        z=z, x=cols, y=rows, colorscale=SEQUENTIAL, zmin=0, zmax=zmax, xgap=1, ygap=1, hoverongaps=False,
        colorbar=dict(title=dict(text="Jaccard" if measure == "jaccard" else "Units"),
                      tickformat=".1f" if measure == "jaccard" else "d",
                      # Whole units only: a step of 0.5 would print 0, 1, 1, 2, 2.
                      dtick=None if measure == "jaccard" else max(1, math.ceil(zmax / 5))),
        customdata=pair_names, hovertemplate="%{customdata[0]} · %{customdata[1]}: " + fmt + "<extra></extra>",
    )
    if show_values:
        text = [["" if (pd.isna(v) or v == 0) else (_apa(v) if measure == "jaccard" else f"{v:.0f}") for v in row]
                for row in z]
        heat.update(text=text, texttemplate="%{text}", textfont=dict(size=pt(7 if cell < 26 else 8)))
    fig = go.Figure(heat)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", ticks="", showline=False, type="category")
    fig.update_xaxes(ticks="", showline=False, type="category", tickangle=0 if numbered else -60,
                     tickfont=dict(size=pt(7 if numbered and cell < 14 else 8)))
    _all_ticks(fig, cols, rows)
    longest = max((len(s) for s in cols), default=0)
    x_labels = 0.25 if numbered else min(1.6, 0.06 * longest)
    height = min(MAX_HEIGHT_IN, round(len(rows) * (cell + 1) / 96 + x_labels + 0.2, 2))
    fig = apply_paper_style(fig, w, height, title=title)
    if widened:
        fig.update_layout(meta={**fig.layout.meta, "widened": True})
    return fig


def _apa(value: float) -> str:
    """``.42`` for a value in [0, 1] (APA style: no leading zero), ``1`` for one."""
    return "1" if value >= 0.995 else f"{value:.2f}".lstrip("0")


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def code_attribute_chart(
    table: pd.DataFrame,
    *,
    attribute: str | None = None,
    width: Width | None = None,
    title: str | None = None,
) -> go.Figure:
    """Codes × attribute values from :func:`~qualcode.analysis.code_attribute_table`.

    Cell colour is the share of the group's participants who have the code; every
    cell states the numbers behind it (e.g. ``3/4``) and each column header
    gives its group size, so no percentage hides a group of one.
    """
    values = list(dict.fromkeys(table["value"]))
    codes = list(dict.fromkeys(table["label"]))
    sizes = table.drop_duplicates("value").set_index("value")["group_size"]
    share = table.pivot(index="label", columns="value", values="share").reindex(index=codes, columns=values)
    summary = table.pivot(index="label", columns="value", values="summary").reindex(index=codes, columns=values)
    # Horizontal, wrapped column headers: rotated ones would squeeze the cells.
    header = [_wrap(str(v)) + f"<br>(n={int(sizes[v])})" for v in values]
    fig = go.Figure(
        go.Heatmap(
            z=share.to_numpy(dtype=float), x=header, y=codes, colorscale=SEQUENTIAL, zmin=0, zmax=1,
            xgap=1, ygap=1, text=summary.to_numpy(), texttemplate="%{text}", textfont=dict(size=pt(7)),
            colorbar=dict(title=dict(text="Share of group"), tickformat=".0%"),
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", ticks="", showline=False, type="category")
    fig.update_xaxes(side="top", ticks="", showline=False, type="category", tickangle=0, title_text=attribute or None)
    _all_ticks(fig, header, codes)
    if width is None:
        # Row labels + one cell per group (wide enough for "12/13") + the colour bar.
        need_px = _text_px(max(codes, key=len, default=""), 8) + len(values) * CELL_PX + 80
        width = "single" if need_px <= width_inches("single") * 96 else "double"
    lines = max((h.count("<br>") + 1 for h in header), default=2)
    return apply_paper_style(fig, width, _height(len(codes), extra=0.14 * lines + (0.2 if attribute else 0)), title=title)


def _wrap(text: str, width: int = 14) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


def _text_px(text: str, size_pt: float) -> float:
    """Rough rendered width of ``text`` (Arial-like glyphs average ~0.55 em)."""
    return len(text) * 0.55 * pt(size_pt)


def codebook_chart(
    freq: pd.DataFrame,
    codes: pd.DataFrame,
    *,
    kind: Literal["sunburst", "treemap"] = "sunburst",
    measure: Measure = "codings",
    width: Width = "single",
    title: str | None = None,
) -> go.Figure:
    """The codebook as a sunburst or treemap sized by codings (or participants).

    Theme folders take their size from their codes; a theme that is itself coded
    adds its own codings (plotly's ``branchvalues="remainder"``). Codes with no
    codings take no area.
    """
    if kind not in ("sunburst", "treemap"):
        raise ValueError(f"kind must be 'sunburst' or 'treemap', not {kind!r}")
    book = codebook_frame(codes)
    own = dict(zip(freq["code_id"].astype(int), freq[measure].astype(int)))
    colours = code_colours(book)
    ids = [str(int(i)) for i in book["code_id"]]
    parents = ["" if pd.isna(p) else str(int(p)) for p in book["parent_id"]]
    values = [own.get(int(i), 0) for i in book["code_id"]]
    trace_cls = go.Sunburst if kind == "sunburst" else go.Treemap
    trace = trace_cls(
        ids=ids, labels=list(book["code"]), parents=parents, values=values, branchvalues="remainder",
        marker=dict(colors=[colours[int(i)] for i in book["code_id"]], line=dict(color="#FFFFFF", width=1)),
        textfont=dict(size=pt(7.5)),
        hovertemplate="%{label}: %{value}<extra></extra>", sort=False,
    )
    if kind == "treemap":
        trace.update(textinfo="label+value", tiling=dict(pad=1), pathbar=dict(visible=False), root=dict(color="#FFFFFF"))
    else:
        # plotly fades sunburst leaves by default, which would misstate codebook colours.
        # Radial labels follow the sectors, so a thin sector still holds its name;
        # names are wrapped to two short lines to fit a ring's depth.
        trace.update(textinfo="label", leaf=dict(opacity=1), insidetextorientation="auto",
                     text=[_wrap(str(x), 16 if width_inches(width) > 5 else 10) for x in book["code"]],
                     texttemplate="%{text}")
    fig = go.Figure(trace)
    # One text size throughout; labels that do not fit their sector are hidden
    # rather than shrunk to illegible sizes.
    fig.update_layout(showlegend=False, margin=dict(l=2, r=2, t=2, b=2),
                      uniformtext=dict(minsize=pt(6.5 if kind == "sunburst" else 7), mode="hide"))
    w = width_inches(width)
    return apply_paper_style(fig, w, round(w * (1.0 if kind == "sunburst" else 0.7), 2), title=title)
