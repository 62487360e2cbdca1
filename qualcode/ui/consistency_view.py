"""The "Check my coding" tab of the Suggestions page: the two consistency lists with answers.

Computed from the suggester already built on the page (its out-of-fold scores), so it
costs nothing extra; every rerun re-reads the codings and answers, so an answered entry
disappears at once. See :mod:`qualcode.suggest.consistency`.
"""

from __future__ import annotations

import streamlit as st

from ..errors import QualcodeError
from ..suggest.consistency import (
    Missed, Unlike, add_missed, check_consistency, dismiss_missed, keep_coding, recode_coding, remove_coding,
)
from . import nav, state
from .escape import md
from .widgets import md_escape, paginate

K = "qc.consistency."
PER_PAGE = 10


def render(project, suggester, coder: str) -> None:
    """Both lists for ``coder``, most doubtful first, each entry with its actions."""
    try:
        report = check_consistency(suggester)
    except QualcodeError as exc:
        st.info(str(exc))
        return
    st.caption(f"Checked {report.checked_codings} coded excerpts in {report.checked_documents} transcript(s). "
               "Each excerpt was scored by a model that learnt from your *other* transcripts, so an entry here means "
               "your coding there differs from how you coded elsewhere. These are questions, not errors: keep what "
               "is right. Answers are recorded and not asked again.")
    st.subheader(f"Codings unlike the rest of their code ({len(report.unlike)})")
    if not report.unlike:
        st.info("None: every coding looks like the rest of its code.")
    for x in paginate(report.unlike, key=f"{K}unlike_pages", per_page=PER_PAGE, label="Page"):
        _unlike_card(project, x, coder)
    st.subheader(f"Possible misses in coded transcripts ({len(report.missed)})")
    if not report.missed:
        st.info("None: no uncoded excerpt of your coded transcripts looks like one of your codes.")
    for m in paginate(report.missed, key=f"{K}missed_pages", per_page=PER_PAGE, label="Page"):
        _missed_card(project, m, coder)


def _act(action, message: str, kind: str = "success") -> None:
    try:
        action()
    except QualcodeError as exc:
        st.error(str(exc))
        return
    state.flash(message, kind)
    st.rerun()


def _unlike_card(project, x: Unlike, coder: str) -> None:
    key = f"{K}u.{x.coding_id}"
    with st.container(border=True):
        alt = (f" · looks more like **{md_escape(x.alternative)}** ({x.alternative_score:.2f})"
               if x.alternative else "")
        who = f" · {md_escape(x.speaker)}" if x.speaker else ""
        st.markdown(f"**{md_escape(x.code)}** · own score {x.own_score:.2f}{alt} · doubt {x.doubt:.2f} · "
                    f"{md_escape(x.document)}{who}")
        st.markdown(f"> {md_escape(x.text)}")
        b1, b2, b3, b4 = st.columns([1, 1.6, 1, 1.4])
        if b1.button("Keep", key=f"{key}.keep", icon=":material/check:", help="The coding is right as it is."):
            _act(lambda: keep_coding(project, x, coder), f"Kept {md(x.code)} on “{md(x.text[:60])}”.", "info")
        if x.alternative and b2.button(f"Change to {x.alternative}", key=f"{key}.recode", icon=":material/swap_horiz:"):
            _act(lambda: recode_coding(project, x, coder), f"Changed to {md(x.alternative)}: “{md(x.text[:60])}”.")
        if b3.button("Remove", key=f"{key}.remove", icon=":material/delete:", help="Delete this coding."):
            _act(lambda: remove_coding(project, x, coder), f"Removed {md(x.code)} from “{md(x.text[:60])}”.", "info")
        if b4.button("Show in context", key=f"{key}.open", icon=":material/open_in_new:"):
            nav.open_document(x.document_id, focus=x.start)


def _missed_card(project, m: Missed, coder: str) -> None:
    key = f"{K}m.{m.document_id}.{m.start}.{m.end}.{m.code_id}"
    with st.container(border=True):
        who = f" · {md_escape(m.speaker)}" if m.speaker else ""
        st.markdown(f"**{md_escape(m.code)}?** · score {m.score:.2f} (threshold {m.threshold:.2f}) · "
                    f"{md_escape(m.document)}{who}")
        st.markdown(f"> {md_escape(m.text)}")
        b1, b2, b3, _ = st.columns([1.2, 1.3, 1.4, 2])
        if b1.button("Add code", key=f"{key}.add", icon=":material/add:"):
            _act(lambda: add_missed(project, m, coder), f"Coded “{md(m.text[:60])}” as {md(m.code)}.")
        if b2.button("Not this code", key=f"{key}.dismiss", icon=":material/close:"):
            _act(lambda: dismiss_missed(project, m, coder), f"Will not ask about {md(m.code)} there again.", "info")
        if b3.button("Show in context", key=f"{key}.open", icon=":material/open_in_new:"):
            nav.open_document(m.document_id, focus=m.start)
