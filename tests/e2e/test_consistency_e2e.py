"""The consistency lists in a real browser: a planted wrong code is listed under
"Codings unlike the rest of their code", "Change to" recodes it (saved, recorded, gone from
the list); a planted miss is listed under "Possible misses" and "Add code" codes it."""

from __future__ import annotations

import pytest

from playwright.sync_api import expect

from qualcode.store import Project
from qualcode.suggest import decision_log
from tests.core.test_suggest_helpers import CODES, build_study
from tests.e2e.conftest import settle, streamlit_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-consistency")
    path = folder / "study.qualcode"
    with Project.open(path) as p:
        build_study(p, n_docs=5, gold_docs=5, coder="ana", turns=8)
        night = [c for c in p.codings(coders=["ana"]) if c.code_id == p.code(CODES[0]).id]
        wrong, gone = night[2], night[9]
        p.remove_coding(wrong.id, actor="ana")
        wrong = p.add_coding(wrong.document_id, wrong.start, wrong.end, CODES[1], "ana")
        p.remove_coding(gone.id, actor="ana")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
        with streamlit_server(path, folder / "streamlit.log") as url:
            yield {"url": url, "path": path, "wrong": wrong, "gone": gone}


def _open_check(page, planted) -> None:
    page.goto(f"{planted['url']}/suggest?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("button", name="Compute suggestions").click()
    settle(page)
    page.get_by_role("tab", name="Check my coding").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    page.get_by_text("Codings unlike the rest of their code").wait_for()


def _card(page, text: str, button: str):
    # The innermost block holding both the quote and the button: that entry's card.
    return page.locator("[data-testid='stVerticalBlock']").filter(has_text=text[:50]).filter(
        has=page.get_by_role("button", name=button)).last


def test_recode_a_coding_unlike_its_code(page, planted):
    wrong = planted["wrong"]
    _open_check(page, planted)
    card = _card(page, wrong.snippet, f"Change to {CODES[0]}")
    card.get_by_role("button", name=f"Change to {CODES[0]}").click()
    settle(page)
    page.get_by_text(f"Changed to {CODES[0]}").first.wait_for()
    with Project.open(planted["path"], create=False) as project:
        now = {c.id: c for c in project.codings(coders=["ana"])}
        assert now[wrong.id].code_id == project.code(CODES[0]).id
        assert [d.decision for d in decision_log(project, coder="ana", kinds=("recode",))] == ["recode"]
    # Gone from the list (the page re-reads codings and answers at every rerun). Waited for:
    # the flash shows while the second rerun still replaces the old list's elements.
    expect(_card(page, wrong.snippet, f"Change to {CODES[0]}")).to_have_count(0, timeout=15_000)


def test_add_a_possible_miss(page, planted):
    gone = planted["gone"]
    _open_check(page, planted)
    page.get_by_text("Possible misses in coded transcripts").wait_for()
    card = _card(page, gone.snippet, "Add code")
    card.get_by_role("button", name="Add code").click()
    settle(page)
    page.get_by_text("Coded “").first.wait_for()
    with Project.open(planted["path"], create=False) as project:
        night = project.code(CODES[0]).id
        assert any((c.start, c.end, c.code_id) == (gone.start, gone.end, night) for c in project.codings(coders=["ana"]))
    expect(_card(page, gone.snippet, "Add code")).to_have_count(0, timeout=15_000)
