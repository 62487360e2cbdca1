"""De-identify: review proposed identifiers, then replace them in the project.

The review lives in session state only while the user works on it (it holds the
original text, which must not outlive the review); the key is offered for
download after applying and is never written to the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from ...errors import DeidError
from .. import state
from ..escape import md

TITLE = "De-identify"
ICON = ":material/visibility_off:"
ORDER = 15

KEY_REVIEW = "qc.deid.review"
KEY_RESULT = "qc.deid.result"
KEY_DOC = "qc.deid.doc"

_HELP = (
    "Finds names, places, organisations, contact details, addresses and ages in transcripts that are not "
    "coded yet. Review each proposal, add anything missed, then apply: the de-identified text replaces the "
    "original in the project. The key (who became [PERSON 1]) is never stored in the project; download it "
    "or discard it."
)


@dataclass
class _ReviewState:
    location: str
    review: object  # qualcode.deid.Review
    version: int = 0  # bumped to reset the table widget after bulk changes
    reviewed: set[int] = field(default_factory=set)  # documents the user marked as reviewed
    fixing: bool = False  # the correction form stays open once used


def render() -> None:
    project = state.require_project()
    st.title("De-identify transcripts")
    st.caption(_HELP)
    _pending_key()
    current = st.session_state.get(KEY_REVIEW)
    if isinstance(current, _ReviewState) and current.location == project.location:
        _review(project, current)
    else:
        _setup(project)


# ------------------------------------------------------------------ step 1
def _setup(project) -> None:
    from ...deid import DEFAULT_KINDS, KINDS, KnownNames, Key, review_project_documents

    infos = project.documents()
    eligible = [d for d in infos if not d.codings]
    coded = [d for d in infos if d.codings]
    if coded:
        st.caption(
            f"{len(coded)} coded document(s) cannot be de-identified (codings point into the text): "
            + ", ".join(md(d.name) for d in coded[:10])
            + (" …" if len(coded) > 10 else "")
        )
    if not eligible:
        st.info("No document without codings. De-identify transcripts right after importing them.")
        return
    _never_list(project)
    names = {d.name: d.id for d in eligible}
    with st.form("qc.deid.setup"):
        chosen = st.multiselect("Documents", options=list(names), default=list(names), key="qc.deid.docs")
        kinds = st.multiselect(
            "Look for", options=list(KINDS), default=[k for k in KINDS if k in DEFAULT_KINDS], key="qc.deid.kinds",
            help="Dates are off by default: add 'date' to remove exact dates too.",
        )
        known_text = st.text_area(
            "Known names (one per line: name, replacement, kind)",
            key="qc.deid.known",
            help="Real names always to remove, e.g. 'Maria Santos, P03'. 'Replika,,keep' never removes Replika.",
        )
        known_file = st.file_uploader("…or a known-names file", type=["txt", "csv"], key="qc.deid.known_file")
        style = st.radio(
            "Replace people with", options=["label", "pseudonym"], horizontal=True, key="qc.deid.style",
            format_func=lambda s: "[PERSON 1] labels" if s == "label" else "realistic first names",
        )
        key_file = st.file_uploader("Continue an earlier key (optional)", type=["csv", "json"], key="qc.deid.key_in")
        use_ner = st.checkbox("Use the language model for names and places", value=True, key="qc.deid.ner")
        go = st.form_submit_button("Find identifiers", type="primary")
    if not go:
        return
    if not chosen:
        st.warning("Choose at least one document.")
        return
    known = KnownNames.parse(known_text or "", source="known names box")
    if known_file is not None:
        known = known.merged(KnownNames.parse(known_file.getvalue().decode("utf-8-sig", errors="replace"), source=known_file.name))
    key = None
    if key_file is not None:
        try:
            key = Key.parse(
                key_file.getvalue().decode("utf-8-sig"), json_format=key_file.name.lower().endswith(".json"), style=style
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DeidError(f"{key_file.name}: not a qualcode de-identification key ({exc})") from exc
    with st.spinner("Looking for identifiers…"):
        review = review_project_documents(
            project, [names[n] for n in chosen], kinds=kinds, known=known, key=key, style=style, use_ner=use_ner
        )
    st.session_state[KEY_REVIEW] = _ReviewState(project.location, review)
    st.session_state[KEY_DOC] = 0
    st.rerun()


def _never_list(project) -> None:
    """The project's "never an identifier" list: shown, edited, saved through the store."""
    from ...deid import DEFAULT_NEVER, project_never_terms, save_never_terms

    terms = project_never_terms(project)
    with st.expander(f"Never an identifier ({len(terms)} words)", expanded=False):
        st.caption(
            "Languages, nationalities, religions and the chatbots and apps a study is about are never proposed. "
            "One word or phrase per line; delete a line to have it found again, add your own. A name on the "
            "known-names list is removed whatever this list says."
        )
        with st.form("qc.deid.never_form"):
            edited = st.text_area("Never an identifier", value="\n".join(terms), height=200, key="qc.deid.never")
            c1, c2 = st.columns(2)
            save = c1.form_submit_button("Save the list")
            reset = c2.form_submit_button("Restore the defaults")
        if save or reset:
            wanted = list(DEFAULT_NEVER) if reset else [ln for ln in edited.splitlines() if ln.strip()]
            added, removed = save_never_terms(project, wanted, actor=state.current_coder())
            st.session_state.pop("qc.deid.never", None)
            state.flash(f"never-an-identifier list saved: {added} word(s) added, {removed} default(s) off", "success")
            st.rerun()


