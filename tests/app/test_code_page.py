"""The coding workspace (Code page) through AppTest: every path that is not the
browser-side selection itself (that one is in tests/e2e)."""

from __future__ import annotations

from qualcode.ui.render import rendered_text
from tests.app.conftest import component_data, new_app, no_errors, open_tab, texts

K = "qc.code."
LISTENER, REHEARSAL, GENERIC = 2, 3, 4


def open_code(doc: int | str = 1, *, tab: str | None = None, **kw):
    """The Code page on a transcript named in the address (``?doc=P01``), with the
    side panel's ``tab`` open (only the open tab is drawn)."""
    name = doc if isinstance(doc, str) else f"P0{doc}"
    at = new_app("coding", query={"doc": name}, **kw)
    return open_tab(at, tab) if tab else at


def test_only_the_open_tab_of_the_side_panel_is_drawn(project):
    _, doc = project.document("P01")
    c = project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ana")
    at = open_code(1)
    assert at.multiselect(key=f"{K}apply_codes") is not None
    assert not [s for s in at.selectbox if s.key == f"{K}coding_pick"]
    open_tab(at, "Codings")
    assert at.selectbox(key=f"{K}coding_pick").value == c.id
    assert not [m for m in at.multiselect if m.key == f"{K}apply_codes"]


def test_opens_the_document_named_in_the_url_and_keeps_it(project):
    at = open_code(2)
    no_errors(at)
    assert at.selectbox(key=f"{K}doc").value == 2
    assert str(at.query_params["doc"]).strip("[]'") == "P02"  # a name, not a row number
    html = component_data(at)["html"]
    assert "I rehearse what I will say to my mother." in html
    # Choosing another transcript updates ?doc= so a reload reopens it.
    at.selectbox(key=f"{K}doc").set_value(3).run()
    assert str(at.query_params["doc"]).strip("[]'") == "P03"
    assert "estou sozinha" in component_data(at)["html"]


def test_code_a_whole_turn_in_one_action(project):
    at = open_code(1)
    at.multiselect(key=f"{K}apply_codes").set_value([LISTENER]).run()
    at.selectbox(key=f"{K}turn.1").set_value(1).run()
    at.button(key=f"{K}apply_turn").click().run()
    no_errors(at)
    [c] = project.codings()
    assert (c.coder, c.code_id, c.snippet) == ("ana", LISTENER, "At night, when nobody else was awake. It just listened.")
    assert any("Coded" in s for s in texts(at.toast))
    # The highlight is in the transcript after the rerun, with the code name on hover.
    data = component_data(at)
    assert f'data-c="{c.id}"' in data["html"] and "Non-judgemental listener (ana)" in data["html"]


def test_apply_several_codes_to_a_selection_with_emoji_and_accents(project):
    _, doc = project.document("P03")
    start = doc.text.index("“estou")
    end = doc.text.index("gentil") + len("gentil")
    at = open_code(3)
    # What the component stores after a mouse selection (see pages/coding.py).
    at.session_state[f"{K}selection"] = {"doc": 3, "start": start, "end": end, "text": doc.text[start:end]}
    at.multiselect(key=f"{K}apply_codes").set_value([LISTENER, GENERIC]).run()
    at.button(key=f"{K}apply").click().run()
    no_errors(at)
    codings = project.codings(document="P03")
    assert {c.code_id for c in codings} == {LISTENER, GENERIC}
    assert {c.snippet for c in codings} == {"“estou sozinha” 😔 and it answered in Portuguese, très gentil"}
    assert f"{K}selection" not in at.session_state


def test_a_selection_for_another_document_is_not_offered(project):
    at = open_code(1)
    at.session_state[f"{K}selection"] = {"doc": 3, "start": 0, "end": 5, "text": "x"}
    at.run()
    assert not [b for b in at.button if b.key == f"{K}apply"]


def test_applying_the_same_code_twice_warns_and_keeps_one(project):
    _, doc = project.document("P01")
    s = doc.segments[1]
    project.add_coding("P01", s.start, s.end, LISTENER, "ana")
    at = open_code(1)
    at.multiselect(key=f"{K}apply_codes").set_value([LISTENER]).run()
    at.selectbox(key=f"{K}turn.1").set_value(1).run()
    at.button(key=f"{K}apply_turn").click().run()
    assert any("already applied" in w for w in texts(at.warning))
    assert len(project.codings()) == 1


