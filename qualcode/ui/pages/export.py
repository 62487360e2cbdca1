"""Export page: choose which excerpts (codes, coders, participants, attributes) and
download a Word report, CSV/Excel tables or a REFI-QDA project; import a ``.qdpx``
from another tool.

Files are built only when a download button is clicked (``data`` is a callable run
by Streamlit on click, ``on_click="ignore"`` so the page does not rerun), never on
every rerun. In blind mode only the current coder's codings can be exported, so
exporting cannot break independent double coding.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ...errors import QualcodeError
from ...export.docx import ReportOptions, build_report
from ...export.excerpts import select_excerpts
from ...export.tables import excerpts_csv_bytes, excerpts_table, matrix_csv_bytes, xlsx_bytes
from .. import analyze_data as D
from .. import state
from ..widgets import code_options, md_escape
from ..escape import md
from ..pickers import pick_many

TITLE = "Export"
ICON = ":material/ios_share:"
ORDER = 60

K = "qc.export."
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_stem(name: str) -> str:
    """A safe file-name stem from a project name."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-")[:60] or "project"


def builder(kind: str, project, options: ReportOptions) -> Callable[[], bytes]:
    """The callable a download button runs on click: the file's bytes.

    ``kind``: ``docx``, ``csv``, ``matrix``, ``xlsx`` or ``qdpx``. Runs on another
    thread, so it touches no Streamlit state; figures that cannot be rendered are
    replaced by a note in the report rather than failing the download.
    """
    def build() -> bytes:
        if kind == "docx":
            return build_report(project, options).to_bytes()
        if kind == "csv":
            return excerpts_csv_bytes(project, options)
        if kind == "matrix":
            return matrix_csv_bytes(project, options)
        if kind == "xlsx":
            return xlsx_bytes(project, options)
        if kind == "qdpx":
            from ...export.qdpx import qdpx_bytes

            return qdpx_bytes(project)
        raise ValueError(f"unknown export {kind!r}")

    return build


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Export")
    if state.blind_mode() and not state.current_coder():
        # Blind mode exports only the coder's own codings; unknown coder, nothing at all.
        st.info("Someone codes blind in this project: choose who is coding in the sidebar first "
                "(in blind mode only your own codings can be exported).")
        return
    options = _selection(project)
    try:
        excerpts = select_excerpts(project, options)
    except QualcodeError as exc:
        st.error(md(exc))
        return
    st.caption(f"{len(excerpts)} coded excerpt(s) from {excerpts['participant'].nunique() if len(excerpts) else 0} "
               "participant(s) match this selection.")
    t_docx, t_tables, t_refi = st.tabs(["Word report", "Tables (CSV, Excel)", "REFI-QDA project"])
    stem = file_stem(project.name)
    with t_docx:
        _report(project, dataclasses.replace(options), stem)
    with t_tables:
        _tables(project, options, excerpts, stem)
    with t_refi:
        _refi(project, stem)


def _selection(project) -> ReportOptions:
    codes = project.codes()
    people = project.participants()
    with st.container(border=True):
        st.markdown("**Which excerpts**")
        left, right = st.columns(2)
        labels = code_options(codes, codable_only=False)
        picked = left.multiselect("Codes or themes", list(labels), format_func=labels.get, key=f"{K}codes",
                                  placeholder="All codes", help="A theme includes every code in it.")
        coder = state.current_coder()
        if state.blind_mode():
            coders = [coder] if coder else []
            right.caption("Blind mode: only your own codings can be exported.")
        else:
            known = project.coders()
            # The same default as the Analyze page: the consensus coder when the team has built one.
            default = D.default_coder(known)
            if f"{K}coders" not in st.session_state or not set(st.session_state[f"{K}coders"]) <= set(known):
                st.session_state[f"{K}coders"] = [] if default == D.ALL_CODERS else [default]
            coders = right.multiselect("Coders", known, key=f"{K}coders", placeholder="All coders",
                                       help="Default: the consensus coder when there is one, as on the Analyze "
                                            "page. With all coders, a passage two coders coded is quoted once, "
                                            "with both names.")
        who = pick_many("Participants", {p.pseudonym: p.pseudonym for p in people}, key=f"{K}participants",
                        where=left, placeholder="All participants", noun="participant")
        keys = sorted({k for p in people for k in p.attributes})
        attributes = {}
        key = right.selectbox("Attribute filter", [None, *keys], key=f"{K}attr",
                              format_func=lambda k: "None" if k is None else k)
        if key:
            values = sorted({str(p.attributes.get(key)) for p in people if p.attributes.get(key)})
            chosen = right.multiselect(f"{key} is one of", values, key=f"{K}attr_values.{key}")
            if chosen:
                attributes[key] = chosen
        c1, c2 = st.columns(2)
        context = c1.radio("Excerpt", ["span", "turn"], horizontal=True, key=f"{K}context",
                           format_func={"span": "Coded span only", "turn": "Whole turn, span emphasised"}.get)
        order = c2.radio("Order", ["code", "participant"], horizontal=True, key=f"{K}order",
                         format_func={"code": "By theme and code", "participant": "By participant"}.get)
    return ReportOptions(codes=picked or None, coders=coders or None, participants=who or None,
                         attributes=attributes or None, context=context, order=order, show_attributes=[])


