"""Codebook page: browse codes with their counts and example excerpts; add, describe,
rename, move, merge and delete codes (through :mod:`qualcode.codebook.edit`, so
codings stay consistent and every edit lands in the codebook history)."""

from __future__ import annotations

from html import escape

import streamlit as st

from ...agreement.project import proposed_variables, variable_candidates
from ...codebook import edit, history
from ...errors import QualcodeError
from ...model import Code
from ...store import queries
from .. import state
from ..widgets import code_label, md_escape, memo_editor
from ..escape import md

TITLE = "Codebook"
ICON = ":material/account_tree:"
ORDER = 30

K = "qc.codebook."


def rolled_up(codes: list[Code], counts: dict[int, int]) -> dict[int, int]:
    """Each code's codings plus those of every code below it (a theme shows the
    excerpts of its codes). Codes come in tree order, parents before children."""
    parent_of: dict[int, int | None] = {}
    by_name: dict[str, int] = {}
    for c in codes:
        if c.id is None:
            continue
        parent_of[c.id] = by_name.get(c.parent) if c.parent else None
        by_name[c.name] = c.id
    total = {cid: counts.get(cid, 0) for cid in parent_of}
    for cid in parent_of:
        n, up, seen = counts.get(cid, 0), parent_of[cid], {cid}
        while up is not None and up not in seen and n:
            total[up] += n
            seen.add(up)
            up = parent_of.get(up)
    return total


def codebook_rows(codes: list[Code], counts: dict[int, int]) -> list[dict]:
    """The codebook as table rows, indented by depth, with coding counts (own, and
    rolled up from sub-codes)."""
    depth: dict[str, int] = {}
    total = rolled_up(codes, counts)
    rows = []
    for c in codes:
        d = depth.get(c.parent, -1) + 1 if c.parent else 0
        depth[c.name] = d
        rows.append(
            {
                "id": c.id,
                "code": "\u2003" * d + c.name,
                "codings": counts.get(c.id or 0, 0),
                "with sub-codes": total.get(c.id or 0, 0),
                "codable": c.codable,
                "definition": c.definition,
                "colour": c.colour or "",
            }
        )
    return rows


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Codebook")
    coder = state.current_coder()
    blind = state.blind_mode()
    codes = project.codes()
    coders = ([coder] if coder else []) if blind else None
    counts = queries.code_counts(project, coders)
    if blind:
        st.caption("Blind mode: counts and examples include only your own codings.")
    with st.expander("Add a code", icon=":material/add:", expanded=not codes):
        _add_form(project, codes, coder)
    if not codes:
        st.info("The codebook is empty: add a code above, or load a codebook on the **Project** page.")
        return
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.dataframe(
            codebook_rows(codes, counts), hide_index=True, width="stretch", height=min(38 + 35 * len(codes), 620),
            column_order=["code", "with sub-codes", "codings", "codable", "definition"],
        )
    with right:
        by_id = {c.id: c for c in codes}
        cid = st.selectbox("Code", list(by_id), format_func=lambda i: code_label(by_id[i]), key=f"{K}pick")
        if cid is not None:
            _details(project, by_id[cid], codes, counts.get(cid, 0), coder, coders, counts)
    with st.expander("Codebook history", icon=":material/history:"):
        st.dataframe(history.history_frame(project), hide_index=True, width="stretch")


def _add_form(project, codes: list[Code], coder: str | None) -> None:
    parents = {c.id: code_label(c) for c in codes}
    with st.form(f"{K}add_form", clear_on_submit=True, border=False):
        name = st.text_input("Name")
        parent = st.selectbox("Under", [None, *parents], format_func=lambda i: "Top level" if i is None else parents[i])
        definition = st.text_area("Definition", height=80)
        codable = st.checkbox("Codable (untick for a theme that only groups codes)", value=True)
        if st.form_submit_button("Add code", disabled=not coder, help=None if coder else "Choose a coder first"):
            try:
                edit.add_code(project, Code(name, definition=definition, codable=codable), parent=parent, actor=coder)
            except QualcodeError as exc:
                st.error(md(exc))
            else:
                state.flash(md_escape(f"Added code {name.strip()!r}."))
                st.rerun()


