"""Themes page: emergent themes (BERTopic seeded by the codebook) for inductive coding.

Finding themes runs only behind the button and is cached per settings and project
revision. "Promote to code" creates a draft code and lists the theme's excerpts as
suggestions to accept or reject; nothing is coded without review.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from ..widgets import participant_speakers

from ...ingest.roles import project_roles
from ...suggest.decisions import decided_keys
from ...suggest.themes import (
    ThemeResult,
    ThemeSettings,
    accept_member,
    promote_theme,
    quote_source,
    reject_member,
    theme_suggestions,
    themes_for_project,
)
from .. import nav, state
from ..widgets import md_escape, paginate
from ..escape import md
from ..pickers import pick_many

TITLE = "Themes"
ICON = ":material/bubble_chart:"
ORDER = 35

K = "qc.themes."
MAX_RESULTS = 6


@st.cache_resource(show_spinner=False)
def _results() -> dict:
    # Theme results by (project, settings, revision at the click); a rerun only reads.
    return {}


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Themes")
    coder = state.current_coder()
    st.caption("Clusters of similar excerpts, to spot what the codebook does not cover yet. Themes near a code's "
               "definition are seeded from it. Same settings, same themes.")
    frame = project.segments_frame()
    if frame.empty:
        st.info("No transcripts yet: import some on the **Project** page.")
        return
    speakers_all = sorted(frame["speaker"].dropna().unique())
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    if f"{K}speakers" not in st.session_state or not set(st.session_state[f"{K}speakers"]) <= set(speakers_all):
        # Participants' turns by default (the speaker roles of the Transcripts page).
        st.session_state[f"{K}speakers"] = participant_speakers(project, speakers_all)
    speakers = pick_many("Only turns by", {s: s for s in speakers_all}, key=f"{K}speakers", where=c1,
                         placeholder="All speakers", noun="speaker",
                         help="By default the participants' turns (speaker roles on the Transcripts page); "
                              "clear it for every speaker.")
    if speakers and len(speakers) < len(speakers_all):
        c1.caption("Participant turns only unless you add speakers: themes never quote the interviewer's questions "
                   "or a chatbot's replies (roles on the **Transcripts** page).")
    uncoded = c2.toggle("Uncoded only", key=f"{K}uncoded", help="Leave out excerpts that already carry a code.")
    seed = int(c3.number_input("Seed", min_value=0, value=42, step=1, key=f"{K}seed"))
    settings_key = (project.location, tuple(sorted(speakers)) or None, bool(uncoded), coder if uncoded else None, seed)
    if st.button("Find themes", type="primary", key=f"{K}run", icon=":material/bubble_chart:"):
        bar = st.progress(0.0, text="Embedding excerpts…")

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Embedding excerpts… {done}/{total}")

        key = settings_key + (project.revision(),)
        store = _results()
        if key not in store:
            with st.spinner("Clustering (the first run in a server also compiles UMAP, ~30 s)…"):
                store[key] = themes_for_project(
                    # The page chose the speakers; an emptied list means every speaker.
                    project, speakers=settings_key[1], roles=None, uncoded_only=uncoded, coder=coder,
                    settings=ThemeSettings(seed=seed), progress=progress,
                )
            for old in list(store)[:-MAX_RESULTS]:
                store.pop(old, None)
        bar.empty()
        st.session_state[f"{K}key"] = key
    key = st.session_state.get(f"{K}key")
    result: ThemeResult | None = _results().get(key) if key and key[:-1] == settings_key else None
    if result is None:
        st.caption("Choose the excerpts and press **Find themes**.")
        return
    st.info(result.message)
    if result.language_note:
        st.warning(md(result.language_note))  # it names transcripts: escaped
    if not result.themes:
        return
    _overview(result)
    _theme_details(project, result, coder)


def _overview(result: ThemeResult) -> None:
    tabs = st.tabs(["Themes", "Theme map", "Per participant"])
    table = pd.DataFrame([
        {"#": i + 1, "Theme": t.label, "Excerpts": t.size, "Nearest code": t.nearest_code,
         "Similarity": t.nearest_code_similarity, "Seeded by": t.seed_code}
        for i, t in enumerate(result.themes)
    ])
    with tabs[0]:
        st.dataframe(table, hide_index=True, key=f"{K}table",
                     column_config={"Similarity": st.column_config.NumberColumn(format="%.2f")})
    with tabs[1]:
        if len(result.themes) >= 5 and result.centroids is not None:
            # theme=None and the figure's own width: what the PNG will look like.
            st.plotly_chart(theme_map(result), key=f"{K}map", theme=None, width="content",
                            config={"displaylogo": False, "displayModeBar": False})
            st.caption("Themes placed by what they say (close bubbles: similar themes), numbered as in the table; "
                       "bubble area ∝ excerpts.")
        else:
            # BERTopic's own topic map fails below ~5 topics; a bar chart says the same here.
            st.plotly_chart(px.bar(table, x="Excerpts", y="Theme", orientation="h"), key=f"{K}sizes")
    with tabs[2]:
        per = result.per_participant()
        if per.empty:
            st.caption("No participant information on these excerpts.")
        else:
            st.plotly_chart(px.bar(per, x="participant", y="excerpts", color="theme"), key=f"{K}per")


def theme_map(result: ThemeResult) -> go.Figure:
    """Intertopic map (:func:`qualcode.viz.theme_map`): numbered bubbles and a key, at page width."""
    from ...viz import theme_map as draw

    return draw(result.centroids, [t.label for t in result.themes], [t.size for t in result.themes],
                nearest=[t.nearest_code for t in result.themes], width="double")


def keyword_bars(theme) -> go.Figure:
    """The theme's keywords, best first."""
    words = list(theme.keywords[:10])
    return px.bar(x=list(range(len(words), 0, -1)), y=words, orientation="h",
                  labels={"x": "rank (higher = more typical)", "y": ""})


