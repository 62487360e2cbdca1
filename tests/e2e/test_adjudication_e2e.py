"""The Agreement page in a real browser: the table renders, one disagreement is
adjudicated with a click, and the consensus coding is in the store afterwards."""

from __future__ import annotations

import time

import pytest

from qualcode.model import Code
from qualcode.store import Project
from tests.conftest import make_interview
from tests.e2e.conftest import screenshot, settle, streamlit_server

pytestmark = pytest.mark.e2e

GENERIC_TURN = "Sometimes the advice was generic, like a leaflet."


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """ana and ben double-coded one interview; they disagree on "Generic replies"."""
    folder = tmp_path_factory.mktemp("adjudicate")
    path = folder / "study.qualcode"
    with Project.open(path) as project:
        project.add_documents([make_interview("P01", [
            ("Interviewer", "How did you start using the chatbot?"),
            ("P01", "At night, when nobody else was awake. It just listened."),
            ("Interviewer", "Did it ever feel wrong?"),
            ("P01", GENERIC_TURN),
        ])])
        project.add_code(Code("Non-judgemental listener"))
        project.add_code(Code("Generic replies"))
        _, doc = project.document("P01")
        t2, t4 = doc.segments[1], doc.segments[3]
        for coder in ("ana", "ben"):
            project.add_coder(coder)
            project.add_coding("P01", t2.start, t2.end, "Non-judgemental listener", coder)
        project.add_coding("P01", t4.start, t4.end, "Generic replies", "ana")
        ids = {"doc": project.document("P01")[0], "generic": project.code("Generic replies").id, "t4": t4.start}
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path, **ids}


def consensus_codings(path):
    with Project.open(path, create=False) as project:
        return project.codings(coders=["consensus"])


def test_adjudicate_one_disagreement_in_the_browser(page, study):
    page.goto(f"{study['url']}/agreement?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    # The agreement table (a canvas grid) and the Disagreements tab are there.
    page.wait_for_selector("[data-testid='stDataFrame']")
    page.get_by_role("tab", name="Disagreements").click()
    settle(page)
    card = page.locator("[data-testid='stVerticalBlock']").filter(has_text=GENERIC_TURN).filter(
        has=page.get_by_role("button", name="Keep ana")).last
    card.get_by_role("button", name="Keep ana").click()
    settle(page)
    # The rerun stays on the Disagreements tab and shows the decision on the card.
    page.get_by_text("Decided: keep ana").wait_for(timeout=15_000)
    screenshot(page, "adjudication.png")

    # The store has the consensus coding; the app wrote it in its own process.
    deadline = time.monotonic() + 10
    while not (found := consensus_codings(study["path"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    [c] = found
    assert (c.document_id, c.code_id, c.start, c.snippet) == (study["doc"], study["generic"], study["t4"], GENERIC_TURN)
    assert c.origin == "consensus" and c.origin_detail == "adjudicated keep ana; coders: ana, ben"
    with Project.open(study["path"], create=False) as project:
        assert len(project.codings(coders=["ana", "ben"])) == 3  # the coders' own codings are untouched
