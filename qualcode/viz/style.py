"""One restrained paper style for every qualcode figure.

Sizes follow the usual two-column journal/proceedings layouts (ACM, Elsevier,
PLOS): a single column is about 89 mm (3.5 in) wide, a full page width about
183 mm (7.2 in). Plotly lays figures out in CSS pixels, and a CSS pixel is 1/96
inch, so a figure is ``inches × 96`` pixels wide with fonts given in points ×
96/72; the exporter then renders PNGs at ``dpi / 96`` scale, which keeps the type
at its printed size whatever the resolution.

Colours: the Okabe–Ito palette, designed to stay distinguishable for the common
forms of colour-vision deficiency (Okabe, M. & Ito, K. (2008). *Color Universal
Design (CUD): How to make figures and presentations that are friendly to
colorblind people*. https://jfly.uni-koeln.de/color/). A colour set on a code in
the codebook always wins, so figures match what coders see in the app.
Quantities use a single-hue white-to-blue scale, which reads the same in
greyscale and for colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from .text import escape_figure

__all__ = [
    "OKABE_ITO",
    "CATEGORICAL",
    "SEQUENTIAL",
    "FONT_FAMILY",
    "PX_PER_INCH",
    "COLUMN_WIDTHS_MM",
    "Width",
    "pt",
    "width_inches",
    "paper_template",
    "apply_paper_style",
    "theme_colours",
    "code_colours",
]

#: Okabe & Ito (2008), by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Order for categories (themes): strong colours first; yellow, which is faint on
#: white, and black, which reads as "emphasis", last.
CATEGORICAL: list[str] = [
    OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black")
]

#: White to Okabe–Ito blue, for counts and proportions.
SEQUENTIAL: list[list[float | str]] = [[0.0, "#FFFFFF"], [0.15, "#E3EEF7"], [0.5, "#6FA8D6"], [1.0, "#08457E"]]

#: Arial where installed; Liberation Sans is metrically identical on Linux; DejaVu as the last resort.
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, 'DejaVu Sans', sans-serif"
PX_PER_INCH = 96
COLUMN_WIDTHS_MM: dict[str, float] = {"single": 89.0, "double": 183.0}
INK = "#222222"
AXIS = "#444444"
GRID = "#E5E5E5"

Width = Literal["single", "double"] | float


def pt(points: float) -> float:
    """Points to CSS pixels (plotly's unit)."""
    return points * PX_PER_INCH / 72


def width_inches(width: Width) -> float:
    """``"single"`` (89 mm), ``"double"`` (183 mm) or a width in inches."""
    if isinstance(width, str):
        if width not in COLUMN_WIDTHS_MM:
            raise ValueError(f"width must be 'single', 'double' or inches, not {width!r}")
        return COLUMN_WIDTHS_MM[width] / 25.4
    if not 0.5 <= float(width) <= 20:
        raise ValueError(f"a figure {width} inches wide is not a paper figure")
    return float(width)


def _axis() -> dict:
    return dict(
        showline=True,
        linecolor=AXIS,
        linewidth=0.8,
        ticks="outside",
        ticklen=3,
        tickwidth=0.8,
        tickcolor=AXIS,
        showgrid=False,
        gridcolor=GRID,
        gridwidth=0.6,
        zeroline=False,
        automargin=True,
        title=dict(font=dict(size=pt(9)), standoff=6),
        tickfont=dict(size=pt(8)),
    )


def _template() -> go.layout.Template:
    colorbar = dict(thickness=8, outlinewidth=0, tickfont=dict(size=pt(8)), title=dict(font=dict(size=pt(8)), side="right"), len=0.8)
    return go.layout.Template(
        layout=dict(
            font=dict(family=FONT_FAMILY, size=pt(9), color=INK),
            paper_bgcolor="#FFFFFF",
            plot_bgcolor="#FFFFFF",
            colorway=CATEGORICAL,
            colorscale=dict(sequential=SEQUENTIAL),
            xaxis=_axis(),
            yaxis=_axis(),
            legend=dict(font=dict(size=pt(8)), bgcolor="rgba(0,0,0,0)", borderwidth=0, itemwidth=30, title=dict(font=dict(size=pt(8)))),
            margin=dict(l=6, r=6, t=6, b=6, pad=0),
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=pt(9))),
            coloraxis=dict(colorbar=colorbar),
            bargap=0.25,
            showlegend=True,
        ),
        data=dict(
            heatmap=[go.Heatmap(colorbar=colorbar, colorscale=SEQUENTIAL)],
            bar=[go.Bar(marker=dict(line=dict(width=0)))],
        ),
    )


#: The qualcode paper template (also usable as ``fig.update_layout(template=paper_template)``).
paper_template: go.layout.Template = _template()


def apply_paper_style(
    fig: go.Figure,
    width: Width = "single",
    height: float | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Give ``fig`` the paper template and its printed size; returns ``fig``.

    ``width`` is ``"single"`` (one column, 89 mm), ``"double"`` (page width,
    183 mm) or inches; ``height`` is in inches (default: 0.62 × width). Titles are
    removed, because the caption carries them in a paper, unless ``title`` is
    given. The size in inches is kept in ``fig.layout.meta`` for the exporter.
    """
    w = width_inches(width)
    h = float(height) if height is not None else round(w * 0.62, 2)
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, Mapping) else {}
    meta.update(width_in=round(w, 3), height_in=round(h, 3))
    fig.update_layout(
        template=paper_template,
        width=round(w * PX_PER_INCH),
        height=round(h * PX_PER_INCH),
        meta=meta,
        title=dict(text=title, font=dict(size=pt(10)), x=0, xanchor="left") if title else dict(text=None),
    )
    if title:
        fig.update_layout(margin=dict(t=pt(10) + 14))
    # Every qualcode figure ends here: code names, pseudonyms and document names in it
    # are shown as typed, never as plotly HTML (an <a href> would become a link).
    return escape_figure(fig)


def _present(colour: object) -> bool:
    return isinstance(colour, str) and colour.strip() != ""


def theme_colours(codes: pd.DataFrame) -> dict[int, str]:
    """Colour per theme id: the theme's codebook colour, else the next Okabe–Ito colour."""
    themes = codes[codes["depth"] == 0]
    out: dict[int, str] = {}
    k = 0
    for tid, colour in zip(themes["code_id"], themes["colour"]):
        if _present(colour):
            out[int(tid)] = str(colour)
        else:
            out[int(tid)] = CATEGORICAL[k % len(CATEGORICAL)]
            k += 1
    return out


def code_colours(codes: pd.DataFrame) -> dict[int, str]:
    """Colour per code id: its own codebook colour, else its nearest coloured
    ancestor's, else its theme's (see :func:`theme_colours`)."""
    themes = theme_colours(codes)
    own = {int(i): str(c) for i, c in zip(codes["code_id"], codes["colour"]) if _present(c)}
    parent = {int(i): (int(p) if pd.notna(p) else None) for i, p in zip(codes["code_id"], codes["parent_id"])}
    theme_of = dict(zip(codes["code_id"].astype(int), codes["theme_id"].astype(int)))
    out: dict[int, str] = {}
    for cid in parent:
        node: int | None = cid
        while node is not None and node not in own:
            node = parent.get(node)
        out[cid] = own[node] if node is not None else themes.get(theme_of[cid], CATEGORICAL[0])
    return out
