"""Adjudicating one disagreement: each decision writes the right consensus codings,
re-deciding replaces them in one transaction, and the coders' codings are never touched."""

from __future__ import annotations

import pytest

from qualcode.agreement.consensus import (
    EDIT,
    KEEP,
    KEEP_ALL,
    NEITHER,
    adjudicate,
    adjudications,
    find_in_turn,
    list_disagreements,
    turn_context,
)
from qualcode.agreement.project import load_agreement_data
from qualcode.errors import QualcodeError
from qualcode.model import CONSENSUS
from tests.fixtures import ensure_coders

LISTENER, GENERIC = "Non-judgemental listener", "Generic replies"
TURN = "At night, when nobody else was awake. It just listened."


def span_of(project, words: str, doc: str = "P01") -> tuple[int, int]:
    text = project.document(doc)[1].text
    s = text.index(words)
    return s, s + len(words)


@pytest.fixture
def study(small_study):
    """On P01's first answer ana coded "It just listened." and ben "At night" as
    listener; carl did not (he coded only the last answer, as generic)."""
    p = ensure_coders(small_study, "ana", "ben", "carl")
    p.add_coding("P01", *span_of(p, "It just listened."), LISTENER, "ana")
    p.add_coding("P01", *span_of(p, "At night"), LISTENER, "ben", memo="ben's memo")
    last = p.document("P01")[1].segments[3]
    p.add_coding("P01", last.start, last.end, GENERIC, "carl")
    return p


def the_disagreement(project, coders=("ana", "ben", "carl")):
    data = load_agreement_data(project, list(coders))
    [item] = [d for d in list_disagreements(project, data) if d.code == LISTENER]
    return item


def snapshot(project):
    """Everything about the coders' own codings, to prove adjudication never edits them."""
    return [(c.id, c.coder, c.start, c.end, c.code_id, c.snippet, c.origin, c.origin_detail, c.memo, c.created_at)
            for c in project.codings(coders=["ana", "ben", "carl"])]


def consensus(project):
    return [(c.snippet, c.origin, c.origin_detail) for c in project.codings(coders=["consensus"])]


def test_the_disagreement_and_its_context(study):
    item = the_disagreement(study)
    assert (item.document, item.turn, item.speaker) == ("P01", 1, "P01")
    assert study.document("P01")[1].text[item.start:item.end] == TURN
    assert (item.applied_by, item.not_applied_by, item.coders) == (("ana", "ben"), ("carl",), ("ana", "ben", "carl"))
    views = {v.coder: v for v in turn_context(load_agreement_data(study, ["ana", "ben", "carl"]), item)}
    assert views["ana"].spans == [span_of(study, "It just listened.")] and views["ana"].status == "applied"
    assert views["carl"].status == "not applied" and views["carl"].spans == []


@pytest.mark.parametrize(
    ("decision", "keep", "expected"),
    [
        (KEEP, "ana", ["It just listened."]),
        (KEEP, "ben", ["At night"]),
        (KEEP, "carl", []),  # carl's version: the code does not apply here
        (KEEP_ALL, None, ["At night", "It just listened."]),
        (NEITHER, None, []),
    ],
)
def test_each_decision_writes_the_right_consensus_codings(study, decision, keep, expected):
    before = snapshot(study)
    item = the_disagreement(study)
    written = adjudicate(study, item, decision, keep=keep)
    assert [c.snippet for c in written] == expected
    assert [s for s, _, _ in consensus(study)] == expected
    assert all(origin == CONSENSUS for _, origin, _ in consensus(study))
    assert snapshot(study) == before
    decided = adjudications(study)[item.key]
    assert (decided.decision, decided.keep, decided.coders) == (decision, keep, ("ana", "ben", "carl"))


