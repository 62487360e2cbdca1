"""Word documents, generated at test time with python-docx (fictional text)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

docx = pytest.importorskip("docx", reason="python-docx is not installed")

from qualcode.errors import IngestError  # noqa: E402
from qualcode.ingest import read_documents, read_documents_from_bytes  # noqa: E402


def _save(document, path: Path) -> Path:
    document.save(str(path))
    return path


def test_docx_paragraph_labels(tmp_path):
    d = docx.Document()
    d.add_heading("Fictional interview, P03", level=1)
    d.add_paragraph("Interviewer: What does a normal day look like?")
    d.add_paragraph("P03: I start at seven.")
    d.add_paragraph("Then I walk the dog.")  # continues P03's turn
    d.add_heading("Part two", level=2)
    d.add_paragraph("Interviewer: And weekends?")
    d.add_paragraph("")  # empty paragraphs are dropped
    p = d.add_paragraph("P03: Quiet. ")
    p.add_run("Very quiet.").bold = True
    doc = read_documents(_save(d, tmp_path / "p03.docx"))[0]
    doc.check()
    assert doc.source_format == "docx" and doc.name == "p03"
    got = [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments]
    assert got == [
        ("Interviewer", "What does a normal day look like?"),
        ("P03", "I start at seven.\n\nThen I walk the dog."),
        ("Interviewer", "And weekends?"),
        ("P03", "Quiet. Very quiet."),
    ]
    assert doc.text.startswith("Fictional interview, P03\n\nInterviewer: ")


def test_docx_transcript_table(tmp_path):
    d = docx.Document()
    d.add_paragraph("Team meeting (fictional)")
    rows = [("Speaker", "Time", "Text"), ("Ana", "00:00:03", "Shall we start?"),
            ("Ben", "0:07", "Yes, go ahead."), ("", "", "I have two updates."),
            ("Ana", "00:01:10", "Great.")]
    t = d.add_table(rows=len(rows), cols=3)
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            t.cell(r, c).text = v
    doc = read_documents(_save(d, tmp_path / "meeting.docx"))[0]
    doc.check()
    got = [(s.speaker, s.timestamp, doc.text[s.start:s.end]) for s in doc.segments]
    assert got == [
        ("Ana", 3.0, "Shall we start?"),
        ("Ben", 7.0, "Yes, go ahead.\nI have two updates."),
        ("Ana", 70.0, "Great."),
    ]
    assert doc.metadata["layout"] == "table"
    assert doc.text.startswith("Team meeting (fictional)\n\nAna: Shall we start?")


def test_docx_unlabelled_paragraphs(tmp_path):
    d = docx.Document()
    d.add_paragraph("A reflective memo, first paragraph.")
    d.add_paragraph("Second paragraph.")
    doc = read_documents(_save(d, tmp_path / "memo.docx"))[0]
    assert [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments] == [
        (None, "A reflective memo, first paragraph."), (None, "Second paragraph.")]


def test_docx_not_a_zip():
    with pytest.raises(IngestError, match=r"broken\.docx.*not a \.docx"):
        read_documents_from_bytes(b"just some text", "broken.docx")


def test_docx_zip_that_is_not_word():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match=r"other\.docx.*cannot open the Word document"):
        read_documents_from_bytes(buf.getvalue(), "other.docx")


def test_docx_without_text(tmp_path):
    with pytest.raises(IngestError, match=r"empty\.docx.*no transcript text"):
        read_documents(_save(docx.Document(), tmp_path / "empty.docx"))