def _report(project, options: ReportOptions, stem: str) -> None:
    from ...export.figures import FigureExportError, find_browser

    keys = sorted({k for p in project.participants() for k in p.attributes})
    options.show_attributes = st.multiselect("Attributes shown with each excerpt", keys, key=f"{K}show_attrs",
                                             placeholder="e.g. country")
    c1, c2, c3 = st.columns(3)
    options.include_memos = c1.checkbox("Memos", key=f"{K}memos")
    options.include_codebook = c1.checkbox("Codebook table", value=True, key=f"{K}codebook")
    options.include_frequencies = c2.checkbox("Code frequencies", value=True, key=f"{K}freq")
    try:
        find_browser()
        has_browser = True
    except FigureExportError:
        has_browser = False
    figures = c2.checkbox("Figures", value=has_browser, disabled=not has_browser, key=f"{K}figures",
                          help=None if has_browser else "Rendering figures needs Chromium (apt-get install chromium).")
    options.include_figures = None if figures else False
    cap = c3.number_input("Excerpts per code (0 = all)", min_value=0, value=0, step=5, key=f"{K}cap")
    options.max_excerpts_per_code = int(cap) or None
    options.title = st.text_input("Title", value=project.name, key=f"{K}title") or None
    st.download_button("Download Word report", data=builder("docx", project, options), file_name=f"{stem}-report.docx",
                       mime=DOCX_MIME, on_click="ignore", type="primary", icon=":material/description:",
                       key=f"{K}dl.docx")
    st.caption("The report uses Word styles (Heading 1–3, Excerpt, Excerpt Source, Memo, Coded Span), so a journal "
               "template restyles it. Figures take a few seconds to render.")


def _tables(project, options: ReportOptions, excerpts, stem: str) -> None:
    st.markdown("One row per coding with its document, participant, attributes, speaker, turn, timestamp, code path, "
                "coder, origin, snippet and memo.")
    if len(excerpts):
        preview = excerpts_table(excerpts.head(200), context=options.context == "turn")
        st.dataframe(preview, hide_index=True, width="stretch", height=260)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Excerpts (CSV)", data=builder("csv", project, options), file_name=f"{stem}-excerpts.csv",
                       mime="text/csv", on_click="ignore", key=f"{K}dl.csv", icon=":material/table:")
    c2.download_button("Excel workbook", data=builder("xlsx", project, options), file_name=f"{stem}-excerpts.xlsx",
                       mime=XLSX_MIME, on_click="ignore", key=f"{K}dl.xlsx", icon=":material/table_view:")
    c3.download_button("Code × participant (CSV)", data=builder("matrix", project, options),
                       file_name=f"{stem}-matrix.csv", mime="text/csv", on_click="ignore", key=f"{K}dl.matrix",
                       icon=":material/grid_on:")


def _refi(project, stem: str) -> None:
    st.markdown("The whole project (documents, codebook, codings with their coders, memos, participants and "
                "their attributes) as a REFI-QDA `.qdpx` for NVivo, ATLAS.ti, MAXQDA or QualCoder. "
                "The selection above does not apply.")
    st.download_button("Download .qdpx", data=builder("qdpx", project, ReportOptions()), file_name=f"{stem}.qdpx",
                       mime="application/zip", on_click="ignore", key=f"{K}dl.qdpx", icon=":material/archive:")
    if not project.can("documents.import_qdpx"):
        st.caption("Importing a .qdpx adds documents, so it needs the owner role in this project.")
        return
    with st.expander("Import a .qdpx from another tool", icon=":material/upload:"):
        st.caption("Text sources (plain text, Word or PDF text), codebook, codings, coders, notes, cases and sets are "
                   "added to this project in one step; "
                   "selections whose offsets do not fit the text are listed, not guessed.")
        nonce = st.session_state.get(f"{K}qdpx_nonce", 0)
        upload = st.file_uploader("REFI-QDA project", type=["qdpx", "qde"], key=f"{K}qdpx.{nonce}")
        if upload is not None and st.button("Import", type="primary", key=f"{K}qdpx_import"):
            _import(project, upload.name, upload.getvalue(), nonce)


def _import(project, name: str, data: bytes, nonce: int) -> None:
    from ...refi.qdpx_import import import_qdpx

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        try:
            report = import_qdpx(project, path, actor=state.current_coder())
        except QualcodeError as exc:
            st.error(f"Nothing was imported: {md(exc)}")
            return
    st.session_state[f"{K}qdpx_nonce"] = nonce + 1
    state.flash(md_escape(report.summary()) + ".")
    for src in report.sources:
        state.flash(md_escape(src.line()), "info")
    for u in report.unplaced[:20]:
        state.flash(md_escape(f"Not placed: {u.source} [{u.start}, {u.end}) {', '.join(u.codes)}: {u.reason}"), "warning")
    for s in report.skipped:
        state.flash(md_escape(f"Skipped: {s}"), "info")
    st.rerun()
