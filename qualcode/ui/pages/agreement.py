"""Agreement page: compare coders, go through their disagreements, build the consensus.

Three tabs over one choice of coders and scope: the agreement table per code (with
Krippendorff's flags), the disagreements side by side with a decision for each
(written as codings of the consensus coder, never by editing a coder's codings),
and a majority vote over all chosen coders. The statistics and the writing live in
:mod:`qualcode.agreement.consensus`; this module only draws widgets.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ...agreement.consensus import (
    DEFAULT_CONSENSUS_CODER,
    EDIT,
    KEEP,
    KEEP_ALL,
    NEITHER,
    Adjudication,
    Disagreement,
    adjudicate,
    decision_into_rule,
    find_in_turn,
    list_disagreements,
    majority_table,
    turn_context,
    write_majority_consensus,
)
from ...agreement.project import (AgreementData, agreement_table, gold_table, load_agreement_data,
                                  unitizing_table, variable_candidates,
                                  variable_level, variable_table)
from ...agreement.variables import LEVELS
from ...errors import QualcodeError
from .. import nav, state
from ..widgets import code_options, md_escape, paginate
from ..escape import md
from ..pickers import pick_one

TITLE = "Agreement"
ICON = ":material/compare_arrows:"
ORDER = 40

K = "qc.agree."
PER_PAGE = 10
TABS = ["Agreement", "Disagreements", "Majority consensus"]
FLAG_COLOURS = {"reliable": "#d4edda", "tentative": "#fff3cd", "unreliable": "#f8d7da", "undefined": "#e9ecef"}


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Agreement")
    if state.blind_mode():
        # Agreement is other coders' codings side by side: nothing of it while blind.
        st.info("**Blind mode** is on: you see only your own codings, so agreement with other coders is not "
                "shown. Switch blind mode off in the sidebar when the independent coding is done.")
        return
    everyone = project.coders()
    if len(everyone) < 2:
        st.info("Agreement needs at least two coders who coded the same transcripts.")
        return
    chosen, scope, codes, cons, all_docs = _controls(project, everyone)
    if len(chosen) < 2:
        st.info("Choose two or more coders to compare.")
        return
    data = _data(project, state.view_key(project), project.revision(), tuple(chosen), scope, codes, all_docs, False, "")
    can_write = project.can("consensus.adjudicate")
    # Stateful tabs: an adjudication's rerun stays on the Disagreements tab, and only
    # the open tab runs, so deciding never waits for the bootstrap of the table.
    tabs = st.tabs(TABS, key=f"{K}tab", on_change="rerun")
    draw = (
        lambda: _table_tab(data, project, chosen, scope, all_docs),
        lambda: _disagreements_tab(project, data, cons, can_write),
        lambda: _majority_tab(project, chosen, scope, codes, all_docs, cons, can_write),
    )
    for tab, body in zip(tabs, draw):
        if tab.open is not False:  # None: a Streamlit without lazy tabs runs them all
            with tab:
                body()


# ------------------------------------------------------------------ controls
def _controls(project, everyone: list[str]):
    """Coders, scope, codes and the consensus coder's name (all kept in session state)."""
    if f"{K}as" not in st.session_state:
        st.session_state[f"{K}as"] = DEFAULT_CONSENSUS_CODER
    cons = (st.session_state[f"{K}as"] or "").strip() or DEFAULT_CONSENSUS_CODER
    if f"{K}coders" not in st.session_state:
        # Everyone but the consensus coder: comparing the consensus with itself is noise.
        st.session_state[f"{K}coders"] = [c for c in everyone if c != cons]
    else:  # a coder deleted elsewhere must not break the widget
        st.session_state[f"{K}coders"] = [c for c in st.session_state[f"{K}coders"] if c in everyone]
    docs = project.documents()
    names = {d.id: d.name for d in docs}
    c1, c2, c3 = st.columns([3, 2, 2])
    chosen = c1.multiselect("Coders to compare", everyone, key=f"{K}coders")
    scope = pick_one("Scope", {None: "Whole project", **names}, key=f"{K}scope", where=c2, pinned=[None],
                     noun="transcript")
    c3.text_input("Consensus coder", key=f"{K}as",
                  help="Adjudications and majority votes are saved as codings of this coder.")
    opts = code_options(project.codes())
    c4, c5, c6 = st.columns([3, 2, 2], vertical_alignment="bottom")
    codes = c4.multiselect("Codes", list(opts), format_func=lambda c: opts.get(c, str(c)), key=f"{K}codes",
                           placeholder="All codes the coders used")
    c5.number_input("Bootstrap resamples", min_value=0, max_value=5000, value=200, step=100, key=f"{K}n_boot",
                    help="For the 95% intervals; 1000 or more for a paper (the CLI default), fewer is quicker here.")
    all_docs = c6.toggle("Absent where uncoded", key=f"{K}all_docs",
                         help="Count a coder's silence on transcripts they have no coding in as 'code absent'. "
                              "Off: such transcripts are missing data for that coder.")
    return chosen, scope, tuple(codes) or None, cons, bool(all_docs)


