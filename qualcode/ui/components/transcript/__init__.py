"""The transcript view: one element that shows a whole transcript and reports selections.

A Streamlit components v2 component with inline HTML/CSS/JS read from the files
next to this module (no npm build). The HTML it displays is built and escaped by
:mod:`qualcode.ui.render`; the browser answers with code-point offsets (converted
from the DOM's UTF-16 offsets in ``transcript.js``), which
:func:`qualcode.ui.render.resolve_selection` checks against the text.

AppTest cannot run custom components: there the call renders nothing and returns
no events, and the page's other paths (whole-turn coding, lists) still work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from ...render import html_digest

__all__ = ["transcript_view", "COMPONENT_NAME"]

COMPONENT_NAME = "qualcode_transcript"
EVENTS = ("selection", "turn", "clicked", "view", "key")
_HERE = Path(__file__).parent


def _read(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


# Registered once at import. isolate_styles=False mounts the HTML in the page's DOM
# rather than a shadow root: window.getSelection() then reports the real text nodes
# in every browser (Safari and Firefox retarget or hide shadow-DOM selections);
# transcript.css scopes every rule under .qc-tx instead.
_component = st.components.v2.component(
    COMPONENT_NAME,
    html=_read("transcript.html"),
    css=_read("transcript.css"),
    js=_read("transcript.js"),
    isolate_styles=False,
)


def transcript_view(
    html: str,
    *,
    key: str,
    focus: dict[str, Any] | None = None,
    height: int = 640,
    on_event: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Show an already-escaped transcript and return this run's events.

    ``focus`` (``{"start": offset, "nonce": any}``) scrolls the view to that offset
    whenever its nonce changes. Returns a dict with the keys ``selection``
    (``{start, end, text}`` in code points), ``turn`` (``{index}``), ``clicked``
    (``{codings: [...]}``), ``view`` (``{index}``: the turn in view) and ``key``
    (``{action, n}``: a workspace key); each is None unless it happened just now.

    ``on_event(name)`` is called for each event as a callback, before the run that
    the event causes (it reads the value from ``st.session_state[key][name]``), so
    what it writes is drawn by that run.
    """

    def callback(name: str) -> Callable[[], None]:
        return (lambda: on_event(name)) if on_event is not None else (lambda: None)

    result = _component(
        key=key,
        data={"html": html, "digest": html_digest(html), "focus": focus, "height": height},
        **{f"on_{name}_change": callback(name) for name in EVENTS},
    )
    get = result.get if hasattr(result, "get") else (lambda _k: None)
    return {name: get(name) for name in EVENTS}
