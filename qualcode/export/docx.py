"""The Word report: codebook, coded excerpts by theme and code, frequencies, figures.

Everything is laid out with named Word styles (Title, Heading 1-3, a paragraph style
*Excerpt* based on Quote, *Excerpt Source*, *Code Note*, *Memo*, *Table Text*, the
character style *Coded Span*, the table style *Light Grid Accent 1* and Caption), never
with direct formatting, so the document reflows and a journal template can restyle
it by redefining those styles. Text keeps every character; paragraphs whose first
strong character is Arabic or Hebrew script are marked right-to-left (``w:bidi``) and
runs in those scripts carry ``w:rtl``, so Word lays them out correctly.

See ``docs/exports.md`` for the layout and the options.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from docx import Document as new_document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor

from .. import atomic
from .. import __version__
from ..analysis import StudyFrames, code_frequencies, count_people, participants_frame, theme_frequencies
from ..errors import ExportError
from ..ingest.roles import is_participant_in, project_roles, speaker_role
from .excerpts import PATH_SEPARATOR, ExcerptQuery, format_timestamp, select_excerpts
from .tables import study_frames

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

    from ..store import Project

__all__ = ["ReportOptions", "Report", "build_report", "write_report", "is_rtl", "STYLES"]

#: Styles the report uses (a journal template restyles the report by redefining them).
STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Excerpt", "Excerpt Source", "Code Note",
          "Memo", "Table Text", "Caption", "Coded Span", "Light Grid Accent 1")
TABLE_STYLE = "Light Grid Accent 1"
DEFAULT_FIGURES = ("themes", "codes", "code_participant")
_RTL_CHAR = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_RTL_RUN = re.compile(f"[{_RTL_CHAR}](?:[^A-Za-z\u00c0-\u024f\n]*[{_RTL_CHAR}])?")
_STRONG = re.compile(f"[{_RTL_CHAR}A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")
# Elements that follow w:bidi inside w:pPr (the schema fixes the order).
_AFTER_BIDI = ("w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_LABEL = re.compile(r"^(Use|Not): ")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")


@dataclass
class ReportOptions(ExcerptQuery):
    """What goes into the report (the filters and ``context``/``order`` come from
    :class:`~qualcode.export.excerpts.ExcerptQuery`).

    ``include_figures``: None = embed figures when a browser can render them and
    say so in the report when not; True = required (error without a browser);
    False = no figures. ``show_attributes``: participant attributes printed with
    each excerpt (e.g. ``["country"]``). ``date``: the date printed on the title
    page (default: today).
    """

    title: str | None = None
    subtitle: str = "Coded excerpts"
    show_attributes: list[str] = field(default_factory=list)
    include_memos: bool = False
    include_codebook: bool = True
    include_frequencies: bool = True
    include_figures: bool | None = None
    figures: tuple[str, ...] = DEFAULT_FIGURES
    dpi: int = 200
    browser: str | None = None
    paper: Literal["a4", "letter"] = "a4"
    date: str | None = None
    max_excerpts_per_code: int | None = None


@dataclass
class Report:
    """A built report: the python-docx document plus what the builder noticed."""

    document: DocxDocument
    excerpts: int
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.document.save(buf)
        return buf.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        out = Path(path)
        # Temp file + fsync + rename: a kill mid-save keeps the previous report.
        atomic.write_bytes(out, self.to_bytes())
        return out


# ---------------------------------------------------------------- text helpers
def is_rtl(text: str) -> bool:
    """True when the first strong (letter) character is Arabic or Hebrew script."""
    m = _STRONG.search(text)
    return bool(m and re.match(f"[{_RTL_CHAR}]", m.group(0)))


def _n(count: int, noun: str) -> str:
    """``1 excerpt``, ``2 excerpts``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters; form feeds and vertical tabs become breaks.
    return _NOT_XML.sub("", str(text).replace("\x0b", "\n").replace("\x0c", "\n").replace("\r\n", "\n").replace("\r", "\n"))


def _add_text(par: Paragraph, text: str, style: str | None = None, *, bold: bool = False) -> None:
    """Add ``text`` as runs, splitting out right-to-left script so those runs get ``w:rtl``."""
    text = _clean(text)
    pos = 0
    for m in [*_RTL_RUN.finditer(text), None]:
        a, b = (m.start(), m.end()) if m else (len(text), len(text))
        for chunk, rtl in ((text[pos:a], False), (text[a:b], True)):
            if not chunk:
                continue
            run = par.add_run(chunk, style=style)
            if bold:
                run.bold = True
            if rtl:
                run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
        pos = b