# ------------------------------------------------------------------- reading
@st.cache_data(show_spinner=False, max_entries=16)
def _data(_project, view: str, revision: int, coders: tuple[str, ...], scope: int | None,
          codes: tuple[int, ...] | None, all_docs: bool, with_suggestions: bool, exclude: str) -> AgreementData:
    # Keyed by revision: any write makes a fresh read (reading is cheap; the report is not).
    return load_agreement_data(_project, list(coders), document=scope, codes=codes, all_documents=all_docs,
                               with_suggestions=with_suggestions, exclude_from_suggestions=[exclude] if exclude else ())


@st.cache_data(show_spinner="Computing agreement…", max_entries=16)
def _report(_data: AgreementData, digest: str, unit: str, n_boot: int) -> pd.DataFrame:
    # Keyed by the compared codings' digest, not the revision: writing consensus
    # codings (every adjudication) must not re-run the bootstrap.
    return agreement_table(_data, unit=unit, n_boot=n_boot, seed=0)


# ------------------------------------------------------------------- agreement
def _flag_style(flag: str) -> str:
    return f"background-color: {FLAG_COLOURS.get(flag, '')}" if flag in FLAG_COLOURS else ""


@st.cache_data(show_spinner="Computing agreement on the variable…", max_entries=16)
def _variable_report(_project, view: str, revision: int, coders: tuple[str, ...], theme: int, level: str,
                     scope: int | None, all_docs: bool, n_boot: int, on_conflict: str) -> pd.DataFrame:
    levels = ["nominal"] if level == "nominal" else ["nominal", level]
    return variable_table(_project, list(coders), theme, levels=levels, document=scope, all_documents=all_docs,
                          n_boot=n_boot, seed=0, on_conflict=on_conflict)


