"""The coding session's trust promises in a real browser (issue 16).

Blind mode cannot leak by any path to a transcript; the current coder is visible,
belongs to one project and is never invented; the address reopens exactly what was
open; only turns are codable rows; a span across turns never stores a label.

One Streamlit server for the module; each test gets a fresh browser context (a fresh
Streamlit session, as a new browser window would).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from qualcode.store import Project
from tests.conftest import make_interview
from tests.e2e.conftest import choose_coder, pick_option, settle, streamlit_server

pytestmark = pytest.mark.e2e

BLIND_DOC = "E2E blind"
OTTER_DOC = "E2E otter"
OTTER_TEXT = (
    "Speaker 1  0:03\nHow did you find the app?\n\n"
    "Speaker 2  0:09\nIt was there when nobody else was.\n\n"
    "Speaker 1  0:15\nWhat happened then?\n"
)
SIDEBAR = "[data-testid='stSidebar']"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The demo study plus a two-coder transcript (ana, ben and a consensus coder)."""
    from qualcode.demo import build_demo
    from qualcode.ingest import read_documents_from_bytes

    folder = tmp_path_factory.mktemp("e2e-trust")
    path = folder / "study.qualcode"
    with build_demo(path, coded=False) as project:
        otter = read_documents_from_bytes(OTTER_TEXT.encode(), f"{OTTER_DOC}.txt")
        project.add_documents(
            [make_interview(BLIND_DOC, [("Interviewer", "Who did you tell?"), ("P23", "Nobody but the bot."),
                                        ("Interviewer", "Why?"), ("P23", "It never judged me.")]), *otter,
             # ben's own earlier work, for the suggester to learn from: a coded and an
             # uncoded participant turn each, so his code's quality can be measured.
             *[make_interview(f"E2E ben {i}", [("Interviewer", "Who knew?"), (f"P3{i}", "Nobody but the bot, honestly."),
                                               ("Interviewer", "And after?"), (f"P3{i}", "I went for a walk after work.")])
               for i in range(3)]],
            actor="setup",
        )
        for coder in ("ana", "ben", "consensus"):
            project.add_coder(coder)
        for i in range(3):
            seg = project.document(f"E2E ben {i}")[1].segments[1]
            project.add_coding(f"E2E ben {i}", seg.start, seg.end, "Stigma of seeking help", "ben")
        _, doc = project.document(BLIND_DOC)
        s1, s3 = doc.segments[1], doc.segments[3]
        others = [
            project.add_coding(BLIND_DOC, s1.start, s1.end, "Rehearsal space", "ana").id,
            project.add_coding(BLIND_DOC, s3.start, s3.end, "Empathy", "consensus").id,
        ]
        own = project.add_coding(BLIND_DOC, s3.start, s3.end, "Generic or scripted replies", "ben").id
        ids = {d.name: d.id for d in project.documents()}
    other_project = folder / "other.qualcode"
    with Project.open(other_project) as p2:
        p2.add_documents([make_interview("Other doc", [("Interviewer", "Hello?"), ("P99", "Hi there.")])], actor="setup")
        from qualcode.model import Code

        p2.add_code(Code("Greeting"), actor="setup")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")  # suggestions path without the real model's load time
        with streamlit_server(path, folder / "streamlit.log") as url:
            yield {"url": url, "path": path, "ids": ids, "own": own, "others": others, "other_project": other_project}


# ----------------------------------------------------------------- helpers
def _blind_toggle(page):
    return page.locator(SIDEBAR).locator("label:has-text('Blind mode') input")


def coder_shown(page) -> str:
    """What the sidebar's Coder box shows ("" when it shows its "Who is coding?" placeholder)."""
    return page.locator(SIDEBAR).get_by_role("combobox", name="Coder").input_value()


def become_blind_ben(page, study) -> None:
    """Choose coder ben in a fresh session and switch blind mode on (if not on already)."""
    page.goto(f"{study['url']}/")
    settle(page, quiet_ms=60_000)  # the page's first run
    if coder_shown(page) != "ben":
        choose_coder(page, "ben")
    toggle = _blind_toggle(page)
    if not toggle.is_checked():
        page.locator(SIDEBAR).get_by_text("Blind mode").click()
        settle(page)
    assert toggle.is_checked()


def assert_blind_view(page, study) -> None:
    """ben sees the blind transcript with his own coding only: no other coder's
    highlight, name or count anywhere in the workspace."""
    page.wait_for_selector(".qc-tx .qc-r")
    page.locator(".qc-tx").get_by_text("Nobody but the bot.").wait_for()
    assert page.get_by_role("combobox", name="Transcript").input_value() == BLIND_DOC
    ids = page.evaluate("() => [...document.querySelectorAll('.qc-tx .qc-h')].flatMap(e => e.dataset.c.split(' '))")
    assert set(ids) <= {str(study["own"])}, f"other coders' codings shown to blind ben: {ids}"
    titles = " ".join(page.evaluate("() => [...document.querySelectorAll('.qc-tx [title]')].map(e => e.title)"))
    assert "ana" not in titles and "consensus" not in titles
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "All coders" not in main
    assert "Rehearsal space" not in main and "Empathy (" not in main
    assert _blind_toggle(page).is_checked(), "the toggle must show blind mode on"