def _set_bidi(par: Paragraph, text: str) -> None:
    """Mark the paragraph right-to-left when its text starts in an RTL script."""
    if is_rtl(text):
        ppr = par._p.get_or_add_pPr()
        if ppr.find(qn("w:bidi")) is None:
            ppr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)


def _para(doc: DocxDocument, text: str = "", style: str | None = None) -> Paragraph:
    par = doc.add_paragraph(style=style)
    if text:
        _add_text(par, text)
        _set_bidi(par, text)
    return par


def _field(par: Paragraph, instr: str, shown: str) -> None:
    """A Word field (page number, figure number) with its current value shown.

    Written as runs (begin, instruction, separate, result, end) rather than
    ``w:fldSimple`` so every reader, python-docx included, sees the shown value.
    """
    def fld_char(kind: str):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    for part in (fld_char("begin"), instr_el, fld_char("separate")):
        par.add_run()._r.append(part)
    par.add_run(shown)
    par.add_run()._r.append(fld_char("end"))


# ---------------------------------------------------------------------- styles
def _setup(doc: DocxDocument, options: ReportOptions) -> None:
    sec = doc.sections[0]
    if options.paper == "a4":
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2.5))
    styles = doc.styles

    def pstyle(name: str, base: str, size: float | None = None, *, italic: bool | None = None, grey: bool = False,
               indent: float = 0.0, before: float = 0, after: float = 4, keep: bool = False):
        st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = styles[base]
        st.quick_style = True
        if size:
            st.font.size = Pt(size)
        if italic is not None:
            st.font.italic = italic
        if grey:
            st.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        fmt = st.paragraph_format
        fmt.left_indent, fmt.space_before, fmt.space_after = Cm(indent), Pt(before), Pt(after)
        fmt.keep_with_next = keep
        return st

    pstyle("Excerpt", "Quote", indent=0.8, before=6, after=2, keep=True).paragraph_format.right_indent = Cm(0.8)
    pstyle("Excerpt Source", "Normal", 9, grey=True, indent=0.8, after=8)
    pstyle("Code Note", "Normal", 10, italic=True, after=6)
    pstyle("Memo", "Normal", 9.5, indent=0.8, after=8, grey=True)
    pstyle("Table Text", "Normal", 9, after=0)
    styles["Heading 1"].paragraph_format.page_break_before = True  # each part of the report on a new page
    span = styles.add_style("Coded Span", WD_STYLE_TYPE.CHARACTER)
    span.base_style = styles["Default Paragraph Font"]
    span.font.bold = True
    shd = OxmlElement("w:shd")  # a pale highlight that a template can restyle (Word's highlight is not a style)
    for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "FFF2CC")):
        shd.set(qn(k), v)
    span.element.get_or_add_rPr().append(shd)
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")


