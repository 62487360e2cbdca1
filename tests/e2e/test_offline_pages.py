"""Zero network in the app: the server under strace, every page in a real browser.

The Streamlit server runs under strace (connect/sendto/sendmsg of every thread and
child) and Chromium opens every page, recording each request the served pages make
(the page icon, fonts, images, scripts); every one must go to the app's own
127.0.0.1 address, and the server must try no address beyond loopback and no DNS.
The pipeline's own proof (CLI in a network namespace) is tests/hostile/test_offline.py.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import RUN_WATCH_JS, settle, streamlit_server
from tests.hostile.test_offline import TRACE, _require, network_attempts

PAGES = ["", "transcripts", "coding", "codebook", "suggest", "themes", "agreement", "analyze", "export", "deidentify"]


@pytest.mark.e2e
def test_every_app_page_makes_no_request_beyond_the_app(browser, tmp_path):
    """The server under strace, every page in a real browser: no request leaves 127.0.0.1."""
    _require("strace")
    from qualcode.demo import build_demo

    with build_demo(tmp_path / "demo.qualcode") as project:
        project.add_coder("ana")
        name = project.documents()[0].name
        seg = project.document(name)[1].segments[1]
        project.add_coding(name, seg.start, seg.end, "Stigma of seeking help", "ana")
    trace = tmp_path / "server.trace"
    prefix = ["strace", "--seccomp-bpf", "-f", "-qq", "-e", TRACE, "-o", str(trace)]
    requests: list[str] = []
    with streamlit_server(tmp_path / "demo.qualcode", tmp_path / "streamlit.log", prefix=prefix) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 960})
        context.add_init_script(RUN_WATCH_JS)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        for path in PAGES:
            page.goto(f"{url}/{path}?coder=ana")
            settle(page, quiet_ms=60_000)  # the page's first run
        context.close()
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith(("data:", "blob:", "about:"))}
    assert len(requests) > 20, "the browser recorded too few requests: the listener is not working"
    assert hosts == {"127.0.0.1"}, f"requests beyond the app: {sorted(h for h in hosts if h != '127.0.0.1')}"
    attempts = network_attempts(trace)
    assert not attempts, "the server tried the network:\n" + "\n".join(attempts[:20])
