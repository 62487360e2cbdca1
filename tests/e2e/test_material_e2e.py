"""Working with a study's material in a real browser (one Streamlit server for the
module): retrieval with AND / NOT on the Excerpts page and a jump to the Code page;
speaker roles confirmed and followed by the Suggestions page; renaming and deleting a
transcript, renaming and merging speakers on the Transcripts page."""

from __future__ import annotations

import pytest

from qualcode.store import Project
from tests.e2e.conftest import pick_option, screenshot, settle, streamlit_server
from tests.fixtures import fill_small_study

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("material")
    path = folder / "study.qualcode"
    with Project.open(path) as project:
        fill_small_study(project, with_p03=True, coders=("ana", "ben"))
        _, p01 = project.document("P01")
        turn = p01.segments[1]
        at = p01.text.index("It just listened.")
        project.add_coding("P01", at, at + len("It just listened."), "Non-judgemental listener", "ana")
        project.add_coding("P01", turn.start, turn.start + len("At night"), "Generic replies", "ben")
        _, p02 = project.document("P02")
        at = p02.text.index("I rehearse")
        project.add_coding("P02", at, at + len("I rehearse what I will say to my mother."), "Rehearsal space", "ana")
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path}


def pick_transcript(page, option: str) -> None:
    """The manage box's "Transcript" select (not "Transcript to code" above it)."""
    page.get_by_role("combobox", name="Transcript", exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    settle(page)


def speaker_box(page):
    # Its accessible name carries the chosen value too ("Interviewer"), so find it by its label.
    return page.get_by_test_id("stSelectbox").filter(has_text="Speaker").last.get_by_role("combobox")


def excerpts(page, count: int) -> str:
    """The excerpt cards' text, once the page shows ``count`` of them."""
    page.wait_for_function(f"() => document.querySelectorAll('.qc-excerpt').length === {count}", timeout=30_000)
    settle(page, 100)
    return " ".join(page.locator(".qc-excerpt").all_inner_texts())


def test_retrieval_with_and_not_and_a_jump_to_the_code_page(page, study):
    page.goto(f"{study['url']}/excerpts")
    settle(page, quiet_ms=60_000)  # the page's first run
    pick_option(page, "Code A", "Support roles")
    page.get_by_text("2 excerpts", exact=False).first.wait_for()
    text = excerpts(page, 2)
    assert "It just listened." in text and "I rehearse" in text
    pick_option(page, "Query", "A NOT B")
    pick_option(page, "Code B", "Generic replies")
    page.get_by_text("1 excerpt ", exact=False).first.wait_for()
    text = excerpts(page, 1)
    assert "I rehearse" in text and "It just listened." not in text
    pick_option(page, "Query", "A AND B")
    page.get_by_text("with Generic replies", exact=False).first.wait_for()
    text = excerpts(page, 1)
    assert "It just listened." in text and "I rehearse" not in text and "with Generic replies" in text
    # The line of context before the excerpt is the interviewer's question.
    assert "Interviewer: How did you start using the chatbot?" in text
    assert page.get_by_role("button", name="Word").is_visible() and page.get_by_role("button", name="CSV").is_visible()
    screenshot(page, "excerpts-and.png")
    # A Streamlit button (a select's arrow is a button labelled "open" too).
    page.get_by_test_id("stButton").get_by_role("button", name="Open", exact=True).click()
    settle(page)
    page.wait_for_function("() => location.pathname.endsWith('/coding') && location.search.includes('doc=P01')",
                           timeout=30_000)
    page.get_by_role("heading", name="Code").first.wait_for()


def test_confirm_speaker_roles_and_suggestions_follow_them(page, study):
    """Roles detected from the labels, one changed and confirmed in the browser; the
    Suggestions page then leaves that speaker's turns out by default."""
    from qualcode.store.speakers import confirmed_speaker_roles

    page.goto(f"{study['url']}/transcripts?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Speaker roles", exact=True).click()
    settle(page)
    page.get_by_text("Interviewer (4 turns) · detected").wait_for()
    # P03 turns out to be a second interviewer (a co-moderator), not a participant.
    page.get_by_test_id("stSelectbox").filter(has_text="P03 (").get_by_role("combobox").click()
    page.get_by_role("option", name="interviewer", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    page.get_by_role("button", name="Confirm roles").click()
    settle(page)
    page.get_by_text("Speaker roles confirmed.", exact=False).first.wait_for()
    with Project.open(study["path"], create=False) as project:
        roles = confirmed_speaker_roles(project)
    assert roles["P03"] == "interviewer" and roles["Interviewer"] == "interviewer" and roles["P01"] == "participant"
    # No longer "· detected" (the expander may have closed on the rerun: attached is enough).
    page.get_by_text("Interviewer (4 turns)", exact=True).first.wait_for(state="attached")
    page.goto(f"{study['url']}/suggest?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    chips = page.locator("[data-testid='stMultiSelect']").filter(has_text="Only turns by")
    chips.get_by_text("P02").wait_for()
    text = chips.inner_text()
    assert "P01" in text and "P02" in text and "P03" not in text and "Interviewer" not in text
    page.get_by_text("Participant turns only unless you add speakers").wait_for()


def test_rename_and_delete_a_transcript(page, study):
    page.goto(f"{study['url']}/transcripts")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Rename, delete or link to a participant").click()
    settle(page)
    pick_transcript(page, "P03 (P03)")
    box = page.get_by_role("textbox", name="New name")
    box.fill("Interview 3")
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Rename").click()
    settle(page)
    page.get_by_text("Renamed", exact=False).first.wait_for()
    # Delete asks first, and says how many codings go with the transcript.
    # The box stays open after the rename.
    pick_transcript(page, "P02 (P02)")
    page.get_by_role("tab", name="Delete").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    page.get_by_text("has 1 coding(s)", exact=False).wait_for()
    delete = page.get_by_role("button", name="Delete transcript")
    assert delete.is_disabled()
    page.get_by_text("Yes, delete P02 and its 1 coding(s)").click()
    settle(page)
    delete.click()
    settle(page)
    page.get_by_text("Deleted", exact=False).first.wait_for()
    with Project.open(study["path"], create=False) as project:
        assert [d.name for d in project.documents()] == ["P01", "Interview 3"]
        assert project.events()[0].action == "document.delete"


def test_merge_a_speaker_across_the_project(page, study):
    page.goto(f"{study['url']}/transcripts")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Rename, delete or link to a participant").click()
    settle(page)
    pick_transcript(page, "P01 (P01)")
    page.get_by_role("tab", name="Speakers").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    speaker_box(page).click()
    page.get_by_role("option", name="Interviewer", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    settle(page)
    box = page.get_by_role("textbox", name="New label (or an existing one, to merge)")
    box.fill("Moderator")
    box.press("Enter")
    settle(page)
    page.get_by_text("In every transcript", exact=False).click()
    settle(page)
    page.get_by_role("button", name="Rename speaker").click()
    settle(page)
    page.get_by_text("Renamed speaker 'Interviewer' to 'Moderator'.", exact=False).first.wait_for()
    # Then merge P01 into Moderator: the label exists, so the two speakers become one.
    page.get_by_role("tab", name="Speakers").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    speaker_box(page).click()
    page.get_by_role("option", name="P01", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    settle(page)
    box.fill("Moderator")
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Rename speaker").click()
    settle(page)
    page.get_by_text("Merged speaker 'P01' into 'Moderator'.", exact=False).first.wait_for()
    with Project.open(study["path"], create=False) as project:
        assert project.speakers("P01") == {"Moderator": 4}
        assert "Interviewer" not in project.speakers()
