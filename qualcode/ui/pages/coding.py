"""Code page: the coding workspace.

The transcript and the panels beside it are ONE ``st.fragment``: a coding action
(apply, undo, remove, a key press, a selection) reruns only the workspace, never
the sidebar or the page around it, and everything on that path reads one
transcript (its text, its codings) and the codebook. Choosing another transcript
reruns the page.

A click costs one run of the workspace: coding actions are widget callbacks (they
write before the run, so the run draws the result) rather than a write in the
middle of a run followed by ``st.rerun``, which drew the workspace twice. Only the
open tab of the side panel is drawn.

What the current coder may see comes from :func:`qualcode.store.queries.visible_codings`:
blind mode is enforced there, by the library, on every route into this page.
"""

from __future__ import annotations

import time
from html import escape

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ...codebook.edit import reassign_codings
from ...errors import QualcodeError
from ...model import Code, Coding
from ... import turnmeta
from ...ingest.language import language_name
from ...store import queries
from ...warmup import foreground
from .. import nav, state
from ..components.transcript import transcript_view
from ..render import code_colour, code_colours, resolve_selection, transcript_html
from ..pickers import pick_one
from ..widgets import code_label, code_options, md_escape, memo_editor, paginate
from ..workspace import apply_codes, describe_undo, short, turn_label, turn_span
from ..escape import md

TITLE = "Code"
ICON = ":material/edit_note:"
ORDER = 20

K = "qc.code."
ALL = "__all__"
TABS = ("Apply", "Codings", "Memos", "Suggestions", "Search", "Codebook")
KEY_TABS = f"{K}tabs"


KEYS_HELP = (
    "**Keys** (outside text fields): **1–5** apply a recent code to the selection · **j / k** next / previous "
    "turn · **n / p** next / previous coding · **t** code the turn in view · **u** undo · **/** search"
)


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    docs = project.documents()
    st.title("Code", anchor=False)
    if not docs:
        st.info("No transcripts yet: import some on the **Project** page.")
        return
    _keep_toasts_clear()
    _workspace(project)


def _keep_toasts_clear() -> None:
    # Toasts open at the top right, over the toolbar's Next and Undo; show them at
    # the bottom left, where nothing of the workspace is.
    st.html("<style>[data-testid='stToastContainer']{top:auto!important;bottom:1rem!important;"
            "right:auto!important;left:1rem!important;align-items:flex-start!important}</style>")


