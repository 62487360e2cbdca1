"""Markup injection, in a real browser: a project whose every user-text field holds
Markdown images and links, ``javascript:`` links, ``<a href>`` and ``<img onerror>``.

Every page of the app is opened (with a coder chosen, so codings, charts and the
transcript component render). A local HTTP server counts requests to the "tracker" the
payloads point at: it must see none. No link or image element the payloads could have
created may appear in the page, its iframes (the transcript component) or plotly's SVG.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest

from qualcode.model import Code, Participant
from qualcode.store import Project
from tests.conftest import make_interview
from tests.e2e.conftest import IDLE, settle, streamlit_server

pytestmark = pytest.mark.e2e


class _Tracker(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        _Tracker.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def tracker():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def payloads(base: str, tag: str) -> list[str]:
    """The four kinds of markup, each pointing at the tracker under ``tag``."""
    return [f"![x]({base}/{tag}-md-img)", f"[x{tag}](javascript:alert(1))",
            f'<a href="{base}/{tag}-a">x{tag}</a>', f'<img src="{base}/{tag}-img" onerror="alert(1)">']


def evil(base: str, tag: str) -> str:
    return " ".join(payloads(base, tag))


@pytest.fixture(scope="module")
def study(tmp_path_factory, tracker):
    folder = tmp_path_factory.mktemp("inject")
    path = folder / "study.qualcode"
    with Project.open(path, name=evil(tracker, "project")) as project:
        docs = []
        for i in range(2):
            speaker = f"Sp{i} {evil(tracker, f's{i}')}"
            docs.append(make_interview(f"D{i} {evil(tracker, f'doc{i}')}", [
                ("Interviewer", f"Question {i}? {evil(tracker, f'text{i}')}"),
                (speaker, f"Answer {i}, long enough to code. {evil(tracker, f'answer{i}')}"),
            ]))
        project.add_documents(docs)
        infos = project.documents()
        project.upsert_participants([(Participant(f"P {evil(tracker, f'p{i}')}",
                                                  {"group": evil(tracker, f'attr{i}')}), [info.name])
                                     for i, info in enumerate(infos)])
        theme = f"T {evil(tracker, 'theme')}"
        project.add_code(Code(theme, codable=False, definition=evil(tracker, "themedef")))
        code_ids = [project.add_code(Code(f"C{j} {evil(tracker, f'code{j}')}", parent=theme,
                                          definition=evil(tracker, f"def{j}"), example=evil(tracker, f"ex{j}")))
                    for j in range(2)]
        coders = [f"K{k} {evil(tracker, f'k{k}')}" for k in range(2)]
        for coder in coders:
            project.add_coder(coder)
        for info in infos:
            _, doc = project.document(info.id)
            for seg in doc.segments:
                for k, coder in enumerate(coders):
                    cid = project.add_coding(info.id, seg.start, seg.end, code_ids[k % 2], coder,
                                             memo=evil(tracker, f"cmemo{k}"))
            project.set_memo("document", info.id, evil(tracker, "docmemo"))
        for cid in code_ids:
            project.set_memo("code", cid, evil(tracker, "codememo"))
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "coder": coders[0], "tracker": tracker}


def _selector(tracker: str) -> str:
    """Links and images the payloads could have created (and nothing of the app's own)."""
    return (f"a[href^='javascript'], a[href^='{tracker}'], img[src^='{tracker}'], "
            f"image[href^='{tracker}'], [onerror]")


def _injected_elements(page, tracker: str) -> list[str]:
    found = []
    for frame in page.frames:
        try:
            for el in frame.query_selector_all(_selector(tracker)):
                found.append(f"{frame.url[:60]}: {el.evaluate('e => e.outerHTML')[:200]}")
        except Exception:  # a frame that navigated away meanwhile
            continue
    return found


def test_no_user_text_renders_as_markup_on_any_page(page, study):
    coder = urllib.parse.quote(study["coder"])
    page.goto(f"{study['url']}/?coder={coder}")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stSidebarNav'] a", timeout=60_000)
    hrefs = [a.get_attribute("href") for a in page.query_selector_all("[data-testid='stSidebarNav'] a")]
    assert len(hrefs) >= 8, hrefs
    problems: dict[str, list[str]] = {}
    for href in hrefs:
        url = href if href.startswith("http") else f"{study['url']}/{href.lstrip('/')}"
        sep = "&" if "?" in url else "?"
        page.goto(f"{url}{sep}coder={coder}")
        settle(page, quiet_ms=60_000)  # the page's first run
        # Open every tab and expander, so their contents are rendered too (tabs are lazy:
        # choosing one reruns the page).
        for tab in page.locator("[data-baseweb='tab']").all():
            tab.click()
            settle(page)
        for exp in page.locator("[data-testid='stExpander'] summary").all():
            try:
                exp.click(timeout=2000)
            except Exception:
                pass
        settle(page)
        for frame in page.frames:  # components' frames have loaded what they will show
            frame.wait_for_load_state()
        bad = _injected_elements(page, study["tracker"])
        if bad:
            problems[href] = bad
    assert not problems, "\n".join(f"{k}: {v}" for k, vs in problems.items() for v in vs[:6])
    assert _Tracker.hits == [], _Tracker.hits
