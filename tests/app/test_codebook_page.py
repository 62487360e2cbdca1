"""Codebook page: browse with counts and examples; add, edit, rename, move, merge, delete."""

from __future__ import annotations

from qualcode.ui.pages.codebook import codebook_rows
from tests.app.conftest import new_app, no_errors, texts

K = "qc.codebook."
ROLES, LISTENER, REHEARSAL, GENERIC = 1, 2, 3, 4


def submit(at, label: str) -> None:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()


def coded(project):
    _, doc = project.document("P01")
    s = doc.segments[1]
    project.add_coding("P01", s.start, s.end, LISTENER, "ana")
    project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, LISTENER, "ben")


def test_table_with_counts_and_examples(project):
    coded(project)
    rows = codebook_rows(project.codes(), {LISTENER: 2})
    assert [r["code"].strip("\u2003") for r in rows] == ["Support roles", "Non-judgemental listener", "Rehearsal space", "Generic replies"]
    assert rows[1]["code"].startswith("\u2003") and rows[1]["codings"] == 2
    # A theme shows the excerpts of its codes (it has none of its own).
    rows = codebook_rows(project.codes(), {LISTENER: 2, REHEARSAL: 1})
    assert (rows[0]["codings"], rows[0]["with sub-codes"]) == (0, 3)
    assert [r["with sub-codes"] for r in rows[1:]] == [2, 1, 0]
    at = new_app("codebook")
    no_errors(at)
    at.selectbox(key=f"{K}pick").set_value(LISTENER).run()
    bodies = " ".join(h.proto.body for h in at.get("html"))
    assert "It just listened." in bodies and "like a leaflet" in bodies
    # Blind mode: only ana's own coding counts and shows.
    at = new_app("codebook", blind=True)
    at.selectbox(key=f"{K}pick").set_value(LISTENER).run()
    assert any("1 coding" in m for m in texts(at.markdown))
    assert "like a leaflet" not in " ".join(h.proto.body for h in at.get("html"))


def test_add_a_code(project):
    at = new_app("codebook")
    at.text_input[0].input("Crisis handling")
    at.text_area[0].input("How the bot responds to risk.")
    submit(at, "Add code")
    no_errors(at)
    code = project.code("Crisis handling")
    assert code.definition == "How the bot responds to risk." and code.parent is None


def test_edit_and_rename_keep_codings(project):
    coded(project)
    at = new_app("codebook")
    at.selectbox(key=f"{K}pick").set_value(LISTENER).run()
    at.text_input(key=f"{K}edit.{LISTENER}.name").input("Listener without judgement")
    at.text_area(key=f"{K}edit.{LISTENER}.definition").input("It listens and does not judge.")
    submit(at, "Save")
    no_errors(at)
    code = project.code(LISTENER)
    assert (code.name, code.definition) == ("Listener without judgement", "It listens and does not judge.")
    assert {c.code_name for c in project.codings()} == {"Listener without judgement"}


def test_edit_reports_a_colleagues_change(project):
    from qualcode.codebook import edit as codebook_edit

    at = new_app("codebook")
    at.selectbox(key=f"{K}pick").set_value(GENERIC).run()
    codebook_edit.describe_code(project, GENERIC, definition="Changed in another tab.", actor="ben")
    at.text_area(key=f"{K}edit.{GENERIC}.definition").input("My version.")
    submit(at, "Save")
    assert any("changed by someone else" in e for e in texts(at.error))
    assert project.code(GENERIC).definition == "Changed in another tab."
    # Reloading shows their text; saving again then works.
    at.button(key=f"{K}edit.{GENERIC}.reload").click().run()
    assert at.text_area(key=f"{K}edit.{GENERIC}.definition").value == "Changed in another tab."


