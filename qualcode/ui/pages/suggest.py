"""Suggestions page: code suggestions with their evidence; the researcher decides.

Computing suggestions (embedding + training + calibration) runs only behind the
"Compute suggestions" button, never on a plain rerun; the result is cached per
(project, coder, speakers, project revision at the click). Accepting or rejecting reads
the current codings and rejections at every rerun, so the lists stay right without
recomputing; "Recompute" brings in what the new codings teach.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ...suggest import PARTICIPANT_ROLES, Suggester, Suggestion
from .. import consistency_view, nav, state
from ..widgets import code_options, md_escape, paginate, participant_speakers
from ..escape import md
from ..pickers import pick_many, pick_one

TITLE = "Suggestions"
ICON = ":material/auto_awesome:"
ORDER = 30

K = "qc.suggest."
PER_PAGE = 10


@st.cache_resource(show_spinner=False)
def built_suggesters() -> dict:
    """Built suggesters by (project, coder, speakers, revision), shared by sessions."""
    # Built suggesters by (project, coder, speakers, revision at the click), shared by
    # sessions. A plain rerun only looks here; building happens behind the button.
    return {}


MAX_BUILT = 6


def build_suggester(project, coder: str, speakers: tuple[str, ...] | None, progress, *,
                    roles: tuple[str, ...] | None = PARTICIPANT_ROLES) -> tuple:
    """Build (or reuse) the suggester for this coder at the project's current revision; returns its key.

    ``speakers`` (labels) chooses the turns; without them ``roles`` does (by default
    the participants' turns, as :meth:`Suggester.build`); ``roles=None``: every turn."""
    key = (state.view_key(project), coder, speakers, project.revision(), None if speakers else roles)
    store = built_suggesters()
    if key not in store:
        store[key] = Suggester.build(project, coder, speakers=speakers, roles=None if speakers else roles,
                                     progress=progress)
        for old in list(store)[:-MAX_BUILT]:
            store.pop(old, None)
    return key


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Suggestions")
    coder = state.require_coder()
    st.caption(
        "Suggestions come from your codebook (names, definitions, examples) and from the excerpts **you** have "
        "coded. Nothing is coded until you accept; a rejected suggestion is not offered again."
    )
    if not project.documents():
        st.info("No transcripts yet: import some on the **Project** page.")
        return
    if not any(c.codable for c in project.codes()):
        st.info("The codebook is empty: add codes on the **Codebook** page first.")
        return
    speakers = _speaker_filter(project)
    built = st.session_state.get(f"{K}built")
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    label = "Recompute suggestions" if built else "Compute suggestions"
    if c1.button(label, type="primary", key=f"{K}compute", icon=":material/auto_awesome:"):
        bar = st.progress(0.0, text="Embedding excerpts…")

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Embedding excerpts… {done}/{total}")

        with st.spinner("Learning from your codings…"):
            # An emptied "Only turns by" means every speaker, as its placeholder says.
            built = build_suggester(project, coder, speakers, progress, roles=None)
        bar.empty()
        st.session_state[f"{K}built"] = built
    suggester = built_suggesters().get(built) if built else None
    if suggester is None or built[1] != coder or built[2] != speakers:
        c2.caption("Press the button to compute suggestions for the chosen coder and speakers "
                   "(the first time takes a while: every excerpt is embedded once and cached).")
        return
    if project.revision() != suggester.revision:
        # A coding was added, removed or accepted: refit on it now (one fit, no
        # cross-validation), so the lists below already reflect it.
        suggester.refresh()
    if suggester.refreshed:
        c2.caption(f"Updated from your latest codings in {suggester.refresh_seconds:.1f} s. Thresholds, the quality "
                   "table and *Check my coding* are from the last full computation: **Recompute** to recalibrate them.")
    if getattr(suggester, "language_note", ""):
        st.info(md(suggester.language_note))  # transcripts left out: the model cannot read their language
    _quality(suggester)
    by_doc, more, check = st.tabs(["By transcript", "Find more like a code", "Check my coding"])
    with by_doc:
        _by_document(project, suggester, coder)
    with more:
        _more_like(project, suggester, coder)
    with check:
        consistency_view.render(project, suggester, coder)


def _speaker_filter(project) -> tuple[str, ...] | None:
    frame = project.segments_frame()
    names = sorted({s for s in frame["speaker"].dropna().unique()})
    if not names:
        return None
    if f"{K}speakers" not in st.session_state or not set(st.session_state[f"{K}speakers"]) <= set(names):
        # Participants' turns by default (the speaker roles of the Transcripts page):
        # an interviewer's question is not a participant's experience to code.
        st.session_state[f"{K}speakers"] = participant_speakers(project, names)
    chosen = pick_many("Only turns by", {n: n for n in names}, key=f"{K}speakers", placeholder="All speakers",
                       noun="speaker",
                       help="By default the participants' turns (speaker roles on the Transcripts page); "
                            "clear it for every speaker, the interviewer's and the chatbot's too.")
    if chosen and len(chosen) < len(names):
        st.caption("Participant turns only unless you add speakers: the interviewer's questions and a chatbot's "
                   "replies are not suggested (roles on the **Transcripts** page).")
    return tuple(sorted(chosen)) or None


def _quality(suggester: Suggester) -> None:
    def verdict(q) -> str:
        if q.better_than_chance is None:
            return "too few codings to tell"
        return "better than chance" if q.better_than_chance else "no better than chance: not suggested"

    rows = [
        {"Code": q.code, "Your codings": q.codings, "Based on": q.basis, "Threshold": round(q.threshold, 2),
         "Precision": q.precision, "Recall": q.recall, "F1": q.f1, "Kappa": q.kappa,
         "Kappa 95% CI": (f"{q.kappa_low:.2f} to {q.kappa_high:.2f}" if q.kappa_low is not None else ""),
         "Verdict": verdict(q)}
        for q in suggester.quality()
    ]
    weak = suggester.unlearnable()
    if weak:
        st.warning("No better than chance on your codings, so not suggested: " + ", ".join(md_escape(w) for w in weak)
                   + ". Code more examples, or sharpen the definition, and recompute.")
    with st.expander("How good are the suggestions on your codes?", expanded=False):
        st.caption("Precision, recall, F1 and kappa are cross-validated on the transcripts you have coded: the suggester "
                   "learns without one group of them and is checked against your codes there. The kappa interval "
                   "resamples your transcripts; a code whose interval reaches 0 is no better than chance and is not "
                   "suggested. Codes with fewer than 3 codings use their definition only and a default threshold.")
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{K}quality",
                     column_config={k: st.column_config.NumberColumn(format="%.2f")
                                    for k in ("Precision", "Recall", "F1", "Kappa")})


