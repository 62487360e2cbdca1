"""The saturation curve: distinct codes after each interview, with the band over
random interview orders and the Guest, Namey & Chen (2020) saturation point."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..analysis import GuestSaturation, SaturationBand
from .style import GRID, OKABE_ITO, Width, apply_paper_style, pt, width_inches

__all__ = ["saturation_curve"]

BAND_FILL = "rgba(86, 180, 233, 0.28)"  # Okabe–Ito sky blue, light
NEW_BARS = "#C8C8C8"


def saturation_curve(
    per_interview: pd.DataFrame,
    *,
    band: SaturationBand | None = None,
    guest: GuestSaturation | None = None,
    show_new: bool = True,
    width: Width = "single",
    title: str | None = None,
) -> go.Figure:
    """Cumulative distinct codes per interview (in interview order), from
    :func:`~qualcode.analysis.new_codes_per_interview`.

    With ``band`` (:func:`~qualcode.analysis.saturation_band`) the shaded area is
    its percentile band over random orders and the dashed line their median; with
    ``guest`` (:func:`~qualcode.analysis.guest_saturation`) a dotted line marks
    the interview after which saturation was reached. ``show_new`` adds grey bars
    for the new codes each interview brought.
    """
    x = per_interview["interview"].tolist()
    fig = go.Figure()
    if show_new:
        fig.add_bar(x=x, y=per_interview["new_codes"], name="New codes", marker_color=NEW_BARS, width=0.6,
                    hovertemplate="interview %{x}: %{y} new<extra></extra>")
    if band is not None and len(band.curve):
        c = band.curve
        lo, hi = band.percentiles
        fig.add_scatter(x=c["interviews"], y=c["high"], mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False)
        fig.add_scatter(
            x=c["interviews"], y=c["low"], mode="lines", line=dict(width=0), fill="tonexty", fillcolor=BAND_FILL,
            name=f"Random-order {lo:g}–{hi:g}%", hoverinfo="skip",
        )
        fig.add_scatter(x=c["interviews"], y=c["median"], mode="lines", name="Random-order median",
                        line=dict(color=OKABE_ITO["blue"], width=1, dash="dash"))
    fig.add_scatter(
        x=x, y=per_interview["cumulative"], mode="lines+markers", name="Interview order",
        line=dict(color=OKABE_ITO["black"], width=1.4), marker=dict(size=4),
        hovertemplate="after %{x} interviews: %{y} codes<extra></extra>",
    )
    if guest is not None and guest.point is not None:
        fig.add_vline(x=guest.point, line=dict(color=OKABE_ITO["vermillion"], width=1, dash="dot"))
        fig.add_annotation(
            x=guest.point, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
            text=f"saturation (≤{guest.threshold:.0%})", font=dict(size=pt(7.5), color=OKABE_ITO["vermillion"]),
        )
    n = len(x)
    fig.update_layout(barmode="overlay", bargap=0.3)
    # Above the plot in two columns: inside it, the legend would hide the band in small studies.
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom",
                                  entrywidth=0.5, entrywidthmode="fraction", traceorder="reversed"))
    fig.update_xaxes(title_text="Interviews", dtick=1 if n <= 20 else None, range=[0.4, max(n, 1) + 0.6])
    fig.update_yaxes(title_text="Distinct codes", rangemode="tozero", showgrid=True, gridcolor=GRID)
    w = width_inches(width)
    return apply_paper_style(fig, w, round(w * 0.62 + 0.4, 2), title=title)