def _variable_section(project, coders: list[str], scope: int | None, all_docs: bool, n_boot: int) -> None:
    codes = project.codes()
    by_id = {int(c.id): c for c in codes if c.id is not None}
    themes = {t: by_id[t].name for t in variable_candidates(project)}
    # Variables declared in the codebook come first, and the first is shown by default.
    themes = dict(sorted(themes.items(), key=lambda kv: not by_id[kv[0]].exclusive))
    st.subheader("Agreement on a variable")
    if not themes:
        st.caption("A theme with two or more codes that are alternatives (one per turn) can be compared as one "
                   "variable here: alpha at its level of measurement, kappa, Gwet's AC1 and Brennan–Prediger.")
        return
    declared = [t for t in themes if by_id[t].exclusive]
    options = [None, *themes]
    c1, c2, c3 = st.columns([3, 2, 2])
    theme = c1.selectbox("Variable (a theme whose codes are alternatives)", options, key=f"{K}variable",
                         index=options.index(declared[0]) if declared else 0,
                         format_func=lambda t: "None" if t is None else themes.get(t, str(t))
                         + (" (declared)" if t in declared else ""))
    default_level = variable_level(by_id[theme]) if theme in by_id else "nominal"
    level = c2.selectbox("Level of measurement", list(LEVELS), key=f"{K}level.{theme}",
                         index=list(LEVELS).index(default_level),
                         help="Ordinal, interval or ratio for ordered levels (the levels declared in the codebook, "
                              "else the codes in codebook order, valued by their names when those are numbers, "
                              "else 1, 2, 3…).")
    conflict = c3.selectbox("Two of its codes on one turn", ["error", "missing", "largest"], key=f"{K}conflict",
                            format_func={"error": "Stop and say where", "missing": "Count as missing",
                                         "largest": "Keep the larger span"}.get)
    if theme is None:
        return
    try:
        rep = _variable_report(project, state.view_key(project), project.revision(), tuple(coders), theme, level,
                               scope, all_docs, n_boot, conflict)
    except QualcodeError as exc:
        st.error(md(exc))
        return
    view = pd.DataFrame({
        "coefficient": rep["coefficient"], "value": rep["value"], "95% low": rep["ci_low"],
        "95% high": rep["ci_high"], "units": rep["n_units"], "flag": rep["flag"], "note": rep["note"],
    })
    headline = rep[rep["coefficient"] == f"krippendorff_alpha_{level}"].iloc[0]
    st.metric(f"Krippendorff's alpha ({level}) on {md_escape(themes[theme])}",
              "–" if headline["value"] != headline["value"] else f"{headline['value']:.3f}",
              help=f"{headline['n_units']} turns; flag: {headline['flag'] or 'undefined'}")
    st.dataframe(view.style.format(precision=3, na_rep="–"), hide_index=True, width="stretch",
                 key=f"{K}variable_report")
    values = ", ".join(f"{md_escape(c)} = {v:g}" for c, v in zip(rep.attrs["categories"], rep.attrs["values"]))
    exclusive = ("no coder put two of its codes on one turn, so it reads as one variable"
                 if rep.attrs["exclusive_in_data"] else "some coder put two of its codes on one turn")
    how = ("declared an ordered variable in the codebook" if rep.attrs["ordered"] else
           "declared a variable in the codebook" if rep.attrs["declared"] else
           "not declared a variable in the codebook" + (" (declare it on the Codebook page)"
                                                          if rep.attrs["exclusive_in_data"] else ""))
    st.caption(f"Categories: {values}; {how}; {exclusive}.")


@st.cache_data(show_spinner=False, max_entries=16)
def _gold_report(_project, view: str, revision: int, coder: str, gold: str, scope: int | None,
                 all_docs: bool) -> pd.DataFrame:
    return gold_table(_project, coder, gold, document=scope, all_documents=all_docs)


def _gold_section(project, scope: int | None, all_docs: bool) -> None:
    everyone = project.coders()
    st.subheader("Against a gold coder")
    c1, c2 = st.columns(2)
    gold = c1.selectbox("Gold coder", [None, *everyone], key=f"{K}gold",
                        format_func=lambda c: "None" if c is None else c)
    coder = c2.selectbox("Coder to evaluate", [c for c in everyone if c != gold], key=f"{K}gold_coder")
    if gold is None or coder is None:
        st.caption("Choose a gold-standard coder (an expert, or the adjudicated consensus) to see another "
                   "coder's precision, recall, F1 and kappa per code.")
        return
    try:
        rep = _gold_report(project, state.view_key(project), project.revision(), coder, gold, scope, all_docs)
    except QualcodeError as exc:
        st.error(str(exc))
        return
    st.dataframe(rep.style.format(precision=3, na_rep="–"), hide_index=True, width="stretch", key=f"{K}gold_report")
    st.caption("Turn × code presence; tp: both applied the code, fp: only the coder, fn: only the gold coder. "
               "The last row sums the counts over all codes.")


@st.cache_data(show_spinner="Computing unitizing alpha…", max_entries=16)
def _spans_report(_project, view: str, revision: int, coders: tuple[str, ...], scope: int | None, all_docs: bool,
                  gamma: bool) -> pd.DataFrame:
    return unitizing_table(_project, list(coders), document=scope, all_documents=all_docs, gamma=gamma)


