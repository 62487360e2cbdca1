"""The theme map: emergent themes placed by what they say (plotly, no I/O).

Each theme is a numbered bubble, sized by its number of excerpts and placed by the
first two principal components of the themes' centres, so bubbles close together
are themes that say similar things. The theme names (their keywords) are listed in
a key beside the map (below it at one-column width) rather than written next to
the bubbles, where a dozen four-keyword names overlap and run off the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import CATEGORICAL, INK, Width, apply_paper_style, pt, width_inches

__all__ = ["theme_map"]

KEY_PT = 7.5
LINE_IN = KEY_PT * 1.45 / 72  # one line of the key, in inches


def theme_map(
    centroids: np.ndarray,
    labels: Sequence[str],
    sizes: Sequence[int],
    *,
    nearest: Sequence[str | None] | None = None,
    width: Width = "double",
    title: str | None = None,
) -> go.Figure:
    """Themes (numbered 1, 2, ... in the order given) as bubbles on their centres'
    first two principal components (PCA, fixed seed: the same themes give the same
    map), area proportional to ``sizes`` (bubbles that would cover each other are nudged
    apart just enough to read both); the key lists number, name and size."""
    n = len(labels)
    if n == 0 or len(centroids) != n or len(sizes) != n:
        raise ValueError("theme_map needs one centre, label and size per theme")
    biggest = max(max(sizes), 1)
    w = width_inches(width)
    beside = w > 5  # page width: the key to the right; one column: below
    diameters = [12 + 26 * math.sqrt(s / biggest) for s in sizes]
    map_px = (w * 0.5 if beside else w) * 0.85 * 96
    xy = _apart(_plane(np.asarray(centroids, dtype=float)), np.array(diameters) / map_px)
    number = [str(i + 1) for i in range(n)]
    near = list(nearest) if nearest is not None else [None] * n
    fig = go.Figure(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=number, textposition="middle center",
        textfont=dict(size=pt(7), color="#FFFFFF"), cliponaxis=False,
        marker=dict(size=diameters, color=CATEGORICAL[0], opacity=0.8,
                    line=dict(color="#FFFFFF", width=0.8)),
        customdata=np.array([[lab, int(s), c or "–"] for lab, s, c in zip(labels, sizes, near)], dtype=object),
        hovertemplate="%{text}. %{customdata[0]}<br>%{customdata[1]} excerpts · nearest code: %{customdata[2]}<extra></extra>",
    ))
    # Room for the biggest bubble at the edges (the axes are invisible).
    pad_x = 0.12 * (np.ptp(xy[:, 0]) or 1.0)
    pad_y = 0.12 * (np.ptp(xy[:, 1]) or 1.0)
    fig.update_xaxes(visible=False, range=[xy[:, 0].min() - pad_x, xy[:, 0].max() + pad_x],
                     domain=[0, 0.5] if beside else [0, 1])
    fig.update_yaxes(visible=False, range=[xy[:, 1].min() - pad_y, xy[:, 1].max() + pad_y])
    key = "<br>".join(f"<b>{i + 1}</b>  {lab} ({int(s)})" for i, (lab, s) in enumerate(zip(labels, sizes)))
    map_in = (w * 0.5 if beside else w) * 0.85
    key_in = n * LINE_IN + 0.1
    if beside:
        height = max(map_in, key_in) + 0.15
        fig.add_annotation(text=key, xref="paper", yref="paper", x=0.54, y=1, xanchor="left", yanchor="top",
                           align="left", showarrow=False, font=dict(size=pt(KEY_PT), color=INK))
        fig.update_yaxes(domain=[1 - map_in / height, 1])
    else:
        height = map_in + key_in + 0.15
        fig.add_annotation(text=key, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom",
                           align="left", showarrow=False, font=dict(size=pt(KEY_PT), color=INK))
        fig.update_yaxes(domain=[key_in / height + 0.02, 1])
    fig.update_layout(showlegend=False)
    return apply_paper_style(fig, w, round(height, 2), title=title)


def _apart(xy: np.ndarray, diameters: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Nudge bubbles that would cover each other apart (deterministic), in the
    map's unit square; ``diameters`` are shares of the map's side. Themes whose
    centres nearly coincide stay neighbours, but both numbers can be read."""
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1.0
    p = (xy - xy.min(axis=0)) / span
    need = (diameters[:, None] + diameters[None, :]) / 2 * 1.05
    for _ in range(rounds):
        moved = False
        for i in range(len(p)):
            for j in range(i + 1, len(p)):
                d = p[j] - p[i]
                dist = float(np.hypot(*d))
                if dist < need[i, j]:
                    step = (d / dist if dist > 1e-9 else np.array([1.0, 0.0])) * (need[i, j] - dist) / 2
                    p[i] -= step
                    p[j] += step
                    moved = True
        if not moved:
            break
    return p * span + xy.min(axis=0)


def _plane(centroids: np.ndarray) -> np.ndarray:
    """Two coordinates per theme: PCA of the centres (two themes: a line)."""
    if len(centroids) < 3:
        return np.column_stack([np.arange(len(centroids), dtype=float), np.zeros(len(centroids))])
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=0).fit_transform(centroids)
