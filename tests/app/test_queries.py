"""qualcode.store.queries: the read-only queries behind the workspace pages."""

from __future__ import annotations

from qualcode.model import Document, Segment
from qualcode.store import queries
from qualcode.ui.workspace import apply_codes, describe_undo, turn_label, turn_span
from tests.fixtures import ensure_coders


def test_turn_coverage_counts_coded_turns_per_coder(small_study):
    p = small_study
    _, doc = p.document("P01")
    s1, s3 = doc.segments[1], doc.segments[3]
    ensure_coders(p, "ana", "ben")
    p.add_coding("P01", s1.start, s1.start + 8, "Generic replies", "ana")
    p.add_coding("P01", s1.start + 10, s1.end, "Rehearsal space", "ana")
    p.add_coding("P01", s3.start, s3.end, "Generic replies", "ben")
    did = p.document("P01")[0]
    assert queries.turn_coverage(p, ["ana"]) == {did: 1}
    assert queries.turn_coverage(p) == {did: 2}
    assert queries.code_counts(p)[p.code("Generic replies").id] == 2
    assert queries.code_counts(p, ["ben"]) == {p.code("Generic replies").id: 1}
    assert queries.coding_counts_by_document(p, ["ana"]) == {did: 2}
    ex = queries.code_examples(p, p.code("Generic replies").id, limit=5, coders=["ben"])
    assert ex == [("P01", "ben", "Sometimes the advice was generic, like a leaflet.")]
    assert set(queries.code_versions(p)) == {c.id for c in p.codes()}


def test_search_is_case_insensitive_with_exact_offsets(fresh_project):
    text = "İstanbul at NIGHT. Later, at night again…\nnight"
    fresh_project.add_documents([Document("T", text, [Segment(0, len(text), "P1")])])
    hits = queries.search_documents(fresh_project, "night")
    assert [text[h.start : h.end] for h in hits] == ["NIGHT", "night", "night"]
    assert hits[-1].before.endswith("⏎ ")  # the line break shows in the one-line context
    assert queries.search_documents(fresh_project, "   ") == []
    assert len(queries.search_documents(fresh_project, "night", limit=2)) == 2


def test_apply_codes_reports_refusals_and_keeps_the_rest(small_study):
    p = small_study
    did, doc = p.document("P02")
    start, end = turn_span(doc, 1)
    theme = p.code("Support roles").id
    codes = [p.code("Rehearsal space").id, theme]
    ensure_coders(p, "ana")
    result = apply_codes(p, did, start, end, doc.text[start:end], codes, "ana")
    assert [c.code_name for c in result.codings] == ["Rehearsal space"]
    assert "theme folder" in result.problems[0]
    again = apply_codes(p, did, start, end, doc.text[start:end], codes[:1], "ana")
    assert again.codings == [] and "already applied" in again.problems[0]
    assert "Rehearsal space" in result.message()
    assert turn_label(doc, 1).startswith("2 · P02 · I rehearse")
    said = describe_undo(p.undo_last("ana"), p)  # names the code, the words and the transcript
    assert said.startswith("Undone: your coding Rehearsal space on “I rehearse what I will say to my mother.") and said.endswith(" in P02.")
    assert describe_undo(p.undo_last("ana")) == "Nothing of yours to undo."