def _spans_section(project, coders: list[str], scope: int | None, all_docs: bool) -> None:
    gamma = st.toggle("Mathet's gamma too (pygamma-agreement; can take a minute)", key=f"{K}gamma")
    try:
        rep = _spans_report(project, state.view_key(project), project.revision(), tuple(coders), scope, all_docs,
                            gamma)
    except QualcodeError as exc:
        st.error(md(exc))
        return
    st.dataframe(rep.style.map(_flag_style, subset=["flag"]).format(precision=3, na_rep="–"), hide_index=True,
                 width="stretch", key=f"{K}spans_report")
    if rep.attrs["gamma"] is not None:
        st.metric("Mathet's gamma (all codes)", f"{rep.attrs['gamma']:.3f}")
    st.caption(md_escape(rep.attrs["note"]) + ". Use it when coders chose their own spans; it counts "
               "boundary disagreements as well as code disagreements (docs/agreement.md §1.5).")


def _table_tab(data: AgreementData, project=None, coders=(), scope=None, all_docs=False) -> None:
    unit = st.radio("Unit", ["segment", "character", "span"], horizontal=True, key=f"{K}unit",
                    format_func={"segment": "Turn × code (presence)", "character": "Character (span overlap)",
                                 "span": "Free spans (unitizing α)"}.get)
    n_boot = int(st.session_state.get(f"{K}n_boot", 200))
    if unit == "span":
        if project is not None:
            _spans_section(project, list(coders), scope, all_docs)
    else:
        _presence_table(data, unit, n_boot)
    if project is not None:
        _variable_section(project, list(coders), scope, all_docs, n_boot)
        _gold_section(project, scope, all_docs)


def _presence_table(data: AgreementData, unit: str, n_boot: int) -> None:
    report = _report(data, data.digest(), unit, n_boot)
    two = len(data.coders) == 2
    kappa = "cohens_kappa" if two else "fleiss_kappa"
    view = pd.DataFrame({
        "code": report["code"],
        "flag": report["flag"],
        "alpha": report["alpha"],
        "alpha 95% low": report["alpha_ci_low"],
        "alpha 95% high": report["alpha_ci_high"],
        ("Cohen's kappa" if two else "Fleiss' kappa"): report[kappa],
        "% agreement": report["percent_agreement"],
        "units": report["n_units"],
        "note": report["note"],
    })
    st.dataframe(view.style.map(_flag_style, subset=["flag"]).format(precision=3, na_rep="–"),
                 hide_index=True, width="stretch", key=f"{K}report")
    st.caption(
        "Flags from Krippendorff's alpha: **reliable** ≥ .800, **tentative** .667–.800, **unreliable** < .667, "
        f"**undefined** when no coder varied (e.g. a code nobody used). {md_escape(report.attrs.get('unit_note', ''))}."
    )
    st.download_button("Download the full report (CSV)", data=report.to_csv(index=False).encode("utf-8"),
                       file_name="agreement.csv", mime="text/csv", key=f"{K}csv", on_click="ignore")


# -------------------------------------------------------------- disagreements
def _disagreements_tab(project, data: AgreementData, cons: str, can_write: bool) -> None:
    by_cost = st.toggle("Costliest codes first", key=f"{K}by_cost",
                        help="List the codes whose disagreements lower the pooled alpha most first.")
    items = list_disagreements(project, data, consensus_coder=cons, order="cost" if by_cost else "text")
    if cons in data.coders:
        st.warning(f"The consensus coder {md_escape(cons)} is one of the coders compared; choose another "
                   "consensus coder name to adjudicate.")
        can_write = False
    if not items:
        st.success("No disagreements: the coders applied the same codes to the same turns.")
        return
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    open_only = c1.toggle("Only undecided", key=f"{K}open_only")
    codes = {i.code_id: i.code for i in items}
    code = c2.selectbox("Code", [None, *codes], key=f"{K}dis_code",
                        format_func=lambda c: "All codes" if c is None else codes.get(c, str(c)))
    decided = sum(1 for i in items if i.decision)
    st.caption(f"{len(items)} disagreement(s) on turn × code; {decided} decided. Decisions are saved as codings "
               f"of {md_escape(cons)} (origin consensus); the coders' own codings stay as they are.")
    shown = [i for i in items if (not open_only or i.decision is None) and (code is None or i.code_id == code)]
    for item in paginate(shown, key=f"{K}dis", per_page=PER_PAGE, label="Page"):
        _card(project, data, item, cons, can_write)


