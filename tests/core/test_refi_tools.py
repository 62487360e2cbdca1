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
                             "utf16-text-file", "pdf-text-layer"}


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
