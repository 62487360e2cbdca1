"""Selecting coded excerpts: filters, context, order (shared by the report, the
tables and the Export page). Also home of :func:`fill_coded_study`, the coded
fictional study the other export tests use."""

from __future__ import annotations

import pytest

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.model import Participant
from qualcode.store import Project
from qualcode.export.excerpts import ExcerptQuery, format_timestamp, resolve_codes, select_excerpts
from tests.conftest import make_interview
from tests.fixtures import ensure_coders

ARABIC = "كتبت له: أشعر بالوحدة في الليل، وكان لطيفًا معي."
EMOJI_TURN = "At 3am I typed “estou sozinha” 😔 and it answered in Portuguese, très gentil."


def span(project: Project, doc: str, turn: int, text: str | None = None) -> tuple[int, int]:
    """Offsets of ``text`` inside turn ``turn`` of ``doc`` (the whole turn when None)."""
    _, d = project.document(doc)
    seg = d.segments[turn]
    if text is None:
        return seg.start, seg.end
    at = d.text.index(text, seg.start)
    assert at + len(text) <= seg.end
    return at, at + len(text)


def fill_coded_study(project: Project) -> Project:
    """small_study plus an Arabic and an emoji interview, attributes, codings by
    ana, ben and consensus, a coding memo and project/code/document memos."""
    project.add_documents([
        make_interview("P03", [("Interviewer", "What did you write to it?"), ("P03", ARABIC)], participant="P03"),
        make_interview("P04", [("Interviewer", "And at night?"), ("P04", EMOJI_TURN)], participant="P04"),
    ])
    project.upsert_participants([
        (Participant("P01", {"country": "Brazil", "age_band": "25-34"}), ["P01"]),
        (Participant("P02", {"country": "Kenya", "age_band": "35-44"}), ["P02"]),
        (Participant("P03", {"country": "Egypt"}), ["P03"]),
        (Participant("P04", {"country": "Portugal", "age_band": "18-24"}), ["P04"]),
    ])
    ensure_coders(project, "ana", "ben", "consensus")
    add = project.add_coding
    add("P01", *span(project, "P01", 1, "It just listened."), "Non-judgemental listener", "ana")
    add("P01", *span(project, "P01", 1), "Non-judgemental listener", "ben")
    add("P01", *span(project, "P01", 3, "the advice was generic"), "Generic replies", "ana", memo="Compare with P02.")
    add("P02", *span(project, "P02", 1, "I rehearse what I will say to my mother."), "Rehearsal space", "ana")
    add("P02", *span(project, "P02", 1, "I rehearse what I will say to my mother."), "Rehearsal space", "consensus")
    add("P03", *span(project, "P03", 1), "Non-judgemental listener", "ana")
    add("P04", *span(project, "P04", 1, "it answered in Portuguese"), "Generic replies", "ben")
    project.set_memo("project", project.id, "Fictional study for the export tests.", actor="ana")
    project.set_memo("code", project.code("Non-judgemental listener").id, "Listening without judgement.", actor="ana")
    project.set_memo("document", project.document("P02")[0], "P02 spoke fast.", actor="ben")
    return project


@pytest.fixture
def coded(small_study: Project) -> Project:
    return fill_coded_study(small_study)


def test_all_excerpts_in_codebook_order_with_context(coded):
    ex = select_excerpts(coded)
    assert len(ex) == 7
    assert list(ex["code"]) == ["Non-judgemental listener"] * 3 + ["Rehearsal space"] * 2 + ["Generic replies"] * 2
    assert list(ex["coder"][:2]) == ["ben", "ana"]  # the whole turn starts first
    first = ex.iloc[1]
    assert (first["document"], first["participant"], first["speaker"], first["turn"]) == ("P01", "P01", "P01", 2)
    assert first["code_path"] == "Support roles › Non-judgemental listener" and first["theme"] == "Support roles"
    assert first["attributes"] == {"country": "Brazil", "age_band": "25-34"}
    assert first["context"] == first["snippet"] == "It just listened."
    turn = select_excerpts(coded, ExcerptQuery(context="turn")).iloc[1]
    assert turn["context"] == "At night, when nobody else was awake. It just listened."
    assert turn["context"][turn["start"] - turn["context_start"]: turn["end"] - turn["context_start"]] == "It just listened."


def test_filters(coded):
    q = lambda **kw: select_excerpts(coded, ExcerptQuery(**kw))  # noqa: E731
    assert set(q(codes=["Support roles"])["code"]) == {"Non-judgemental listener", "Rehearsal space"}
    assert list(q(codes=["Support roles > Rehearsal space"], coders=["consensus"])["coder"]) == ["consensus"]
    assert set(q(attributes={"country": ["kenya", "Egypt"]})["participant"]) == {"P02", "P03"}
    assert set(q(participants=["P04"])["snippet"]) == {"it answered in Portuguese"}
    assert q(attributes={"age_band": ["18-24"]}, codes=["Rehearsal space"]).empty
    by_person = q(order="participant")
    assert list(dict.fromkeys(by_person["participant"])) == ["P01", "P02", "P03", "P04"]
    with pytest.raises(NotFoundError, match="'Nope'"):
        q(codes=["Nope"])
    with pytest.raises(NotFoundError, match="no coder 'zed'"):
        q(coders=["zed"])
    with pytest.raises(NotFoundError, match="attribute 'city'"):
        q(attributes={"city": ["Lagos"]})
    with pytest.raises(QualcodeError, match="context"):
        q(context="page")


def test_resolve_codes_by_id_name_and_path(coded):
    codes = coded.codes()
    listener = coded.code("Non-judgemental listener").id
    assert resolve_codes(codes, [listener]) == {listener}
    assert resolve_codes(codes, ["Support roles › Non-judgemental listener"]) == {listener}
    assert len(resolve_codes(codes, ["Support roles"])) == 3


def test_format_timestamp():
    assert format_timestamp(None) == "" and format_timestamp(3725.4) == "01:02:05"
