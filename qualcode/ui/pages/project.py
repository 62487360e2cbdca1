"""Project page: open or create a project, see its counts, import transcripts,
participants and a codebook."""

from __future__ import annotations

import hashlib

import streamlit as st

from ... import config
from ...errors import QualcodeError
from .. import importing, state, team_admin
from ..widgets import md_escape
from ..escape import md

TITLE = "Project"
ICON = ":material/folder_open:"
ORDER = 0

K = "qc.project."


def render() -> None:
    """Draw the page."""
    st.title("Project")
    project = state.current_project()
    if state.is_team_session():
        # Team mode: projects come from the sidebar list; no path box for anyone, and
        # only administrators create projects (by name, in the team database).
        team_admin.create_project_form(state.project_location(), state.signed_in_user())
    else:
        _open_or_create(expanded=project is None)
    if project is None:
        return
    _counts(project)
    if project.user is not None:
        team_admin.members_panel(project)
    # Keyed: the tab the researcher is on stays open after an import's message and rerun.
    t_docs, t_people, t_book = st.tabs(["Import transcripts", "Participants", "Codebook"], key=f"{K}tabs")
    with t_docs:
        _import_transcripts(project)
    with t_people:
        _import_participants(project)
    with t_book:
        _load_codebook(project)


def _open_or_create(*, expanded: bool) -> None:
    with st.expander("Open or create a project", expanded=expanded, icon=":material/folder:"):
        st.caption(
            "A project is one file on this computer (e.g. `my-study.qualcode`); it is created if it does "
            "not exist. Everything you do is saved in it at once."
        )
        if config.projects_folder() is not None:
            st.caption("On this server, projects live in its projects folder: give a plain name, e.g. `my-study`.")
        location = st.text_input("Project file", value=state.project_location() or "", key=f"{K}location",
                                 placeholder="my-study.qualcode")
        if st.button("Open / create", key=f"{K}open", type="primary"):
            try:
                project = state.set_project_location(location)
            except QualcodeError as exc:
                st.error(md(exc))
            else:
                state.flash(f"Opened project **{md_escape(project.name)}** ({md_escape(project.safe_location)}).")
                st.rerun()


def _counts(project) -> None:
    info = project.info()
    st.subheader(md_escape(project.name))
    if project.user is not None:
        st.caption(f"Team project · your role: {project.role or 'none'}")  # never the server's database
    else:
        st.caption(f"File: `{project.safe_location}`")
    cols = st.columns(6)
    for col, (label, key) in zip(
        cols,
        [("Transcripts", "documents"), ("Turns", "segments"), ("Codes", "codes"), ("Codings", "codings"),
         ("Coders", "coders"), ("Participants", "participants")],
    ):
        col.metric(label, f"{info[key]:,}")


# ----------------------------------------------------------------- transcripts
def _previews(files) -> list[importing.FilePreview]:
    # Parsing happens once per uploaded file (keyed by its content hash), never on a
    # plain rerun: the result is kept in session state until the import is done.
    cache: dict = st.session_state.setdefault(f"{K}previews", {})
    out = []
    for f in files:
        data = f.getvalue()
        digest = hashlib.sha256(data).hexdigest() + ":" + f.name
        if digest not in cache:
            cache[digest] = importing.preview_transcripts([(f.name, data)])[0]
        out.append(cache[digest])
    return out


def _import_transcripts(project) -> None:
    st.markdown(
        "Upload transcripts: text or Markdown with speaker labels, Word (`.docx`), subtitles "
        "(`.vtt`, `.srt`), chat logs (`.json`) or utterance tables (`.csv`). Several files at once are fine."
    )
    nonce = st.session_state.get(f"{K}upload_nonce", 0)
    files = st.file_uploader(
        "Transcript files", type=importing.TRANSCRIPT_TYPES, accept_multiple_files=True,
        key=f"{K}uploads.{nonce}",
    )
    if not files:
        return
    previews = _previews(files)
    docs = [d for p in previews for d in p.documents]
    for p in previews:
        if p.error:
            st.error(f"**{md_escape(p.filename)}** cannot be imported: {md_escape(p.error)}")
            continue
        speakers = ", ".join(f"{s} ({n})" for s, n in p.speakers()[:6])
        title = md_escape(f"{p.filename}: {len(p.documents)} document(s), {p.turns} turns, {p.words:,} words")
        with st.expander(title, icon=":material/description:"):
            st.caption(f"Speakers detected: {md_escape(speakers) or 'none'}")
            for w in p.warnings:
                st.warning(w)
            for doc in p.documents:
                if len(p.documents) > 1:
                    st.markdown(f"**{md_escape(doc.name)}** ({len(doc.segments)} turns)")
                st.dataframe(importing.turns_table(doc), hide_index=True, width="stretch", height=240)
    replace = st.checkbox(
        "Replace documents of the same name that have no codings yet", key=f"{K}replace",
        help="Without this, a name that is already in the project stops the import.",
    )
    label = f"Import {len(docs)} document{'s' if len(docs) != 1 else ''}"
    if st.button(label, type="primary", disabled=not docs, key=f"{K}import"):
        try:
            # One transaction: if one document is refused, none is imported.
            project.add_documents(docs, actor=state.current_coder(), replace=replace)
        except QualcodeError as exc:
            st.error(f"Nothing was imported: {md(exc)}")
            return
        st.session_state[f"{K}upload_nonce"] = nonce + 1
        st.session_state.pop(f"{K}previews", None)
        state.flash(md_escape(f"Imported {len(docs)} document(s): {', '.join(d.name for d in docs)}."))
        st.rerun()


