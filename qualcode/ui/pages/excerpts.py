"""Excerpts page: read every excerpt of one or more codes together (retrieval).

A thin page over :mod:`qualcode.export.retrieve`: the codes (with or without their
sub-codes), an optional AND / NOT / NEAR with a second code, filters, the order, the
counts per participant and attribute value, and one-click Word and CSV exports of
exactly the rows shown. Blind mode is enforced by the library (the codings come from
``visible_codings``). "Open" jumps to the excerpt in the Code page.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from ...analysis.turnmeta import codes_by_turn_meta
from ...export.retrieve import OPERATORS, Retrieval, retrieval_counts, retrieval_csv_bytes, retrieval_docx_bytes, retrieve
from .. import nav, state
from ..escape import md
from ..widgets import code_label, paginate
from ..pickers import pick_many

TITLE = "Excerpts"
ICON = ":material/format_quote:"
ORDER = 32

K = "qc.excerpts."


def _speakers(project) -> list[str]:
    segs = project.segments_frame()
    return sorted({s for s in segs["speaker"].dropna().astype(str) if s})


def _turn_fields(project) -> list[str]:
    """The turn metadata fields any turn has (score, op_replied...), first seen first."""
    segs = project.segments_frame()
    return list(dict.fromkeys(k for m in segs["metadata"] if isinstance(m, dict) for k in m if k != "reddit_id"))


def _cuts(text: str) -> list[float] | None:
    """Band limits typed as "0, 10" (None when empty or not numbers)."""
    try:
        cuts = sorted(float(x) for x in text.replace(";", ",").split(",") if x.strip())
    except ValueError:
        return None
    return cuts or None


def _most_coded(project, labels: dict[int, str], only: str | None) -> None:
    """One-click starting points: the codes with the most codings (only one coder's in blind mode)."""
    from collections import Counter

    counts = Counter(c.code_id for c in project.codings(coders=[only] if only else None))
    top = [(cid, n) for cid, n in counts.most_common(6) if cid in labels]
    if not top:
        return

    def pick(cid: int) -> None:
        st.session_state[f"{K}a"] = [cid]

    st.caption("Most coded:")
    cols = st.columns(3)
    for i, (cid, n) in enumerate(top):
        cols[i % 3].button(f"{md(labels[cid])} ({n})", key=f"{K}top.{cid}", on_click=pick, args=(cid,),
                           width="stretch")


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Excerpts")
    codes = project.codes()
    if not codes:
        st.info("The codebook is empty: load or add codes on the **Project** or **Codebook** page.")
        return
    coder = state.current_coder()
    blind = state.blind_mode()
    if blind:
        st.caption("Blind mode: only your own codings are retrieved.")
    labels = {c.id: code_label(c) for c in codes if c.id is not None}
    c1, c2, c3 = st.columns([3, 1, 3], vertical_alignment="bottom")
    a = c1.multiselect("Code A", list(labels), format_func=labels.get, key=f"{K}a",
                       placeholder="Codes or themes to retrieve")
    op = c2.selectbox("Query", list(OPERATORS), format_func=OPERATORS.get, key=f"{K}op")
    b = c3.multiselect("Code B", list(labels), format_func=labels.get, key=f"{K}b", disabled=op == "only",
                       placeholder="Second code (for AND / NOT / NEAR)")
    o1, o2, o3 = st.columns(3, vertical_alignment="bottom")
    subcodes = o1.checkbox("Include sub-codes", value=True, key=f"{K}sub",
                           help="A theme or code also stands for every code below it.")
    near = o2.number_input("NEAR: within turns", min_value=0, max_value=50, value=1, step=1, key=f"{K}near",
                           disabled=op != "near")
    order = o3.radio("Sort by", ["document", "code"], horizontal=True, key=f"{K}order",
                     format_func={"document": "Document order", "code": "Code"}.get)
    docs = project.documents()
    people = project.participants()
    attributes = sorted({k for p in people for k in p.attributes})
    with st.expander("Filters", icon=":material/filter_list:"):
        f1, f2 = st.columns(2)
        coders = f1.multiselect("Coder", project.coders(), key=f"{K}coders", placeholder="All coders")
        who = pick_many("Participant", {p: p for p in sorted({d.participant or d.name for d in docs})}, key=f"{K}people",
                        where=f2, placeholder="All participants", noun="participant")
        f3, f4 = st.columns(2)
        chosen_docs = pick_many("Document", {d.name: d.name for d in docs}, key=f"{K}docs", where=f3,
                                placeholder="All documents", noun="transcript")
        speakers = pick_many("Speaker", {s: s for s in _speakers(project)}, key=f"{K}speakers", where=f4,
                             placeholder="All speakers", noun="speaker")
        turn_filter: dict[str, list[str]] = {}
        fields = _turn_fields(project)
        if fields:
            t1, t2 = st.columns(2)
            field = t1.selectbox("Turn metadata", [None, *fields], key=f"{K}turn_field",
                                 format_func=lambda f: "Any turn" if f is None else f,
                                 help="What the source said about each turn: a Reddit comment's score, "
                                      "whether the original poster replied, a chat message's model...")
            cond = t2.text_input("Condition", key=f"{K}turn_cond", disabled=field is None,
                                 placeholder=">=10, <0, true, false or a value",
                                 help="Numbers compare with >=, >, <=, < or =; yes/no fields take true or false; "
                                      "anything else must equal the value. Several: separate with |.")
            if field and cond.strip():
                turn_filter[field] = [c.strip() for c in cond.split("|") if c.strip()]
        attrs: dict[str, list[str]] = {}
        for key in attributes:
            values = sorted({str(p.attributes[key]) for p in people if p.attributes.get(key)})
            picked = st.multiselect(key, values, key=f"{K}attr.{key}", placeholder=f"Any {key}")
            if picked:
                attrs[key] = picked
    if not a:
        st.info("Choose one or more codes (or a theme) as **Code A** to read their excerpts together.")
        _most_coded(project, labels, coder if blind else None)
        return
    if op != "only" and not b:
        st.info(f"{OPERATORS[op]} needs a **Code B**.")
        return
    query = Retrieval(
        codes=a, subcodes=subcodes, operator=op, other=b or None, other_subcodes=subcodes, near=int(near),
        coders=coders or None, participants=who or None, attributes=attrs or None,
        documents=chosen_docs or None, speakers=speakers or None, order=order, turn_meta=turn_filter or None,
    )
    frame = retrieve(project, query, viewer=coder, blind=blind)
    n_people = frame["participant"].nunique() if len(frame) else 0
    st.markdown(f"**{len(frame)} excerpt{'s' if len(frame) != 1 else ''}** from {n_people} "
                f"participant{'s' if n_people != 1 else ''} · " + md(" · ".join(query.describe(labels))))
    if frame.empty:
        st.caption("No excerpt matches.")
        return
    e1, e2, _ = st.columns([1, 1, 3])
    e1.download_button("Word", retrieval_docx_bytes(project, frame, query, show_attributes=attributes),
                       file_name=f"{project.name}-excerpts.docx", icon=":material/description:", key=f"{K}docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    e2.download_button("CSV", retrieval_csv_bytes(frame), file_name=f"{project.name}-excerpts.csv",
                       mime="text/csv", icon=":material/table:", key=f"{K}csv")
    t_list, t_counts = st.tabs(["Excerpts", "Counts"])
    with t_counts:
        by = st.selectbox("Count by", ["participant", *attributes], key=f"{K}count_by")
        st.dataframe(retrieval_counts(frame, by), hide_index=True, width="stretch")
        if fields:
            # Codes by a turn metadata field: by score band, by whether the OP replied...
            m1, m2 = st.columns(2)
            per = m1.selectbox("Codes by turn metadata", fields, key=f"{K}by_field")
            bands = m2.text_input("Bands (numbers)", key=f"{K}by_cuts", placeholder="e.g. 0, 10",
                                  help="Limits of the bands for a number: 0, 10 gives < 0, 0 to < 10, >= 10. "
                                       "Empty: every value apart.")
            table = codes_by_turn_meta(frame, per, cuts=_cuts(bands))
            st.caption("Turns per code and value (a turn coded twice counts once).")
            st.dataframe(table, width="stretch")
    with t_list:
        rows = list(frame.itertuples())
        for row in paginate(rows, key=f"{K}pager", per_page=15, label="Page"):
            _card(row, attributes)


def _card(row, attributes: list[str]) -> None:
    attrs = ", ".join(str(row.attributes.get(k)) for k in attributes if row.attributes.get(k))
    head = " · ".join(x for x in (
        f"<b>{escape(str(row.participant))}</b>" + (f" ({escape(attrs)})" if attrs else ""),
        escape(str(row.document)) + (f", turn {int(row.turn)}" if pd.notna(row.turn) else ""),
        f"speaker {escape(str(row.speaker))}" if isinstance(row.speaker, str) else "",
        escape(str(row.code_path)), f"coded by {escape(str(row.coder))}",
        f"with {escape(row.matched)}" if row.matched else "",
    ) if x)
    memo = (f"<div style='font-size:.85rem;color:#555'><b>Memo:</b> {escape(row.memo)}</div>"
            if isinstance(row.memo, str) and row.memo.strip() else "")
    ctx = "color:#777;font-size:.85rem;margin:0"
    with st.container(border=True):
        c1, c2 = st.columns([8, 1], vertical_alignment="top")
        c1.html(
            f"<div class='qc-excerpt' data-coding='{int(row.coding_id)}'>"
            f"<div style='font-size:.8rem;color:#555'>{head}</div>"
            + (f"<p style='{ctx}'>{escape(row.before)}</p>" if row.before else "")
            + f"<blockquote style='margin:.2rem 0;padding-left:.6rem;border-left:3px solid #888'>{escape(row.snippet)}</blockquote>"
            + (f"<p style='{ctx}'>{escape(row.after)}</p>" if row.after else "")
            + memo + "</div>"
        )
        if c2.button("Open", key=f"{K}open.{int(row.coding_id)}", help="Show this excerpt in the Code page"):
            nav.open_document(int(row.document_id), focus=int(row.start))