def _details(project, code: Code, codes: list[Code], n: int, coder: str | None, coders, counts=None) -> None:
    below = rolled_up(codes, counts).get(code.id, n) - n if counts is not None else 0
    st.markdown(f"**{md_escape(code.name)}** · {n} coding{'s' if n != 1 else ''}"
                + (f", {below} in its sub-codes" if below else "") + ("" if code.codable else " · theme"))
    for label, value in (("Definition", code.definition), ("When to use", code.when_to_use),
                         ("When not to use", code.when_not_to_use), ("Example", code.example), ("Source", code.source)):
        if value:
            st.html(f"<p style='margin:.1rem 0'><b>{label}:</b> {escape(value)}</p>")
    examples = queries.code_examples(project, code.id, limit=3, coders=coders)
    if examples:
        st.markdown("**Coded excerpts**")
        for doc, who, snippet in examples:
            st.html(
                f"<blockquote style='margin:.2rem 0;padding-left:.6rem;border-left:3px solid #ccc'>"
                f"{escape(snippet[:400])}<br><small>{escape(doc)} · {escape(who)}</small></blockquote>"
            )
    candidates = variable_candidates(project)
    names = ["Edit", "Memo", "Move / merge", "Delete"] + (["Variable"] if code.id in candidates else [])
    t_edit, t_memo, t_move, t_delete, *t_variable = st.tabs(names)
    if t_variable:
        with t_variable[0]:
            _variable_form(project, code, candidates[code.id], coder)
    with t_edit:
        _edit_form(project, code, coder)
    with t_memo:
        memo_editor(project, "code", code.id, key=f"{K}memo", actor=coder, label="Memo on this code")
    with t_move:
        _move_merge(project, code, codes, coder)
    with t_delete:
        _delete(project, code, codes, coder)


_EDIT_FIELDS = ("name", "definition", "when_to_use", "when_not_to_use", "example")