# ---------------------------------------------------------------- participants
def _import_participants(project) -> None:
    st.markdown(
        "A CSV with one row per participant: a `pseudonym` (or `participant`/`id`) column, attribute columns "
        "(country, age band, chatbot…) and a `document` column naming their transcript(s)."
    )
    people = project.participants()
    if people:
        with st.expander(f"{len(people)} participants in the project"):
            st.dataframe([{"pseudonym": p.pseudonym, **p.attributes} for p in people], hide_index=True, width="stretch")
    nonce = st.session_state.get(f"{K}people_nonce", 0)
    upload = st.file_uploader("Participants CSV", type=["csv", "tsv", "txt"], key=f"{K}people.{nonce}")
    if upload is None:
        return
    try:
        rows = importing.read_participant_upload(upload.name, upload.getvalue())
    except QualcodeError as exc:
        st.error(md(exc))
        return
    known = {d.name for d in project.documents()}
    unknown = sorted({d for r in rows for d in r.documents if d not in known})
    st.dataframe(
        [{"pseudonym": r.participant.pseudonym, **r.participant.attributes, "documents": ", ".join(r.documents)}
         for r in rows],
        hide_index=True, width="stretch",
    )
    if unknown:
        st.warning(
            "These documents are not in the project and will not be linked: " + ", ".join(unknown)
            + ". Import the transcripts first, or import the table again later."
        )
    if st.button(f"Import {len(rows)} participants", type="primary", key=f"{K}people_import"):
        try:
            n = project.upsert_participants(
                [(r.participant, [d for d in r.documents if d in known]) for r in rows], actor=state.current_coder()
            )
        except QualcodeError as exc:
            st.error(f"Nothing was imported: {md(exc)}")
            return
        st.session_state[f"{K}people_nonce"] = nonce + 1
        state.flash(f"Imported {n} participants.")
        st.rerun()


# -------------------------------------------------------------------- codebook
def _load_codebook(project) -> None:
    codes = project.codes()
    if codes:
        st.caption(f"The project's codebook has {len(codes)} codes (edit it on the **Codebook** page).")
    source = st.radio("Load a codebook", ["Shipped with qualcode", "From a file"], horizontal=True, key=f"{K}book_source")
    book = None
    if source == "Shipped with qualcode":
        shipped = importing.shipped_codebooks()
        if not shipped:
            st.info("No shipped codebooks found in `codebooks/`.")
            return
        path = st.selectbox("Codebook", shipped, format_func=lambda p: p.stem.replace("_", " "), key=f"{K}book_shipped")
        if path is not None:
            try:
                book = _cached_codebook(str(path), path.stat().st_mtime)
            except QualcodeError as exc:
                st.error(md(exc))
                return
    else:
        nonce = st.session_state.get(f"{K}book_nonce", 0)
        upload = st.file_uploader("Codebook file (YAML or REFI-QDA .qdc)", type=importing.CODEBOOK_TYPES,
                                  key=f"{K}book_upload.{nonce}")
        if upload is None:
            return
        try:
            book = importing.read_codebook_upload(upload.name, upload.getvalue())
        except QualcodeError as exc:
            st.error(md(exc))
            return
    if book is None:
        return
    st.markdown(f"**{md_escape(book.name)}** {md_escape(book.version or '')}: {len(book.codes)} codes")
    if book.description:
        st.caption(book.description)
    with st.expander("Codes"):
        st.dataframe(
            [{"code": " › ".join(p), "definition": c.definition} for c, p in zip(book.codes, book.paths())],
            hide_index=True, width="stretch",
        )
    if st.button("Load codebook into the project", type="primary", key=f"{K}book_load"):
        try:
            report = book.load_into(project, actor=state.current_coder())
        except QualcodeError as exc:
            st.error(f"The codebook was not loaded: {md(exc)}")
            return
        st.session_state[f"{K}book_nonce"] = st.session_state.get(f"{K}book_nonce", 0) + 1
        state.flash(f"Codebook loaded: {md(report.summary())}.")
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=16)
def _cached_codebook(path: str, mtime: float):
    # A shipped file is parsed once per change (keyed by its mtime), not on every rerun.
    from ...refi import read_codebook

    return read_codebook(path)
