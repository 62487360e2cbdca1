"""The transcript list and the Code page show each transcript's detected language
and a turn's metadata (tests/core/test_languages.py and test_turn_meta.py test the rest)."""

from __future__ import annotations

from pathlib import Path

from qualcode.ingest import read_documents, read_documents_from_bytes
from tests.core.test_languages import _chinese_project


def test_the_transcript_list_shows_each_language(fresh_project):
    from qualcode.store.queries import document_languages
    from qualcode.ui.pages.transcripts import transcript_rows

    project = _chinese_project(fresh_project)
    project.add_documents(read_documents_from_bytes(b"P01: I have been using the chatbot at night when I cannot "
                                                    b"sleep, and it helps me calm down before bed.", "p01.txt"))
    assert sorted(document_languages(project).values()) == ["en", "zh", "zh", "zh"]
    rows = transcript_rows(project, None, blind=False)
    assert {r["transcript"]: r["language"] for r in rows} == {"对话1": "zh", "对话2": "zh", "对话3": "zh", "p01": "en"}


def test_the_code_page_shows_a_reddit_turns_metadata_and_the_language(project):
    from tests.app.conftest import new_app, no_errors, texts

    thread = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "panic_at_work.json"
    project.add_documents(read_documents(thread))
    at = new_app("coding", query={"doc": "panic_at_work"})
    no_errors(at)
    did = project.document("panic_at_work")[0]
    at.selectbox(key=f"qc.code.turn.{did}").set_value(1).run()
    no_errors(at)
    shown = texts(at.caption)
    assert any("score 48" in t and "replies to turn 1" in t and "OP replied: yes" in t for t in shown), shown
    assert any("language: English (en)" in t for t in shown), shown


def test_the_excerpts_page_filters_and_counts_by_turn_metadata(project):
    from qualcode.model import Code
    from tests.app.conftest import new_app, no_errors, texts

    thread = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "panic_at_work.json"
    project.add_documents(read_documents(thread))
    cid = project.add_code(Code("helpful"))
    did, doc = project.document("panic_at_work")
    for seg in doc.segments:
        if seg.meta.get("score", 0) >= 9 and not seg.meta["is_op"]:
            project.add_coding(did, seg.start, seg.end, cid, "ana")
    at = new_app("excerpts")
    at.multiselect(key="qc.excerpts.a").set_value([cid]).run()
    no_errors(at)
    assert any(t.startswith("**5 excerpts**") for t in texts(at.markdown)), texts(at.markdown)
    at.selectbox(key="qc.excerpts.turn_field").set_value("op_replied").run()
    at.text_input(key="qc.excerpts.turn_cond").input("true").run()
    no_errors(at)
    assert any(t.startswith("**2 excerpts**") and "replied: true" in t for t in texts(at.markdown))
    at.text_input(key="qc.excerpts.turn_cond").input("").run()
    at.selectbox(key="qc.excerpts.by_field").set_value("score").run()
    at.text_input(key="qc.excerpts.by_cuts").input("10, 20").run()
    no_errors(at)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["< 10", "10 to < 20", ">= 20"] and table.loc["helpful"].tolist() == [1, 2, 2]
