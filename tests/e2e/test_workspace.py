"""The coding workspace in a real browser: upload, mouse selection with emoji and
accents, escaping of hostile transcripts, blind mode, whole-turn coding.
(The README screenshot is made by docs/img/make_workspace.py, not by a test.)

One Streamlit server for the module (module-scoped); each test gets a fresh browser
context (a fresh Streamlit session), as a new tab would.
"""

from __future__ import annotations

import pytest

from qualcode.model import Code
from qualcode.store import Project
from tests.conftest import make_interview
from tests.e2e.conftest import choose_coder, pick_option, settle, streamlit_server

pytestmark = pytest.mark.e2e

EMOJI_TURN = "Honestly the bot at 3am 😔 felt like a café friend, très gentil, you know?"
EMOJI_SPAN = "😔 felt like a café"
DRAG_SPAN = "très gentil"
HOSTILE = 'Before <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> after'


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The demo study (looks like a real one in the screenshot) plus test transcripts."""
    from qualcode.demo import build_demo

    folder = tmp_path_factory.mktemp("e2e")
    path = folder / "study.qualcode"
    with build_demo(path, coded=False) as project:
        project.add_documents(
            [
                make_interview("E2E emoji", [("Interviewer", "What was it like?"), ("P21", EMOJI_TURN)], participant="P21"),
                make_interview("E2E hostile", [("Interviewer", "Anything else?"), ("P22", HOSTILE)], participant="P22"),
                make_interview("E2E blind", [("Interviewer", "Who did you tell?"), ("P23", "Nobody but the bot."),
                                             ("Interviewer", "Why?"), ("P23", "It never judged me.")]),
            ],
            actor="setup",
        )
        for coder in ("ana", "ben"):
            project.add_coder(coder)
        _code_demo_interview(project)
        ids = {d.name: d.id for d in project.documents()}
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path, "ids": ids}


def _code_demo_interview(project: Project) -> None:
    # A few overlapping codings by two coders on P01 so the screenshot shows highlights.
    _, doc = project.document("P01_interview")
    codable = [c for c in project.codes() if c.codable]

    def code(name: str) -> Code:
        return next((c for c in codable if c.name == name), codable[0])

    turns = [s for s in doc.segments if s.speaker == "P01"]
    picks = [(turns[3], code("Out-of-hours need"), "ana"), (turns[4], code("Empathy"), "ana"),
             (turns[5], code("Generic or scripted replies"), "ben")]
    for seg, c, coder in picks:
        project.add_coding(doc.name, seg.start, seg.end, c.id, coder)
    seg = turns[4]
    mid = doc.text.index(" ", seg.start + (seg.end - seg.start) // 3)
    project.add_coding(doc.name, seg.start, mid, code("Non-judgemental listener").id, "ben")


def open_code(page, study, doc: str, query: str = "coder=ana") -> None:
    page.goto(f"{study['url']}/coding?doc={doc}&{query}")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(".qc-tx .qc-r")


SELECT_JS = """(needle) => {
  // Select `needle` inside one text run with a DOM Range (UTF-16 offsets, as a mouse would).
  for (const run of document.querySelectorAll('.qc-tx .qc-r')) {
    const t = run.firstChild.data, i = t.indexOf(needle);
    if (i < 0) continue;
    run.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(run.firstChild, i);
    range.setEnd(run.firstChild, i + needle.length);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    const b = range.getBoundingClientRect();
    return {x: b.x + b.width / 2, y: b.y + b.height / 2};
  }
  return null;
}"""

CHAR_RECTS_JS = """(needle) => {
  for (const run of document.querySelectorAll('.qc-tx .qc-r')) {
    const t = run.firstChild.data, i = t.indexOf(needle);
    if (i < 0) continue;
    const r = document.createRange();
    r.setStart(run.firstChild, i); r.setEnd(run.firstChild, i + 1);
    const a = r.getBoundingClientRect();
    r.setStart(run.firstChild, i + needle.length - 1); r.setEnd(run.firstChild, i + needle.length);
    const b = r.getBoundingClientRect();
    return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
  }
  return null;
}"""


def apply_selected(page, code_name: str) -> None:
    page.get_by_role("button", name="Apply to selection").wait_for()
    pick_option(page, "Codes to apply", code_name)
    page.get_by_role("button", name="Apply to selection").click()
    settle(page)


def test_upload_a_transcript_with_preview(page, study, tmp_path):
    f = tmp_path / "P30_upload.vtt"
    f.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Hello?\n\n"
                 "00:00:04.000 --> 00:00:08.000\n<v P30>Hi, it helped me at night.\n", encoding="utf-8")
    page.goto(f"{study['url']}/?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(f))
    settle(page, 800)
    page.get_by_text("P30_upload.vtt: 1 document(s), 2 turns").wait_for()
    page.get_by_role("button", name="Import 1 document").click()
    settle(page)
    page.get_by_text("Imported 1 document(s): P30_upload.").wait_for()
    with Project.open(study["path"], create=False) as p:
        _, doc = p.document("P30_upload")
    assert [s.speaker for s in doc.segments] == ["Interviewer", "P30"] and doc.segments[1].timestamp == 4.0


def test_select_emoji_and_accents_apply_reload_and_find_the_coding(page, study):
    open_code(page, study, "E2E emoji")
    point = page.evaluate(SELECT_JS, EMOJI_SPAN)
    assert point, "the test span is not in the transcript"
    page.mouse.move(point["x"], point["y"])
    page.mouse.up()  # the real mouseup the component listens for
    settle(page)
    apply_selected(page, "Support roles › Rehearsal space")
    page.reload()
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(".qc-tx .qc-h")
    shown = page.evaluate("() => [...document.querySelectorAll('.qc-tx .qc-h')].map(e => e.textContent).join('')")
    assert shown == EMOJI_SPAN
    title = page.locator(".qc-tx .qc-h").first.get_attribute("title")
    assert "Rehearsal space (ana)" in title
    with Project.open(study["path"], create=False) as p:
        [c] = p.codings(document="E2E emoji")
        assert (c.snippet, c.coder, c.code_name) == (EMOJI_SPAN, "ana", "Rehearsal space")
        _, doc = p.document("E2E emoji")
        assert doc.text[c.start : c.end] == EMOJI_SPAN


def test_real_mouse_drag_selects_exactly_the_dragged_words(page, study):
    open_code(page, study, "E2E emoji")
    box = page.evaluate(CHAR_RECTS_JS, DRAG_SPAN)
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    settle(page)
    assert page.evaluate("() => window.getSelection().toString()") == DRAG_SPAN
    apply_selected(page, "Misalignment and risks › Generic or scripted replies")
    with Project.open(study["path"], create=False) as p:
        snippets = {c.snippet for c in p.codings(document="E2E emoji", coders=["ana"])}
    assert DRAG_SPAN in snippets


def test_hostile_transcript_is_shown_as_text_and_runs_nothing(page, study):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_code(page, study, "E2E hostile")
    page.wait_for_timeout(500)  # give an injected onerror time to fire if it could
    body = page.locator(".qc-tx").inner_text()
    assert "<script>window.__pwned=1</script>" in body
    assert '<img src=x onerror="window.__pwned=2">' in body
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(".qc-tx script, .qc-tx img").count() == 0
    assert dialogs == []


def test_blind_mode_hides_other_coders_codings(page, study):
    with Project.open(study["path"], create=False) as p:
        _, doc = p.document("E2E blind")
        s1, s3 = doc.segments[1], doc.segments[3]
        p.add_coding("E2E blind", s1.start, s1.end, "Rehearsal space", "ana")
        own = p.add_coding("E2E blind", s3.start, s3.end, "Generic or scripted replies", "ben")
    page.goto(f"{study['url']}/coding?doc=E2E blind")
    settle(page, quiet_ms=60_000)  # the page's first run
    choose_coder(page, "ben")
    page.locator("[data-testid='stSidebar']").get_by_text("Blind mode").click()
    settle(page)
    page.wait_for_selector(f".qc-tx .qc-h[data-c='{own.id}']")
    assert page.locator(".qc-tx .qc-h").count() == 1
    assert "Nobody but the bot." not in "".join(page.locator(".qc-tx .qc-h").all_inner_texts())
    assert page.locator(".qc-tx [title*='ana']").count() == 0
    # Blind mode survives a reload (it is recorded for ben in the project).
    page.reload()
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(f".qc-tx .qc-h[data-c='{own.id}']")
    assert page.locator(".qc-tx .qc-h").count() == 1


def test_whole_turn_button_codes_the_turn(page, study):
    open_code(page, study, "E2E blind", query="coder=ana")
    pick_option(page, "Codes to apply", "Support roles › Non-judgemental listener")
    page.locator(".qc-tx .qc-turn[data-i='3'] .qc-turn-btn").click()
    settle(page)
    with Project.open(study["path"], create=False) as p:
        snippets = [c.snippet for c in p.codings(document="E2E blind", coders=["ana"]) if "listener" in c.code_name.lower()]
    assert snippets == ["It never judged me."]


def test_a_coding_redraws_only_its_own_row(page, study):
    # Speed (issue 16): after a coding the browser replaces the rows whose markup
    # changed (one turn), not the whole transcript; every other row is the same element.
    open_code(page, study, "P03_interview", query="coder=ana")
    page.evaluate("() => document.querySelectorAll('.qc-tx .qc-turn').forEach(t => { t.__qcMark = t.dataset.i; })")
    pick_option(page, "Codes to apply", "Support roles › Rehearsal space")
    page.locator(".qc-tx .qc-turn[data-i='2'] .qc-turn-btn").click()
    settle(page)
    page.wait_for_selector(".qc-tx .qc-turn[data-i='2'] .qc-h")
    kept = page.evaluate(
        "() => [...document.querySelectorAll('.qc-tx .qc-turn')].filter(t => t.__qcMark === t.dataset.i).map(t => t.dataset.i)"
    )
    rows = page.locator(".qc-tx .qc-turn").count()
    assert "2" not in kept, "the coded turn was not redrawn"
    assert len(kept) == rows - 1, f"only the coded turn is redrawn: {rows - len(kept)} rows were replaced"
