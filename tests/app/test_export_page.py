"""Export page: the selection, deferred downloads (built only on click), blind mode."""

from __future__ import annotations

import io
import zipfile

import docx
import pandas as pd

from qualcode.export.docx import ReportOptions
from qualcode.ui.pages.export import builder, file_stem
from tests.app.conftest import new_app, no_errors, texts

K = "qc.export."


def code_some(project) -> None:
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, "Non-judgemental listener", "ana")
    project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, "Generic replies", "ben")
    _, doc = project.document("P02")
    project.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Rehearsal space", "ana")


def downloads(at) -> dict[str, object]:
    return {b.proto.label: b.proto for b in at.get("download_button")}


def test_page_offers_deferred_downloads(project):
    code_some(project)
    at = new_app("export")
    no_errors(at)
    assert any("3 coded excerpt(s) from 2 participant(s)" in c for c in texts(at.caption))
    buttons = downloads(at)
    assert set(buttons) == {"Download Word report", "Excerpts (CSV)", "Excel workbook", "Code × participant (CSV)",
                            "Download .qdpx"}
    # Nothing is built until a click: the buttons carry a deferred file, and do not rerun the page.
    assert all(b.deferred_file_id and b.ignore_rerun for b in buttons.values())


def test_selection_changes_what_matches(project):
    code_some(project)
    at = new_app("export")
    at.multiselect(key=f"{K}coders").set_value(["ben"]).run()
    no_errors(at)
    assert any("1 coded excerpt(s) from 1 participant(s)" in c for c in texts(at.caption))
    at.multiselect(key=f"{K}coders").set_value([]).run()
    at.multiselect(key=f"{K}participants").set_value(["P02"]).run()
    assert any("1 coded excerpt(s)" in c for c in texts(at.caption))


def test_blind_mode_exports_only_your_codings(project):
    code_some(project)
    at = new_app("export", coder="ben", blind=True)
    no_errors(at)
    assert not [m for m in at.multiselect if m.key == f"{K}coders"]
    assert any("only your own codings" in c for c in texts(at.caption))
    assert any("1 coded excerpt(s)" in c for c in texts(at.caption))


def test_builders_make_the_files(project):
    code_some(project)
    options = ReportOptions(coders=["ana"], include_figures=False, context="turn")
    report = docx.Document(io.BytesIO(builder("docx", project, options)()))
    assert [p.text for p in report.paragraphs if p.style.name == "Excerpt"] == [
        "At night, when nobody else was awake. It just listened.",
        "I rehearse what I will say to my mother. Therapy costs too much here."]
    frame = pd.read_csv(io.BytesIO(builder("csv", project, options)()), encoding="utf-8-sig")
    assert list(frame["coder"]) == ["ana", "ana"] and "context" in frame.columns
    assert builder("xlsx", project, options)()[:2] == b"PK"
    assert "Generic replies" in builder("matrix", project, options)().decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(builder("qdpx", project, options)())) as zf:
        assert "project.qde" in zf.namelist()
    assert file_stem("Demo study (fictional): chatbots") == "Demo-study-fictional-chatbots"


def test_the_consensus_coder_is_the_default_as_on_analyze(project):
    code_some(project)
    project.add_coder("consensus")
    _, doc = project.document("P02")
    project.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Rehearsal space", "consensus")
    at = new_app("export")
    no_errors(at)
    assert at.multiselect(key=f"{K}coders").value == ["consensus"]
    assert any("1 coded excerpt(s) from 1 participant(s)" in c for c in texts(at.caption))
    analyze = new_app("analyze")
    assert any(s.value == "consensus" for s in analyze.selectbox if "coder" in (s.key or ""))
    # Cleared, it stays cleared (every coder's codings).
    at.multiselect(key=f"{K}coders").set_value([]).run()
    assert any("4 coded excerpt(s)" in c for c in texts(at.caption))
