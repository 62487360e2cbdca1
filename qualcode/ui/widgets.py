"""Small building blocks shared by pages: memo editor, pager, code labels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import streamlit as st

from ..errors import ConflictError, QualcodeError
from ..model import Code
from ..store import Project
from .escape import md

__all__ = ["memo_editor", "paginate", "code_label", "code_options", "md_escape", "participant_speakers"]

T = TypeVar("T")


def participant_speakers(project, labels: Sequence[str]) -> list[str]:
    """The labels whose role is a participant's (confirmed or detected); [] (= every
    speaker) when none is an interviewer's or a chatbot's, so nothing is filtered for nothing."""
    from ..ingest.roles import is_participant_in, project_roles

    labels = [str(x) for x in labels]
    roles = project_roles(project, labels)
    keep = [x for x in labels if is_participant_in(roles, x)]
    return keep if len(keep) < len(labels) else []


def md_escape(text: str) -> str:
    """Make researcher-supplied text (a snippet, a code name) show literally in
    ``st.markdown``/``st.success``: no bold, links, LaTeX or ``:emoji:`` shortcodes."""
    return md(text)


def code_label(code: Code) -> str:
    """``Theme › Code`` (what a researcher reads in lists)."""
    return f"{code.parent} › {code.name}" if code.parent else code.name


def code_options(codes: Sequence[Code], *, codable_only: bool = True) -> dict[int, str]:
    """Code id -> label, in codebook order (for selectboxes and multiselects)."""
    return {c.id: code_label(c) for c in codes if c.id is not None and (c.codable or not codable_only)}


def paginate(items: Sequence[T], *, key: str, per_page: int = 20, label: str = "Page") -> Sequence[T]:
    """The current page of ``items``, with a compact page picker when there is more than one."""
    pages = max(1, math.ceil(len(items) / per_page))
    if pages == 1:
        return items
    page_key = f"{key}.page"
    if st.session_state.get(page_key, 1) > pages:
        st.session_state[page_key] = 1
    page = st.number_input(
        f"{label} (of {pages})", min_value=1, max_value=pages, step=1, key=page_key,
        help=f"{len(items)} in all, {per_page} per page",
    )
    start = (int(page) - 1) * per_page
    return items[start : start + per_page]


def memo_editor(
    project: Project,
    target_type: str,
    target_id: int,
    *,
    key: str,
    actor: str | None,
    label: str = "Memo",
    height: int = 140,
) -> None:
    """Edit the memo on a project, document or code, with a stale-edit check.

    The version read when the editor first showed this memo is remembered; saving
    passes it as ``expected_version``, so if another tab or coder saved in between the
    store raises ConflictError and the page says so (with their text) instead of
    overwriting it.
    """
    current = project.memo(target_type, target_id)
    text_now, version_now = current if current else ("", 0)
    target_key, version_key, text_key = f"{key}.target", f"{key}.version", f"{key}.text"
    if st.session_state.get(target_key) != (target_type, target_id) or version_key not in st.session_state:
        st.session_state[target_key] = (target_type, target_id)
        st.session_state[version_key] = version_now
        st.session_state[text_key] = text_now
    st.text_area(label, key=text_key, height=height)
    if version_now != st.session_state[version_key]:
        st.warning("Someone else saved this memo since you opened it. Their text:")
        st.text(text_now or "(empty)")
        if st.button("Discard my edits and load theirs", key=f"{key}.reload"):
            st.session_state.pop(version_key, None)
            st.rerun()
    if st.button("Save memo", key=f"{key}.save", disabled=not actor, help=None if actor else "Choose a coder first"):
        try:
            new_version = project.set_memo(
                target_type, target_id, st.session_state[text_key], actor=actor,
                expected_version=st.session_state[version_key],
            )
        except ConflictError as exc:
            st.error(md(exc))
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.session_state[version_key] = new_version
            st.success("Memo saved.")