def test_origin_detail_records_the_decision_and_the_coders(study):
    item = the_disagreement(study)
    adjudicate(study, item, KEEP, keep="ana")
    assert consensus(study) == [("It just listened.", CONSENSUS, "adjudicated keep ana; coders: ana, ben, carl")]
    adjudicate(study, item, KEEP_ALL)
    assert {d for _, _, d in consensus(study)} == {"adjudicated keep all; coders: ana, ben, carl"}
    two = the_disagreement(study, ("ana", "carl"))
    adjudicate(study, two, KEEP_ALL)
    assert {d for _, _, d in consensus(study)} == {"adjudicated keep both; coders: ana, carl"}


def test_edit_span_codes_the_given_words_inside_the_turn(study):
    before = snapshot(study)
    item = the_disagreement(study)
    text = study.document("P01")[1].text
    span = find_in_turn(text, item, "nobody else was awake")
    [c] = adjudicate(study, item, EDIT, span=span)
    assert c.snippet == "nobody else was awake" and c.origin_detail.startswith("adjudicated edited span")
    assert adjudications(study)[item.key].span == span
    with pytest.raises(QualcodeError, match="inside the turn"):
        adjudicate(study, item, EDIT, span=(item.start - 3, item.start + 4))
    with pytest.raises(QualcodeError, match="whitespace"):
        adjudicate(study, item, EDIT, span=(item.start + 9, item.start + 10))  # the space after "night,"
    with pytest.raises(QualcodeError, match="not in this turn"):
        find_in_turn(text, item, "How did you start")  # the interviewer's turn, not this one
    assert snapshot(study) == before


def test_readjudicating_replaces_the_unit_in_one_transaction(study, monkeypatch):
    item = the_disagreement(study)
    adjudicate(study, item, KEEP_ALL)
    adjudicate(study, item, KEEP, keep="ana")
    assert [s for s, _, _ in consensus(study)] == ["It just listened."]
    assert adjudications(study)[item.key].decision == KEEP
    # A failure while writing (here: at the event row, the last statement) changes nothing.
    before = consensus(study)
    monkeypatch.setattr("qualcode.store.project.now_iso", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        adjudicate(study, item, NEITHER)
    monkeypatch.undo()
    assert consensus(study) == before and adjudications(study)[item.key].decision == KEEP


def test_decisions_show_on_the_disagreement_list_afterwards(study):
    item = the_disagreement(study)
    assert item.decision is None
    adjudicate(study, item, NEITHER, actor="ana")
    again = the_disagreement(study)
    assert again.decision is not None and again.decision.label == "neither" and again.decision.actor == "ana"
    # Decisions belong to one consensus coder: another one starts undecided.
    other = [d for d in list_disagreements(study, load_agreement_data(study, ["ana", "ben", "carl"]),
                                           consensus_coder="second round") if d.code == LISTENER]
    assert other[0].decision is None
    [event] = study.events(action_prefix="consensus.adjudicate")
    assert event.payload["decision"] == NEITHER and event.payload["code"] == LISTENER


def test_spans_are_clipped_to_the_turn_and_outside_parts_survive(study):
    p = study
    _, doc = p.document("P01")
    t1, t2 = doc.segments[1], doc.segments[2]
    # A hand-made consensus coding across two turns, and ana's coding spilling over.
    ensure_coders(p, "consensus")
    p.add_coding("P01", t1.start + 38, t2.end, LISTENER, "consensus")
    item = the_disagreement(p)
    adjudicate(p, item, NEITHER)
    rest = p.codings(coders=["consensus"])
    assert [(c.start, c.end) for c in rest] == [(t1.end, t2.end)]  # the part in the next turn stays
    assert rest[0].origin == "human"


def test_invalid_decisions_are_refused(study):
    item = the_disagreement(study)
    with pytest.raises(QualcodeError, match="unknown decision"):
        adjudicate(study, item, "maybe")
    with pytest.raises(QualcodeError, match="keep whose version"):
        adjudicate(study, item, KEEP, keep="zoe")
    with pytest.raises(QualcodeError, match="edited span needs"):
        adjudicate(study, item, EDIT)
    with pytest.raises(QualcodeError, match="one of the coders compared"):
        adjudicate(study, item, NEITHER, consensus_coder="ana")
    assert consensus(study) == [] and not study.events(action_prefix="consensus")
