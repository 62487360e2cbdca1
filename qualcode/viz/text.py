"""User text in plotly figures, shown literally.

Plotly renders a subset of HTML in titles, axis and tick labels, legends, annotations
and hover text (``<a href>`` becomes a clickable link, ``<b>`` bold). Code names,
pseudonyms and document names are user text, so every one goes through :func:`plain`
before it reaches a figure: plotly decodes ``&lt;``/``&gt;``/``&amp;`` back to the
characters, so the label reads exactly as typed.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["plain", "plain_all", "escape_figure"]

_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def plain(text: object) -> str:
    """``text`` safe for any plotly text field (``None`` becomes an empty string)."""
    return "" if text is None else str(text).translate(_TABLE)


def plain_all(texts: Iterable[object]) -> list[str]:
    """:func:`plain` of each item."""
    return [plain(t) for t in texts]


# Trace and layout fields that plotly renders as (pseudo-)HTML and that may hold user
# text: category values (tick labels, hover %{x}/%{y}), bar/node texts, hover texts,
# sunburst labels, legend names. Templates are ours and stay as they are.
_TRACE_FIELDS = ("x", "y", "text", "hovertext", "labels", "customdata", "name", "legendgroup")
_MARK = "user_text_escaped"


_OURS = (("&lt;br&gt;", "<br>"), ("&lt;b&gt;", "<b>"), ("&lt;/b&gt;", "</b>"))


def _safe(text: str) -> str:
    """Escape ``text`` but keep line breaks and bold, which qualcode's charts put around
    labels themselves (harmless: only links, images and styles carry a risk)."""
    out = plain(text)
    for escaped, tag in _OURS:
        out = out.replace(escaped, tag)
    return out


def _escaped(value: object, one=_safe) -> object:  # noqa: ANN001
    if isinstance(value, str):
        return one(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_escaped(v, one) for v in value)
    try:
        import numpy as np

        if isinstance(value, np.ndarray) and value.dtype.kind in ("U", "O"):
            return np.vectorize(lambda v: one(v) if isinstance(v, str) else v, otypes=[object])(value)
    except ImportError:  # pragma: no cover - numpy comes with plotly's users
        pass
    return value


def escape_figure(fig):  # noqa: ANN001, ANN201 - a plotly Figure in and out
    """Escape every user-text field of a finished figure once (marked in
    ``layout.meta``, so a second call changes nothing); returns ``fig``."""
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    if meta.get(_MARK):
        return fig
    for trace in fig.data:
        for field in _TRACE_FIELDS:
            try:
                value = trace[field]
            except (KeyError, ValueError, AttributeError):
                continue
            if value is not None:
                trace[field] = _escaped(value)
    layout = fig.layout
    if layout.title and layout.title.text:
        layout.title.text = _safe(layout.title.text)
    for name in [k for k in layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        axis = layout[name]
        if axis.title and axis.title.text:
            axis.title.text = _safe(axis.title.text)
        if axis.ticktext is not None:
            axis.ticktext = _escaped(list(axis.ticktext))
        if axis.tickvals is not None:
            axis.tickvals = _escaped(list(axis.tickvals))
    for ann in layout.annotations or ():
        if ann.text:
            ann.text = _safe(ann.text)
    if layout.legend and layout.legend.title and layout.legend.title.text:
        layout.legend.title.text = _safe(layout.legend.title.text)
    meta[_MARK] = True
    fig.update_layout(meta=meta)
    return fig
