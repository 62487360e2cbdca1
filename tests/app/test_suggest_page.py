"""Suggestions page through AppTest: compute behind a button, accept saves a coding,
reject hides the suggestion for good, "find more like this code" works."""

from __future__ import annotations

import pytest

from qualcode.embed import cached_count
from qualcode.model import SUGGESTION
from qualcode.store import Project
from tests.app.conftest import new_app, no_errors, open_tab
from tests.core.test_suggest_helpers import CODES, build_study

K = "qc.suggest."


@pytest.fixture
def coded_study(tmp_path, monkeypatch):
    """Four interviews, the first two coded by ana; the cheap hashing embedder."""
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
    path = tmp_path / "study.qualcode"
    with Project.open(path) as p:
        build_study(p, n_docs=4, gold_docs=2, coder="ana")
        p.add_coder("ben")
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    with Project.open(path, create=False) as p:
        yield p


def _buttons(at, suffix: str):
    return [b for b in at.button if b.key and b.key.startswith(K) and b.key.endswith(suffix)]


def open_suggestions(doc: int):
    at = new_app("suggest", coder="ana")
    no_errors(at)
    at.button(key=f"{K}compute").click().run()
    no_errors(at)
    at.selectbox(key=f"{K}doc").set_value(doc).run()
    no_errors(at)
    return at


def test_nothing_is_computed_until_the_button(coded_study):
    at = new_app("suggest", coder="ana")
    no_errors(at)
    assert at.button(key=f"{K}compute").label == "Compute suggestions"
    assert not _buttons(at, ".accept")
    at.run()  # a plain rerun
    assert cached_count(coded_study, "hashing-256") == 0


def test_accept_a_suggestion_saves_a_coding(coded_study):
    at = open_suggestions(3)
    accepts = _buttons(at, ".accept")
    assert accepts, "an uncoded transcript gets suggestions"
    _, doc_id, start, end, code_id, _ = accepts[0].key[len(K) :].split(".")  # "d.<doc>.<start>.<end>.<code>.accept"
    accepts[0].click().run()
    no_errors(at)
    [coding] = [c for c in coded_study.codings(coders=["ana"]) if c.origin == SUGGESTION]
    assert (coding.document_id, coding.start, coding.end, coding.code_id) == (int(doc_id), int(start), int(end), int(code_id))
    assert coding.origin_detail.startswith("qualcode-suggest/1")
    assert any("Coded" in str(s.value) for s in at.success)
    # The accepted suggestion is no longer offered.
    assert accepts[0].key not in {b.key for b in _buttons(at, ".accept")}


def test_reject_hides_the_suggestion_for_good(coded_study):
    at = open_suggestions(4)
    first = _buttons(at, ".reject")[0].key
    at.button(key=first).click().run()
    no_errors(at)
    assert first not in {b.key for b in _buttons(at, ".reject")}
    assert not [c for c in coded_study.codings() if c.origin == SUGGESTION]
    # Recomputing does not bring it back.
    at.button(key=f"{K}compute").click().run()
    assert first not in {b.key for b in _buttons(at, ".reject")}


def test_find_more_like_a_code(coded_study):
    at = open_suggestions(3)
    code_id = coded_study.code(CODES[1]).id
    at.selectbox(key=f"{K}code").set_value(code_id).run()
    no_errors(at)
    more = [b for b in _buttons(at, ".accept") if b.key.startswith(f"{K}c.")]
    assert more and all(b.key.endswith(f".{code_id}.accept") for b in more)
    more[0].click().run()
    no_errors(at)
    assert [c.code_id for c in coded_study.codings() if c.origin == SUGGESTION] == [code_id]


def test_quality_table_reports_cross_validated_figures(coded_study):
    at = open_suggestions(3)
    [table] = at.dataframe
    frame = table.value
    assert set(frame["Code"]) == set(CODES)
    assert frame["F1"].notna().all()


# ------------------------------------------------------------- the Themes page
def test_themes_page_finds_themes_and_promotes_one(coded_study):
    at = new_app("themes", coder="ana")
    no_errors(at)
    assert not at.dataframe  # nothing computed on a plain run
    at.button(key="qc.themes.run").click().run()
    no_errors(at)
    [table] = at.dataframe
    assert len(table.value) >= 2 and table.value["Excerpts"].sum() > 0
    assert any("k-means" in str(i.value) for i in at.info)  # 24 excerpts: the small-input path
    before = {c.name for c in coded_study.codes()}
    at.button(key=f"FormSubmitter:qc.themes.promote.{at.selectbox(key='qc.themes.theme').value}-Promote to code").click().run()
    no_errors(at)
    [new] = [c for c in coded_study.codes() if c.name not in before]
    assert new.definition == "" and not [c for c in coded_study.codings() if c.code_id == new.id]
    accept = [b for b in at.button if b.key and b.key.startswith("qc.themes.m.") and b.key.endswith(".accept")]
    accept[0].click().run()
    no_errors(at)
    [coding] = [c for c in coded_study.codings() if c.code_id == new.id]
    assert coding.origin == SUGGESTION and coding.origin_detail.startswith("qualcode-themes/1")


def test_accept_a_suggestion_in_the_workspace_panel(coded_study):
    at = open_tab(new_app("coding", coder="ana", query={"doc": "P03"}), "Suggestions")
    no_errors(at)
    assert not _buttons(at, ".accept")  # nothing computed on a plain open
    at.button(key="qc.code.suggest.compute").click().run()
    no_errors(at)
    accepts = [b for b in _buttons(at, ".accept") if b.key.startswith(f"{K}w3.")]
    assert accepts, "the open transcript gets suggestions beside it"
    _, doc_id, start, end, code_id, _ = accepts[0].key[len(K):].split(".")
    accepts[0].click().run()
    no_errors(at)
    [coding] = [c for c in coded_study.codings(coders=["ana"]) if c.origin == SUGGESTION]
    assert (coding.document_id, coding.start, coding.end, coding.code_id) == (3, int(start), int(end), int(code_id))