def _rerun() -> None:
    """Rerun the workspace only (from a fragment rerun), else the page."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun(scope="app")


@st.fragment
def _workspace(project) -> None:
    with foreground():  # a fragment rerun does not pass through the app's main()
        _workspace_body(project)


def _workspace_body(project) -> None:
    # A full run showed its messages above already (the page wrapper): what is left
    # here was flashed by a workspace rerun, and is drawn as part of it, inside a
    # container that is always there, so the elements after it (the transcript
    # component) keep their place and are never mounted afresh.
    with st.container():
        state.show_flashes(in_fragment=True)
    revision = project.revision()
    view = state.view_key(project)
    # The transcript picker is part of the workspace: switching transcript reruns the
    # workspace only, not the sidebar and the page around it.
    did = _choose_document(_documents(project, view, revision))
    coder = state.current_coder()
    blind = state.blind_mode()
    doc = _document(project, view, did, revision)
    codes = _codes(project, view, revision)
    colours = code_colours(codes)

    shown_coders, code_filter, only_coded = _filters(project, codes, coder, blind)
    visible = _codings(project, view, did, revision, coder, blind, shown_coders, code_filter)
    _toolbar(project, doc, visible, coder, did)

    left, right = st.columns([3, 2], gap="medium")
    with left:
        _legend(visible, codes, colours)
        html = _html(view, did, revision, coder, blind, shown_coders, code_filter, only_coded,
                     doc, visible, colours)
        focus = st.session_state.get(f"{K}focus")
        tx_key = f"{K}tx.{did}"
        transcript_view(
            html, key=tx_key, focus=focus if focus and focus.get("doc") == did else None,
            on_event=lambda name: _on_transcript_event(name, tx_key, project, did),
        )
        st.caption(KEYS_HELP)
    with right:
        if not coder:
            st.info("Choose who is coding in the sidebar to apply codes (every coding records its coder).")
        # Only the open tab is drawn (on_change="rerun"): a coding click then sends and
        # redraws the Apply panel, not the codings table, codebook and search as well.
        t_apply, t_codings, t_memos, t_suggest, t_search, t_book = st.tabs(
            list(TABS), key=KEY_TABS, on_change="rerun"
        )
        if t_apply.open:
            with t_apply:
                _apply_panel(project, did, doc, codes, coder)
        if t_codings.open:
            with t_codings:
                _codings_panel(project, did, visible, codes, coder)
        if t_memos.open:
            with t_memos:
                _memos_panel(project, did, doc, codes, coder)
        if t_suggest.open:
            with t_suggest:
                _suggestions_panel(project, did, coder)
        if t_search.open:
            with t_search:
                _search_panel(project)
        if t_book.open:
            with t_book:
                st.html(codebook_html(codes, colours, visible))


def _suggestions_panel(project, did: int, coder: str | None) -> None:
    """Suggestions for the open transcript, beside it (built on the Suggestions page or here)."""
    from . import suggest as suggest_page

    if not coder:
        return
    store = suggest_page.built_suggesters()
    # The newest suggester this coder built for this project (any speakers filter).
    keys = [k for k in store if k[0] == state.view_key(project) and k[1] == coder]
    if st.button("Compute suggestions" if not keys else "Recompute suggestions", key=f"{K}suggest.compute",
                 icon=":material/auto_awesome:"):
        bar = st.progress(0.0, text="Embedding excerpts…")
        keys.append(suggest_page.build_suggester(
            project, coder, None, lambda done, total: bar.progress(min(1.0, done / max(total, 1)))
        ))
        bar.empty()
    if not keys:
        st.caption("Suggestions come from the codebook and your own codings; nothing is coded until you accept.")
        return
    suggester = store[keys[-1]]
    found = suggester.for_document(did)
    if not found:
        st.info("No suggestions for this transcript above the thresholds (or all were decided).")
        return
    turns = "" if keys[-1][2] or keys[-1][4] is None else "; participant turns only (roles on the Transcripts page)"
    st.caption(f"{len(found)} suggestion(s); the most likely first{turns}")
    for s in found[:10]:
        suggest_page.suggestion_card(project, suggester, s, coder, f"w{did}")


# ------------------------------------------------------------------ reading
@st.cache_data(show_spinner=False, max_entries=16)
def _documents(_project, view: str, revision: int):
    return _project.documents()


@st.cache_data(show_spinner=False, max_entries=16)
def _document(_project, view: str, did: int, revision: int):
    # Keyed by the project's revision: any write anywhere makes a fresh read, so a
    # second tab's work shows on its next rerun; plain reruns reuse the parsed text.
    return _project.document(did)[1]


@st.cache_data(show_spinner=False, max_entries=16)
def _codes(_project, view: str, revision: int) -> list[Code]:
    return _project.codes()


@st.cache_data(show_spinner=False, max_entries=32)
def _codings(_project, view: str, did: int, revision: int, viewer: str | None, blind: bool,
             coders: tuple[str, ...] | None, code_id: int | None):
    # The library decides what this viewer may see (blind mode); the page only filters.
    return queries.visible_codings(
        _project, viewer, blind=blind, document=did, coders=list(coders) if coders is not None else None,
        code_ids=[code_id] if code_id is not None else None,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _html(view: str, did: int, revision: int, viewer, blind: bool, coders, code_filter, only_coded: bool,
          _doc, _visible, _colours) -> str:
    # _doc, _visible and _colours follow from the hashed arguments (document,
    # revision, viewer, blind, filters), so hashing them again would only cost time.
    return transcript_html(_doc, _visible, _colours, show_coder=not blind, only_coded=only_coded)


def _choose_document(docs) -> int:
    """The open document: ``?doc=<name>`` (survives reloads and names the same
    transcript in every copy of the project), else the last one, else the first."""
    ids = [d.id for d in docs]
    by_name = {d.name: d.id for d in docs}
    names = {d.id: d.name + (f" ({d.participant})" if d.participant and d.participant != d.name else "") for d in docs}
    raw = st.query_params.get(nav.DOC_PARAM)
    last = st.session_state.get(f"{K}last_doc")
    if raw in by_name:
        did = by_name[raw]
    elif last in ids:
        did = last
    else:
        did = ids[0]
    if st.session_state.get(f"{K}doc") != did:
        st.session_state[f"{K}doc"] = did  # set before the widget exists in this run

    doc_names = {d.id: d.name for d in docs}

    def changed() -> None:
        st.query_params[nav.DOC_PARAM] = doc_names[st.session_state[f"{K}doc"]]

    pick_one("Transcript", names, key=f"{K}doc", on_change=changed, noun="transcript")
    st.query_params[nav.DOC_PARAM] = doc_names[did]
    st.session_state[f"{K}last_doc"] = did
    return did


def _filters(project, codes: list[Code], coder: str | None, blind: bool):
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    if blind:
        shown = (coder,) if coder else ()
        c1.selectbox("Codings shown", [coder or "nobody"], disabled=True, key=f"{K}coders_blind",
                     help="Blind mode is on: you see only your own codings.")
    else:
        coders = project.coders()
        choice = c1.selectbox("Codings shown", [ALL, *coders], key=f"{K}coders",
                              format_func=lambda c: "All coders" if c == ALL else c)
        shown = None if choice in (ALL, None) else (choice,)
    opts = code_options(codes, codable_only=False)
    code_filter = c2.selectbox("Filter to one code", [None, *opts], key=f"{K}filter",
                               format_func=lambda c: "All codes" if c is None else opts.get(c, "?"))
    only_coded = c3.toggle("Only coded turns", key=f"{K}only_coded")
    return shown, code_filter, only_coded


def _toolbar(project, doc, visible: list[Coding], coder: str | None, did: int) -> None:
    words = doc.word_count
    cols = st.columns([3, 1, 1, 1], vertical_alignment="center")
    cols[0].caption(
        f"{len(doc.segments)} turns · {words:,} words · {len(visible)} codings shown"
        + (f" · language: {md(language_name(str(doc.metadata['language'])))}" if doc.metadata.get("language") else "")
        + (f" · participant {md(doc.participant)}" if doc.participant else "")
    )
    order = sorted(visible, key=lambda c: (c.start, c.end, c.id or 0))
    i_key = f"{K}nav.{did}"
    step = 0
    if cols[1].button("Previous", icon=":material/arrow_upward:", key=f"{K}prev", disabled=not order,
                      help="Scroll to the previous coding shown"):
        step = -1
    if cols[2].button("Next", icon=":material/arrow_downward:", key=f"{K}next", disabled=not order,
                      help="Scroll to the next coding shown"):
        step = 1
    if step and order:
        i = (st.session_state.get(i_key, -1 if step > 0 else 0) + step) % len(order)
        st.session_state[i_key] = i
        focus_on(did, order[i].start, coding_id=order[i].id)
    cols[3].button("Undo", icon=":material/undo:", key=f"{K}undo", disabled=not coder,
                   help="Undo your last coding, removal or memo (one step per click; key u)",
                   on_click=undo, args=(project, coder))


def undo(project, coder: str | None) -> None:
    """Undo the coder's last action and say exactly what was undone (a callback:
    the run that follows draws the transcript without it)."""
    if not coder:
        return
    state.flash(md_escape(describe_undo(project.undo_last(coder), project)), "toast")


def focus_on(did: int, start: int, *, coding_id: int | None = None) -> None:
    """Scroll the transcript to ``start`` (and make ``coding_id`` the active coding)."""
    st.session_state[f"{K}focus"] = {"doc": did, "start": int(start), "nonce": str(time.time_ns())}
    if coding_id is not None:
        st.session_state[f"{K}active_coding"] = coding_id


def _legend(visible: list[Coding], codes: list[Code], colours: dict[int, str]) -> None:
    used = {c.code_id: c.code_name for c in visible}
    if not used:
        return
    chips = "".join(
        f'<span style="display:inline-block;margin:0 .6rem .2rem 0;font-size:.8rem">'
        f'<span style="display:inline-block;width:.8rem;height:.8rem;border-radius:.2rem;vertical-align:-1px;'
        f'background:{colours.get(cid, code_colour(cid))}"></span> {escape(name or "")}</span>'
        for cid, name in sorted(used.items(), key=lambda kv: kv[1] or "")
    )
    st.html(f"<div>{chips}</div>")


def codebook_html(codes: list[Code], colours: dict[int, str], visible: list[Coding]) -> str:
    """The codebook as one small escaped HTML tree: colour, name, codings shown here,
    definition (a reference beside the transcript, not a widget per code)."""
    counts: dict[int, int] = {}
    for c in visible:
        counts[c.code_id] = counts.get(c.code_id, 0) + 1
    depth: dict[str, int] = {}
    rows = []
    for c in codes:
        d = depth.get(c.parent, -1) + 1 if c.parent else 0
        depth[c.name] = d
        chip = (f'<span style="display:inline-block;width:.7rem;height:.7rem;border-radius:.15rem;margin-right:.3rem;'
                f'background:{colours.get(c.id, code_colour(c.id or 0))}"></span>') if c.codable else ""
        n = counts.get(c.id or 0)
        name = f"<b>{escape(c.name)}</b>" if not c.codable else escape(c.name)
        rows.append(
            f'<div style="margin:.15rem 0 .15rem {d * 1.1}rem">{chip}{name}'
            + (f' <span style="color:#888">· {n}</span>' if n else "")
            + (f'<div style="color:#6b6f7b;font-size:.8rem;margin-left:1rem">{escape(c.definition)}</div>'
               if c.definition else "")
            + "</div>"
        )
    if not rows:
        return "<p>The codebook is empty.</p>"
    return f'<div style="max-height:70vh;overflow-y:auto;font-size:.9rem">{"".join(rows)}</div>'


# ------------------------------------------------------------------- events
def _fresh(name: str, value) -> bool:
    # Trigger values last one run, but a rerun must never apply the same event twice.
    if not value:
        return False
    nonce = value.get("nonce")
    if nonce is not None and st.session_state.get(f"{K}seen.{name}") == nonce:
        return False
    st.session_state[f"{K}seen.{name}"] = nonce
    return True


def _on_transcript_event(name: str, tx_key: str, project, did: int) -> None:
    """A callback of the transcript component: it runs before the workspace does, so
    a code applied by a key or the "+" is in the transcript that run draws."""
    value = (st.session_state.get(tx_key) or {}).get(name)
    if not _fresh(name, value):
        return
    doc = _document(project, state.view_key(project), did, project.revision())
    _handle_event(name, value, project, did, doc, state.current_coder())


def _handle_event(name: str, value: dict, project, did: int, doc, coder: str | None) -> None:
    if name == "selection":
        sel = value
        try:
            start, end, snippet = resolve_selection(doc, sel)
        except QualcodeError as exc:
            state.flash(md(exc), "error")
        else:
            st.session_state[f"{K}selection"] = {"doc": did, "start": start, "end": end, "text": snippet}
            # Every selection starts with an empty code picker (nothing carried over).
            st.session_state[f"{K}reset_codes"] = True
            _set_view_turn(did, doc, start)
    elif name == "view":
        st.session_state[f"{K}view.{did}"] = int(value["index"])
    elif name == "turn":
        st.session_state[f"{K}view.{did}"] = int(value["index"])
        code_turn(project, did, doc, int(value["index"]), coder)
    elif name == "clicked" and value.get("codings"):
        st.session_state[f"{K}active_coding"] = int(value["codings"][0])
    elif name == "key":
        if value.get("action") == "undo":
            undo(project, coder)
        elif value.get("action") == "recent":
            recent = _recent(project, state.view_key(project), project.revision(), coder) if coder else []
            n = int(value.get("n") or 0)
            sel = st.session_state.get(f"{K}selection")
            if not (1 <= n <= len(recent)):
                state.flash(f"No recent code {n} yet: apply a code once and it gets a key.", "toast")
            elif not (sel and sel.get("doc") == did):
                state.flash("Select some text first, then press the code's key.", "toast")
            else:
                _apply(project, did, sel["start"], sel["end"], sel["text"], [recent[n - 1]], coder, doc)


def _set_view_turn(did: int, doc, offset: int) -> None:
    for i, seg in enumerate(doc.segments):
        if seg.start <= offset < seg.end or offset < seg.start:
            st.session_state[f"{K}view.{did}"] = i
            return


def code_turn(project, did: int, doc, index: int, coder: str | None) -> None:
    """The "+" of a turn: apply the chosen codes to the whole turn at once, or,
    when no code is chosen yet, select the turn so codes can be picked for it."""
    if not (0 <= index < len(doc.segments)):
        return
    start, end = turn_span(doc, index)
    chosen = st.session_state.get(f"{K}apply_codes") or []
    st.session_state[f"{K}selection"] = {"doc": did, "start": start, "end": end, "text": doc.text[start:end]}
    if chosen and coder:
        _apply(project, did, start, end, doc.text[start:end], chosen, coder, doc)


def _apply(project, did: int, start: int, end: int, snippet: str, code_ids, coder: str, doc=None) -> None:
    """Apply codes and leave the messages for the run that follows (called from
    callbacks, before the workspace is drawn)."""
    result = apply_codes(project, did, start, end, snippet, code_ids, coder, doc)
    for problem in result.problems:
        state.flash(md_escape(problem), "warning")
    if result.codings:
        state.flash(md_escape(result.message()), "toast")
        st.session_state.pop(f"{K}selection", None)
        st.session_state[f"{K}reset_codes"] = True  # the next selection starts with an empty picker


def _apply_selection(project, did: int, code_ids, coder: str | None) -> None:
    """Callback of "Apply to selection" and the recent codes: the selection and the
    picker as they are when the click arrives (``code_ids`` None: the picker's)."""
    sel = st.session_state.get(f"{K}selection")
    chosen = list(st.session_state.get(f"{K}apply_codes") or []) if code_ids is None else list(code_ids)
    if not (coder and chosen and sel and sel.get("doc") == did):
        return
    doc = _document(project, state.view_key(project), did, project.revision())
    _apply(project, did, sel["start"], sel["end"], sel["text"], chosen, coder, doc)


def _apply_turn(project, did: int, coder: str | None) -> None:
    """Callback of "Code turn": the picker's codes on the whole turn in the turn box."""
    chosen = list(st.session_state.get(f"{K}apply_codes") or [])
    turn = st.session_state.get(f"{K}turn.{did}")
    if not (coder and chosen) or turn is None:
        return
    doc = _document(project, state.view_key(project), did, project.revision())
    start, end = turn_span(doc, int(turn))
    _apply(project, did, start, end, doc.text[start:end], chosen, coder, doc)


def _clear_selection() -> None:
    st.session_state.pop(f"{K}selection", None)


@st.cache_data(show_spinner=False, max_entries=32)
def _recent(_project, view: str, revision: int, coder: str) -> list[int]:
    return queries.recent_codes(_project, coder, limit=5)


# ------------------------------------------------------------------- panels
def _apply_panel(project, did: int, doc, codes: list[Code], coder: str | None) -> None:
    opts = code_options(codes)
    if st.session_state.pop(f"{K}reset_codes", False):
        # Set to empty before the picker is drawn, not deleted: a deleted key lets the
        # browser keep showing (and send back) the previous chips.
        st.session_state[f"{K}apply_codes"] = []
    added = st.session_state.pop(f"{K}apply_codes_add", None)
    if added in opts:
        # A new code is chosen on its own, never added to an earlier choice.
        st.session_state[f"{K}apply_codes"] = [added]
    if not opts:
        st.info("The codebook is empty: load one on the **Project** page, or add a code below.")
    recent = [c for c in (_recent(project, state.view_key(project), project.revision(), coder) if coder else []) if c in opts]
    sel = st.session_state.get(f"{K}selection")
    has_sel = bool(sel and sel.get("doc") == did)
    # The buttons sit ABOVE the codes picker on screen (containers filled after it):
    # a focused multiselect shrinks when it loses focus, and a button below it would
    # move away between mouse-down and mouse-up, swallowing the click.
    selection_box, recent_box, turn_box = st.container(), st.container(), st.container()
    chosen = st.multiselect(
        "Codes to apply", list(opts), format_func=lambda c: opts.get(c, "?"), key=f"{K}apply_codes",
        placeholder="Type to find codes", select_all=False,
        help="Empty for every new selection. Applied by the buttons above and by the + beside each turn.",
    )
    with selection_box:
        if has_sel:
            st.html(f'<div style="border-left:3px solid #f5c400;padding:.2rem .6rem;background:#fffbe6">'
                    f'{escape(short(sel["text"], 400))}</div>')
            b1, b2 = st.columns(2)
            b1.button("Apply to selection", type="primary", key=f"{K}apply", disabled=not (coder and chosen),
                      icon=":material/sell:", width="stretch",
                      help=None if chosen else "Choose the codes to apply below, or press a recent code",
                      on_click=_apply_selection, args=(project, did, None, coder))
            b2.button("Clear selection", key=f"{K}clear", width="stretch", on_click=_clear_selection)
        else:
            st.caption("Select text in the transcript with the mouse, then press a recent code (or its key) "
                       "or choose codes below and press **Apply to selection**.")
    if recent:
        with recent_box:
            st.caption("Recent codes: one click applies the code to the selection")
            row = st.container(horizontal=True, wrap=True, gap="small")  # whole names, wrapped, never "1 · …"
            for n, cid in enumerate(recent, start=1):
                name = next((c.name for c in codes if c.id == cid), "?")
                row.button(f"{n} · {md(name)}", key=f"{K}recent.{cid}", disabled=not (coder and has_sel),
                           width="content", help=f"{md(opts.get(cid, name))} (key {n})",
                           on_click=_apply_selection, args=(project, did, [cid], coder))
    if doc.segments:
        with turn_box:
            view_key, box_key = f"{K}view.{did}", f"{K}turn.{did}"
            view = st.session_state.get(view_key)
            if view is not None and st.session_state.get(f"{K}turn_synced.{did}") != view:
                # "Code a whole turn" follows the turn in view (scrolling, j/k, a selection, +).
                st.session_state[box_key] = min(int(view), len(doc.segments) - 1)
                st.session_state[f"{K}turn_synced.{did}"] = view
            c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
            c1.selectbox(
                "Code a whole turn", range(len(doc.segments)), format_func=lambda i: turn_label(doc, i),
                key=box_key, help="Follows the turn in view; key t codes it.",
            )
            shown = st.session_state.get(box_key)
            if isinstance(shown, int) and 0 <= shown < len(doc.segments) and doc.segments[shown].meta:
                # What the source said about the turn (score, OP replied...), small and escaped.
                c1.caption(md(turnmeta.describe(doc.segments[shown].meta)))
            c2.button("Code turn", key=f"{K}apply_turn", help="Apply the codes below to the whole turn",
                      disabled=not (coder and chosen), icon=":material/format_paragraph:", width="stretch",
                      on_click=_apply_turn, args=(project, did, coder))

    # Drawn only while open: its form is four widgets that a coding click need not send.
    new_code = st.popover("New code", icon=":material/add:", key=f"{K}new_code_pop", on_change="rerun")
    if new_code.open:
        with new_code:
            _new_code_form(project, codes, coder)


def _new_code_form(project, codes: list[Code], coder: str | None) -> None:
    from ...codebook.edit import add_code

    parents = {c.id: code_label(c) for c in codes if c.id is not None}
    with st.form(f"{K}new_code", clear_on_submit=True, border=False):
        name = st.text_input("Name", key=f"{K}new_name")
        parent = st.selectbox("Under", [None, *parents], key=f"{K}new_parent",
                              format_func=lambda c: "Top level" if c is None else parents[c])
        definition = st.text_area("Definition", key=f"{K}new_definition", height=80)
        if not st.form_submit_button("Add code", disabled=not coder):
            return
    try:
        cid = add_code(project, Code(name.strip(), definition=definition), parent=parent, actor=coder)
    except QualcodeError as exc:
        st.error(md(exc))
        return
    # The multiselect already exists in this run; it picks this up before it is drawn next.
    st.session_state[f"{K}apply_codes_add"] = cid
    state.flash(f"Added code {md_escape(name.strip())}; it is chosen for applying.")
    _rerun()


def _codings_panel(project, did: int, visible: list[Coding], codes: list[Code], coder: str | None) -> None:
    if not visible:
        st.caption("No codings shown in this transcript yet.")
        return
    order = sorted(visible, key=lambda c: (c.start, c.end, c.id or 0))
    st.dataframe(
        [{"code": c.code_name, "coder": c.coder, "excerpt": short(c.snippet, 80), "memo": "✎" if c.memo else ""}
         for c in order],
        hide_index=True, width="stretch", height=min(35 * len(order) + 38, 260),
    )
    by_id = {c.id: c for c in order}
    if st.session_state.get(f"{K}coding_pick") not in by_id:
        st.session_state.pop(f"{K}coding_pick", None)  # e.g. removed in another tab
    active = st.session_state.get(f"{K}active_coding")
    if active in by_id and st.session_state.get(f"{K}coding_pick") != active:
        st.session_state[f"{K}coding_pick"] = active
    pick = st.selectbox(
        "Coding", list(by_id), key=f"{K}coding_pick",
        format_func=lambda i: f"{by_id[i].code_name} · “{short(by_id[i].snippet, 40)}” ({by_id[i].coder})",
    )
    c = by_id.get(pick)
    if c is None:
        return
    st.session_state[f"{K}active_coding"] = c.id
    st.html(f'<blockquote style="margin:.3rem 0;padding-left:.6rem;border-left:3px solid #ccc">'
            f'{escape(c.snippet)}</blockquote>')
    st.caption(f"{md(c.code_name)} · by {md(c.coder)} · {c.origin} · {(c.created_at or '').replace('T', ' ')}")
    if st.button("Show in transcript", key=f"{K}show", icon=":material/my_location:"):
        focus_on(did, c.start, coding_id=c.id)
        _rerun()
    if c.coder != coder:
        st.caption(f"Only {md(c.coder)} can change or remove this coding.")
        if c.memo:
            st.markdown("**Memo**")
            st.text(c.memo)
        return
    opts = code_options(codes)
    new_code = st.selectbox("Change code to", list(opts), index=list(opts).index(c.code_id) if c.code_id in opts else 0,
                            format_func=lambda i: opts.get(i, "?"), key=f"{K}recode.{c.id}")
    b1, b2 = st.columns(2)
    if b1.button("Change code", key=f"{K}recode_btn", disabled=new_code == c.code_id, width="stretch"):
        try:
            # One transaction; a duplicate of an existing coding collapses into it.
            reassign_codings(project, [c.id], new_code, actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            state.flash(f"Changed the code to {md_escape(opts[new_code])}.", "toast")
            _rerun()
    if b2.button("Remove coding", key=f"{K}remove", type="secondary", icon=":material/delete:", width="stretch"):
        try:
            project.remove_coding(c.id, actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.session_state.pop(f"{K}active_coding", None)
            state.flash("Coding removed (Undo brings it back).", "toast")
            _rerun()
    memo_key = f"{K}coding_memo.{c.id}"
    if memo_key not in st.session_state:
        st.session_state[memo_key] = c.memo or ""
    st.text_area("Memo on this coding", key=memo_key, height=90)
    if st.button("Save coding memo", key=f"{K}coding_memo_save"):
        try:
            project.set_coding_memo(c.id, st.session_state[memo_key], actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.success("Memo saved.")


@st.fragment
def _memos_panel(project, did: int, doc, codes: list[Code], coder: str | None) -> None:
    st.markdown(f"**Memo on {md(doc.name)}**")
    memo_editor(project, "document", did, key=f"{K}doc_memo", actor=coder, label="Document memo",
                height=120)
    opts = code_options(codes, codable_only=False)
    if opts:
        st.markdown("**Memo on a code**")
        cid = st.selectbox("Code", list(opts), format_func=lambda i: opts.get(i, "?"), key=f"{K}memo_code")
        if cid is not None:
            memo_editor(project, "code", int(cid), key=f"{K}code_memo", actor=coder, label="Code memo", height=100)


@st.cache_data(show_spinner=False, max_entries=32, ttl=600)
def _search(_project, view: str, revision: int, query: str):
    return queries.search_documents(_project, query)


@st.fragment
def _search_panel(project) -> None:
    query = st.text_input("Search all transcripts", key=f"{K}search", placeholder="a word or phrase",
                          help="Case-insensitive; finds the exact characters you type.")
    if not query.strip():
        return
    hits = _search(project, state.view_key(project), project.revision(), query.strip())
    if not hits:
        st.caption("No matches.")
        return
    st.caption(f"{len(hits)} match{'es' if len(hits) != 1 else ''}" + (" (first 2,000)" if len(hits) >= 2000 else ""))
    page = paginate(hits, key=f"{K}search_pager", per_page=8)
    for n, h in enumerate(page):
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        with c1:
            st.html(
                f'<div style="font-size:.9rem"><b>{escape(h.document)}</b>: …{escape(h.before)}'
                f'<mark>{escape(h.match)}</mark>{escape(h.after)}…</div>'
            )
        if c2.button("Open", key=f"{K}hit.{h.document_id}.{h.start}", width="content",
                     help=f"Show this hit in {md(h.document)}"):
            st.query_params[nav.DOC_PARAM] = h.document
            st.session_state[f"{K}last_doc"] = h.document_id
            focus_on(h.document_id, h.start)
            st.rerun(scope="app")