def test_move_merge_and_delete_with_confirmation(project):
    coded(project)
    at = new_app("codebook")
    # Move "Generic replies" under "Support roles".
    at.selectbox(key=f"{K}pick").set_value(GENERIC).run()
    at.selectbox(key=f"{K}move.{GENERIC}").set_value(ROLES).run()
    at.button(key=f"{K}move_btn").click().run()
    no_errors(at)
    assert project.code(GENERIC).parent == "Support roles"
    # Merge "Non-judgemental listener" into "Rehearsal space": needs the confirmation tick.
    at.selectbox(key=f"{K}pick").set_value(LISTENER).run()
    at.selectbox(key=f"{K}merge.{LISTENER}").set_value(REHEARSAL).run()
    assert at.button(key=f"{K}merge_btn").disabled
    at.checkbox(key=f"{K}merge_sure.{LISTENER}").check().run()
    at.button(key=f"{K}merge_btn").click().run()
    no_errors(at)
    assert LISTENER not in [c.id for c in project.codes()]
    assert {c.code_id for c in project.codings()} == {REHEARSAL}
    # Delete "Rehearsal space": it has codings, so the page warns and deletes them only when confirmed.
    at.selectbox(key=f"{K}pick").set_value(REHEARSAL).run()
    assert any("has 2 coding(s)" in w for w in texts(at.warning))
    assert at.button(key=f"{K}delete_btn").disabled
    at.checkbox(key=f"{K}delete_sure.{REHEARSAL}").check().run()
    at.button(key=f"{K}delete_btn").click().run()
    no_errors(at)
    assert REHEARSAL not in [c.id for c in project.codes()] and project.codings() == []
    # The history records every edit.
    assert "delete" in set(at.dataframe[-1].value["action"])


def test_a_refused_edit_is_a_message_not_a_traceback(project):
    at = new_app("codebook")
    at.selectbox(key=f"{K}pick").set_value(ROLES).run()
    # Moving a theme under its own child loops the tree: refused with a message.
    at.selectbox(key=f"{K}move.{ROLES}").set_value(LISTENER).run()
    at.button(key=f"{K}move_btn").click().run()
    assert not at.exception
    assert any("loop" in e for e in texts(at.error))


def test_code_memo_on_the_codebook_page(project):
    at = new_app("codebook")
    at.selectbox(key=f"{K}pick").set_value(GENERIC).run()
    at.text_area(key=f"{K}memo.text").input("Often about refusals.").run()
    at.button(key=f"{K}memo.save").click().run()
    no_errors(at)
    assert project.memo("code", GENERIC)[0] == "Often about refusals."


def test_declare_a_theme_a_variable_on_its_tab(project):
    # ana gave each turn at most one of the theme's codes: qualcode proposes the flag.
    coded(project)
    at = new_app("codebook")
    at.selectbox(key=f"{K}pick").set_value(ROLES).run()
    no_errors(at)
    assert any("proposes declaring it" in i.value for i in at.info)
    base = f"{K}variable.{ROLES}"
    at.checkbox(key=f"{base}.exclusive").check()
    at.checkbox(key=f"{base}.ordered").check()
    at.text_input(key=f"{base}.levels").input("Rehearsal space, Non-judgemental listener")
    submit(at, "Save variable")
    no_errors(at)
    theme = project.code(ROLES)
    assert theme.exclusive and theme.ordered
    assert [(c.name, c.level) for c in project.codes() if c.parent == "Support roles"] == [
        ("Non-judgemental listener", 2.0), ("Rehearsal space", 1.0)]
    history = at.dataframe[-1].value
    assert "ordered (Rehearsal space < Non-judgemental listener)" in history["details"].iloc[-1]
    # A level that is not one of its codes is refused with a message; nothing changes.
    at.selectbox(key=f"{K}pick").set_value(ROLES).run()
    at.text_input(key=f"{base}.levels").input("Rehearsal space, Listener")
    submit(at, "Save variable")
    assert any("Listener" in e.value and "is not a code under" in e.value for e in at.error), [e.value for e in at.error]
    assert project.code(LISTENER).level == 2.0