def showing_transcript(page, name: str = BLIND_DOC) -> None:
    """Wait until this tab shows the transcript ``name`` on the Code page and its
    address names it: an action's rerun may start late on a loaded machine (settle()
    then returns before it), and a copied address must be the one the tab ends on."""
    page.wait_for_function(
        "(name) => location.pathname.endsWith('/coding') && new URLSearchParams(location.search).get('doc') === name",
        arg=name,
    )
    page.wait_for_selector(".qc-tx .qc-r")
    page.locator(".qc-tx").get_by_text("Nobody but the bot.").wait_for()


def without_param(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name]
    return urlunsplit(parts._replace(query=urlencode(query)))


def open_blind_doc_by(page, study, path: str) -> None:
    """Reach the blind transcript as blind ben by one route a researcher would take."""
    if path == "sidebar":
        page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
        settle(page)
        pick_option(page, "Transcript", BLIND_DOC)
    elif path == "transcripts":
        page.locator(SIDEBAR).get_by_role("link", name="Transcripts").click()
        settle(page)
        pick_option(page, "Transcript to code", BLIND_DOC)
        page.get_by_role("button", name="Open in workspace").click()
        settle(page)
    elif path == "search":
        page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
        settle(page)
        page.get_by_role("tab", name="Search").click()
        settle(page)  # tabs are lazy: choosing one reruns the page
        box = page.get_by_role("textbox", name="Search all transcripts")
        box.fill("Nobody but the bot")
        box.press("Enter")
        settle(page)
        page.get_by_role("tabpanel", name="Search").get_by_role("button", name="Open", exact=True).first.click()
        settle(page)
    elif path == "suggestion":
        page.locator(SIDEBAR).get_by_role("link", name="Suggestions").click()
        settle(page)
        page.get_by_role("button", name="Compute suggestions").click()
        settle(page)
        pick_option(page, "Transcript", BLIND_DOC)
        page.get_by_role("button", name="Show in context").first.click()
        settle(page)
    elif path == "excerpts":  # the analysis drill-down: retrieve a code's excerpts, open one
        page.locator(SIDEBAR).get_by_role("link", name="Excerpts").click()
        settle(page)
        pick_option(page, "Code A", "Misalignment and risks › Generic or scripted replies")
        main = page.locator("[data-testid='stMain']")
        main.get_by_text("1 excerpt", exact=False).first.wait_for()
        assert "Rehearsal space" not in main.inner_text() and "Nobody but the bot" not in main.inner_text()
        # A Streamlit button (a select's arrow is a button labelled "open" too).
        page.get_by_test_id("stButton").get_by_role("button", name="Open", exact=True).click()
        settle(page)
    elif path == "reload":
        open_blind_doc_by(page, study, "transcripts")
        showing_transcript(page)
        page.reload()
        settle(page, quiet_ms=60_000)  # the page's first run
    elif path == "second tab":
        open_blind_doc_by(page, study, "transcripts")
        showing_transcript(page)  # the address to copy is the workspace's, not the Transcripts page's
        second = page.context.new_page()
        second.goto(page.url)
        settle(second, 100)
        page.close()
        return second
    elif path == "pasted URL":
        open_blind_doc_by(page, study, "transcripts")
        showing_transcript(page)
        pasted = without_param(page.url, "blind")
        other = page.context.browser.new_context(viewport={"width": 1440, "height": 960}).new_page()
        other.goto(pasted)
        settle(other, 100)
        return other
    else:  # pragma: no cover - a typo in the parameter list
        raise AssertionError(path)
    return page


# ------------------------------------------------------------- trust 1: blind
@pytest.mark.parametrize("path", ["sidebar", "transcripts", "search", "suggestion", "excerpts", "reload", "second tab",
                                  "pasted URL"])
def test_blind_mode_holds_on_every_path_to_a_transcript(page, study, path):
    become_blind_ben(page, study)
    shown = open_blind_doc_by(page, study, path)
    assert_blind_view(shown, study)
    assert "blind=" not in shown.url  # blind mode is not a URL flag that a link can drop or add


def test_a_pasted_address_without_a_coder_shows_no_ones_codings_while_someone_codes_blind(page, study, browser):
    become_blind_ben(page, study)
    other = browser.new_context(viewport={"width": 1440, "height": 960}).new_page()
    other.goto(f"{study['url']}/coding?doc={BLIND_DOC}")
    settle(other, 100)
    other.wait_for_selector(".qc-tx .qc-r")
    other.locator(".qc-tx").get_by_text("Nobody but the bot.").wait_for()  # the named transcript
    assert other.locator(".qc-tx .qc-h").count() == 0


