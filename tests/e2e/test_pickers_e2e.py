"""A corpus above the picker's list limit in a real browser (issue #24): find a thread by
name in the Code page's find box, pick it from the narrowed list, and its text is open."""

from __future__ import annotations

import pytest

from qualcode.store import Project
from qualcode.ui.pickers import LIST_LIMIT
from tests.conftest import make_interview
from tests.e2e.conftest import settle, streamlit_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pickers")
    path = folder / "corpus.qualcode"
    with Project.open(path) as project:
        project.add_documents([make_interview(f"thread{i:03d}", [(f"poster{i}", f"Comment {i} about my chatbot."),
                                                                 ("OP", "Thanks.")])
                               for i in range(LIST_LIMIT + 30)])
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield url


def test_find_a_thread_beyond_the_list_and_open_it(page, corpus):
    page.goto(f"{corpus}/coding?doc=thread001")
    settle(page, quiet_ms=60_000)  # the page's first run
    find = page.get_by_role("textbox", name="Find a transcript")
    find.fill("thread21")
    find.press("Enter")
    settle(page)
    page.get_by_text("10 of 230 match").wait_for(timeout=30_000)
    page.get_by_role("combobox", name="Transcript").first.click()
    options = page.get_by_role("option").all_inner_texts()
    # The open thread stays first (finding changes nothing), then the ten matches only.
    assert [o.strip() for o in options] == ["thread001"] + [f"thread21{i}" for i in range(10)]
    page.get_by_role("option", name="thread215", exact=True).click()
    settle(page)
    page.wait_for_function("() => new URL(location.href).searchParams.get('doc') === 'thread215'", timeout=30_000)
    page.locator(".qc-tx .qc-r").filter(has_text="Comment 215 about my chatbot.").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