def _table(doc: DocxDocument, header: list[str], rows: list[list[str]], widths: list[float],
           bold_rows: set[int] = frozenset(), indents: list[int] | None = None, numeric: int = 99) -> None:
    """A table in the report's table style: header repeated on every page, first
    column indented by ``indents`` (tree depth), columns from ``numeric`` on right-aligned."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles[TABLE_STYLE]
    table.autofit = False  # fixed column widths: LibreOffice ignores cell widths otherwise
    for j, w in enumerate(widths):
        table.columns[j].width = Cm(w)
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        table._tbl.tblPr.append(look)
    for k, v in (("w:firstRow", "1"), ("w:firstColumn", "0"), ("w:lastRow", "0"), ("w:lastColumn", "0"),
                 ("w:noHBand", "1"), ("w:noVBand", "1"), ("w:val", "0620")):
        look.set(qn(k), v)
    hdr = table.rows[0]
    hdr._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on every page
    for i, row in enumerate([header, *rows]):
        cells = hdr.cells if i == 0 else table.add_row().cells
        for j, value in enumerate(row):
            cell = cells[j]
            cell.width = Cm(widths[j])
            par = cell.paragraphs[0]
            par.style = doc.styles["Table Text"]
            for k, line in enumerate(str(value).split("\n\n")):
                p = par if k == 0 else cell.add_paragraph(style="Table Text")
                if k:
                    p.paragraph_format.space_before = Pt(3)
                label = _LABEL.match(line) if i else None  # "Use: ..." / "Not: ..." in the codebook
                if label:
                    _add_text(p, label.group(0), bold=True)
                _add_text(p, line[label.end():] if label else line, bold=(i - 1) in bold_rows and j == 0)
                _set_bidi(p, line)
            if j >= numeric:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i and j == 0 and indents:
                par.paragraph_format.left_indent = Cm(0.4 * indents[i - 1])
    doc.add_paragraph()


# -------------------------------------------------------------------- sections
def _title_page(doc: DocxDocument, project: Project, options: ReportOptions, ex: pd.DataFrame) -> None:
    doc.add_paragraph(options.title or project.name, style="Title")
    doc.add_paragraph(options.subtitle, style="Subtitle")
    coders = list(options.coders) if options.coders else sorted(set(ex["coder"])) or project.coders()
    when = options.date or date.today().strftime("%d %B %Y").lstrip("0")
    facts = [("Project", project.name), ("Date", when), ("Coders", ", ".join(coders) or "none"),
             ("Excerpts", f"{len(ex)} from {_n(ex['document'].nunique(), 'document')} and {_n(ex['participant'].nunique(), 'participant')}"),
             ("Context", "the coded span only" if options.context == "span" else "the whole turn, the coded span in bold"),
             ("Order", "by theme and code" if options.order == "code" else "by participant")]
    facts += [("Selection", line) for line in options.describe()]
    for label, value in facts:
        par = doc.add_paragraph()
        _add_text(par, f"{label}: ", bold=True)
        _add_text(par, value)
    _para(doc, f"Generated by qualcode {__version__}. Excerpts are quoted exactly as coded.", "Code Note")
    # No page break here: every Heading 1 starts a new page (a property of the style).


def _codebook(doc: DocxDocument, book: pd.DataFrame, by_id: dict) -> None:
    doc.add_heading("Codebook", level=1)
    rows, bold, indents = [], set(), []
    for i, r in enumerate(book.itertuples()):
        code = by_id[r.code_id]
        use = "\n\n".join(x for x in (f"Use: {code.when_to_use}" if code.when_to_use else "",
                                      f"Not: {code.when_not_to_use}" if code.when_not_to_use else "") if x)
        rows.append([code.name, code.definition, use, code.example])
        indents.append(int(r.depth))
        if r.depth == 0:
            bold.add(i)
    _table(doc, ["Code", "Definition", "When to use / not", "Example"], rows, [3.6, 4.6, 4.4, 3.4], bold, indents)


def _frequencies(doc: DocxDocument, codings: pd.DataFrame, book: pd.DataFrame, docs: pd.DataFrame) -> None:
    doc.add_heading("Code frequencies", level=1)
    codes = code_frequencies(codings, book, docs).set_index("code_id")
    themes = theme_frequencies(codings, book, docs).set_index("theme_id")
    total = count_people(docs)
    rows, bold, indents = [], set(), []
    for i, r in enumerate(book.itertuples()):
        src = themes if r.depth == 0 else codes
        if r.code_id not in src.index:
            rows.append([r.code, "", "", ""])
        else:
            s = src.loc[r.code_id]
            share = f" ({100 * s['participants'] / total:.0f}%)" if total else ""
            rows.append([r.code, str(int(s["codings"])), f"{int(s['participants'])} of {total}{share}", str(int(s["documents"]))])
        indents.append(int(r.depth))
        if r.depth == 0:
            bold.add(i)
    _para(doc, "Codings counts every coding (a passage coded by two coders counts twice); participants counts "
               "the participants whose interviews hold the code at least once. Theme rows total their codes.", "Code Note")
    _table(doc, ["Theme / code", "Codings", "Participants", "Documents"], rows, [8.0, 2.4, 3.2, 2.4], bold, indents, numeric=1)


def _figures(doc: DocxDocument, project: Project, options: ReportOptions, codings, book, docs, warnings: list[str]) -> None:
    from ..viz.standard import standard_figures
    from .figures import FigureExportError, find_browser, render_figures

    doc.add_heading("Figures", level=1)
    try:
        browser = find_browser(options.browser)
        coder = options.coders[0] if options.coders and len(options.coders) == 1 else None
        study = StudyFrames(codings=codings, codes=book, documents=docs, participants=participants_frame(project.participants()),
                            segments=project.segments_frame(), coder=coder)
        made = standard_figures(study, width=6.0, n_orderings=100)
        specs = [s for s in made if s.name in options.figures]
        missing = [n for n in options.figures if n not in {s.name for s in made}]
        if missing:  # e.g. no co-occurrence in a one-code selection, or a misspelt name
            warnings.append(f"figure(s) {', '.join(missing)} not available for this selection "
                            f"(available: {', '.join(s.name for s in made) or 'none'})")
        pngs = render_figures([(s.figure, "png") for s in specs], dpi=options.dpi, browser=browser)
    except FigureExportError as exc:
        if options.include_figures:
            raise
        warnings.append(f"figures skipped: {exc}")
        _para(doc, f"Figures were not included: {exc}. Export them with `qualcode export figures`.", "Code Note")
        return
    if not specs:
        _para(doc, "No figures: nothing is coded in this selection.", "Code Note")
    for n, (spec, png) in enumerate(zip(specs, pngs), start=1):
        doc.add_picture(io.BytesIO(png), width=Inches(min(6.0, (spec.figure.layout.width or 576) / 96)))
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        cap = doc.add_paragraph(style="Caption")
        cap.add_run("Figure ")
        _field(cap, r"SEQ Figure \* ARABIC", str(n))
        _add_text(cap, f". {spec.caption}")


def _attribution(row, options: ReportOptions, with_code: bool, roles=None) -> str:
    speaker = row.speaker if isinstance(row.speaker, str) and row.speaker else None
    if not is_participant_in(roles, speaker):
        # An interviewer's (or a chatbot's) turn is quoted as theirs, never as the participant's.
        role = (roles or {}).get(speaker) or speaker_role(speaker)
        who = f"{speaker} ({role}, interview with {row.participant})"
    else:
        who = str(row.participant)
        attrs = [str(row.attributes.get(a, "")) for a in options.show_attributes if row.attributes.get(a)]
        if attrs:
            who += f" ({', '.join(attrs)})"
    where = [str(row.document)]
    if pd.notna(row.turn):
        where.append(f"turn {int(row.turn)}" + (f", {format_timestamp(row.timestamp)}" if pd.notna(row.timestamp) else ""))
    if speaker and is_participant_in(roles, speaker) and speaker != str(row.participant):
        where.append(f"speaker {speaker}")
    parts = [who, *where] + ([str(row.code_path)] if with_code else []) + [f"coded by {row.coder}"]
    return "— " + " · ".join(parts)


def _excerpt(doc: DocxDocument, row, options: ReportOptions, with_code: bool, roles=None) -> None:
    par = doc.add_paragraph(style="Excerpt")
    if options.context == "turn" and (row.context_start, row.context_end) != (row.start, row.end):
        a, b = row.start - row.context_start, row.end - row.context_start
        _add_text(par, row.context[:a])
        _add_text(par, row.context[a:b], "Coded Span")
        _add_text(par, row.context[b:])
    else:
        _add_text(par, row.snippet)
    _set_bidi(par, row.context if options.context == "turn" else row.snippet)
    _para(doc, _attribution(row, options, with_code, roles), "Excerpt Source")
    if options.include_memos and isinstance(row.memo, str) and row.memo.strip():
        memo = _para(doc, style="Memo")
        _add_text(memo, f"Memo ({row.coder}): ", bold=True)
        _add_text(memo, row.memo)


def collapse_coders(ex: pd.DataFrame) -> pd.DataFrame:
    """One row per (document, span, code): a passage that several coders coded the same
    way is quoted once, "coded by ana, ben", its memos kept with their coders' names."""
    if ex.empty:
        return ex
    keys = ["document_id", "start", "end", "code_id"]
    if not ex.duplicated(keys).any():
        return ex
    groups = ex.groupby(keys, sort=False)
    coders = groups["coder"].transform(lambda s: ", ".join(dict.fromkeys(map(str, s))))
    memos = groups[["coder", "memo"]].apply(
        lambda g: "; ".join(f"{m.strip()} ({c})" if len(g) > 1 else m.strip()
                            for c, m in zip(g["coder"], g["memo"]) if isinstance(m, str) and m.strip()) or None)
    out = ex.assign(coder=coders).drop_duplicates(keys).copy()
    out["memo"] = [memos.get(tuple(k)) for k in out[keys].itertuples(index=False)]
    return out


