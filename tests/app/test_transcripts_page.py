"""Transcripts page: the list, coding progress per coder, opening a transcript."""

from __future__ import annotations

from qualcode.ui.pages.transcripts import transcript_rows
from tests.app.conftest import goto, new_app, no_errors


def test_list_shows_participant_size_and_progress_of_the_current_coder(project):
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, 2, "ana")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].start + 8, 4, "ana")  # same turn: counts once
    project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, 2, "ben")
    rows = {r["transcript"]: r for r in transcript_rows(project, "ana", blind=False)}
    assert rows["P01"]["participant"] == "P01"
    assert rows["P01"]["turns"] == 4 and rows["P01"]["words"] == doc.word_count
    assert rows["P01"]["progress"] == 0.25  # 1 of 4 turns coded by ana
    assert rows["P01"]["codings"] == 3
    assert rows["P02"]["progress"] == 0.0
    # Blind mode: the codings column counts only ana's own.
    assert {r["transcript"]: r["codings"] for r in transcript_rows(project, "ana", blind=True)}["P01"] == 2

    at = new_app("transcripts")
    no_errors(at)
    df = at.dataframe[0].value
    assert list(df["transcript"]) == ["P01", "P02", "P03"]


def test_open_a_transcript_in_the_workspace(project):
    at = new_app("transcripts")
    at.selectbox(key="qc.transcripts.open_choice").set_value(3).run()
    at.button(key="qc.transcripts.open").click().run()
    no_errors(at)
    # We are on the Code page with ?doc=P03 (the transcript's name, not its row number).
    assert at.selectbox(key="qc.code.doc").value == 3
    assert str(at.query_params.get("doc")).strip("[]'") == "P03"


def test_empty_project_points_to_the_import(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_PROJECT", str(tmp_path / "empty.qualcode"))
    at = new_app("transcripts")
    assert any("import some" in i.value for i in at.info)
    goto(at, "coding")
    assert any("import some" in i.value for i in at.info)


def test_rename_link_and_delete_in_the_app(project):
    _, doc = project.document("P02")
    project.add_coding("P02", doc.segments[1].start, doc.segments[1].end, 3, "ben")
    at = new_app("transcripts")
    K = "qc.transcripts."
    at.selectbox(key=f"{K}manage_choice").set_value(1).run()
    at.text_input(key=f"{K}rename.1").input("Interview 1").run()
    at.button(key=f"{K}rename_btn").click().run()
    no_errors(at)
    at.selectbox(key=f"{K}manage_choice").set_value(1).run()
    at.text_input(key=f"{K}link.1").input("P09").run()
    at.button(key=f"{K}link_btn").click().run()
    no_errors(at)
    assert [(d.name, d.participant) for d in project.documents()][0] == ("Interview 1", "P09")
    # Deleting asks, and warns about the codings that go with it.
    at.selectbox(key=f"{K}manage_choice").set_value(2).run()
    assert any("1 coding(s)" in w.value for w in at.warning)
    assert at.button(key=f"{K}delete_btn").disabled
    at.checkbox(key=f"{K}delete_sure.2").check().run()
    at.button(key=f"{K}delete_btn").click().run()
    no_errors(at)
    assert [d.name for d in project.documents()] == ["Interview 1", "P03"] and project.codings() == []
    assert project.events()[0].action == "document.delete"


def test_speaker_roles_are_detected_and_confirmed_once(project):
    from qualcode.store.speakers import confirmed_speaker_roles

    at = new_app("transcripts")
    labels = {s.label: s for s in at.selectbox if (s.key or "").startswith("qc.transcripts.role.")}
    assert labels["Interviewer (4 turns) · detected"].value == "interviewer"
    assert labels["P01 (2 turns) · detected"].value == "participant"
    labels["P03 (1 turns) · detected"].set_value("user")
    [button] = [b for b in at.button if b.label == "Confirm roles"]
    button.click().run()
    no_errors(at)
    assert confirmed_speaker_roles(project) == {"Interviewer": "interviewer", "P01": "participant",
                                                "P02": "participant", "P03": "user"}
    labels = {s.label for s in at.selectbox if (s.key or "").startswith("qc.transcripts.role.")}
    assert "Interviewer (4 turns)" in labels


def test_suggestions_and_themes_default_to_participant_turns(project):
    from qualcode.store.speakers import confirm_speaker_roles
    from qualcode.ui.widgets import participant_speakers

    labels = list(project.speakers())
    assert participant_speakers(project, labels) == ["P01", "P02", "P03"]
    assert participant_speakers(project, ["P01", "P02"]) == []  # nobody to leave out: no filter
    confirm_speaker_roles(project, {"P03": "interviewer"})
    assert participant_speakers(project, labels) == ["P01", "P02"]
    at = new_app("themes")
    no_errors(at)
    assert at.multiselect(key="qc.themes.speakers").value == ["P01", "P02"]


def test_a_corpus_of_many_posters_lists_30_speakers_and_finds_the_others(project):
    # A Reddit corpus has a speaker per poster: one selectbox each made the page take 8.8 s
    # at 1,200 posters (benchmarks/bench_corpus_browser.py).
    from qualcode.store.speakers import confirmed_speaker_roles
    from qualcode.ui.pages.transcripts import ROLES_SHOWN
    from tests.conftest import make_interview

    project.add_documents([make_interview("Thread", [(f"poster{i:03d}", f"Comment number {i}.")
                                                      for i in range(60)] + [("poster007", "Again.")])])
    at = new_app("transcripts")
    no_errors(at)
    roles = [s for s in at.selectbox if (s.key or "").startswith("qc.transcripts.role.")]
    assert len(roles) == ROLES_SHOWN
    assert roles[0].label.startswith("Interviewer")  # most turns first
    at.text_input(key="qc.transcripts.role_find").input("poster05").run()
    roles = {s.label: s for s in at.selectbox if (s.key or "").startswith("qc.transcripts.role.")}
    assert sorted(roles) == [f"poster05{i} (1 turns) · detected" for i in range(10)]
    roles["poster052 (1 turns) · detected"].set_value("assistant")
    [button] = [b for b in at.button if b.label == "Confirm roles"]
    button.click().run()
    no_errors(at)
    confirmed = confirmed_speaker_roles(project)
    assert confirmed["poster052"] == "assistant" and len(confirmed) == 10  # only those shown were confirmed