# ------------------------------------------------------------------ step 2
def _table(dr) -> pd.DataFrame:
    # Explicit dtypes: an empty list makes a float column, which the checkbox column rejects.
    return pd.DataFrame(
        {
            "remove": pd.Series([p.accepted for p in dr.proposals], dtype=bool),
            "kind": pd.Series([p.kind for p in dr.proposals], dtype=object),
            "text": pd.Series([p.text for p in dr.proposals], dtype=object),
            "in context": pd.Series([dr.context(i) for i in range(len(dr.proposals))], dtype=object),
            "becomes": pd.Series([p.replacement for p in dr.proposals], dtype=object),
            "found by": pd.Series([p.source for p in dr.proposals], dtype=object),
        },
        columns=["remove", "kind", "text", "in context", "becomes", "found by"],
    )


def _review(project, rs: _ReviewState) -> None:
    from ...deid import KINDS

    review = rs.review
    docs = review.documents
    total = sum(len(d.proposals) for d in docs)
    accepted = sum(p.accepted for d in docs for p in d.proposals)
    st.write(f"**{total}** proposals in **{len(docs)}** document(s); **{accepted}** will be removed.")
    idx = st.selectbox(
        "Document", options=range(len(docs)), key=KEY_DOC,
        format_func=lambda i: ("✓ " if i in rs.reviewed else "") + f"{docs[i].document.name} ({len(docs[i].proposals)} proposals)",
    )
    dr = docs[idx]
    done = st.checkbox("I have reviewed this document", value=idx in rs.reviewed, key=f"qc.deid.reviewed.{idx}")
    if done != (idx in rs.reviewed):
        (rs.reviewed.add if done else rs.reviewed.discard)(idx)
        st.rerun()
    st.progress(len(rs.reviewed) / len(docs), text=f"{len(rs.reviewed)} of {len(docs)} reviewed")
    speakers = review.speakers[idx] if idx < len(review.speakers) else {}
    if speakers:
        st.caption("Speaker labels: " + "; ".join(f"{md(old)} → {md(new)}" for old, new in speakers.items()))

    if dr.not_english:
        from ...deid.language import ENGLISH_ONLY_WARNING

        st.warning(f"This transcript {ENGLISH_ONLY_WARNING}.")
    if dr.quasi is not None:
        jobs = sorted({dr.document.text[a:b] for a, b in dr.quasi.spans}, key=str.casefold)
        st.info(dr.quasi.message()[0].upper() + dr.quasi.message()[1:] + " Occupation: " + ", ".join(md(j) for j in jobs))
    if not dr.proposals:
        st.info("Nothing was found in this document. Add a missed identifier below if there is one.")
    else:
        _editor(rs, idx, dr)
        _correct_form(rs, idx, dr, KINDS)
    _bulk_and_add(review, rs, idx, docs, KINDS)
    _apply_buttons(project, review, docs, idx)


def _editor(rs: _ReviewState, idx: int, dr) -> None:
    from ...deid import KINDS

    review = rs.review
    edited = st.data_editor(
        _table(dr),
        key=f"qc.deid.editor.{idx}.{rs.version}",
        hide_index=True,
        disabled=["in context", "becomes", "found by"],
        column_config={
            "remove": st.column_config.CheckboxColumn("remove", help="Untick to keep this text as it is."),
            "kind": st.column_config.SelectboxColumn("kind", options=list(KINDS), required=True),
            "text": st.column_config.TextColumn(
                "text", required=True, help="Correct the span: type exactly the text to remove (e.g. 'Comarch', not 'Comarch as')."
            ),
            "in context": st.column_config.TextColumn("in context", width="large"),
        },
    )
    for i, (kind, text) in enumerate(zip(edited["kind"].tolist(), edited["text"].tolist())):
        p = dr.proposals[i]
        if (kind, text) != (p.kind, p.text):
            try:
                review.edit_proposal(idx, i, text=str(text or ""), kind=kind or p.kind)
            except DeidError as exc:
                st.warning(str(exc))
                return
            rs.version += 1
            state.flash(f"proposal {i + 1} corrected", "success")
            st.rerun()
    flags = [bool(v) for v in edited["remove"].tolist()]
    if flags != [p.accepted for p in dr.proposals]:
        review.set_accepted(idx, flags)
        st.rerun()  # refresh the "becomes" column and the counts


