"""A two-coder study end to end in a real browser (issue 16, "Done").

Import two transcripts and the codebook into a new project; ana codes; ben joins,
switches blind mode on and reaches the transcript by every route (sidebar, the
Transcripts page, search, reload, a second tab, a pasted address), seeing only his own
codings each time; ben codes; the Agreement page stays shut while he is blind and
compares both once he is not; the excerpts export holds both coders' codings, each
under its coder. Screenshots go to pytest's tmp folder (never into the repository).
"""

from __future__ import annotations

import csv
import io

import pytest

from qualcode.store import Project
from tests.e2e.conftest import choose_coder, pick_option, settle, streamlit_server

pytestmark = pytest.mark.e2e

SIDEBAR = "[data-testid='stSidebar']"
P41 = "Interviewer: How did you use the chatbot?\n\nP41: Mostly at night, when nobody else was awake.\n\n" \
      "Interviewer: Did it help?\n\nP41: It felt like it never judged me, which my family did.\n"
P42 = "Interviewer: What did you tell it?\n\nP42: Things I could not say to my therapist.\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-session")
    path = folder / "two-coders.qualcode"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
        with streamlit_server(path, folder / "streamlit.log") as url:
            yield {"url": url, "path": path, "folder": folder}


def shot(page, server, name: str) -> None:
    page.mouse.move(5, 950)
    page.screenshot(path=str(server["folder"] / f"{name}.png"), full_page=False)


def add_coder(page, name: str) -> None:
    page.locator(SIDEBAR).get_by_role("button", name="New coder").click()
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("button", name="Add coder").click()
    settle(page)
    page.keyboard.press("Escape")  # close the popover (it would cover the sidebar below it)
    page.mouse.click(700, 60)
    assert page.locator(SIDEBAR).get_by_role("combobox", name="Coder").input_value() == name


def select_words(page, words: str) -> None:
    page.evaluate("""(needle) => {
      for (const run of document.querySelectorAll('.qc-tx .qc-r')) {
        const t = run.firstChild.data, i = t.indexOf(needle);
        if (i < 0) continue;
        const r = document.createRange(); r.setStart(run.firstChild, i); r.setEnd(run.firstChild, i + needle.length);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
        run.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
        document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        return;
      }
      throw new Error('not in the transcript: ' + needle);
    }""", words)
    settle(page)
    page.get_by_role("button", name="Apply to selection").wait_for()


def apply(page, code: str) -> None:
    pick_option(page, "Codes to apply", code)
    page.get_by_role("button", name="Apply to selection").click()
    settle(page)


def highlighted_ids(page, expect: set[int] | None = None) -> set[int]:
    """The coding ids drawn in the transcript; with ``expect``, first wait until each
    of them is drawn (a saved coding is drawn by the workspace rerun that follows)."""
    page.wait_for_selector(".qc-tx .qc-r")
    for cid in expect or ():
        page.wait_for_function("(id) => document.querySelector(`.qc-tx [data-c~='${id}']`)", arg=cid,
                               timeout=30_000)
    ids = page.evaluate("() => [...document.querySelectorAll('.qc-tx [data-c]')].flatMap(e => e.dataset.c.split(' '))")
    return {int(i) for i in ids}


def codings(server, coder=None):
    with Project.open(server["path"], create=False) as p:
        return p.codings(coders=[coder] if coder else None)


