"""Codebook edits: each keeps codings consistent, is one transaction + one event, and a
refused edit leaves the project exactly as it was."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from qualcode.codebook.edit import (
    add_code,
    delete_code,
    describe_code,
    merge_codes,
    move_code,
    reassign_codings,
    rename_code,
    split_code,
)
from qualcode.codebook.history import codebook_history, history_frame, history_to_csv, history_to_markdown
from qualcode.errors import CodebookError, ConflictError, NotFoundError, StoreError
from qualcode.model import Code
from qualcode.store import Project
from tests.fixtures import ensure_coders


def span(project: Project, doc: str, text: str) -> tuple[int, int]:
    _, d = project.document(doc)
    start = d.text.index(text)
    return start, start + len(text)


def code_text(project: Project, doc: str, text: str, code: str | int, coder: str, memo: str | None = None):
    ensure_coders(project, coder)
    return project.add_coding(doc, *span(project, doc, text), code, coder, memo=memo)


def state(project: Project) -> Any:
    """Everything an edit could change: codes (with versions), codings, memos, event count."""
    from sqlalchemy import select

    from qualcode.store import schema as S

    with project.read() as conn:
        codes = conn.execute(select(S.codes).order_by(S.codes.c.id)).all()
        codings = conn.execute(select(S.codings).order_by(S.codings.c.id)).all()
        memos = conn.execute(select(S.memos).order_by(S.memos.c.id)).all()
    return codes, codings, memos, len(project.events(limit=10_000))


@pytest.fixture
def coded(small_study: Project) -> Project:
    """small_study with codings by two coders and memos."""
    p = small_study
    code_text(p, "P01", "It just listened.", "Non-judgemental listener", "ana", memo="warm")
    code_text(p, "P01", "It just listened.", "Rehearsal space", "ana", memo="maybe rehearsal?")
    code_text(p, "P01", "It just listened.", "Rehearsal space", "ben")
    code_text(p, "P02", "I rehearse what I will say to my mother.", "Rehearsal space", "ana")
    code_text(p, "P01", "Sometimes the advice was generic, like a leaflet.", "Generic replies", "ben")
    p.set_memo("code", p.code("Rehearsal space").id, "Practice talk; overlaps with listening.", actor="ana")
    p.set_memo("code", p.code("Non-judgemental listener").id, "Core of the roles theme.", actor="ben")
    return p


def last_event(project: Project):
    return project.events(limit=1, action_prefix="codebook.")[0]


# ----------------------------------------------------------------- add
def test_add_code(small_study: Project) -> None:
    cid = add_code(small_study, Code("Journal", definition=" A thinking aid. ", colour="#ABC"),
                   parent="Support roles", actor="ana")
    code = small_study.code(cid)
    assert (code.parent, code.definition, code.colour) == ("Support roles", "A thinking aid.", "#aabbcc")
    ev = last_event(small_study)
    assert ev.action == "codebook.add" and ev.actor == "ana" and ev.payload["after"]["name"] == "Journal"


def test_add_code_refusals_change_nothing(small_study: Project) -> None:
    before = state(small_study)
    with pytest.raises(CodebookError, match="already exists"):
        add_code(small_study, Code("Rehearsal space", definition="x"), parent="Support roles")
    with pytest.raises(CodebookError, match="not a colour"):
        add_code(small_study, Code("New", colour="red"))
    with pytest.raises(NotFoundError):
        add_code(small_study, Code("New", parent="No such theme"))
    with pytest.raises(CodebookError, match="non-empty name"):
        add_code(small_study, Code("   "))
    with pytest.raises(CodebookError, match="already used"):
        add_code(small_study, Code("New", guid=small_study.code("Generic replies").guid.upper()))
    assert state(small_study) == before


# -------------------------------------------------------------- rename
def test_rename_keeps_codings_guid_and_memo(coded: Project) -> None:
    old = coded.code("Rehearsal space")
    n = len(coded.codings(code_ids=[old.id]))
    renamed = rename_code(coded, "Rehearsal space", "Rehearsal", actor="ana")
    assert (renamed.id, renamed.guid, renamed.name) == (old.id, old.guid, "Rehearsal")
    assert {c.code_name for c in coded.codings(code_ids=[old.id])} == {"Rehearsal"}
    assert len(coded.codings(code_ids=[old.id])) == n
    assert coded.memo("code", old.id)[0].startswith("Practice talk")
    ev = last_event(coded)
    assert ev.action == "codebook.rename" and ev.payload["before"]["name"] == "Rehearsal space"
    assert ev.payload["after"]["path"] == "Support roles > Rehearsal"


def test_rename_refuses_sibling_clash_and_stale_version(coded: Project) -> None:
    before = state(coded)
    with pytest.raises(CodebookError, match="already has a code named 'Non-judgemental listener'"):
        rename_code(coded, "Rehearsal space", "Non-judgemental listener")
    with pytest.raises(ConflictError):
        rename_code(coded, "Rehearsal space", "R", expected_version=7)
    assert rename_code(coded, "Rehearsal space", " Rehearsal space ").name == "Rehearsal space"  # no-op
    assert state(coded) == before


# ------------------------------------------------------------ describe
def test_describe_with_optimistic_version(small_study: Project) -> None:
    cid = small_study.code("Generic replies").id
    code = describe_code(small_study, cid, definition="Replies that read like a leaflet.", colour="#D55E00",
                         expected_version=1, actor="ana")
    assert code.definition == "Replies that read like a leaflet." and code.colour == "#d55e00"
    ev = last_event(small_study)
    assert ev.action == "codebook.describe"
    assert ev.payload["before"] == {"definition": "Replies that feel scripted.", "colour": None}
    assert ev.payload["after"] == {"definition": "Replies that read like a leaflet.", "colour": "#d55e00"}
    # Another editor still holding version 1 is refused, and nothing changes.
    before = state(small_study)
    with pytest.raises(ConflictError, match="changed by someone else"):
        describe_code(small_study, cid, example="x", expected_version=1)
    assert state(small_study) == before
    describe_code(small_study, cid, example='"Like a leaflet."', expected_version=2)
    assert small_study.code(cid).example == '"Like a leaflet."'


def test_describe_without_change_writes_nothing(small_study: Project) -> None:
    before = state(small_study)
    code = describe_code(small_study, "Generic replies", definition="Replies that feel scripted.")
    assert code.name == "Generic replies" and state(small_study) == before


def test_describe_clears_colour_and_refuses_folder_with_codings(coded: Project) -> None:
    describe_code(coded, "Generic replies", colour="#0072b2")
    assert describe_code(coded, "Generic replies", colour="").colour is None
    before = state(coded)
    with pytest.raises(CodebookError, match="cannot become a folder"):
        describe_code(coded, "Generic replies", codable=False)
    with pytest.raises(CodebookError, match="not a colour"):
        describe_code(coded, "Generic replies", colour="teal")
    assert state(coded) == before


# ---------------------------------------------------------------- move
def test_move_and_cycles(coded: Project) -> None:
    moved = move_code(coded, "Generic replies", "Support roles", actor="ana")
    assert moved.parent == "Support roles"
    assert len(coded.codings(code_ids=[moved.id])) == 1
    ev = last_event(coded)
    assert ev.payload["before"]["parent"] is None and ev.payload["after"]["path"] == "Support roles > Generic replies"
    before = state(coded)
    with pytest.raises(CodebookError, match="loop"):
        move_code(coded, "Support roles", "Generic replies")
    with pytest.raises(CodebookError, match="loop"):
        move_code(coded, "Support roles", "Support roles")
    add_code(coded, Code("Rehearsal space", definition="top-level twin"))
    before = state(coded)
    with pytest.raises(CodebookError, match="already has a code named 'Rehearsal space'"):
        move_code(coded, "Support roles > Rehearsal space", None)
    assert state(coded) == before
    top = move_code(coded, "Generic replies", None)
    assert top.parent is None


# --------------------------------------------------------------- merge
def test_merge_collapses_duplicates_and_keeps_memos(coded: Project) -> None:
    a, b = coded.code("Rehearsal space"), coded.code("Non-judgemental listener")
    add_code(coded, Code("Practice with family", definition="sub"), parent=a.id)
    a_codings = coded.codings(code_ids=[a.id])
    assert len(a_codings) == 3
    payload = merge_codes(coded, "Rehearsal space", "Non-judgemental listener", actor="ana")
    # ana's coding of the same span collapsed into B's; ben's and the P02 one moved.
    b_codings = coded.codings(code_ids=[b.id])
    keys = [(c.document_id, c.start, c.end, c.coder) for c in b_codings]
    assert len(b_codings) == 3 and len(set(keys)) == 3
    assert len(payload["collapsed_codings"]) == 1 and len(payload["moved_codings"]) == 2
    collapsed = payload["collapsed_codings"][0]
    assert collapsed["coding"]["coder"] == "ana" and collapsed["coding"]["snippet"] == "It just listened."
    # The collapsed coding's memo is appended to the kept one's.
    kept = next(c for c in b_codings if c.id == collapsed["kept"])
    assert kept.memo == "warm\n\nmaybe rehearsal?"
    # A's memo is appended to B's under a heading, not lost.
    memo = coded.memo("code", b.id)[0]
    assert memo.startswith("Core of the roles theme.") and "[Merged from code 'Support roles > Rehearsal space']" in memo
    assert "Practice talk; overlaps with listening." in memo
    assert coded.memo("code", a.id) is None
    # A's children move under B; A is gone.
    assert coded.code("Practice with family").parent == "Non-judgemental listener"
    assert "Rehearsal space" not in {c.name for c in coded.codes()}
    ev = last_event(coded)
    assert ev.action == "codebook.merge" and ev.payload["before"]["definition"] == "Practising hard conversations."


def test_merge_refusals_change_nothing(coded: Project) -> None:
    add_code(coded, Code("Sub", definition="s"), parent="Rehearsal space")
    add_code(coded, Code("Sub", definition="s2"), parent="Non-judgemental listener")
    before = state(coded)
    with pytest.raises(CodebookError, match="into itself"):
        merge_codes(coded, "Rehearsal space", "Rehearsal space")
    with pytest.raises(CodebookError, match="its own sub-code"):
        merge_codes(coded, "Support roles", "Rehearsal space")
    with pytest.raises(CodebookError, match="is a folder"):
        merge_codes(coded, "Generic replies", "Support roles")
    with pytest.raises(CodebookError, match="both .* have a sub-code named 'Sub'"):
        merge_codes(coded, "Rehearsal space", "Non-judgemental listener")
    with pytest.raises(StoreError, match="several codes are named 'Sub'"):
        merge_codes(coded, "Sub", "Generic replies")
    assert state(coded) == before
    # A path names a code whose name is used twice.
    merge_codes(coded, "Rehearsal space > Sub", "Non-judgemental listener/Sub")
    assert [c.name for c in coded.codes()].count("Sub") == 1


def test_merge_into_parent_is_allowed(coded: Project) -> None:
    describe_code(coded, "Support roles", codable=True)
    merge_codes(coded, "Rehearsal space", "Support roles")
    assert len(coded.codings(code_ids=[coded.code("Support roles").id])) == 3


# ------------------------------------------------------- split/reassign
def test_split_then_reassign(coded: Project) -> None:
    a = coded.code("Rehearsal space")
    ids = split_code(coded, "Rehearsal space",
                     [Code("Rehearsing with family", definition="Family talks."), "Rehearsing at work"], actor="ana")
    new = [coded.code(i) for i in ids]
    assert [c.parent for c in new] == ["Support roles", "Support roles"]
    assert new[1].definition == "" and new[0].source == a.source
    # Codings stay on A until reassigned.
    on_a = coded.codings(code_ids=[a.id])
    assert len(on_a) == 3 and not coded.codings(code_ids=ids)
    ev = last_event(coded)
    assert ev.action == "codebook.split" and [c["name"] for c in ev.payload["created"]] == [
        "Rehearsing with family", "Rehearsing at work"]
    family = [c.id for c in on_a if c.document_id == coded.document("P02")[0]]
    payload = reassign_codings(coded, family, ids[0], actor="ana")
    assert [m["coding_id"] for m in payload["moved"]] == family
    assert payload["moved"][0]["from"] == "Support roles > Rehearsal space"
    assert [c.id for c in coded.codings(code_ids=[ids[0]])] == family
    assert len(coded.codings(code_ids=[a.id])) == 2


def test_split_as_children(coded: Project) -> None:
    ids = split_code(coded, "Rehearsal space", ["With family", "At work"], as_children=True)
    assert {coded.code(i).parent for i in ids} == {"Rehearsal space"}


def test_reassign_collapses_duplicates_and_refuses_bad_input(coded: Project) -> None:
    listener = coded.code("Non-judgemental listener")
    ana_rehearsal = next(c for c in coded.codings(code_ids=[coded.code("Rehearsal space").id])
                         if c.coder == "ana" and c.snippet == "It just listened.")
    before = state(coded)
    with pytest.raises(NotFoundError, match="no coding"):
        reassign_codings(coded, [ana_rehearsal.id, 99999], listener.id)
    with pytest.raises(CodebookError, match="is a folder"):
        reassign_codings(coded, [ana_rehearsal.id], "Support roles")
    with pytest.raises(CodebookError, match="no codings given"):
        reassign_codings(coded, [], listener.id)
    with pytest.raises(CodebookError, match="needs at least one"):
        split_code(coded, "Rehearsal space", [])
    with pytest.raises(CodebookError, match="already has a code named"):
        split_code(coded, "Rehearsal space", ["New", "New"])
    assert state(coded) == before
    payload = reassign_codings(coded, [ana_rehearsal.id], listener.id)
    assert not payload["moved"] and payload["collapsed"][0]["kept"] != ana_rehearsal.id
    assert len(coded.codings(code_ids=[listener.id])) == 1


# -------------------------------------------------------------- delete
def test_delete_refused_with_codings_or_children(coded: Project) -> None:
    before = state(coded)
    with pytest.raises(CodebookError, match="still has 3 coding"):
        delete_code(coded, "Rehearsal space")
    with pytest.raises(CodebookError, match=r"still has 4 coding\(s\) and 2 sub-code"):
        delete_code(coded, "Support roles")
    assert state(coded) == before


def test_delete_unused_code(small_study: Project) -> None:
    payload = delete_code(small_study, "Rehearsal space", actor="ana")
    assert "Rehearsal space" not in {c.name for c in small_study.codes()}
    assert not payload["forced"] and payload["before"]["definition"] == "Practising hard conversations."


def test_forced_delete_records_what_was_lost(coded: Project) -> None:
    n_before = len(coded.codings())
    payload = delete_code(coded, "Support roles", force=True, actor="ana")
    assert {c.name for c in coded.codes()} == {"Generic replies"}
    assert len(coded.codings()) == n_before - 4
    ev = last_event(coded)
    assert ev.action == "codebook.delete" and ev.payload == payload
    assert [c["path"] for c in payload["deleted_codes"]] == [
        "Support roles", "Support roles > Non-judgemental listener", "Support roles > Rehearsal space"]
    lost = payload["deleted_codings"]
    assert len(lost) == 4 and {c["coder"] for c in lost} == {"ana", "ben"}
    assert {c["document"] for c in lost} == {"P01", "P02"} and all(c["snippet"] for c in lost)
    assert {m["path"] for m in payload["deleted_memos"]} == {
        "Support roles > Non-judgemental listener", "Support roles > Rehearsal space"}
    assert "deleted with force: 4 coding(s), 2 sub-code(s) and 2 memo(s) lost" in codebook_history(coded)[-1]["details"]


# ------------------------------------------------------------- history
def test_history_lists_every_edit_in_order(coded: Project, tmp_path) -> None:
    rename_code(coded, "Rehearsal space", "Rehearsal", actor="ana")
    describe_code(coded, "Rehearsal", definition="Practising talks.", actor="ben")
    move_code(coded, "Generic replies", "Support roles", actor="ana")
    split_code(coded, "Rehearsal", ["Family rehearsal"], actor="ana")
    merge_codes(coded, "Family rehearsal", "Rehearsal", actor="ana")
    delete_code(coded, "Generic replies", force=True, actor="ben")
    rows = codebook_history(coded)
    assert [r["action"] for r in rows] == ["add"] * 4 + ["rename", "describe", "move", "split", "merge", "delete"]
    assert rows[0]["code"] == "Support roles" and rows[1]["details"] == "added 'Non-judgemental listener' under 'Support roles'"
    assert rows[4]["details"] == "renamed 'Rehearsal space' to 'Rehearsal'" and rows[4]["who"] == "ana"
    assert rows[5]["details"] == "changed definition" and rows[5]["who"] == "ben"
    assert rows[6]["details"] == "moved from 'the top level' to 'Support roles'"
    assert rows[8]["details"].startswith("merged into 'Support roles > Rehearsal'")
    assert all(r["when"] for r in rows)
    frame = history_frame(coded)
    assert list(frame.columns) == ["id", "when", "who", "action", "code", "details"] and len(frame) == len(rows)
    text = history_to_csv(coded, tmp_path / "h.csv")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in parsed] == [r["action"] for r in rows]
    assert (tmp_path / "h.csv").read_text(encoding="utf-8") == text
    md = history_to_markdown(coded)
    assert md.splitlines()[0] == "| When | Who | Action | Code | Details |" and len(md.splitlines()) == len(rows) + 2


def test_failed_edits_leave_no_history(coded: Project) -> None:
    n = len(codebook_history(coded))
    for bad in (lambda: delete_code(coded, "Rehearsal space"), lambda: move_code(coded, "Support roles", "Rehearsal space"),
                lambda: rename_code(coded, "Nope", "X")):
        with pytest.raises((CodebookError, NotFoundError)):
            bad()
    assert len(codebook_history(coded)) == n


def test_append_code_memo_is_a_codebook_edit(small_study):
    from qualcode.codebook.edit import append_code_memo

    project = small_study
    cid = project.code("Generic replies").id
    with pytest.raises(CodebookError, match="write the note first"):
        append_code_memo(project, cid, "  ", actor="ana")
    assert project.memo("code", cid) is None
    assert append_code_memo(project, cid, "First.", actor="ana") == "First."
    assert append_code_memo(project, "Generic replies", "Second.", actor="ana") == "First.\n\nSecond."
    assert project.memo("code", cid)[0] == "First.\n\nSecond."
    events = [h for h in codebook_history(project) if h["action"] == "memo"]
    assert [e["details"] for e in events] == ["wrote the memo: First.", "appended to the memo: Second."]
    assert events[-1]["payload"]["before"] == "First." and events[-1]["who"] == "ana"
