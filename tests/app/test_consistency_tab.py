"""The "Check my coding" tab through AppTest: a planted wrong code is listed with
"Change to", and pressing it recodes the coding (recorded); a planted miss can be added."""

from __future__ import annotations

import pytest

from qualcode.store import Project
from qualcode.suggest import decision_log
from tests.app.conftest import new_app, no_errors
from tests.core.test_suggest_helpers import CODES, build_study

K = "qc.consistency."


@pytest.fixture
def planted(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
    path = tmp_path / "study.qualcode"
    with Project.open(path) as p:
        build_study(p, n_docs=5, gold_docs=5, coder="ana", turns=8)
        night = [c for c in p.codings(coders=["ana"]) if c.code_id == p.code(CODES[0]).id]
        wrong, gone = night[2], night[9]
        p.remove_coding(wrong.id, actor="ana")
        wrong = p.add_coding(wrong.document_id, wrong.start, wrong.end, CODES[1], "ana")
        p.remove_coding(gone.id, actor="ana")
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    with Project.open(path, create=False) as p:
        yield p, wrong, gone


def _buttons(at, suffix: str):
    return [b for b in at.button if b.key and b.key.startswith(K) and b.key.endswith(suffix)]


def test_recode_and_add_from_the_lists(planted):
    project, wrong, gone = planted
    at = new_app("suggest", coder="ana")
    no_errors(at)
    at.button(key="qc.suggest.compute").click().run()
    no_errors(at)
    recode = at.button(key=f"{K}u.{wrong.id}.recode")
    assert recode.label == f"Change to {CODES[0]}"
    recode.click().run()
    no_errors(at)
    now = {c.id: c for c in project.codings(coders=["ana"])}
    assert now[wrong.id].code_id == project.code(CODES[0]).id
    assert not [b for b in _buttons(at, ".recode") if b.key == f"{K}u.{wrong.id}.recode"]
    add = at.button(key=f"{K}m.{gone.document_id}.{gone.start}.{gone.end}.{project.code(CODES[0]).id}.add")
    add.click().run()
    no_errors(at)
    assert any((c.start, c.end, c.code_id) == (gone.start, gone.end, project.code(CODES[0]).id)
               for c in project.codings(coders=["ana"]))
    kinds = [d.decision for d in decision_log(project, coder="ana", kinds=("recode", "add"))]
    assert kinds == ["recode", "add"]
