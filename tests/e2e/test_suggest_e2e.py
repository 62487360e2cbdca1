"""Suggestions in a real browser: compute, accept one, find the coding saved (in the
project and highlighted in the coding workspace), reject one and see it gone."""

from __future__ import annotations

import pytest

from qualcode.model import SUGGESTION
from qualcode.store import Project
from tests.core.test_suggest_helpers import QUESTIONS, build_study
from tests.e2e.conftest import settle, streamlit_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Four interviews, two coded by ana; the server uses the cheap hashing embedder."""
    folder = tmp_path_factory.mktemp("e2e-suggest")
    path = folder / "study.qualcode"
    with Project.open(path) as project:
        build_study(project, n_docs=4, gold_docs=2, coder="ana")
        ids = {d.name: d.id for d in project.documents()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")  # read by the server process at start
        with streamlit_server(path, folder / "streamlit.log") as url:
            yield {"url": url, "path": path, "ids": ids}


# A first build fits and calibrates the suggester: on a loaded machine (CI runs two browser
# tests side by side) it once took more than Playwright's default 30 s.
BUILD_MS = 120_000


def _compute(page, study, doc: str) -> None:
    page.goto(f"{study['url']}/suggest?coder=ana&doc={doc}")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("button", name="Compute suggestions").click()
    settle(page)
    page.get_by_role("button", name="Accept").first.wait_for(timeout=BUILD_MS)


def test_accept_a_suggestion_and_find_the_coding_saved(page, study):
    _compute(page, study, "P03")
    # Cards list in order: the first quote belongs to the first Accept button.
    quote = _cards(page)[0][1]
    page.get_by_role("button", name="Accept").first.click()
    settle(page)
    page.get_by_text("Coded “").first.wait_for()
    with Project.open(study["path"], create=False) as project:
        accepted = [c for c in project.codings(coders=["ana"]) if c.origin == SUGGESTION]
    assert len(accepted) == 1 and accepted[0].snippet.startswith(quote[:40])
    # The coding workspace shows it highlighted after a fresh load.
    name = {v: k for k, v in study["ids"].items()}[accepted[0].document_id]
    page.goto(f"{study['url']}/coding?doc={name}&coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(f".qc-tx [data-c~='{accepted[0].id}']")


def _cards(page) -> list[tuple[str, str]]:
    """(heading, quote) of every suggestion card shown, in order."""
    headings = [t for t in page.locator("[data-testid='stMarkdownContainer']").all_inner_texts() if " · score " in t]
    quotes = [t.strip() for t in page.locator("blockquote").all_inner_texts()]
    return list(zip(headings, quotes))


def test_reject_removes_the_suggestion(page, study):
    from qualcode.suggest import decision_log

    _compute(page, study, "P04")
    first = _cards(page)[0]
    page.get_by_role("button", name="Reject").first.click()
    settle(page)
    assert first not in _cards(page)
    with Project.open(study["path"], create=False) as project:
        assert [d.decision for d in decision_log(project, coder="ana")][-1] == "reject"  # (the module shares one study)
        assert not [c for c in project.codings(document="P04") if c.origin == SUGGESTION]


def test_suggestions_default_to_participant_turns(page, study):
    """The page says it leaves out the interviewer, and no card quotes a question."""
    _compute(page, study, "P04")
    page.get_by_text("Participant turns only unless you add speakers").wait_for()
    quotes = [q for _, q in _cards(page)]
    assert quotes and not [q for q in quotes if q in QUESTIONS]
    chips = page.locator("[data-testid='stMultiSelect']").filter(has_text="Only turns by").inner_text()
    assert "P04" in chips and "Interviewer" not in chips


def test_accept_a_suggestion_in_the_workspace(page, study):
    did = study["ids"]["P03"]  # uncoded by ana (P01/P02 are her training transcripts)
    with Project.open(study["path"], create=False) as project:
        before = {c.id for c in project.codings(document=did, coders=["ana"]) if c.origin == SUGGESTION}
    page.goto(f"{study['url']}/coding?doc=P03&coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("tab", name="Suggestions").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    page.get_by_role("button", name="Compute suggestions").click()
    settle(page)
    page.get_by_role("button", name="Accept").first.wait_for(timeout=BUILD_MS)
    page.get_by_role("button", name="Accept").first.click()
    settle(page)
    with Project.open(study["path"], create=False) as project:
        accepted = [c for c in project.codings(document=did, coders=["ana"]) if c.origin == SUGGESTION and c.id not in before]
    assert len(accepted) == 1
    # Saved and shown: the workspace highlights it after a reload.
    page.reload()
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(f".qc-tx [data-c~='{accepted[0].id}']")


def test_coding_updates_the_suggestions_without_recomputing(page, study):
    """Accept one suggestion: the suggester refits on it at once (the page says so), and the
    other suggestions of that transcript change, not only lose the accepted card."""
    _compute(page, study, "P03")
    before = _cards(page)
    page.get_by_role("button", name="Accept").first.click()
    settle(page)
    page.get_by_text("Updated from your latest codings in").wait_for()
    after = _cards(page)
    # P03 is now a coded transcript: its uncoded turns teach "not this code", so the scores move.
    assert after != before[1:]
