"""Transcripts page: every transcript with its participant, size and coding progress."""

from __future__ import annotations

import hashlib

import streamlit as st

from ..escape import md
from ...errors import QualcodeError
from ...ingest.roles import project_roles
from ...store import queries
from ...store.speakers import ROLE_NAMES, confirm_speaker_roles, confirmed_speaker_roles
from .. import nav, state
from ..pickers import pick_one

TITLE = "Transcripts"
ICON = ":material/article:"
ORDER = 10

K = "qc.transcripts."
# Speakers listed at once in the roles form. A Reddit corpus has a speaker per poster
# (1,200 in the 1,700-thread benchmark): a selectbox each made the page take 8.8 s.
ROLES_SHOWN = 30


def transcript_rows(project, coder: str | None, *, blind: bool) -> list[dict]:
    """One row per transcript; progress is the share of turns the coder has coded.

    In blind mode the codings column counts only the coder's own codings.
    """
    docs = project.documents()
    coders = [coder] if coder else None
    coverage = queries.turn_coverage(project, coders) if coder else {}
    # Blind: only the coder's own codings count (none while nobody is chosen).
    own = (queries.coding_counts_by_document(project, coders) if coder else {}) if blind else None
    languages = queries.document_languages(project)
    rows = []
    for d in docs:
        coded = coverage.get(d.id, 0)
        rows.append(
            {
                "id": d.id,
                "transcript": d.name,
                "participant": d.participant or "",
                "format": d.source_format,
                "language": languages.get(d.id, ""),
                "words": d.word_count,
                "turns": d.segments,
                "codings": (own or {}).get(d.id, 0) if own is not None else d.codings,
                "progress": (coded / d.segments) if (d.segments and coder) else 0.0,
            }
        )
    return rows


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Transcripts")
    coder = state.current_coder()
    rows = transcript_rows(project, coder, blind=state.blind_mode())
    if not rows:
        st.info("No transcripts yet: import some on the **Project** page.")
        return
    who = f"**{md(coder)}**" if coder else "the current coder (choose one in the sidebar)"
    st.caption(f"{len(rows)} transcripts. Progress = share of turns with at least one coding by {who}.")
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_order=["transcript", "participant", "format", "language", "words", "turns", "codings", "progress"],
        column_config={
            "words": st.column_config.NumberColumn("words", format="%d"),
            "progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0, format="percent"),
        },
        key=f"{K}table",
    )
    ids = [r["id"] for r in rows]
    names = {r["id"]: f"{r['transcript']}" + (f" ({r['participant']})" if r["participant"] else "") for r in rows}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick_one("Transcript to code", names, key=f"{K}open_choice", where=c1, noun="transcript")
    if c2.button("Open in workspace", type="primary", key=f"{K}open", icon=":material/edit_note:"):
        nav.open_document(int(chosen))
    # Stays open after an action (the message above it would otherwise make it a new, closed box).
    with st.expander("Speaker roles", icon=":material/record_voice_over:"):
        _roles(project, coder)
    with st.expander("Rename, delete or link to a participant", icon=":material/settings:",
                     expanded=bool(st.session_state.get(f"{K}manage_open"))):
        _manage(project, rows, names, coder)


def _manage(project, rows: list[dict], names: dict, coder: str | None) -> None:
    by_id = {r["id"]: r for r in rows}
    did = pick_one("Transcript", {i: names[i] for i in by_id}, key=f"{K}manage_choice", noun="transcript")
    row = by_id[did]
    t_rename, t_link, t_speakers, t_delete = st.tabs(["Rename", "Participant", "Speakers", "Delete"],
                                                       key=f"{K}manage_tabs")
    with t_speakers:
        _speakers(project, did, row, coder)
    with t_rename:
        new = st.text_input("New name", value=row["transcript"], key=f"{K}rename.{did}")
        if st.button("Rename", key=f"{K}rename_btn", disabled=new.strip() in ("", row["transcript"])):
            _do(lambda: project.rename_document(did, new, actor=coder), f"Renamed {row['transcript']!r} to {new.strip()!r}.")
    with t_link:
        people = [p.pseudonym for p in project.participants()]
        new_p = st.text_input("Participant (pseudonym; new ones are created, empty unlinks)",
                              value=row["participant"], key=f"{K}link.{did}",
                              help="Known participants: " + (", ".join(people) or "none yet"))
        if st.button("Link", key=f"{K}link_btn", disabled=new_p.strip() == row["participant"]):
            who = new_p.strip() or None
            _do(lambda: project.set_document_participant(did, who, actor=coder),
                f"Linked {row['transcript']!r} to {who!r}." if who else f"Unlinked {row['transcript']!r}.")
    with t_delete:
        # Every coder's codings count here, blind mode or not: they would all be deleted.
        n = len(project.codings(document=did))
        if n:
            st.warning(f"{md(row['transcript'])} has **{n} coding(s)**. Deleting the transcript deletes them too; "
                       "this cannot be undone (the event log records the deletion).")
        sure = st.checkbox(f"Yes, delete {md(row['transcript'])}" + (f" and its {n} coding(s)" if n else ""),
                           key=f"{K}delete_sure.{did}")
        if st.button("Delete transcript", key=f"{K}delete_btn", type="primary", disabled=not sure,
                     icon=":material/delete:"):
            _do(lambda: project.delete_document(did, force=bool(n), actor=coder), f"Deleted {row['transcript']!r}.")