def _theme_details(project, result: ThemeResult, coder: str | None) -> None:
    opts = {t.id: f"{t.label} ({t.size})" for t in result.themes}
    tid = st.selectbox("Theme", list(opts), format_func=opts.get, key=f"{K}theme")
    theme = result.theme(tid)
    left, right = st.columns([3, 2])
    roles = project_roles(project)
    with left:
        for q in theme.quotes:
            st.markdown(f"> {md_escape(q.text)}  \n— {md_escape(quote_source(q, roles))}, "
                        f"{md_escape(q.document)}")
        if theme.nearest_code:
            st.caption(f"Nearest code: {md(theme.nearest_code)} (similarity {theme.nearest_code_similarity:.2f})"
                       + (f"; seeded by {theme.seed_code}" if theme.seed_code else ""))
    with right:
        st.plotly_chart(keyword_bars(theme), key=f"{K}bars.{tid}")
    _promote(project, result, theme, coder)


def _promote(project, result: ThemeResult, theme, coder: str | None) -> None:
    promoted = st.session_state.setdefault(f"{K}promoted", {})
    pkey = f"{result.seed}.{theme.id}"
    if pkey not in promoted:
        with st.form(f"{K}promote.{theme.id}", border=True):
            name = st.text_input("New code name", value=theme.label, key=f"{K}name.{theme.id}")
            if st.form_submit_button("Promote to code", disabled=not coder,
                                     help="Creates a draft code (no definition yet); its excerpts become suggestions."):
                code_id, _ = promote_theme(project, result, theme.id, name=name, actor=coder)
                promoted[pkey] = {"code_id": code_id, "name": name}
                state.flash(f"Created draft code {md(name)}: write its definition on the Codebook page.")
                st.rerun()
        if not coder:
            st.caption("Choose who is coding in the sidebar to promote a theme.")
        return
    entry = promoted[pkey]
    done = decided_keys(project, coder, kinds=("accept", "reject")) if coder else set()
    members = theme_suggestions(result, theme.id, entry["code_id"], entry["name"])
    todo = [s for s in members if s.key not in done]
    st.markdown(f"**Excerpts of this theme as suggestions for the draft code** ({len(todo)} left)")
    for s in paginate(todo, key=f"{K}members.{pkey}", per_page=10):
        k = f"{K}m.{s.document_id}.{s.start}.{s.end}.{s.code_id}"
        with st.container(border=True):
            st.markdown(f"> {md_escape(s.text)}  \n— {md_escape(s.participant or s.speaker or '')}, {md_escape(s.document)}")
            b1, b2, b3, _ = st.columns([1, 1, 1.4, 3])
            if b1.button("Accept", key=f"{k}.accept", disabled=not coder):
                accept_member(project, s, coder)
                st.rerun()
            if b2.button("Reject", key=f"{k}.reject", disabled=not coder):
                reject_member(project, s, coder)
                st.rerun()
            if b3.button("Show in context", key=f"{k}.open"):
                nav.open_document(s.document_id, focus=s.start)
