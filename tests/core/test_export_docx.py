"""The Word report: opens with python-docx; headings, exact quotes, tables, styles,
right-to-left text, filters, memos, figures (or the note saying why not)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from qualcode.export.docx import ReportOptions, build_report, is_rtl, write_report
from qualcode.export.figures import FigureExportError
from tests.core.test_export_excerpts import ARABIC, coded  # noqa: F401  (fixture)

CHROMIUM = Path("/usr/bin/chromium")


def reopen(report) -> docx.document.Document:
    """Save and read back, as Word would: what python-docx wrote must parse."""
    return docx.Document(io.BytesIO(report.to_bytes()))


def styled(doc, style: str) -> list:
    return [p for p in doc.paragraphs if p.style.name == style]


def texts(doc, style: str) -> list[str]:
    return [p.text for p in styled(doc, style)]


def test_structure_quotes_and_tables(coded):
    report = build_report(coded, ReportOptions(include_figures=False, date="1 March 2026"))
    doc = reopen(report)
    assert report.excerpts == 7
    assert texts(doc, "Title") == [coded.name]
    assert texts(doc, "Heading 1") == ["Codebook", "Coded excerpts", "Code frequencies"]
    assert texts(doc, "Heading 2") == ["Support roles", "Generic replies"]
    assert texts(doc, "Heading 3") == ["Non-judgemental listener", "Rehearsal space"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Date: 1 March 2026" in body and "Coders: ana, ben, consensus" in body
    # Each quote is the exact coded text, in codebook order then interview order; the
    # sentence ana and consensus coded alike is quoted once, with both names.
    assert texts(doc, "Excerpt") == [
        "At night, when nobody else was awake. It just listened.", "It just listened.", ARABIC,
        "I rehearse what I will say to my mother.",
        "the advice was generic", "it answered in Portuguese",
    ]
    sources = texts(doc, "Excerpt Source")
    assert sources[0] == "— P01 · P01 · turn 2 · coded by ben"
    assert sources[3] == "— P02 · P02 · turn 2 · coded by ana, consensus"
    # Codebook table, then the frequency table.
    book, freq = doc.tables
    assert [c.text for c in book.rows[0].cells] == ["Code", "Definition", "When to use / not", "Example"]
    assert [r.cells[0].text for r in book.rows[1:]] == ["Support roles", "Non-judgemental listener", "Rehearsal space", "Generic replies"]
    assert book.rows[2].cells[1].text == "It listens without judging."
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in freq.rows[1:]}
    assert rows["Non-judgemental listener"] == ["3", "2 of 4 (50%)", "2"]
    assert rows["Support roles"] == ["5", "3 of 4 (75%)", "3"]
    assert book.style.name == freq.style.name == "Light Grid Accent 1"
    assert book.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on each page


def test_styles_are_named_and_based_on_word_styles(coded):
    doc = reopen(build_report(coded, ReportOptions(include_figures=False)))
    assert doc.styles["Excerpt"].base_style.name == "Quote"
    assert doc.styles["Coded Span"].font.bold
    for name in ("Excerpt Source", "Memo", "Code Note", "Table Text"):
        assert doc.styles[name].base_style.name == "Normal"
    assert doc.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)


def test_turn_context_emphasises_the_span(coded):
    doc = reopen(build_report(coded, ReportOptions(context="turn", include_figures=False, coders=["ana"])))
    quotes = styled(doc, "Excerpt")
    listened = quotes[0]
    assert listened.text == "At night, when nobody else was awake. It just listened."
    spans = [r.text for r in listened.runs if r.style.name == "Coded Span"]
    assert spans == ["It just listened."]
    generic = next(p for p in quotes if "generic" in p.text)
    assert generic.text == "Sometimes the advice was generic, like a leaflet."
    assert [r.text for r in generic.runs if r.style.name == "Coded Span"] == ["the advice was generic"]


def test_arabic_excerpt_is_right_to_left(coded):
    doc = reopen(build_report(coded, ReportOptions(include_figures=False)))
    [par] = [p for p in styled(doc, "Excerpt") if p.text == ARABIC]
    assert par._p.pPr.find(qn("w:bidi")) is not None
    arabic_runs = [r for r in par.runs if is_rtl(r.text)]
    assert arabic_runs and all(r._r.rPr.find(qn("w:rtl")) is not None for r in arabic_runs)
    latin = [p for p in styled(doc, "Excerpt") if p.text == "It just listened."][0]
    assert latin._p.pPr.find(qn("w:bidi")) is None
    assert is_rtl("  «שלום» hello") and not is_rtl("hello مرحبا")


def test_filters_attributes_memos_and_participant_order(coded):
    options = ReportOptions(coders=["ana"], attributes={"country": ["Brazil", "Kenya"]}, show_attributes=["country"],
                            include_memos=True, include_figures=False, order="participant")
    doc = reopen(build_report(coded, options))
    assert texts(doc, "Heading 2") == ["P01", "P02"]
    assert "Project memo" in texts(doc, "Heading 1") and "Document memos" in texts(doc, "Heading 1")
    assert texts(doc, "Excerpt") == ["It just listened.", "the advice was generic", "I rehearse what I will say to my mother."]
    sources = texts(doc, "Excerpt Source")
    assert sources[0] == "— P01 (Brazil) · P01 · turn 2 · Support roles › Non-judgemental listener · coded by ana"
    memos = texts(doc, "Memo")
    assert "Memo (ana): Compare with P02." in memos and "P02 spoke fast." in memos
    assert "Fictional study for the export tests." in memos
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Coders: ana" in body and "country: Brazil, Kenya" in body


def test_code_memos_and_cap(coded):
    doc = reopen(build_report(coded, ReportOptions(include_memos=True, include_figures=False, max_excerpts_per_code=1)))
    assert "Code memo: Listening without judgement." in texts(doc, "Memo")
    assert len(styled(doc, "Excerpt")) == 3
    assert any("and 2 more" in t for t in texts(doc, "Code Note"))


def test_figures_skipped_with_a_note_unless_required(coded, tmp_path):
    report = build_report(coded, ReportOptions(browser=str(tmp_path / "no-browser")))
    assert report.warnings and "figures skipped" in report.warnings[0]
    doc = reopen(report)
    assert "Figures" in texts(doc, "Heading 1")
    assert any("Figures were not included" in t for t in texts(doc, "Code Note"))
    with pytest.raises(FigureExportError):
        build_report(coded, ReportOptions(include_figures=True, browser=str(tmp_path / "no-browser")))


def test_empty_selection_says_so(coded):
    doc = reopen(build_report(coded, ReportOptions(participants=["P03"], coders=["ben"], include_figures=False)))
    assert "No coding matches this selection." in texts(doc, "Code Note")


@pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"figure rendering needs Chromium at {CHROMIUM}")
def test_figures_embedded(coded, tmp_path):
    path = tmp_path / "report.docx"
    report = write_report(coded, path, ReportOptions(figures=("themes",), dpi=96))
    doc = docx.Document(str(path))
    assert report.warnings == []
    assert len(doc.inline_shapes) == 1
    [caption] = texts(doc, "Caption")
    assert caption.startswith("Figure 1. Participants (of 4)")