def test_without_a_coder_nothing_can_be_applied(project):
    at = open_code(1, coder=None)
    no_errors(at)
    assert any("Choose who is coding" in i for i in texts(at.info))
    assert at.button(key=f"{K}apply_turn").disabled
    assert at.button(key=f"{K}undo").disabled


def test_change_code_remove_and_undo(project):
    _, doc = project.document("P01")
    s = doc.segments[3]
    c = project.add_coding("P01", s.start, s.end, LISTENER, "ana")
    at = open_code(1, tab="Codings")
    at.selectbox(key=f"{K}coding_pick").set_value(c.id).run()
    at.selectbox(key=f"{K}recode.{c.id}").set_value(GENERIC).run()
    at.button(key=f"{K}recode_btn").click().run()
    no_errors(at)
    [after] = project.codings()
    assert after.code_id == GENERIC and after.snippet == c.snippet
    at.button(key=f"{K}remove").click().run()
    no_errors(at)
    assert project.codings() == []
    at.button(key=f"{K}undo").click().run()
    assert [x.code_id for x in project.codings()] == [GENERIC]
    assert any("Undone" in i for i in texts(at.toast))


def test_only_the_coder_can_change_their_coding(project):
    _, doc = project.document("P01")
    s = doc.segments[1]
    project.add_coding("P01", s.start, s.end, LISTENER, "ben", memo="ben's note")
    at = open_code(1, coder="ana", tab="Codings")
    no_errors(at)
    assert not [b for b in at.button if b.key == f"{K}remove"]
    assert any("Only ben can change" in c for c in texts(at.caption))


def test_memo_on_a_coding(project):
    _, doc = project.document("P01")
    s = doc.segments[1]
    c = project.add_coding("P01", s.start, s.end, LISTENER, "ana")
    at = open_code(1, tab="Codings")
    at.text_area(key=f"{K}coding_memo.{c.id}").input("Said with a laugh.").run()
    at.button(key=f"{K}coding_memo_save").click().run()
    no_errors(at)
    assert project.codings()[0].memo == "Said with a laugh."


def test_document_memo_saves_and_reports_a_stale_edit(project):
    at = open_code(1, tab="Memos")
    at.text_area(key=f"{K}doc_memo.text").input("First impressions.").run()
    at.button(key=f"{K}doc_memo.save").click().run()
    no_errors(at)
    did = project.document("P01")[0]
    assert project.memo("document", did) == ("First impressions.", 1)
    # Another tab saves in between; this tab's next save must not overwrite it.
    project.set_memo("document", did, "Colleague's text.", actor="ben", expected_version=1)
    at.text_area(key=f"{K}doc_memo.text").input("My overwrite.").run()
    at.button(key=f"{K}doc_memo.save").click().run()
    assert any("changed by someone else" in e for e in texts(at.error))
    assert not at.exception
    assert project.memo("document", did)[0] == "Colleague's text."


def test_memo_on_a_code(project):
    at = open_code(1, tab="Memos")
    at.selectbox(key=f"{K}memo_code").set_value(REHEARSAL).run()
    at.text_area(key=f"{K}code_memo.text").input("Overlaps with coping?").run()
    at.button(key=f"{K}code_memo.save").click().run()
    no_errors(at)
    assert project.memo("code", REHEARSAL)[0] == "Overlaps with coping?"


def test_filter_to_one_code_and_jump_between_codings(project):
    _, doc = project.document("P01")
    a = project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ana")
    b = project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, GENERIC, "ana")
    at = open_code(1)
    assert "2 codings shown" in " ".join(texts(at.caption))
    at.selectbox(key=f"{K}filter").set_value(GENERIC).run()
    assert "1 codings shown" in " ".join(texts(at.caption))
    html = component_data(at)["html"]
    assert f'data-c="{b.id}"' in html and f'data-c="{a.id}"' not in html
    at.selectbox(key=f"{K}filter").set_value(None).run()
    at.button(key=f"{K}next").click().run()
    assert component_data(at)["focus"]["start"] == a.start
    at.button(key=f"{K}next").click().run()
    assert component_data(at)["focus"]["start"] == b.start
    at.button(key=f"{K}prev").click().run()
    assert component_data(at)["focus"]["start"] == a.start


def test_only_coded_turns(project):
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, GENERIC, "ana")
    at = open_code(1)
    at.toggle(key=f"{K}only_coded").set_value(True).run()
    html = component_data(at)["html"]
    assert "like a leaflet" in html and "It just listened" not in html