def _edit_form(project, code: Code, coder: str | None) -> None:
    base = f"{K}edit.{code.id}"
    if f"{base}.version" not in st.session_state:
        # Remember the version and text as first shown: a colleague's edit made while
        # this form is open is then reported on save instead of silently overwritten.
        st.session_state[f"{base}.version"] = queries.code_versions(project).get(code.id)
        for field in _EDIT_FIELDS:
            st.session_state[f"{base}.{field}"] = getattr(code, field) or ""
        st.session_state[f"{base}.colour"] = code.colour or "#888888"
    with st.form(f"{base}.form", border=False):
        st.text_input("Name", key=f"{base}.name")
        st.text_area("Definition", key=f"{base}.definition", height=80)
        st.text_area("When to use", key=f"{base}.when_to_use", height=68)
        st.text_area("When not to use", key=f"{base}.when_not_to_use", height=68)
        st.text_area("Example", key=f"{base}.example", height=68)
        st.color_picker("Colour", key=f"{base}.colour")
        saved = st.form_submit_button("Save", disabled=not coder)
    if saved:
        values = {f: st.session_state[f"{base}.{f}"] for f in _EDIT_FIELDS}
        colour = st.session_state[f"{base}.colour"]
        try:
            edit.describe_code(
                project, code.id, definition=values["definition"], when_to_use=values["when_to_use"],
                when_not_to_use=values["when_not_to_use"], example=values["example"],
                colour=colour if (code.colour or colour != "#888888") else None,
                actor=coder, expected_version=st.session_state[f"{base}.version"],
            )
            if values["name"].strip() != code.name:
                edit.rename_code(project, code.id, values["name"], actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.session_state.pop(f"{base}.version", None)
            state.flash(md_escape(f"Saved {values['name'].strip()!r}."))
            st.rerun()
    if st.button("Discard my edits (reload the code)", key=f"{base}.reload"):
        st.session_state.pop(f"{base}.version", None)
        st.rerun()


def _variable_form(project, theme: Code, kids: list[int], coder: str | None) -> None:
    """Declare the theme a variable: its codes are alternatives (one per turn), optionally ranked."""
    by_id = {c.id: c for c in project.codes()}
    names = [by_id[k].name for k in kids]
    if all(by_id[k].level is not None for k in kids):
        names = sorted(names, key=lambda n: next(by_id[k].level for k in kids if by_id[k].name == n))
    base = f"{K}variable.{theme.id}"
    st.markdown("**A variable**: each turn gets at most one of these codes (therapist behaviour, effective / "
                "not effective, no / weak / strong empathy). Agreement then reports the theme as one variable "
                "by default (alpha at its level of measurement, kappa, Gwet's AC1, Brennan–Prediger).")
    if not theme.exclusive and theme.id in {int(t.id) for t in proposed_variables(project)}:
        st.info("qualcode proposes declaring it: no coder ever put two of its codes on one turn.",
                icon=":material/lightbulb:")
    with st.form(f"{base}.form", border=False):
        exclusive = st.checkbox("Its codes are alternatives (one per turn)", value=theme.exclusive, key=f"{base}.exclusive")
        ordered = st.checkbox("Ordered levels (ranked, lowest first below)", value=theme.ordered, key=f"{base}.ordered")
        levels = st.text_input("Levels, lowest first (comma-separated)", value=", ".join(names), key=f"{base}.levels",
                               help="Every code of the theme once. Their values are 1, 2, 3… in this order.")
        saved = st.form_submit_button("Save variable", disabled=not coder)
    if saved:
        order = [x.strip() for x in levels.split(",") if x.strip()]
        try:
            edit.declare_variable(project, theme.id, exclusive=exclusive or ordered, ordered=ordered,
                                  levels=order if ordered else None, actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            state.flash(md_escape(f"Saved the variable {theme.name!r}."))
            st.rerun()


def _move_merge(project, code: Code, codes: list[Code], coder: str | None) -> None:
    others = {c.id: code_label(c) for c in codes if c.id != code.id}
    parent_id = next((c.id for c in codes if c.name == code.parent), None) if code.parent else None
    st.markdown("**Move** under another theme or code (its sub-codes and codings go with it)")
    target = st.selectbox("New parent", [None, *others], format_func=lambda i: "Top level" if i is None else others[i],
                          index=([None, *others].index(parent_id) if parent_id in others else 0), key=f"{K}move.{code.id}")
    if st.button("Move", key=f"{K}move_btn", disabled=not coder or target == parent_id):
        try:
            edit.move_code(project, code.id, target, actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            state.flash(md_escape(f"Moved {code.name!r} under {others.get(target, 'the top level')}."))
            st.rerun()
    st.markdown(f"**Merge** {md_escape(code.name)} into another code (its codings, memo and sub-codes move there; "
                "this code is then deleted)")
    into = st.selectbox("Merge into", list(others), format_func=others.get, index=None, key=f"{K}merge.{code.id}",
                        placeholder="Choose the code to keep")
    sure = st.checkbox("Yes, merge", key=f"{K}merge_sure.{code.id}")
    if st.button("Merge", key=f"{K}merge_btn", disabled=not (coder and into is not None and sure)):
        try:
            edit.merge_codes(project, code.id, into, actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.session_state.pop(f"{K}pick", None)
            state.flash(md_escape(f"Merged {code.name!r} into {others[into]}."))
            st.rerun()


def _delete(project, code: Code, codes: list[Code], coder: str | None) -> None:
    # Every coder's codings count here, blind mode or not: they would all be deleted.
    n = queries.code_counts(project).get(code.id, 0)
    kids = [c for c in codes if c.parent == code.name]
    if n or kids:
        st.warning(
            f"{md(code.name)} has {n} coding(s) and {len(kids)} sub-code(s). Deleting it deletes them too "
            "(the codebook history keeps a record of what was deleted)."
        )
    sure = st.checkbox(f"Yes, delete {md(code.name)}" + (" with its codings and sub-codes" if n or kids else ""),
                       key=f"{K}delete_sure.{code.id}")
    if st.button("Delete code", key=f"{K}delete_btn", type="primary", disabled=not (coder and sure),
                 icon=":material/delete:"):
        try:
            edit.delete_code(project, code.id, force=bool(n or kids), actor=coder)
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            st.session_state.pop(f"{K}pick", None)
            state.flash(md_escape(f"Deleted {code.name!r}."))
            st.rerun()