def _excerpts(doc: DocxDocument, project: Project, ex: pd.DataFrame, options: ReportOptions, by_id: dict,
              roles=None) -> None:
    doc.add_heading("Coded excerpts" if options.order == "code" else "Coded excerpts by participant", level=1)
    if ex.empty:
        _para(doc, "No coding matches this selection.", "Code Note")
        return
    ex = collapse_coders(ex)
    cap = options.max_excerpts_per_code
    if options.order == "participant":
        for who, group in ex.groupby("participant", sort=False):
            doc.add_heading(str(who), level=2)
            several = group["document"].nunique() > 1
            for name, rows in group.groupby("document", sort=False):
                if several:
                    doc.add_heading(str(name), level=3)
                for row in rows.itertuples():
                    _excerpt(doc, row, options, True, roles)
        return
    for theme, group in ex.groupby("theme", sort=False):
        doc.add_heading(str(theme), level=2)
        for code_id, rows in group.groupby("code_id", sort=False):
            code = by_id[code_id]
            first = rows.iloc[0]
            if first["depth"] > 0:
                doc.add_heading(PATH_SEPARATOR.join(str(first["code_path"]).split(PATH_SEPARATOR)[1:]), level=3)
            note = f"{_n(len(rows), 'excerpt')} from {_n(rows['participant'].nunique(), 'participant')}."
            _para(doc, note + (f" Definition: {code.definition}" if code.definition else ""), "Code Note")
            memo = project.memo("code", int(code_id)) if options.include_memos else None
            if memo:
                par = _para(doc, style="Memo")
                _add_text(par, "Code memo: ", bold=True)
                _add_text(par, memo[0])
            shown = rows if cap is None else rows.head(cap)
            for row in shown.itertuples():
                _excerpt(doc, row, options, False, roles)
            if len(shown) < len(rows):
                _para(doc, f"… and {len(rows) - len(shown)} more (all are in the CSV/XLSX export).", "Code Note")