def _by_document(project, suggester: Suggester, coder: str) -> None:
    docs = project.documents()
    names = {d.id: d.name for d in docs}
    raw = st.query_params.get(nav.DOC_PARAM)
    by_name = {d.name: d.id for d in docs}  # the address names transcripts, not row numbers
    default = by_name.get(raw, docs[0].id)
    if f"{K}doc" not in st.session_state:
        st.session_state[f"{K}doc"] = default
    did = pick_one("Transcript", names, key=f"{K}doc", noun="transcript")
    found = suggester.for_document(did)
    if not found:
        st.info("No suggestions for this transcript above the thresholds (or all were decided).")
        return
    st.caption(f"{len(found)} suggestion(s)")
    for s in paginate(found, key=f"{K}doc_pages.{did}", per_page=PER_PAGE, label="Page"):
        suggestion_card(project, suggester, s, coder, "d")


def _more_like(project, suggester: Suggester, coder: str) -> None:
    opts = {cid: label for cid, label in code_options(project.codes()).items() if cid in {c.id for c in suggester.codes}}
    cid = st.selectbox("Code", list(opts), format_func=opts.get, key=f"{K}code")
    if cid is None:
        return
    found = suggester.more_like(cid, limit=200)
    if not found:
        st.info("No excerpts above this code's threshold that you have not coded or rejected.")
        return
    st.caption(f"{len(found)} excerpt(s), most likely first")
    for s in paginate(found, key=f"{K}code_pages.{cid}", per_page=PER_PAGE, label="Page"):
        suggestion_card(project, suggester, s, coder, "c")


def suggestion_card(project, suggester: Suggester, s: Suggestion, coder: str, where: str) -> None:
    """One suggestion with its score, evidence, accept / reject and a jump to context."""
    key = f"{K}{where}.{s.document_id}.{s.start}.{s.end}.{s.code_id}"
    with st.container(border=True):
        who = s.participant or s.speaker or ""
        st.markdown(f"**{md_escape(s.code)}** · score {s.score:.2f} (threshold {s.threshold:.2f}, "
                    f"{md_escape(s.basis)}) · {md_escape(s.document)}{' · ' + md_escape(who) if who else ''}")
        st.markdown(f"> {md_escape(s.text)}")
        with st.expander("Why this suggestion?"):
            if s.definition:
                st.markdown(f"Closest codebook text ({md_escape(s.definition.field)}, similarity "
                            f"{s.definition.similarity:.2f}): *{md_escape(s.definition.text)}*")
            for e in s.examples:
                st.markdown(f"Like your coding in {md_escape(e.document)} (similarity {e.similarity:.2f}): "
                            f"*{md_escape(e.text[:300])}*")
            if not s.examples:
                st.caption("You have not coded an excerpt with this code yet.")
        b1, b2, b3, _ = st.columns([1, 1, 1.4, 3])
        if b1.button("Accept", key=f"{key}.accept", icon=":material/check:"):
            suggester.accept(s, coder)
            state.flash(f"Coded “{md(s.text[:60])}” as {md(s.code)}.", "success")
            st.rerun()
        if b2.button("Reject", key=f"{key}.reject", icon=":material/close:"):
            suggester.reject(s, coder)
            state.flash(f"Will not suggest {md(s.code)} for that excerpt again.", "info")
            st.rerun()
        if b3.button("Show in context", key=f"{key}.open", icon=":material/open_in_new:"):
            nav.open_document(s.document_id, focus=s.start)