def _correct_form(rs: _ReviewState, idx: int, dr, KINDS) -> None:
    """The same correction as the table's text and kind cells, as a form: choose a
    proposal, type the exact text it should cover and its kind, save. Keyboard
    users and screen readers get on better with it than with the grid."""
    labels = [f"{i + 1}. {p.text} ({p.kind})" for i, p in enumerate(dr.proposals)]
    with st.expander("Correct a proposal (its text or kind)", expanded=rs.fixing):
        pick = st.selectbox(
            "Proposal to correct", options=range(len(labels)), format_func=labels.__getitem__,
            key=f"qc.deid.fix_pick.{idx}.{rs.version}",
        )
        p = dr.proposals[pick]
        # Keys carry the proposal, so the boxes start from the one just chosen.
        with st.form(f"qc.deid.fix.{idx}.{pick}.{rs.version}"):
            text = st.text_input("Exact text to remove", value=p.text, key=f"qc.deid.fix_text.{idx}.{pick}.{rs.version}",
                                 help="Grow or shrink the span: 'Comarch', not 'Comarch as'. It must overlap the old one.")
            kind = st.selectbox("Kind of identifier", options=list(KINDS), index=list(KINDS).index(p.kind),
                                key=f"qc.deid.fix_kind.{idx}.{pick}.{rs.version}")
            save = st.form_submit_button("Save the correction")
        if save:
            try:
                rs.review.edit_proposal(idx, pick, text=text, kind=kind)
            except DeidError as exc:
                st.warning(str(exc))
                return
            rs.version += 1
            rs.fixing = True
            state.flash(f"proposal {pick + 1} corrected", "success")
            st.rerun()


def _bulk_and_add(review, rs: _ReviewState, idx: int, docs, KINDS) -> None:
    col_bulk, col_add = st.columns(2)
    with col_bulk:
        with st.form("qc.deid.bulk"):
            texts = sorted({p.text for d in docs for p in d.proposals}, key=str.casefold)
            which = st.selectbox("Every occurrence of", options=texts, index=None, key="qc.deid.bulk_text")
            c1, c2 = st.columns(2)
            keep = c1.form_submit_button("Keep everywhere")
            remove = c2.form_submit_button("Remove everywhere")
        if (keep or remove) and which:
            n = review.set_all(bool(remove), text=which)
            rs.version += 1
            state.flash(f"{n} proposal(s) changed", "info")
            st.rerun()
    with col_add:
        with st.form("qc.deid.add", clear_on_submit=True):
            missed = st.text_input("Add a missed identifier (exact text, any case)", key="qc.deid.add_text")
            kind = st.selectbox("Kind", options=list(KINDS), key="qc.deid.add_kind")
            everywhere = st.checkbox("In every document under review", value=True, key="qc.deid.add_all")
            add = st.form_submit_button("Add")
        if add and missed.strip():
            n = review.add_span(idx, missed, kind, everywhere=everywhere)
            if n:
                rs.version += 1
                state.flash(f"added {n} occurrence(s)", "success")
                st.rerun()
            else:
                st.warning("That text does not occur in the document(s); check the spelling.")


def _apply_buttons(project, review, docs, idx: int) -> None:
    from ...deid import apply_review_to_project

    with st.expander("Preview the de-identified text", expanded=False):
        st.code(review.preview(idx), language=None, wrap_lines=True, height=320)

    c1, c2 = st.columns([1, 3])
    if c1.button(f"Apply to {len(docs)} document(s)", type="primary", key="qc.deid.apply"):
        result = apply_review_to_project(project, review, actor=state.current_coder())
        st.session_state[KEY_RESULT] = {
            "csv": result.key.to_csv(),
            "json": result.key.to_json(),
            "summary": result.summary(),
            "warnings": list(result.warnings),
        }
        del st.session_state[KEY_REVIEW]
        state.flash(result.summary(), "success")
        st.rerun()
    if c2.button("Start over", key="qc.deid.cancel"):
        del st.session_state[KEY_REVIEW]
        st.rerun()


# ------------------------------------------------------------------ step 3
def _pending_key() -> None:
    """After applying: offer the key once, until the user downloads or discards it."""
    pending = st.session_state.get(KEY_RESULT)
    if not pending:
        return
    for w in pending["warnings"]:
        st.warning(md(w))
    st.warning(
        "Save the key now if you need it: it maps every placeholder back to the real name and is **not** "
        "stored in the project. Keep it apart from the data you share."
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button("Download key (CSV)", pending["csv"], file_name="deidentification-key.csv", mime="text/csv", key="qc.deid.dl_csv", on_click="ignore")
    c2.download_button("Download key (JSON)", pending["json"], file_name="deidentification-key.json", mime="application/json", key="qc.deid.dl_json", on_click="ignore")
    if c3.button("Discard the key", key="qc.deid.discard"):
        del st.session_state[KEY_RESULT]
        st.rerun()
