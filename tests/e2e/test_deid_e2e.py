"""The De-identify page in a real browser: find identifiers, keep one everywhere,
add a missed one, preview, apply, download the key; the store has the new text."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from qualcode.store import Project
from tests.conftest import make_interview
from tests.e2e.conftest import screenshot, settle, streamlit_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deid")
    path = folder / "study.qualcode"
    with Project.open(path) as project:
        project.add_documents([make_interview("P01", [
            ("Interviewer", "Who do you talk to, Maria?"),
            ("P01", "My sister Ngozi lives in Enugu. I also go to the church choir. Call me on 0803 123 4567."),
        ], participant="P01"),
            # Nothing to find here (issue #18: such a document crashed the review page).
            make_interview("P09", [("Interviewer", "How was it?"), ("P09", "it was fine really")]),
        ])
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path}


def choose_in_form(page, label: str, option: str) -> None:
    """Pick an option of a selectbox inside a form (no rerun until submitted)."""
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    # No Escape here: inside a form it would drop the choice before submitting.
    page.get_by_role("listbox").wait_for(state="hidden")


def stored_text(path) -> str:
    with Project.open(path, create=False) as project:
        return project.document(project.documents()[0].id)[1].text


def test_deidentify_in_the_browser(page, study):
    page.goto(f"{study['url']}/deidentify")
    settle(page, 100)
    page.get_by_role("textbox", name="Known names (one per line: name, replacement, kind)").fill("Maria Santos, P01")
    page.get_by_role("button", name="Find identifiers").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)  # loads the language model first
    settle(page)

    # Keep the phone number everywhere (a bulk decision), add a missed span.
    choose_in_form(page, "Every occurrence of", "0803 123 4567")
    page.get_by_role("button", name="Keep everywhere").click()
    settle(page)
    page.get_by_text("1 proposal(s) changed").wait_for(timeout=15_000)
    settle(page)
    page.get_by_role("textbox", name="Add a missed identifier (exact text, any case)").fill("church choir")
    choose_in_form(page, "Kind", "org")
    page.get_by_role("button", name="Add", exact=True).click()
    settle(page)
    page.get_by_text("added 1 occurrence(s)").wait_for(timeout=15_000)
    settle(page)  # the message shows at the start of the rerun; wait for its end

    page.get_by_text("Preview the de-identified text").click()
    preview = page.locator("[data-testid='stCode']").first
    preview.wait_for()
    shown = preview.inner_text()
    assert "[P01]" in shown and "[ORG 1]" in shown and "0803 123 4567" in shown and "Ngozi" not in shown
    screenshot(page, "deidentify-review.png")

    page.get_by_role("button", name="Apply to 2 document(s)").click()
    settle(page)
    page.get_by_text("de-identified 2 document(s)").wait_for(timeout=15_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download key (CSV)").click()
    key_csv = open(info.value.path(), encoding="utf-8").read()
    assert key_csv.startswith("kind,original,replacement") and "Ngozi" in key_csv

    deadline = time.monotonic() + 10
    while "Ngozi" in (text := stored_text(study["path"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "Maria" not in text and "Ngozi" not in text and "church choir" not in text
    assert "0803 123 4567" in text
    page.get_by_role("button", name="Discard the key").click()
    expect(page.get_by_role("button", name="Download key (CSV)")).to_have_count(0, timeout=15_000)


def test_a_document_with_nothing_found_does_not_crash(page, study):
    """Issue #18: 0 proposals gave "This app has encountered an error" and hid Apply."""
    page.goto(f"{study['url']}/deidentify")
    settle(page, 100)
    page.get_by_role("button", name="Find identifiers").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    settle(page)
    page.get_by_role("combobox", name="Document").first.click()
    page.get_by_role("option", name="P09 (0 proposals)").click()
    settle(page)
    page.get_by_text("Nothing was found in this document").wait_for(timeout=15_000)
    assert page.locator("[data-testid='stException']").count() == 0
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    expect(page.get_by_role("button", name="Apply to 2 document(s)")).to_be_visible()
