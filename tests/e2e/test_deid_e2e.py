"""The De-identify page in a real browser: a document with nothing found, the
never-an-identifier list, correcting a proposal's span and kind, keeping one
everywhere, adding a missed one, preview, apply, download the key; the store has
the new text."""

from __future__ import annotations

import re

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
            make_interview("P05", [("Interviewer", "Work?"), ("P05", "At home we speak Polish. I work at Comarch as a tester.")]),
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


def test_a_document_with_nothing_found_does_not_crash(page, study):
    """Issue #18: 0 proposals gave "This app has encountered an error" and hid Apply."""
    page.goto(f"{study['url']}/deidentify")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("button", name="Find identifiers").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    settle(page)
    page.get_by_role("combobox", name="Document").first.click()
    page.get_by_role("option", name="P09 (0 proposals)").click()
    settle(page)
    page.get_by_text("Nothing was found in this document").wait_for(timeout=15_000)
    assert page.locator("[data-testid='stException']").count() == 0
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    expect(page.get_by_role("button", name="Apply to 3 document(s)")).to_be_visible()


def _find_and_open(page, url: str, known: str, doc: "str | re.Pattern[str]") -> None:
    page.goto(f"{url}/deidentify")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("textbox", name="Known names (one per line: name, replacement, kind)").fill(known)
    page.get_by_role("button", name="Find identifiers").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    settle(page)
    page.get_by_role("combobox", name="Document").first.click()
    page.get_by_role("option", name=doc).click()
    settle(page)


def _preview(page) -> str:
    page.get_by_text("Preview the de-identified text").click()
    preview = page.locator("[data-testid='stCode']").first
    preview.wait_for()
    return preview.inner_text()


def test_the_never_an_identifier_list_in_the_browser(page, study):
    page.goto(f"{study['url']}/deidentify")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Never an identifier (").click()
    box = page.get_by_role("textbox", name="Never an identifier")
    # Wait for the page's first run to fill the box (a fresh page can be read before it).
    expect(box).to_have_value(re.compile(r"^English$", re.MULTILINE), timeout=30_000)
    lines = [ln for ln in box.input_value().splitlines() if ln != "Polish"]
    assert "English" in lines and "Replika" in lines
    box.fill("\n".join(lines + ["Comarch"]))
    page.get_by_role("button", name="Save the list").click()
    settle(page)
    page.get_by_text("never-an-identifier list saved: 1 word(s) added, 1 default(s) off").wait_for(timeout=15_000)
    with Project.open(study["path"], create=False) as project:
        from qualcode.deid import project_never_terms

        terms = project_never_terms(project)
    assert "Comarch" in terms and "Polish" not in terms
    _find_and_open(page, study["url"], "", "P05 (1 proposals)")
    shown = _preview(page)
    assert "Comarch as a tester" in shown and "Polish" not in shown


def _correct(page, current: str, kind_now: str, text: str | None = None, kind: str | None = None) -> None:
    """Correct one proposal with the edit form and wait for its confirmation."""
    # The form stays open once used (the page says so in state, not time).
    expect(page.get_by_role("combobox", name="Proposal to correct").first).to_be_visible(timeout=15_000)
    page.get_by_role("combobox", name="Proposal to correct").first.click()
    # Streamlit may render the spaces of an option as no-break spaces: match any space.
    label = re.compile(r"\s+".join(re.escape(w) for w in f"{current} ({kind_now})".split()) + "$")
    page.get_by_role("option").filter(has_text=label).first.click()
    settle(page)
    box = page.get_by_role("textbox", name="Exact text to remove")
    # The box starts from the proposal just chosen: wait for that state, not for time.
    expect(box).to_have_value(current, timeout=15_000)
    if text is not None:
        box.fill(text)
    if kind is not None:
        choose_in_form(page, "Kind of identifier", kind)
    page.get_by_role("button", name="Save the correction").click()
    settle(page)
    page.get_by_text(re.compile(r"^proposal \d+ corrected$")).wait_for(timeout=15_000)
    settle(page)


def test_correct_a_proposal_with_the_edit_form(page, study):
    """Issue #18: a wrong span or kind is corrected in the review page (a form the
    keyboard and this test drive reliably, beside the table's editable cells)."""
    _find_and_open(page, study["url"], "", re.compile(r"^P01 \(\d+ proposals\)$"))
    page.get_by_text("Correct a proposal (its text or kind)").click()
    _correct(page, "0803 123 4567", "phone", text="123 4567")
    _correct(page, "Enugu", "place", kind="org")
    shown = _preview(page)
    assert "Call me on 0803 [PHONE]." in shown and "lives in [ORG 1]." in shown and "Enugu" not in shown
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_role("button", name="Start over").click()
    settle(page)
    expect(page.get_by_role("button", name="Find identifiers")).to_be_visible(timeout=15_000)


def test_deidentify_in_the_browser(page, study):
    page.goto(f"{study['url']}/deidentify")
    settle(page, quiet_ms=60_000)  # the page's first run
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

    page.get_by_role("button", name="Apply to 3 document(s)").click()
    settle(page)
    page.get_by_text("de-identified 3 document(s)").wait_for(timeout=15_000)
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