def _memos(doc: DocxDocument, project: Project, docs: pd.DataFrame) -> None:
    found = [(name, project.memo("document", int(did))) for did, name in zip(docs["document_id"], docs["document"])]
    found = [(n, m[0]) for n, m in found if m]
    if found:
        doc.add_heading("Document memos", level=1)
        for name, text in found:
            doc.add_heading(str(name), level=3)
            _para(doc, text, "Memo")


# ------------------------------------------------------------------------- API
def build_report(project: Project, options: ReportOptions | None = None) -> Report:
    """Build the Word report for ``project`` (see :class:`ReportOptions`)."""
    options = options or ReportOptions()
    if options.include_figures and not options.figures:
        raise ExportError("figures were asked for but no figure names were given")
    # One read transaction for everything the report shows, so its sections agree even
    # while coders keep saving.
    with project.snapshot():
        codes = project.codes()
        ex = select_excerpts(project, options, codes=codes)
        # The same rows feed the frequencies and figures: the report counts what it quotes.
        codings, book, docs = study_frames(project, options, excerpts=ex, codes=codes)
        by_id = {c.id: c for c in codes}
        doc = new_document()
        _setup(doc, options)
        doc.core_properties.title = options.title or project.name
        doc.core_properties.author = f"qualcode {__version__}"
        warnings: list[str] = []
        _title_page(doc, project, options, ex)
        project_memo = project.memo("project", project.id) if options.include_memos else None
        if project_memo:
            doc.add_heading("Project memo", level=1)
            _para(doc, project_memo[0], "Memo")
        if options.include_codebook and len(book):
            _codebook(doc, book, by_id)
        _excerpts(doc, project, ex, options, by_id, project_roles(project))
        if options.include_frequencies and len(book):
            _frequencies(doc, codings, book, docs)
        if options.include_figures is not False and options.figures:
            _figures(doc, project, options, codings, book, docs, warnings)
        if options.include_memos:
            _memos(doc, project, docs)
    return Report(doc, len(ex), warnings)


def write_report(project: Project, path: str | os.PathLike[str], options: ReportOptions | None = None) -> Report:
    """Build the report and save it to ``path`` (a ``.docx``)."""
    report = build_report(project, options)
    report.save(path)
    return report
