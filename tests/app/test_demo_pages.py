"""The coded demo on first run (AppTest over the real app.py): every page has real
content for a newcomer, not an empty state."""

from __future__ import annotations

import pytest

from qualcode.demo import build_demo
from tests.app.conftest import new_app, no_errors, texts


@pytest.fixture
def demo(tmp_path, monkeypatch):
    path = tmp_path / "demo.qualcode"
    build_demo(path).close()
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    return path


def test_every_page_of_the_coded_demo_shows_content(demo):
    project = new_app("", coder="amira")
    no_errors(project)
    metrics = {m.label: m.value for m in project.metric}
    assert int(metrics["Codings"]) > 400 and metrics["Coders"] == "3"

    agreement = new_app("agreement", coder="amira")
    no_errors(agreement)
    assert agreement.multiselect(key="qc.agree.coders").value == ["amira", "jonas"]
    assert agreement.dataframe and "pooled" in agreement.dataframe[0].value.to_string()

    analyze = new_app("analyze", coder="amira")
    no_errors(analyze)
    assert analyze.get("plotly_chart") and analyze.dataframe
    assert analyze.selectbox(key="qc.analyze.coder").value == "consensus"  # what findings report

    excerpts = new_app("excerpts", coder="amira")
    no_errors(excerpts)
    assert [b for b in excerpts.button if (b.key or "").startswith("qc.excerpts.top.")]

    export = new_app("export", coder="amira")
    no_errors(export)
    assert any("coded excerpt(s)" in c and not c.startswith("0 ") for c in texts(export.caption))

    suggest = new_app("suggest", coder="amira")
    no_errors(suggest)
    turns = suggest.multiselect(key="qc.suggest.speakers").value
    assert turns and "Interviewer" not in turns and "assistant" not in turns  # participants by default

    codebook = new_app("codebook", coder="amira")
    no_errors(codebook)
    # A theme's header counts the codings of its codes too (it has none of its own).
    assert any("0 codings, " in m.value and "in its sub-codes" in m.value for m in codebook.markdown)

    for page in ("transcripts", "coding", "themes"):
        no_errors(new_app(page, coder="amira"))
