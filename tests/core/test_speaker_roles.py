"""Speaker roles from labels, and the Word report never quoting an interviewer's turn
as the participant's."""

from __future__ import annotations

import io

from docx import Document as read_docx

from qualcode.export.docx import ReportOptions, build_report
from qualcode.ingest.roles import is_participant, speaker_role
from tests.core.test_export_excerpts import fill_coded_study, span


def test_roles_from_common_labels():
    for label in ("Interviewer", "interviewer 2", "I", "Q:", "Moderator", "Facilitator", "Researcher", "INT"):
        assert speaker_role(label) == "interviewer", label
    for label in ("Assistant", "Bot", "chatbot", "AI", "Wysa"):
        assert speaker_role(label) == "assistant", label
    assert speaker_role("User") == "user" and is_participant("User")
    for label in ("P07", "Participant 3", "R", "A", "Maria", "Speaker 1", "India"):
        assert speaker_role(label) == "participant", label
    assert speaker_role(None) is None and is_participant(None)


def test_the_report_attributes_an_interviewer_turn_to_the_interviewer(small_study):
    project = fill_coded_study(small_study)
    # The question before P01's answer, coded (as happens when a whole exchange is coded).
    project.add_coding("P01", *span(project, "P01", 0), "Generic replies", "ana")
    options = ReportOptions(include_figures=False, show_attributes=["country"], coders=["ana"])
    doc = read_docx(io.BytesIO(build_report(project, options).to_bytes()))
    pars = [(p.style.name, p.text) for p in doc.paragraphs]
    pairs = [(pars[i][1], pars[i + 1][1]) for i in range(len(pars) - 1)
             if pars[i][0] == "Excerpt" and pars[i + 1][0] == "Excerpt Source"]
    question = [src for text, src in pairs if "How did you start using the chatbot?" in text]
    assert question == [question[0]] and question[0].startswith("— Interviewer (interviewer, interview with P01)")
    assert "(Brazil)" not in question[0]
    # Every other quote is still the participant's, with their attributes.
    answers = [src for text, src in pairs if "It just listened." in text]
    assert answers and answers[0].startswith("— P01 (Brazil)")
    assert not any(src.startswith("— P01") for text, src in pairs if text.startswith("How did you start"))


def test_a_passage_coded_by_several_coders_is_quoted_once(small_study):
    project = fill_coded_study(small_study)
    # P02's rehearsal sentence is coded by ana and consensus; add ben on the same span.
    project.add_coder("ben")
    project.add_coding("P02", *span(project, "P02", 1, "I rehearse what I will say to my mother."),
                       "Rehearsal space", "ben", memo="Same as ana.")
    doc = read_docx(io.BytesIO(build_report(project, ReportOptions(include_figures=False, include_memos=True)).to_bytes()))
    pars = [(p.style.name, p.text) for p in doc.paragraphs]
    quotes = [i for i, (s, t) in enumerate(pars) if s == "Excerpt" and t == "I rehearse what I will say to my mother."]
    assert len(quotes) == 1
    assert pars[quotes[0] + 1][1].endswith("coded by ana, ben, consensus")
    assert pars[quotes[0] + 2][1] == "Memo (ana, ben, consensus): Same as ana. (ben)"


def test_roles_confirmed_once_per_project_win_over_detection(small_study):
    from qualcode.ingest.roles import project_roles
    from qualcode.store.speakers import confirm_speaker_roles, confirmed_speaker_roles

    project = fill_coded_study(small_study)
    assert project_roles(project)["Interviewer"] == "interviewer" and project_roles(project)["P01"] == "participant"
    # P01's label is in fact the researcher's (a mislabelled file): confirmed once, the report follows.
    confirm_speaker_roles(project, {"P01": "interviewer", "Interviewer": "interviewer"}, actor="ana")
    assert confirmed_speaker_roles(project) == {"P01": "interviewer", "Interviewer": "interviewer"}
    assert project.events()[0].action == "project.speaker_roles"
    doc = read_docx(io.BytesIO(build_report(project, ReportOptions(include_figures=False, coders=["ana"])).to_bytes()))
    sources = [p.text for p in doc.paragraphs if p.style.name == "Excerpt Source"]
    assert sources[0].startswith("— P01 (interviewer, interview with P01)")
    confirm_speaker_roles(project, {"P01": "participant"})
    assert project_roles(project)["P01"] == "participant"