def test_two_coders_blind_agreement_and_export(page, server, browser):
    url = server["url"]
    folder = server["folder"]
    # ------------------------------------------------------------ import
    for name, text in (("P41_interview.txt", P41), ("P42_interview.txt", P42)):
        (folder / name).write_text(text, encoding="utf-8")
    page.goto(f"{url}/")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        [str(folder / "P41_interview.txt"), str(folder / "P42_interview.txt")])
    settle(page, 800)
    page.get_by_role("button", name="Import 2 documents").click()
    settle(page)
    page.get_by_role("tab", name="Codebook").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    pick_option(page, "Codebook", "therapeutic alignment")
    page.get_by_role("button", name="Load codebook into the project").click()
    settle(page)
    page.get_by_text("Codebook loaded").first.wait_for()
    shot(page, server, "01-imported")

    # ------------------------------------------------------------ ana codes
    add_coder(page, "ana")
    page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
    settle(page)
    pick_option(page, "Transcript", "P41_interview")
    select_words(page, "when nobody else was awake")
    apply(page, "Gaps in everyday care › Out-of-hours need")
    select_words(page, "it never judged me")
    apply(page, "Support roles › Non-judgemental listener")
    ana = codings(server, "ana")
    assert {(c.coder, c.snippet) for c in ana} == {("ana", "when nobody else was awake"), ("ana", "it never judged me")}
    assert highlighted_ids(page, {c.id for c in ana}) == {c.id for c in ana}
    shot(page, server, "02-ana-coded")

    # ------------------------------------------------------------ ben, blind
    add_coder(page, "ben")
    page.locator(SIDEBAR).get_by_text("Blind mode").click()
    settle(page)
    ana_ids = {c.id for c in ana}

    def blind_check(p, where: str) -> None:
        p.locator(".qc-tx").get_by_text("nobody else was awake").wait_for()
        shown = highlighted_ids(p)
        assert not shown & ana_ids, f"{where}: ana's codings shown to blind ben"
        assert "ana" not in " ".join(p.evaluate("() => [...document.querySelectorAll('.qc-tx [title]')].map(e => e.title)"))
        assert p.locator(SIDEBAR).locator("label:has-text('Blind mode') input").is_checked(), where
        assert p.locator(SIDEBAR).get_by_role("combobox", name="Coder").input_value() == "ben", where

    blind_check(page, "after switching blind mode on")
    shot(page, server, "03-ben-blind")
    # sidebar
    page.locator(SIDEBAR).get_by_role("link", name="Transcripts").click()
    settle(page)
    page.locator(SIDEBAR).get_by_role("link", name="Code", exact=True).click()
    settle(page)
    blind_check(page, "sidebar")
    # Transcripts page: the blind counts are ben's (none yet), then Open in workspace
    page.locator(SIDEBAR).get_by_role("link", name="Transcripts").click()
    settle(page)
    pick_option(page, "Transcript to code", "P41_interview")
    page.get_by_role("button", name="Open in workspace").click()
    settle(page)
    blind_check(page, "Transcripts page")
    # search hit
    page.get_by_role("tab", name="Search").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    box = page.get_by_role("textbox", name="Search all transcripts")
    box.fill("judged")
    box.press("Enter")
    settle(page)
    page.get_by_role("tabpanel", name="Search").get_by_role("button", name="Open", exact=True).first.click()
    settle(page)
    blind_check(page, "search")
    # reload, second tab, pasted address without any blind flag
    page.reload()
    settle(page, quiet_ms=60_000)  # the page's first run
    blind_check(page, "reload")
    second = page.context.new_page()
    second.goto(page.url)
    settle(second, 100)
    blind_check(second, "second tab")
    second.close()
    assert "blind" not in page.url
    pasted = browser.new_context(viewport={"width": 1440, "height": 960}).new_page()
    pasted.goto(page.url)
    settle(pasted, 100)
    blind_check(pasted, "pasted address")
    shot(pasted, server, "04-ben-pasted-address")
    pasted.context.close()

    # ------------------------------------------------------------ ben codes
    select_words(page, "it never judged me")
    apply(page, "Support roles › Non-judgemental listener")
    ben = codings(server, "ben")
    assert {(c.coder, c.snippet) for c in ben} == {("ben", "it never judged me")}
    blind_check(page, "after coding")
    assert highlighted_ids(page, {c.id for c in ben}) == {c.id for c in ben}
    # The codings list names only ben.
    page.get_by_role("tab", name="Codings").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    listed = page.get_by_role("tabpanel", name="Codings").inner_text()
    assert "ana" not in listed
    shot(page, server, "05-ben-coded")

    # ------------------------------------------------------------ agreement
    page.locator(SIDEBAR).get_by_role("link", name="Agreement").click()
    settle(page, 600)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "Blind mode" in main and "never judged" not in main
    shot(page, server, "06-agreement-blind")
    page.locator(SIDEBAR).get_by_text("Blind mode").click()
    settle(page, 1500)
    page.get_by_text("Coders to compare").wait_for()
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "ana" in main and "ben" in main
    shot(page, server, "07-agreement-open")

    # ------------------------------------------------------------ export
    page.locator(SIDEBAR).get_by_role("link", name="Export").click()
    settle(page)
    page.get_by_role("tab", name="Tables (CSV, Excel)").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    with page.expect_download() as dl:
        page.get_by_role("button", name="Excerpts (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    owners = {(r.get("coder"), (r.get("excerpt") or r.get("text") or r.get("snippet") or "").strip()) for r in rows}
    assert ("ana", "when nobody else was awake") in owners and ("ben", "it never judged me") in owners, owners
    # Every coding in the store is attributed to a coder someone picked: ana or ben.
    assert {c.coder for c in codings(server)} == {"ana", "ben"}
    shot(page, server, "08-export")
    print("screenshots in", folder)
