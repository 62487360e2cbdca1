"""The De-identify page: find, review in a table, add a missed span, apply,
download or discard the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.deid import load_nlp
from qualcode.model import Code
from qualcode.store import Project
from tests.app.conftest import new_app, no_errors, texts
from tests.conftest import make_interview
from tests.fixtures import ensure_coders


@pytest.fixture(scope="session")
def nlp():
    return load_nlp()  # once per test session; the page reuses the same pipeline


@pytest.fixture
def deid_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "deid.qualcode"
    with Project.open(path) as project:
        project.add_documents(
            [
                make_interview(
                    "P01",
                    [
                        ("Interviewer", "Who do you talk to, Maria?"),
                        ("P01", "My sister Ngozi, and people from church. Call me on 0803 123 4567."),
                    ],
                    participant="P01",
                ),
                make_interview("P02", [("Interviewer", "Hello"), ("P02", "I use it at night.")], participant="P02"),
            ]
        )
        project.add_code(Code("Night use"))
        _, doc = project.document("P02")
        ensure_coders(project, "ana")
        project.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Night use", "ana")
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    return path


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def test_review_add_apply_and_download_the_key(deid_study, nlp):
    at = new_app("deidentify")
    no_errors(at)
    # Coded documents are listed as not eligible; only P01 is offered.
    assert any("P02" in c for c in texts(at.caption))
    assert at.multiselect(key="qc.deid.docs").value == ["P01"]
    at.text_area(key="qc.deid.known").set_value("Maria Santos, P01")
    _button(at, "Find identifiers").click().run()
    no_errors(at)

    editor_key = "qc.deid.editor.0.0"
    table = at.data_editor(key=editor_key).value
    assert {"Maria", "Ngozi", "0803 123 4567"} <= set(table["text"])
    assert table.loc[table["text"] == "Ngozi", "becomes"].item() == "[PERSON 1]"
    assert "⟦Ngozi⟧" in table.loc[table["text"] == "Ngozi", "in context"].item()

    # Keep the phone number: untick its row in the table.
    phone_row = int(table.index[table["text"] == "0803 123 4567"][0])
    at.session_state[editor_key] = {"edited_rows": {phone_row: {"remove": False}}, "added_rows": [], "deleted_rows": []}
    at.run()
    no_errors(at)
    review = at.session_state["qc.deid.review"].review
    assert [p.accepted for p in review.documents[0].proposals if p.text == "0803 123 4567"] == [False]

    # Add a span the recognisers missed.
    at.text_input(key="qc.deid.add_text").set_value("church")
    at.selectbox(key="qc.deid.add_kind").set_value("facility")
    _button(at, "Add").click().run()
    no_errors(at)
    assert any("added 1 occurrence" in s for s in texts(at.success))
    preview = [c.value for c in at.code]
    assert preview and "[FACILITY 1]" in preview[0] and "0803 123 4567" in preview[0] and "Ngozi" not in preview[0]

    at.button(key="qc.deid.apply").click().run()
    no_errors(at)
    assert any("de-identified 1 document" in s for s in texts(at.success))
    assert "qc.deid.review" not in at.session_state
    downloads = at.get("download_button")
    assert len(downloads) == 2
    assert "Maria" in at.session_state["qc.deid.result"]["csv"]

    with Project.open(deid_study, create=False) as project:
        _, doc = project.document("P01")
        assert "Maria" not in doc.text and "Ngozi" not in doc.text and "church" not in doc.text
        assert "0803 123 4567" in doc.text  # kept on purpose
        assert project.document("P02")[1].text.endswith("I use it at night.\n")  # coded: untouched

    at.button(key="qc.deid.discard").click().run()
    no_errors(at)
    assert "qc.deid.result" not in at.session_state
    assert not at.get("download_button")


def test_bulk_keep_everywhere_and_start_over(deid_study, nlp):
    at = new_app("deidentify")
    at.checkbox(key="qc.deid.ner").uncheck()
    at.text_area(key="qc.deid.known").set_value("Maria")
    _button(at, "Find identifiers").click().run()
    no_errors(at)
    at.selectbox(key="qc.deid.bulk_text").set_value("Maria")
    _button(at, "Keep everywhere").click().run()
    no_errors(at)
    review = at.session_state["qc.deid.review"].review
    assert all(not p.accepted for p in review.documents[0].proposals if p.text == "Maria")
    assert at.session_state["qc.deid.review"].version == 1
    at.button(key="qc.deid.cancel").click().run()
    no_errors(at)
    assert "qc.deid.review" not in at.session_state
    assert at.multiselect(key="qc.deid.docs").value == ["P01"]


def test_nothing_to_deidentify_when_everything_is_coded(deid_study):
    with Project.open(deid_study, create=False) as project:
        _, doc = project.document("P01")
        project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, "Night use", "ana")
    at = new_app("deidentify")
    no_errors(at)
    assert any("No document without codings" in i for i in texts(at.info))


def test_a_document_with_nothing_found_shows_an_empty_table_not_a_crash(deid_study, nlp):
    """Issue #18: a document with 0 proposals made the table's 'remove' column float
    (an empty DataFrame column), and st.data_editor raised StreamlitAPIException."""
    with Project.open(deid_study, create=False) as project:
        project.add_documents([make_interview("P03", [("Interviewer", "How was it?"), ("P03", "it was fine really")])])
    at = new_app("deidentify")
    at.checkbox(key="qc.deid.ner").uncheck()
    _button(at, "Find identifiers").click().run()
    no_errors(at)
    docs = at.session_state["qc.deid.review"].review.documents
    empty = next(i for i, d in enumerate(docs) if not d.proposals)
    at.selectbox(key="qc.deid.doc").set_value(empty).run()
    no_errors(at)
    assert any("Nothing was found" in c for c in texts(at.caption) + texts(at.info))
    # Apply and Start over stay on the page.
    assert at.button(key="qc.deid.apply") and at.button(key="qc.deid.cancel")


def test_correct_a_span_and_its_kind_inline_and_count_reviewed_documents(deid_study, nlp):
    with Project.open(deid_study, create=False) as project:
        project.add_documents([make_interview("P03", [("Interviewer", "Where?"), ("P03", "I work at Comarch as a tester.")])])
    at = new_app("deidentify")
    at.checkbox(key="qc.deid.ner").uncheck()
    at.text_area(key="qc.deid.known").set_value("Comarch as, , person")  # a deliberately wrong span and kind
    _button(at, "Find identifiers").click().run()
    no_errors(at)
    docs = at.session_state["qc.deid.review"].review.documents
    i = next(n for n, d in enumerate(docs) if d.document.name == "P03")
    at.selectbox(key="qc.deid.doc").set_value(i).run()
    key = f"qc.deid.editor.{i}.0"
    table = at.data_editor(key=key).value
    row = int(table.index[table["text"] == "Comarch as"][0])
    at.session_state[key] = {"edited_rows": {row: {"text": "Comarch", "kind": "org"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    no_errors(at)
    review = at.session_state["qc.deid.review"].review
    fixed = [p for p in review.documents[i].proposals if p.text == "Comarch"]
    assert len(fixed) == 1 and fixed[0].kind == "org" and fixed[0].source == "manual"
    assert "I work at [ORG 1] as a tester." in review.preview(i)
    # A span that is not in the text is refused with a message that quotes no text.
    key = f"qc.deid.editor.{i}.1"
    at.session_state[key] = {"edited_rows": {row: {"text": "Nowhere"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert any("does not overlap" in w and "Nowhere" not in w for w in texts(at.warning))

    assert any("0 of 2 reviewed" in (p.proto.text or "") for p in at.get("progress"))
    at.checkbox(key=f"qc.deid.reviewed.{i}").check().run()
    no_errors(at)
    assert any("1 of 2 reviewed" in (p.proto.text or "") for p in at.get("progress"))


def test_the_never_an_identifier_list_is_edited_per_project(deid_study, nlp):
    from qualcode.deid import project_never_terms

    with Project.open(deid_study, create=False) as project:
        project.add_documents([make_interview("P03", [("Interviewer", "Which language?"), ("P03", "At home we speak Polish, and I asked Kofi.")])])
    at = new_app("deidentify")
    never = at.text_area(key="qc.deid.never")
    assert "English" in never.value.splitlines() and "Replika" in never.value.splitlines()
    lines = [ln for ln in never.value.splitlines() if ln != "Polish"] + ["Kofi"]
    never.set_value("\n".join(lines))
    _button(at, "Save the list").click().run()
    no_errors(at)
    with Project.open(deid_study, create=False) as project:
        terms = project_never_terms(project)
    assert "Kofi" in terms and "Polish" not in terms
    _button(at, "Find identifiers").click().run()
    no_errors(at)
    found = {p.text for d in at.session_state["qc.deid.review"].review.documents for p in d.proposals}
    assert "Polish" in found and "Kofi" not in found


def test_a_quasi_identifier_is_flagged_on_the_page(deid_study):
    with Project.open(deid_study, create=False) as project:
        project.add_documents([make_interview("P03", [("Interviewer", "You?"), ("P03", "I'm 35, I moved to Kraków and I work as a tester.")])])
    at = new_app("deidentify")
    at.checkbox(key="qc.deid.ner").uncheck()
    _button(at, "Find identifiers").click().run()
    docs = at.session_state["qc.deid.review"].review.documents
    at.selectbox(key="qc.deid.doc").set_value(next(n for n, d in enumerate(docs) if d.document.name == "P03")).run()
    no_errors(at)
    assert any("Possible quasi-identifier" in i and "tester" in i for i in texts(at.info))


def test_correct_a_proposal_with_the_form(deid_study, nlp):
    """The edit form (issue #18): shrink a span and change a kind, then the preview follows."""
    at = new_app("deidentify")
    at.checkbox(key="qc.deid.ner").uncheck()  # patterns and cues: the phone is found without the model
    _button(at, "Find identifiers").click().run()
    no_errors(at)
    review = at.session_state["qc.deid.review"].review
    phone = next(i for i, p in enumerate(review.documents[0].proposals) if p.text == "0803 123 4567")
    at.selectbox(key="qc.deid.fix_pick.0.0").set_value(phone).run()
    no_errors(at)
    assert at.text_input(key=f"qc.deid.fix_text.0.{phone}.0").value == "0803 123 4567"
    at.text_input(key=f"qc.deid.fix_text.0.{phone}.0").set_value("123 4567")
    _button(at, "Save the correction").click().run()
    no_errors(at)
    assert any(f"proposal {phone + 1} corrected" in s for s in texts(at.success))
    fixed = [p for p in review.documents[0].proposals if p.text == "123 4567"]
    assert len(fixed) == 1 and fixed[0].kind == "phone" and fixed[0].source == "manual"
    assert "0803 [PHONE]" in review.preview(0)
    # A text that is not there is refused with a message, and nothing changes.
    ngozi = next(i for i, p in enumerate(review.documents[0].proposals) if p.text == "Ngozi")
    at.selectbox(key="qc.deid.fix_pick.0.1").set_value(ngozi).run()
    at.text_input(key=f"qc.deid.fix_text.0.{ngozi}.1").set_value("Chidi")
    _button(at, "Save the correction").click().run()
    no_errors(at)
    assert any("does not overlap" in w for w in texts(at.warning))
    assert any(p.text == "Ngozi" for p in review.documents[0].proposals)