@pytest.mark.parametrize("page_name", ["agreement", "analyze"])
def test_agreement_and_analyze_show_a_blind_coder_no_other_coders_codings(page, study, browser, page_name):
    become_blind_ben(page, study)
    # A fresh window on the page (as after a restart or from a bookmark): still blind.
    other = browser.new_context(viewport={"width": 1440, "height": 960}).new_page()
    other.goto(f"{study['url']}/{page_name}?coder=ben")
    settle(other, 800)
    main = other.locator("[data-testid='stMain']").inner_text()
    assert "Blind mode" in main
    assert "Nobody but the bot" not in main
    assert not re.search(r"\bana\b", main), "another coder named to a blind coder"


# ------------------------------------------------------------ trust 2: coder
def test_a_new_coder_shows_in_the_coder_box(page, study):
    page.goto(f"{study['url']}/")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.locator(SIDEBAR).get_by_role("button", name="New coder").click()
    page.get_by_role("textbox", name="Name").fill("cleo")
    page.get_by_role("button", name="Add coder").click()
    settle(page)
    assert coder_shown(page) == "cleo"


def test_opening_another_project_clears_the_coder_and_never_invents_one(page, study):
    page.goto(f"{study['url']}/?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    assert coder_shown(page) == "ana"
    page.get_by_text("Open or create a project").click()
    page.get_by_role("textbox", name="Project file").fill(str(study["other_project"]))
    page.get_by_role("button", name="Open / create").click()
    settle(page)
    page.get_by_text("Opened project").first.wait_for()
    assert coder_shown(page) == ""  # the placeholder "Who is coding?"
    # Try to code anyway: nothing may be attributed to a coder not picked in this project.
    page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
    settle(page)
    page.wait_for_selector(".qc-tx .qc-r")
    pick_option(page, "Codes to apply", "Greeting")
    page.locator(".qc-tx .qc-turn[data-i='1'] .qc-turn-btn").click()
    settle(page)
    with Project.open(study["other_project"], create=False) as p2:
        assert p2.coders() == [] and p2.codings() == []


# ------------------------------------------------------------ trust 3: address
def test_reload_reopens_the_same_project_and_transcript(page, study):
    page.goto(f"{study['url']}/?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Open or create a project").click()
    page.get_by_role("textbox", name="Project file").fill(str(study["other_project"]))
    page.get_by_role("button", name="Open / create").click()
    settle(page)
    page.get_by_text("Opened project").first.wait_for()
    page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
    settle(page)
    page.wait_for_selector(".qc-tx .qc-r")
    url = page.url
    assert "doc=Other" in url, "the address names the transcript, not a row number"
    page.reload()
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_text("Hi there.").first.wait_for()
    assert "other" in page.locator(SIDEBAR).inner_text().lower()
    # The same address in a fresh window opens the same project and transcript.
    fresh = page.context.browser.new_context(viewport={"width": 1440, "height": 960}).new_page()
    fresh.goto(url)
    settle(fresh, 100)
    fresh.get_by_text("Hi there.").first.wait_for()


# --------------------------------------------------- trust 4 and 5: turns only
def test_label_lines_are_not_rows_and_a_span_across_turns_never_stores_a_label(page, study):
    page.goto(f"{study['url']}/coding?doc={OTTER_DOC}&coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(".qc-tx .qc-r")
    shown = page.locator(".qc-tx").inner_text()
    assert "Speaker 1  0:03" not in shown and "Speaker 2  0:09" not in shown
    assert page.locator(".qc-tx .qc-free").count() == 0
    assert page.locator(".qc-tx .qc-turn").count() == 3
    # Drag from the middle of turn 1 to the middle of turn 2.
    page.evaluate("""() => {
      const runs = [...document.querySelectorAll('.qc-tx .qc-r')];
      const a = runs.find(r => r.textContent.includes('find the app'));
      const b = runs.find(r => r.textContent.includes('nobody else'));
      const range = document.createRange();
      range.setStart(a.firstChild, a.firstChild.data.indexOf('find'));
      range.setEnd(b.firstChild, b.firstChild.data.indexOf(' nobody'));
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""")
    page.mouse.move(300, 300)
    page.locator(".qc-tx .qc-r").first.dispatch_event("mousedown")
    page.evaluate("() => document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}))")
    settle(page)
    page.get_by_role("button", name="Apply to selection").wait_for()
    pick_option(page, "Codes to apply", "Core conditions › Empathy")
    page.get_by_role("button", name="Apply to selection").click()
    settle(page)
    with Project.open(study["path"], create=False) as p:
        snippets = sorted(c.snippet for c in p.codings(document=OTTER_DOC, coders=["ana"]))
    assert snippets == ["It was there when", "find the app?"]
    assert not any("Speaker" in s or "0:09" in s for s in snippets)
