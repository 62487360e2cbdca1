"""Retrieval (the Excerpts page's library): codes with/without sub-codes, filters,
AND / NOT / NEAR, blind mode, counts, and the Word/CSV export of exactly the rows shown."""

from __future__ import annotations

import io

import pytest
from docx import Document as read_docx

from qualcode.errors import ExportError, NotFoundError
from qualcode.export.retrieve import (
    Retrieval, retrieval_counts, retrieval_csv_bytes, retrieval_docx_bytes, retrieve, write_retrieval_csv,
    write_retrieval_docx,
)
from qualcode.store import Project
from qualcode.store.blind import set_blind
from tests.core.test_export_excerpts import fill_coded_study, span


@pytest.fixture
def study(small_study: Project) -> Project:
    project = fill_coded_study(small_study)
    # A second code in P01's first answer, beside (not overlapping) "It just listened."
    project.add_coding("P01", *span(project, "P01", 1, "At night"), "Generic replies", "ana")
    return project


def keys(frame):
    return [(r.document, r.code, r.coder, r.snippet) for r in frame.itertuples()]


def test_a_theme_retrieves_its_codes_and_a_code_alone_does_not(study):
    theme = retrieve(study, Retrieval(codes=["Support roles"]))
    assert set(theme["code"]) == {"Non-judgemental listener", "Rehearsal space"}
    assert len(theme) == 5
    assert retrieve(study, Retrieval(codes=["Support roles"], subcodes=False)).empty
    # Document order by default: P01 before P02 before P03.
    assert list(dict.fromkeys(theme["document"])) == ["P01", "P02", "P03"]
    by_code = retrieve(study, Retrieval(codes=["Support roles"], order="code"))
    assert list(dict.fromkeys(by_code["code"])) == ["Non-judgemental listener", "Rehearsal space"]


def test_rows_carry_participant_speaker_memo_and_a_line_of_context(study):
    frame = retrieve(study, Retrieval(codes=["Generic replies"], coders=["ana"]))
    row = frame[frame["snippet"] == "the advice was generic"].iloc[0]
    assert row["participant"] == "P01" and row["attributes"]["country"] == "Brazil"
    assert row["speaker"] == "P01" and row["memo"] == "Compare with P02."
    assert row["before"] == "Interviewer: Did it ever feel wrong?"
    assert row["after"] == ""  # the last turn
    first = frame[frame["snippet"] == "At night"].iloc[0]
    assert first["before"].startswith("Interviewer: How did you start")
    assert first["after"] == "Interviewer: Did it ever feel wrong?"


def test_filters_by_coder_participant_attribute_document_and_speaker(study):
    q = dict(codes=["Non-judgemental listener"])
    assert set(retrieve(study, Retrieval(**q, coders=["ben"]))["coder"]) == {"ben"}
    assert set(retrieve(study, Retrieval(**q, participants=["P03"]))["document"]) == {"P03"}
    assert set(retrieve(study, Retrieval(**q, attributes={"country": ["brazil"]}))["participant"]) == {"P01"}
    assert set(retrieve(study, Retrieval(**q, documents=["P01"]))["document"]) == {"P01"}
    assert retrieve(study, Retrieval(**q, speakers=["Interviewer"])).empty
    assert len(retrieve(study, Retrieval(**q, speakers=["P01", "P03"]))) == 3
    with pytest.raises(NotFoundError, match="no code 'Nope'"):
        retrieve(study, Retrieval(codes=["Nope"]))


def test_and_not_near(study):
    njl = ["Non-judgemental listener"]
    both = retrieve(study, Retrieval(codes=njl, operator="and", other=["Generic replies"]))
    # ana's span shares the turn with "At night"; ben's whole turn overlaps it; P03 has no Generic.
    whole_turn = span(study, "P01", 1)
    assert [(r.coder, r.start, r.end) for r in both.itertuples()] == [
        ("ben", *whole_turn), ("ana", *span(study, "P01", 1, "It just listened.")),
    ]
    assert sorted(both["coder"]) == ["ana", "ben"] and set(both["document"]) == {"P01"}
    assert set(both["matched"]) == {"Generic replies"}
    without = retrieve(study, Retrieval(codes=njl, operator="not", other=["Generic replies"]))
    assert keys(without) == [("P03", "Non-judgemental listener", "ana", without.iloc[0]["snippet"])]
    # The Generic coding two turns on: NEAR 1 finds only the same-turn one, NEAR 2 both.
    near = retrieve(study, Retrieval(codes=["Generic replies"], coders=["ana"], operator="near", other=["Generic replies"], near=2))
    assert set(near["snippet"]) == {"At night", "the advice was generic"}
    assert retrieve(study, Retrieval(codes=["Generic replies"], coders=["ana"], operator="near",
                                     other=["Generic replies"], near=1)).empty
    with pytest.raises(ExportError, match="needs a code B"):
        retrieve(study, Retrieval(codes=njl, operator="and"))


def test_blind_mode_retrieves_only_the_viewers_codings_and_b_too(study):
    set_blind(study, "ana", True)
    mine = retrieve(study, Retrieval(codes=["Non-judgemental listener"]), viewer="ana", blind=False)
    assert set(mine["coder"]) == {"ana"}
    # ben's Generic coding in P04 stays hidden, and so does ben's work asked for by name.
    gen = retrieve(study, Retrieval(codes=["Generic replies"]), viewer="ana", blind=True)
    assert set(gen["coder"]) == {"ana"} and "P04" not in set(gen["document"])
    assert retrieve(study, Retrieval(codes=["Generic replies"], coders=["ben"]), viewer="ana", blind=True).empty
    assert retrieve(study, Retrieval(), viewer=None, blind=True).empty


def test_counts_per_participant_and_attribute(study):
    frame = retrieve(study, Retrieval(codes=["Support roles"]))
    per = retrieval_counts(frame)
    assert per.iloc[0].to_dict() == {"participant": "P01", "excerpts": 2, "participants": 1}
    country = retrieval_counts(frame, "country").set_index("country")
    assert country.loc["Kenya", "excerpts"] == 2 and country.loc["Egypt", "participants"] == 1
    assert retrieval_counts(frame.iloc[0:0]).empty


def test_exports_hold_exactly_the_rows_shown(study, tmp_path):
    query = Retrieval(codes=["Non-judgemental listener"], operator="not", other=["Generic replies"])
    frame = retrieve(study, query)
    csv = retrieval_csv_bytes(frame).decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert len(lines) == 2 and "before" in lines[0] and "P03" in lines[1]
    doc = read_docx(io.BytesIO(retrieval_docx_bytes(study, frame, query, show_attributes=["country"])))
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert any(s == "Code Note" and "Non-judgemental listener NOT Generic replies" in t for s, t in styles)
    excerpts = [t for s, t in styles if s == "Excerpt"]
    assert len(excerpts) == 1
    sources = [t for s, t in styles if s == "Excerpt Source"]
    assert sources[0].startswith("— P03 (Egypt)") and "coded by ana" in sources[0]
    out = write_retrieval_docx(study, frame, query, tmp_path / "r.docx")
    assert read_docx(out).paragraphs
    assert write_retrieval_csv(frame, tmp_path / "r.csv").read_bytes() == retrieval_csv_bytes(frame)
