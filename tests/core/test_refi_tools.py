"""Exports in the shapes NVivo (Windows and Mac), ATLAS.ti, MAXQDA and QualCoder write,
built from the text descriptions in ``tests/fixtures/refi/<shape>/`` (see
:mod:`tests.refi_fixtures`), each imported and checked against its ``expected.json``:
every quote lands on exactly its text, whatever the tool's way of counting."""

from __future__ import annotations

import pytest

from qualcode.refi.qdpx_import import import_qdpx
from qualcode.store.queries import exchange_rows
from qualcode.store.sets import project_sets
from tests.refi_fixtures import build, expected, shapes


def test_every_shape_has_an_expectation():
    assert set(shapes()) >= {"nvivo-windows", "nvivo-mac", "atlasti-blank", "atlasti", "maxqda", "qualcoder",
                             "qualcoder-audio", "utf16-text-file", "pdf-text-layer"}


@pytest.mark.parametrize("shape", shapes())
def test_tool_shape_imports_as_expected(shape, fresh_project, tmp_path):
    want = expected(shape)
    report = import_qdpx(fresh_project, build(shape, tmp_path))
    p = fresh_project
    assert report.origin == want["origin"]
    assert report.empty is want.get("empty", False)
    assert report.unplaced == []
    assert report.users == want["users"]
    for needle in want.get("skipped_contains", []):
        assert any(needle in s for s in report.skipped + [x for src in report.sources for x in src.skipped]), needle
    got_sources = {s.document: {k: getattr(s, k) for k in want["sources"].get(s.document, {})} for s in report.sources}
    assert got_sources == want.get("sources", {})
    codings = sorted([p.document(c.document_id)[1].name, c.code_name, c.coder, c.snippet, c.created_at]
                     for c in p.codings())
    assert codings == sorted(want.get("codings", []))
    assert all(c.origin == "imported" and c.origin_detail == f"qdpx:{want['origin']}" for c in p.codings())
    for doc, speakers in want.get("speakers", {}).items():
        assert [s.speaker for s in p.document(doc)[1].segments] == speakers
    for doc, times in want.get("timestamps", {}).items():
        assert [s.timestamp for s in p.document(doc)[1].segments] == times
    assert {q.pseudonym: q.attributes for q in p.participants()} == want.get("participants", {})
    for doc, who in want.get("document_participant", {}).items():
        assert p.document(doc)[1].participant == who
    for doc, variables in want.get("document_variables", {}).items():
        assert p.document(doc)[1].metadata.get("variables") == variables
    for doc, needles in want.get("document_memo_contains", {}).items():
        memo = p.memo("document", p.document(doc)[0])[0]
        assert all(n in memo for n in needles), memo
    for code, needles in want.get("code_memo_contains", {}).items():
        memo = p.memo("code", p.code(code).id)[0]
        assert all(n in memo for n in needles), memo
    if "project_memo_contains" in want:
        memo = p.memo("project", p.id)[0]
        assert all(n in memo for n in want["project_memo_contains"]), memo
    if "project_description" in want:
        assert exchange_rows(p)[0][0] == want["project_description"]
    for code, colour in want.get("code_colours", {}).items():
        assert p.code(code).colour == colour
    sets = {s.name: [sorted(p.document(d)[1].name for d in s.documents), sorted(p.code(c).name for c in s.codes)]
            for s in project_sets(p)}
    assert sets == want.get("sets", {})
    for doc, pages in want.get("pages", {}).items():
        _, d = p.document(doc)
        assert [[n, d.text[a:b]] for n, a, b in d.metadata["pages"]] == pages
    assert sorted(d.name for d in p.documents()) == sorted(want.get("sources", {}))
    if want.get("empty"):
        assert "held nothing" in report.summary() and p.documents() == [] and p.codes() == []
        assert sorted(p.coders()) == want["users"]


def test_word_text_is_read_like_python_docx_reads_it():
    """The fast reader of .docx text gives what python-docx's Paragraph.text gives,
    paragraph by paragraph, through tables (nested too), breaks and tabs."""
    import io

    import docx
    from docx.enum.text import WD_BREAK
    from docx.table import Table, _Cell

    from qualcode.refi.sources import docx_text

    d = docx.Document()
    p = d.add_paragraph("Interviewer: first")
    p.add_run().add_break()
    p.add_run("second line\twith a tab")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(1, 0).text = "A1", "B1", "A2"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = "nested 😔"
    d.add_paragraph("")
    q = d.add_paragraph("before the page break")
    q.add_run().add_break(WD_BREAK.PAGE)
    q.add_run("after it")

    def reference(container) -> list[str]:
        out = []
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    for tc in row._tr.tc_lst:
                        out += reference(_Cell(tc, item))
            else:
                out.append(item.text)
        return out

    buf = io.BytesIO()
    d.save(buf)
    got = docx_text(buf.getvalue(), "t.docx")
    assert got.text.split("\n") == "\n".join(reference(docx.Document(io.BytesIO(buf.getvalue())))).split("\n")
    assert got.kind == "rich text (.docx)" and "nested 😔" in got.text
