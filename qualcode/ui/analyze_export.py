"""Downloads under each figure of the Analyze page: the figure as PNG/SVG/PDF and
the table behind it as CSV.

Figures are rendered by kaleido with the machine's own Chromium
(:mod:`qualcode.export.figures`), which takes seconds, so nothing is rendered
while the page draws: each button gets a *callable* (``st.download_button(data=
callable)``) that Streamlit runs only when that button is clicked, in a thread of
its own. Rendered files are kept in a small in-memory cache, so a second click
on the same figure at the same settings is instant.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ..export.figures import BrowserNotFoundError, figure_bytes, find_browser
from .widgets import md_escape

__all__ = ["FIGURE_FORMATS", "DPI_CHOICES", "browser_problem", "figure_data", "csv_data", "file_stem", "downloads"]

FIGURE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
DPI_CHOICES = (150, 300, 600)  # beyond 600 dpi, use SVG or PDF (vector) instead
CACHE_ENTRIES = 16

# One render at a time: each one starts a Chromium, and the app shares a couple of
# cores with everything else; a second click waits instead of competing.
_render_lock = threading.Lock()
_rendered: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()


def browser_problem() -> str | None:
    """Why figures cannot be downloaded here (no Chromium/Chrome), or None.

    Only looks for the executable (a few ``stat`` calls), so it is cheap enough
    to ask on every run."""
    try:
        find_browser()
    except BrowserNotFoundError as exc:
        return str(exc)
    return None


def _render(fig: go.Figure, fmt: str, dpi: int) -> bytes:
    # Keyed by a digest of the figure's JSON, so a figure that changed (new
    # codings, another option) is rendered afresh and an unchanged one is not;
    # a digest, because a large heatmap's JSON runs to megabytes.
    key = (hashlib.sha256(fig.to_json().encode("utf-8")).hexdigest(), fmt, int(dpi))
    with _render_lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
        data = figure_bytes(fig, fmt, dpi=dpi)
        _rendered[key] = data
        while len(_rendered) > CACHE_ENTRIES:
            _rendered.popitem(last=False)
        return data


def figure_data(fig: go.Figure, fmt: str, dpi: int = 300) -> Callable[[], bytes]:
    """A no-argument callable that renders ``fig`` as ``fmt`` (for ``data=``).

    The figure is not copied: the page builds a fresh one on every run and does
    not touch it after handing it here."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figure format must be one of {', '.join(FIGURE_FORMATS)}, not {fmt!r}")
    return lambda: _render(fig, fmt, dpi)


def csv_data(table: pd.DataFrame, *, index: bool = False) -> Callable[[], bytes]:
    """A no-argument callable giving ``table`` as UTF-8 CSV (for ``data=``)."""
    frame = table.copy()
    return lambda: frame.to_csv(index=index).encode("utf-8")


def file_stem(name: str, coder: str | None) -> str:
    """``codes_consensus``, ``saturation_all-coders``: what was drawn, and by whom,
    so downloads from several coders do not overwrite each other."""
    who = re.sub(r"[^A-Za-z0-9._-]+", "-", coder).strip("-") if coder else "all-coders"
    return f"{name}_{who or 'coder'}"


def downloads(
    *,
    key: str,
    stem: str,
    table: pd.DataFrame,
    fig: go.Figure | None = None,
    dpi: int = 300,
    index: bool = False,
    table_label: str = "Table (CSV)",
) -> None:
    """One row of download buttons: the figure as PNG at ``dpi``, SVG and PDF (when
    there is a figure and a browser to render it), and ``table`` as CSV."""
    problem = browser_problem() if fig is not None else None
    row = st.container(horizontal=True, vertical_alignment="center")
    if fig is not None and problem is None:
        for fmt, mime in FIGURE_FORMATS.items():
            label = f"PNG ({dpi} dpi)" if fmt == "png" else fmt.upper()
            row.download_button(
                label, data=figure_data(fig, fmt, dpi), file_name=f"{stem}.{fmt}", mime=mime,
                key=f"{key}.{fmt}", on_click="ignore", icon=":material/download:",
                help="Rendered at its printed size when you click (takes a few seconds).",
            )
    row.download_button(
        table_label, data=csv_data(table, index=index), file_name=f"{stem}.csv", mime="text/csv",
        key=f"{key}.csv", on_click="ignore", icon=":material/table:",
    )
    if problem is not None:
        st.warning(f"Figure downloads are unavailable: {md_escape(problem)}. (The chart's own camera icon "
                   "still saves a screen-resolution PNG.)", icon=":material/image_not_supported:")