def _highlight(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """The turn as Markdown with the coder's spans on a coloured background."""
    out, pos = [], start
    for s, e in spans:
        out.append(md_escape(text[pos:s]))
        out.append(f":orange-background[{md_escape(text[s:e])}]")
        pos = e
    out.append(md_escape(text[pos:end]))
    return "".join(out)


def _card(project, data: AgreementData, item: Disagreement, cons: str, can_write: bool) -> None:
    text = data.texts[item.document_id]
    kid = f"{K}d.{item.document_id}.{item.start}.{item.code_id}"
    with st.container(border=True):
        where = f"turn {item.turn + 1}" if item.turn is not None else "text"
        who = f" ({md_escape(item.speaker)})" if item.speaker else ""
        head, link = st.columns([5, 1], vertical_alignment="center")
        head.markdown(f"**{md_escape(item.document)}** · {where}{who} · code **{md_escape(item.code)}**")
        if link.button("Open transcript", key=f"{kid}.open", type="tertiary", icon=":material/open_in_new:"):
            nav.open_document(item.document_id, focus=item.start)
        views = [v for v in turn_context(data, item) if v.coder in item.coders]
        for row in range(0, len(views), 4):  # more than four columns gets unreadable
            for col, view in zip(st.columns(min(4, len(views) - row)), views[row:row + 4]):
                mark = "✓" if view.status == "applied" else "✗"
                col.markdown(f"**{md_escape(view.coder)}** {mark} {view.status}")
                col.markdown(_highlight(text, item.start, item.end, view.spans))
                if view.other_codes:
                    col.caption("Also coded here: " + md_escape(", ".join(view.other_codes)))
                for memo in view.memos:
                    col.caption("Memo: " + md_escape(memo))
        if item.missing:
            st.caption("Did not code this transcript: " + md_escape(", ".join(item.missing)))
        if item.decision:
            d = item.decision
            by = f" by {md_escape(d.actor)}" if d.actor else ""
            when = (d.at or "").replace("T", " ").removesuffix("Z")[:16]
            st.markdown(f":green-badge[Decided: {md_escape(d.label)}]{by}, {md_escape(when)} UTC")
        if not can_write:
            return
        buttons = st.columns(len(item.coders) + 3)
        for col, coder in zip(buttons, item.coders):
            version = "their span(s)" if coder in item.applied_by else "no code here"
            if col.button(f"Keep {md_escape(coder)}", key=f"{kid}.keep.{coder}",
                          help=f"{md_escape(coder)}'s version: {version}"):
                _decide(project, item, KEEP, cons, keep=coder)
        both = "Keep both" if len(item.coders) == 2 else "Keep all"
        if buttons[-3].button(both, key=f"{kid}.all", help="The union of every coder's spans"):
            _decide(project, item, KEEP_ALL, cons)
        if buttons[-2].button("Neither", key=f"{kid}.neither", help="The code does not apply to this turn"):
            _decide(project, item, NEITHER, cons)
        with st.popover("Write the decision into the code's rule or memo"):
            field = st.radio("Into", ["when_to_use", "when_not_to_use", "memo"], key=f"{kid}.rule_field",
                             horizontal=True, format_func={"when_to_use": "When to use",
                                                           "when_not_to_use": "When not to use",
                                                           "memo": "The code's memo"}.get)
            rule = st.text_area("Decision (added to the rule or memo; the codebook history records it)",
                                key=f"{kid}.rule")
            if st.button("Add to the code", key=f"{kid}.rule_save"):
                try:
                    decision_into_rule(project, item, rule, field=field, actor=state.current_coder())
                except QualcodeError as exc:
                    st.error(md(exc))
                else:
                    st.success(f"Added to {md_escape(item.code)}'s {'memo' if field == 'memo' else 'rule'}.")
        with buttons[-1].popover("Edit span"):
            applied = [s for v in views for s in v.spans]
            lo, hi = (min(s for s, _ in applied), max(e for _, e in applied)) if applied else (item.start, item.end)
            default = text[lo:hi]
            words = st.text_input("Words the code applies to (from this turn)", value=default.strip(),
                                  key=f"{kid}.words")
            if st.button("Save span", key=f"{kid}.save_span"):
                try:
                    span = find_in_turn(text, item, words, near=applied[0][0] if applied else None)
                except QualcodeError as exc:
                    st.error(md(exc))
                else:
                    _decide(project, item, EDIT, cons, span=span)


def _decide(project, item: Disagreement, decision: str, cons: str, *, keep: str | None = None,
            span: tuple[int, int] | None = None) -> None:
    try:
        written = adjudicate(project, item, decision, keep=keep, span=span, consensus_coder=cons,
                             actor=state.current_coder())
    except QualcodeError as exc:
        st.error(md(exc))
        return
    where = f"turn {item.turn + 1}" if item.turn is not None else "text"
    label = Adjudication(*item.key, decision=decision, consensus_coder=cons, coders=item.coders, keep=keep).label
    what = f"{len(written)} coding(s) saved as {md_escape(cons)}" if written else f"no coding for {md_escape(cons)}"
    state.flash(f"{md_escape(item.document)} {where}, {md_escape(item.code)}: {md_escape(label)} ({what}).")
    st.rerun()


# ------------------------------------------------------------------- majority
def _majority_tab(project, chosen: list[str], scope, codes, all_docs: bool, cons: str, can_write: bool) -> None:
    st.markdown("Every turn × code that more than the threshold share of the voters applied becomes one "
                "consensus coding of the turn, with its votes recorded (e.g. *majority 2/3: ana, ben*).")
    c1, c2, c3 = st.columns([3, 2, 3], vertical_alignment="bottom")
    threshold = c1.slider("Threshold", 0.0, 0.95, 0.5, 0.05, key=f"{K}threshold",
                          help="0.5 = strict majority: with two coders both must agree; a tie is not a majority.")
    quorum = int(c2.number_input("Quorum", min_value=1, max_value=50, value=2, step=1, key=f"{K}quorum",
                                 help="A turn is voted on only when at least this many voters coded its "
                                      "transcript. 2 (the default): one coder alone is never a consensus."))
    with_suggestions = c3.toggle("Count accepted machine suggestions as one more voter", key=f"{K}with_sugg")
    if cons in chosen:
        st.warning(f"The consensus coder {md_escape(cons)} is one of the coders compared; choose another name.")
        return
    data = _data(project, state.view_key(project), project.revision(), tuple(chosen), scope, codes, all_docs,
                 with_suggestions, cons)
    table = majority_table(data, threshold=threshold, quorum=quorum)
    st.caption(f"{len(table)} turn × code majorities. Writing replaces {md_escape(cons)}'s earlier majority "
               "codings in this scope; turns decided on the Disagreements tab keep their decision.")
    if len(table):
        st.dataframe(
            pd.DataFrame({"transcript": [data.documents.get(d, d) for d in table["document"]],
                          "start": table["start"], "code": table["code_label"], "votes": table["detail"]}),
            hide_index=True, width="stretch", key=f"{K}majority_preview",
        )
    if can_write and st.button(f"Write majority consensus as {md(cons)}", key=f"{K}write_majority", type="primary"):
        try:
            result = write_majority_consensus(
                project, chosen, as_coder=cons, threshold=threshold, quorum=quorum, with_suggestions=with_suggestions,
                document=scope, codes=codes, all_documents=all_docs, actor=state.current_coder(),
            )
        except QualcodeError as exc:
            st.error(md(exc))
        else:
            state.flash(md_escape(result.summary()) + ".")
            st.rerun()
