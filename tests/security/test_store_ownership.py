"""Attacker tests: a coder signed in as themselves tries to forge or erase another
coder's work through the library, on SQLite and on the real PostgreSQL server.

The rule (docs/security.md): in team mode a coder adds, removes, reassigns, edits the
memo of and undoes only their own codings; owners may adjudicate anyone's; viewers
write nothing. The event log's actor is always the signed-in account.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from qualcode.codebook.edit import reassign_codings
from qualcode.agreement.consensus import adjudicate, list_disagreements, load_agreement_data
from qualcode.errors import PermissionDenied, StoreError
from qualcode.store import Project
from qualcode.store import schema as S
from qualcode.suggest import decisions
from tests.fixtures import ensure_coders


@pytest.fixture
def crew(team):
    """tests/security/conftest.py's team (owner olga, coder carl, viewer vera), with one
    turn coded by olga; ``owner`` is the project opened as olga."""
    with team.open("olga") as owner:
        olgas = _code_listened(owner, owner.user)
        yield SimpleNamespace(team=team, owner=owner, names=team.names, olgas=olgas)


def _as(crew, who: str) -> Project:
    return crew.team.open(who)


def _code_listened(project: Project, coder: str, code: str = "Non-judgemental listener"):
    _, doc = project.document("P01")
    start = doc.text.index("It just listened.")
    if project.user is None or coder != project.user:
        ensure_coders(project, coder)
    return project.add_coding("P01", start, start + len("It just listened."), code, coder)


def _state(project: Project):
    """Everything a forged write could change: codings (with memos and codes) and memos."""
    return [(c.id, c.code_id, c.coder, c.memo) for c in project.codings()], project.info()


def test_a_coder_cannot_code_in_another_coders_name(crew):
    before = _state(crew.owner)
    with _as(crew, "carl") as carl:
        with pytest.raises(PermissionDenied, match="only their own codings"):
            _code_listened(carl, crew.names["olga"], code="Generic replies")
    assert _state(crew.owner) == before
    assert not [e for e in crew.owner.events(limit=5) if e.actor == crew.names["olga"] and e.action == "coding.add"
                and e.target_id != crew.olgas.id]


def test_a_coder_cannot_remove_memo_reassign_or_undo_anothers_coding(crew):
    before = _state(crew.owner)
    rehearsal = crew.owner.code("Rehearsal space").id
    with _as(crew, "carl") as carl:
        with pytest.raises(PermissionDenied):
            carl.remove_coding(crew.olgas.id)
        with pytest.raises(PermissionDenied):
            carl.remove_coding(crew.olgas.id, actor=crew.names["olga"])
        with pytest.raises(PermissionDenied):
            carl.set_coding_memo(crew.olgas.id, "carl was here", actor=crew.names["olga"])
        with pytest.raises(PermissionDenied):
            reassign_codings(carl, [crew.olgas.id], rehearsal, actor=crew.names["olga"])
        with pytest.raises(PermissionDenied):
            carl.undo_last(crew.names["olga"])
    assert _state(crew.owner) == before
    assert crew.owner.events(limit=1)[0].action == "coding.add"  # nothing was logged either


def test_the_logged_actor_is_the_signed_in_account_never_the_name_passed(crew):
    with _as(crew, "carl") as carl:
        mine = _code_listened(carl, crew.names["carl"], code="Generic replies")
        carl.set_coding_memo(mine.id, "my note", actor=crew.names["olga"])
        carl.set_memo("document", mine.document_id, "doc note", actor=crew.names["olga"])
        carl.add_coder(crew.names["carl"])
        carl.remove_coding(mine.id, actor=crew.names["olga"])
        # carl's undo restores carl's own removal, whatever name the call passes.
        undone = carl.undo_last(crew.names["carl"])
        assert undone is not None and undone.action == "coding.remove"
    events = crew.owner.events(limit=6)
    assert {e.actor for e in events[:6]} == {crew.names["carl"]}
    memo_coder = crew.owner.memo("document", mine.document_id)
    assert memo_coder is not None


def test_owners_may_adjudicate_others_codings(crew):
    carls = None
    with _as(crew, "carl") as carl:
        carls = _code_listened(carl, crew.names["carl"], code="Generic replies")
    crew.owner.set_coding_memo(carls.id, "owner's adjudication note")
    reassign_codings(crew.owner, [carls.id], crew.owner.code("Rehearsal space").id)
    assert [c.code_name for c in crew.owner.codings(coders=[crew.names["carl"]])] == ["Rehearsal space"]
    crew.owner.remove_coding(carls.id)
    assert crew.owner.codings(coders=[crew.names["carl"]]) == []
    assert crew.owner.events(limit=1)[0].actor == crew.names["olga"]


def test_a_viewer_writes_nothing(crew):
    before = _state(crew.owner)
    with _as(crew, "vera") as vera:
        for attempt in (
            lambda: vera.add_coder(crew.names["vera"]),
            lambda: _code_listened(vera, crew.names["vera"], code="Generic replies"),
            lambda: vera.remove_coding(crew.olgas.id),
            lambda: vera.set_coding_memo(crew.olgas.id, "x"),
            lambda: vera.set_memo("project", vera.id, "x"),
            lambda: vera.undo_last(crew.names["olga"]),
            lambda: vera.undo_last(crew.names["vera"]),
        ):
            with pytest.raises(PermissionDenied):
                attempt()
    assert _state(crew.owner) == before


def test_suggestion_decisions_only_for_oneself(crew):
    _, doc = crew.owner.document("P02")
    start = doc.text.index("Therapy costs too much here.")
    text = "Therapy costs too much here."
    sugg = SimpleNamespace(document_id=doc_id(crew.owner, "P02"), start=start, end=start + len(text),
                           code_id=crew.owner.code("Generic replies").id, text=text, score=0.9)
    before = _state(crew.owner)
    with _as(crew, "carl") as carl:
        with pytest.raises(PermissionDenied):
            decisions.accept(carl, sugg, crew.names["olga"], suggester="t", version="1")
        with pytest.raises(PermissionDenied):
            decisions.reject(carl, sugg, crew.names["olga"], suggester="t", version="1")
        assert decisions.decision_log(carl, coder=crew.names["olga"]) == []
        decisions.reject(carl, sugg, crew.names["carl"], suggester="t", version="1")
    assert _state(crew.owner)[0] == before[0]
    assert [d.coder for d in decisions.decision_log(crew.owner)] == [crew.names["carl"]]


def doc_id(project: Project, name: str) -> int:
    return project.document(name)[0]


def test_a_coder_cannot_write_the_consensus_coders_codings(crew):
    with _as(crew, "carl") as carl:
        _code_listened(carl, crew.names["carl"], code="Generic replies")
    coders = [crew.names["olga"], crew.names["carl"]]
    items = list_disagreements(crew.owner, load_agreement_data(crew.owner, coders))
    assert items
    with _as(crew, "carl") as carl, pytest.raises(PermissionDenied):
        adjudicate(carl, items[0], "keep", keep=crew.names["carl"])
    assert crew.owner.codings(coders=["consensus"]) == []
    assert adjudicate(crew.owner, items[0], "keep", keep=items[0].applied_by[0])


def test_no_write_to_codings_can_bypass_the_ownership_gate(any_small_study):
    """A new write method that forgets the check is refused at run time, not merely in review."""
    project = any_small_study
    coder_id = project.add_coder("ana")
    did, doc = project.document("P01")
    row = dict(project_id=project.id, document_id=did, code_id=project.code("Generic replies").id, coder_id=coder_id,
               start=0, end=5, snippet=doc.text[0:5], origin="human", created_at="2026-01-01T00:00:00Z")
    with pytest.raises(StoreError, match="ownership"):
        with project.write("coding.add", target_type="coding") as (conn, _ev):
            conn.execute(insert(S.codings).values(**row))
    assert project.info()["codings"] == 0
