"""Moving between pages with a document open (``?doc=<name>`` survives a reload).

``app.main`` registers the ``st.Page`` objects each run; pages then ask for another
page by its module name (``"coding"``, ``"transcripts"``...).
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

__all__ = ["register", "page", "switch_to", "open_document", "DOC_PARAM"]

DOC_PARAM = "doc"
_PAGES: dict[str, Any] = {}


def register(pages: dict[str, Any]) -> None:
    """Remember the app's pages by module name (called by ``app.main``)."""
    _PAGES.clear()
    _PAGES.update(pages)


def page(name: str) -> Any | None:
    """The ``st.Page`` of a page module, or None when that page is not installed."""
    return _PAGES.get(name)


def switch_to(name: str, query_params: dict[str, str] | None = None) -> None:
    """Go to another page (stops this run)."""
    target = page(name)
    if target is None:
        st.error(f"The {name!r} page is not available in this installation.")
        return
    st.switch_page(target, query_params=query_params)


def open_document(document_id: int, *, focus: int | None = None) -> None:
    """Open a transcript in the coding workspace, optionally scrolled to an offset.

    The address names the transcript (``?doc=<name>``), not its row number, so a
    reload or a copied link opens the same transcript in any copy of the project.
    """
    from . import state

    if focus is not None:
        st.session_state["qc.code.focus"] = {"doc": int(document_id), "start": int(focus), "nonce": str(time.time_ns())}
    st.session_state["qc.code.last_doc"] = int(document_id)
    project = state.current_project()
    name = next((d.name for d in project.documents() if d.id == int(document_id)), None) if project else None
    switch_to("coding", {DOC_PARAM: name} if name else None)