def _roles(project, coder: str | None) -> None:
    labels = project.speakers()
    confirmed = confirmed_speaker_roles(project)
    roles = project_roles(project, labels)
    pending = [label for label in labels if label not in confirmed]
    st.caption("Who asks and who answers: the Word report quotes an interviewer's (or a chatbot's) turn as theirs, "
               "never as the participant's. Detected from the labels; " +
               ("confirm them once for the project." if pending else "all confirmed."))
    shown = labels
    if len(labels) > ROLES_SHOWN:
        query = st.text_input("Find a speaker", key=f"{K}role_find", placeholder="part of a speaker label")
        found = [label for label in labels if query.strip().casefold() in str(label).casefold()]
        found.sort(key=lambda label: -labels[label])  # most turns first
        shown = {label: labels[label] for label in found[:ROLES_SHOWN]}
        st.caption(f"{len(labels)} speakers; showing {len(shown)}" + (f" of {len(found)} matching" if query.strip()
                   else ", most turns first") + ". The others keep their confirmed or detected roles.")
    with st.form(f"{K}roles_form", border=False):
        chosen = {}
        for label, n in shown.items():
            # Keyed by the label, not its place: the list changes with the search.
            chosen[label] = st.selectbox(
                f"{md(label)} ({n} turns)" + ("" if label in confirmed else " · detected"), list(ROLE_NAMES),
                index=list(ROLE_NAMES).index(roles[label]), key=f"{K}role.{hashlib.sha1(str(label).encode()).hexdigest()[:12]}")
        if st.form_submit_button("Confirm roles", type="primary"):
            _do(lambda: confirm_speaker_roles(project, chosen, actor=coder), "Speaker roles confirmed.")


def _speakers(project, did: int, row: dict, coder: str | None) -> None:
    here = project.speakers(did)
    everywhere = project.speakers()
    st.caption("Speakers here: " + (", ".join(f"{md(s)} ({n} turns)" for s, n in here.items()) or "none")
               + ". Renaming to a label that exists merges the two speakers.")
    if not here:
        return
    old = st.selectbox("Speaker", list(here), key=f"{K}speaker_old.{did}")
    new = st.text_input("New label (or an existing one, to merge)", key=f"{K}speaker_new.{did}",
                        placeholder="e.g. Interviewer")
    scope = st.radio("Where", ["document", "project"], horizontal=True, key=f"{K}speaker_scope.{did}",
                     format_func={"document": f"In {md(row['transcript'])} only",
                                  "project": f"In every transcript ({everywhere.get(old, 0)} turns)"}.get)
    if st.button("Rename speaker", key=f"{K}speaker_btn", disabled=not new.strip() or new.strip() == old):
        where = did if scope == "document" else None
        merged = new.strip() in (here if where is not None else everywhere)
        _do(lambda: project.rename_speaker(old, new, document=where, actor=coder),
            f"{'Merged' if merged else 'Renamed'} speaker {old!r} {'into' if merged else 'to'} {new.strip()!r}.")


def _do(action, message: str) -> None:
    try:
        action()
    except QualcodeError as exc:
        st.error(md(exc))
    else:
        st.session_state.pop(f"{K}manage_choice", None)
        st.session_state[f"{K}manage_open"] = True
        state.flash(md(message))
        st.rerun()
