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