def test_blind_mode_shows_a_coder_only_their_own_codings(project):
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ana", memo="ana's memo")
    own = project.add_coding("P01", doc.segments[3].start, doc.segments[3].end, GENERIC, "ben")
    at = open_code(1, coder="ben", blind=True, tab="Codings")
    no_errors(at)
    html = component_data(at)["html"]
    assert 'data-c="' + str(own.id) + '"' in html
    assert "Non-judgemental listener" not in html and "(ana)" not in html and "(ben)" not in html
    assert "1 codings shown" in " ".join(texts(at.caption))
    assert at.selectbox(key=f"{K}coding_pick").options == [f"Generic replies · “{own.snippet[:39]}…” (ben)"]
    # Blind mode is ben's, recorded in the project: a fresh session is blind too ...
    at2 = open_code(1, coder="ben")
    assert "Non-judgemental listener" not in component_data(at2)["html"]
    # ... until he switches it off; then he sees both.
    at2.sidebar.toggle[0].set_value(False).run()
    assert "Non-judgemental listener (ana)" in component_data(at2)["html"]
    at3 = open_code(1, coder="ben")
    assert "Non-judgemental listener (ana)" in component_data(at3)["html"]
    assert "Non-judgemental listener (ana)" in component_data(at2)["html"]


def test_search_the_project_and_open_a_hit_in_context(project):
    at = open_code(1, tab="Search")
    at.text_input(key=f"{K}search").input("MOTHER").run()
    no_errors(at)
    hits = [h for h in at.get("html") if "<mark>" in h.proto.body]
    assert len(hits) == 1 and "<mark>mother</mark>" in hits[0].proto.body
    _, doc = project.document("P02")
    at.button(key=f"{K}hit.2.{doc.text.index('mother')}").click().run()
    no_errors(at)
    assert at.selectbox(key=f"{K}doc").value == 2
    assert component_data(at)["focus"]["start"] == doc.text.index("mother")


def test_search_results_are_paginated(project, study_path):
    from qualcode.model import Document, Segment

    text = "\n".join(f"line {i} with a needle" for i in range(30))
    project.add_documents([Document("many", text, [Segment(0, len(text), "P09")])])
    at = open_code(1, tab="Search")
    at.text_input(key=f"{K}search").input("needle").run()
    assert sum("<mark>" in h.proto.body for h in at.get("html")) == 8
    at.number_input(key=f"{K}search_pager.page").set_value(4).run()
    assert sum("<mark>" in h.proto.body for h in at.get("html")) == 6


def test_new_code_from_the_workspace_is_chosen_for_applying(project):
    at = open_code(1)
    assert not [t for t in at.text_input if t.key == f"{K}new_name"]  # drawn only while the popover is open
    at = open_tab(at, True, key=f"{K}new_code_pop")
    at.text_input(key=f"{K}new_name").input("Night-time use")
    _submit(at, "Add code")
    no_errors(at)
    new = project.code("Night-time use")
    assert at.multiselect(key=f"{K}apply_codes").value == [new.id]


def test_a_second_tab_sees_saved_work_after_a_rerun(project):
    at = open_code(1)
    assert "data-c=" not in component_data(at)["html"]
    _, doc = project.document("P01")
    c = project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ben")
    at.run()
    assert f'data-c="{c.id}"' in component_data(at)["html"]


def test_transcript_html_in_the_component_is_escaped(project):
    from tests.conftest import make_interview

    project.add_documents([make_interview("evil", [("P<i>9", "<script>window.__pwned=1</script><img src=x onerror=alert(1)>")])])
    did = project.document("evil")[0]
    at = open_code("evil")
    html = component_data(at)["html"]
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert rendered_text(project.document(did)[1], 0, 10**6).startswith("<script>")


def _submit(at, label):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()


def test_codebook_beside_the_transcript_is_escaped_with_counts(project):
    from qualcode.model import Code

    project.add_code(Code("<b>odd</b> name", definition="<script>x</script>"))
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ana")
    at = open_code(1, tab="Codebook")
    [book] = [h.proto.body for h in at.get("html") if "Rehearsal space" in h.proto.body]
    assert "&lt;b&gt;odd&lt;/b&gt; name" in book and "<script>" not in book
    assert "Non-judgemental listener <span" in book and "· 1</span>" in book
