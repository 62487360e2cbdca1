"""The project store on a real SQLite file: transactions, event log, undo, memos."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.errors import CodebookError, ConflictError, NotFoundError, StoreError
from qualcode.model import Code, Document, ImportedCoding, Participant, Segment
from qualcode.store import SCHEMA_VERSION, Project
from tests.conftest import make_interview
from tests.fixtures import ensure_coders


def test_new_project_file_uses_wal_foreign_keys_and_schema_version(tmp_path):
    path = tmp_path / "s.qualcode"
    with Project.open(path) as project:
        assert project.info() == {"documents": 0, "segments": 0, "codes": 0, "codings": 0, "coders": 0, "participants": 0}
        with project.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    raw = sqlite3.connect(path)
    assert raw.execute("select value from qualcode_meta where key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_reopening_keeps_everything(tmp_path, any_small_study):
    location, name = any_small_study.location, any_small_study.name
    ensure_coders(any_small_study, "ana")
    any_small_study.add_coding("P01", *_span(any_small_study, "P01", "It just listened."), "Non-judgemental listener", "ana")
    before = any_small_study.info()
    any_small_study.close()
    with Project.open(location, name=name, create=False) as again:
        assert again.info() == before
        assert [c.snippet for c in again.codings()] == ["It just listened."]


def test_open_missing_without_create_names_the_file(tmp_path):
    with pytest.raises(NotFoundError, match="nope.qualcode"):
        Project.open(tmp_path / "nope.qualcode", create=False)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.qualcode"
    Project.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute("update qualcode_meta set value='999' where key='schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer qualcode"):
        Project.open(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.qualcode"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="broken.qualcode"):
        Project.open(path)


def _span(project, doc_name, needle):
    _, doc = project.document(doc_name)
    start = doc.text.index(needle)
    return start, start + len(needle)


def test_import_is_all_or_nothing(any_project):
    good = make_interview("A", [("I", "Hello"), ("P", "Hi")])
    bad = Document("B", "short", [Segment(0, 99, "P")])
    with pytest.raises(StoreError, match="B"):
        any_project.add_documents([good, bad])
    assert any_project.info()["documents"] == 0
    any_project.add_documents([good])
    with pytest.raises(StoreError, match="already in the project"):
        any_project.add_documents([make_interview("C", [("I", "x")]), good])
    assert [d.name for d in any_project.documents()] == ["A"]


def test_segments_round_trip_with_offsets(any_project):
    doc = make_interview("Ünïcode", [("Interviewer", "Wie geht's? 😀"), ("P09", "Gut — naja.")])
    any_project.add_documents([doc])
    _, back = any_project.document("Ünïcode")
    assert back.text == doc.text
    assert [back.text[s.start : s.end] for s in back.segments] == ["Wie geht's? 😀", "Gut — naja."]
    assert [s.speaker for s in back.segments] == ["Interviewer", "P09"]


def test_imported_codings_create_codes_and_coders(any_project):
    doc = make_interview("T1", [("therapist", "How are you?"), ("client", "Fine.")])
    doc.codings = [
        ImportedCoding(0, "question", "1", theme="main_therapist_behaviour"),
        ImportedCoding(0, "question", "2", theme="main_therapist_behaviour"),
        ImportedCoding(1, "neutral", "1", theme="client_talk_type"),
    ]
    any_project.add_documents([doc])
    assert any_project.info()["codings"] == 3
    assert any_project.coders() == ["1", "2"]
    tree = {(c.name, c.parent) for c in any_project.codes()}
    assert ("question", "main_therapist_behaviour") in tree and ("neutral", "client_talk_type") in tree
    assert all(c.origin == "imported" for c in any_project.codings())


def test_coding_checks_snippet_span_and_theme_folders(any_small_study):
    start, end = _span(any_small_study, "P02", "I rehearse what I will say to my mother.")
    ensure_coders(any_small_study, "ana", "ben")
    coding = any_small_study.add_coding("P02", start, end, "Rehearsal space", "ana", snippet="I rehearse what I will say to my mother.")
    assert coding.snippet == "I rehearse what I will say to my mother."
    with pytest.raises(StoreError, match="does not match"):
        any_small_study.add_coding("P02", start, end, "Rehearsal space", "ben", snippet="something else")
    with pytest.raises(StoreError, match="outside"):
        any_small_study.add_coding("P02", 0, 10_000, "Rehearsal space", "ana")
    with pytest.raises(StoreError, match="theme folder"):
        any_small_study.add_coding("P02", start, end, "Support roles", "ana")
    with pytest.raises(StoreError, match="refused"):  # the same coder, code and span twice
        any_small_study.add_coding("P02", start, end, "Rehearsal space", "ana")
    assert any_small_study.info()["codings"] == 1


def test_a_coding_for_a_coder_nobody_created_here_is_refused_and_writes_nothing(any_small_study):
    p = any_small_study
    start, end = _span(p, "P02", "I rehearse what I will say to my mother.")
    revision, events = p.revision(), len(p.events(limit=1000))
    with pytest.raises(NotFoundError, match=r"no coder 'anna' in this project"):
        p.add_coding("P02", start, end, "Rehearsal space", "anna")
    assert p.coders() == [] and p.codings() == []
    assert p.revision() == revision and len(p.events(limit=1000)) == events
    p.add_coder("anna")  # created explicitly: now the coding is hers
    assert p.add_coding("P02", start, end, "Rehearsal space", "anna").coder == "anna"


def test_every_write_is_logged_and_undo_reverses_the_coders_own_actions(any_small_study):
    s, e = _span(any_small_study, "P01", "It just listened.")
    ensure_coders(any_small_study, "ana", "ben")
    first = any_small_study.add_coding("P01", s, e, "Non-judgemental listener", "ana")
    other = any_small_study.add_coding("P01", s, e, "Generic replies", "ben")
    any_small_study.remove_coding(first.id, actor="ana")
    actions = [ev.action for ev in any_small_study.events(limit=3)]
    assert actions == ["coding.remove", "coding.add", "coding.add"]
    undone = any_small_study.undo_last("ana")
    assert undone.action == "coding.remove"
    restored = {c.id for c in any_small_study.codings()}
    assert restored == {first.id, other.id}
    assert any_small_study.undo_last("ana").action == "coding.add"
    assert {c.coder for c in any_small_study.codings()} == {"ben"}  # ben's work untouched
    assert any_small_study.undo_last("ana") is None
    assert any_small_study.events(limit=1)[0].action == "undo"


def test_failed_write_leaves_no_event_and_no_change(any_small_study):
    before_rev = any_small_study.revision()
    with pytest.raises(StoreError):
        with any_small_study.write("test.fail", actor="ana") as (conn, ev):
            from qualcode.store import schema

            conn.execute(schema.coders.insert().values(project_id=any_small_study.id, name="ghost", created_at="x"))
            raise StoreError("boom")
    assert "ghost" not in any_small_study.coders()
    assert any_small_study.revision() == before_rev


def test_a_memo_by_a_coder_nobody_created_here_is_refused_and_writes_nothing(any_small_study):
    p = any_small_study
    code = p.code("Rehearsal space")
    revision, events = p.revision(), len(p.events(limit=1000))
    for target, tid in (("code", code.id), ("document", p.document("P01")[0]), ("project", p.id)):
        with pytest.raises(NotFoundError, match=r"no coder 'anna' in this project"):
            p.set_memo(target, tid, "a note", actor="anna")
        assert p.memo(target, tid) is None
    assert p.coders() == []
    assert p.revision() == revision and len(p.events(limit=1000)) == events
    p.set_memo("code", code.id, "no author named")  # an anonymous memo invents nobody either
    assert p.coders() == []
    p.add_coder("anna")  # created explicitly: now the memo is hers
    p.set_memo("code", code.id, "a note", actor="anna")
    assert p.memo("code", code.id)[0] == "a note"


def test_memo_version_check_refuses_a_stale_write(any_small_study):
    ensure_coders(any_small_study, "ana", "ben")
    code = any_small_study.code("Rehearsal space")
    v1 = any_small_study.set_memo("code", code.id, "first thoughts", actor="ana", expected_version=0)
    with pytest.raises(ConflictError):
        any_small_study.set_memo("code", code.id, "overwrite", actor="ben", expected_version=0)
    assert any_small_study.memo("code", code.id) == ("first thoughts", v1)
    any_small_study.set_memo("code", code.id, "second", actor="ben", expected_version=v1)
    assert any_small_study.memo("code", code.id)[0] == "second"
    any_small_study.undo_last("ben")
    assert any_small_study.memo("code", code.id)[0] == "first thoughts"


def test_participants_link_to_documents_and_unknown_documents_are_refused(any_small_study):
    any_small_study.upsert_participants([(Participant("P01", {"country": "Kenya"}), ["P01"])])
    assert any_small_study.participants()[0].attributes == {"country": "Kenya"}
    with pytest.raises(StoreError, match="P99"):
        any_small_study.upsert_participants([(Participant("P03", {"country": "Japan"}), ["P99"])])
    assert [p.pseudonym for p in any_small_study.participants()] == ["P01", "P02"]


def test_codes_in_tree_order_and_duplicate_names_refused(any_small_study):
    names = [(c.name, c.parent) for c in any_small_study.codes()]
    assert names[:3] == [("Support roles", None), ("Non-judgemental listener", "Support roles"), ("Rehearsal space", "Support roles")]
    # One "add a code" writer (also behind codebook.edit.add_code): one error type.
    with pytest.raises(CodebookError, match="already exists"):
        any_small_study.add_code(Code("Rehearsal space", parent="Support roles"))
    with pytest.raises(CodebookError, match="not a colour"):
        any_small_study.add_code(Code("Red", colour="red"))
    with pytest.raises(NotFoundError):
        any_small_study.add_code(Code("Orphan", parent="No such theme"))


def test_frames_for_analysis(any_small_study):
    s, e = _span(any_small_study, "P01", "It just listened.")
    ensure_coders(any_small_study, "ana")
    any_small_study.add_coding("P01", s, e, "Non-judgemental listener", "ana")
    frame = any_small_study.codings_frame()
    assert list(frame[["document", "code", "coder", "snippet"]].iloc[0]) == ["P01", "Non-judgemental listener", "ana", "It just listened."]
    segs = any_small_study.segments_frame()
    assert len(segs) == 6 and set(segs["document"]) == {"P01", "P02"}
