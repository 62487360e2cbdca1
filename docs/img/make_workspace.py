"""Render the coding-workspace screenshot shown in the README (docs/img/workspace.png).

Builds the coded fictional demo study (what ``make run`` opens: two fictional coders,
amira and jonas, with a consensus coder on P01-P04) in a temporary folder, starts
``streamlit run app.py`` on it, and photographs the coding page of P01 as amira in
Debian's Chromium (never a downloaded browser) with one code chosen and a live
selection. It was a test once; a test must not write into the repository, so it is a
script you run when the workspace changes:

    .venv/bin/python docs/img/make_workspace.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from qualcode.demo import build_demo  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, RUN_WATCH_JS, pick_option, settle, streamlit_server  # noqa: E402
from tests.e2e.test_workspace import SELECT_JS, open_code  # noqa: E402

OUT = Path(__file__).resolve().parent / "workspace.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.qualcode"
        with build_demo(path) as project:
            ids = {d.name: d.id for d in project.documents()}
        with streamlit_server(path, Path(tmp) / "streamlit.log") as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 960})
            context.add_init_script(RUN_WATCH_JS)  # settle() waits on the app's reruns
            page = context.new_page()
            open_code(page, {"url": url, "ids": ids}, "P01_interview", query="coder=amira")
            pick_option(page, "Codes to apply", "Support roles › Non-judgemental listener")
            page.get_by_role("button", name="Next").click()
            settle(page)
            page.get_by_role("button", name="Next").click()
            settle(page, 600)
            # Show a live selection too: part of the turn after the focused coding.
            point = page.evaluate(SELECT_JS, "I wrote for like one hour.")
            if point:
                page.mouse.move(point["x"], point["y"])
                page.mouse.up()
                settle(page)
            # Selecting scrolled the page itself; put the toolbar back in the picture.
            page.evaluate("""() => { for (let n = document.querySelector('.qc-tx').parentElement; n; n = n.parentElement)
                                       n.scrollTop = 0; window.scrollTo(0, 0); }""")
            page.mouse.move(5, 900)  # no tooltip in the picture
            page.wait_for_timeout(600)
            page.screenshot(path=str(OUT))
            browser.close()
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
