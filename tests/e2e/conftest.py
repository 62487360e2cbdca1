"""Real-browser tests: Debian's Chromium driven by pytest-playwright, against
``streamlit run app.py`` on a free local port.

No browser is ever downloaded (never run ``playwright install``): the tests use
``/usr/bin/chromium``. Without it they SKIP with the reason, except on CI
(``CI=true``), where a missing browser is a FAILURE so the suite cannot pass
silently without its browser tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("QUALCODE_CHROMIUM", "/usr/bin/chromium"))
# Screenshots for a person to look at; outside the checkout (tests never write into the repository).
ARTIFACTS = Path(os.environ.get("QUALCODE_TEST_ARTIFACTS", Path(tempfile.gettempdir()) / "qualcode-test-artifacts"))
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at the system Chromium."""
    _require_chromium()
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A desktop-sized window (the workspace needs its two columns)."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 960}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_group(proc: subprocess.Popen) -> None:
    """Terminate ``proc`` and every process it started (its process group); kill what lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        # The group's leader is gone; its children (a traced server) may still be stopping.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


@contextmanager
def streamlit_server(project_path: Path | None, log_path: Path, env: dict[str, str | None] | None = None,
                     prefix: list[str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` on the project; yield its base URL; stop it after.

    ``env`` adds variables (a value of None removes one), e.g. a server config file
    instead of a project path; ``prefix`` runs the server under another command
    (``strace ...`` for the offline proof).
    """
    _require_chromium()  # no browser: do not pay for a server either
    port = _free_port()
    extra = {"QUALCODE_PROJECT": str(project_path)} if project_path is not None else {}
    env = {**os.environ, **extra, "PYTHONUNBUFFERED": "1", **(env or {})}
    env = {k: v for k, v in env.items() if v is not None}
    cmd = [
        *(prefix or []), sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
        "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
        # The checkout holds .venv: watching it wastes the two shared cores.
        "--server.fileWatcherType=none", "--server.runOnSave=false",
    ]
    with open(log_path, "wb") as log:
        # Its own process group, stopped whole: under a prefix (strace) terminating the
        # prefix alone left the server running after the test, one per run.
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited early:\n{log_path.read_text(errors='replace')[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not become healthy within 60 s")
                time.sleep(0.3)
            yield url
        finally:
            _stop_group(proc)


# Counts the app's reruns (each time Streamlit marks its root element "running") and the
# messages the page sends the server (a widget's rerun request is one). Installed in every
# page before the app's own scripts, so no rerun or request goes unseen.
RUN_WATCH_JS = """
window.__qcRuns = 0;
window.__qcSettled = 0;
window.__qcSent = 0;
window.__qcSentSettled = 0;
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.target.getAttribute && c.target.getAttribute('data-test-script-state') === 'running') window.__qcRuns++;
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
const qcSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) { window.__qcSent++; return qcSend.call(this, data); };
"""


@pytest.fixture
def context(context):
    """pytest-playwright's browser context, with the rerun counter in every page."""
    context.add_init_script(RUN_WATCH_JS)
    return context


def settle(page, quiet_ms: int = 500) -> None:
    """Wait until the app has finished the rerun an action started, if it started one.

    Waits on the app's state, not on time. Every rerun a widget asks for is a message
    the page sends on the app's websocket (counted by ``RUN_WATCH_JS``), so: if the page
    sent nothing and began no rerun within ``quiet_ms`` of the action (time only for the
    browser to dispatch the event), the action started none and there is nothing to wait
    for; otherwise wait for the rerun to begin and then for the script state
    ``notRunning``.
    """
    started = "() => window.__qcRuns > window.__qcSettled"
    try:
        page.wait_for_function(f"() => ({started})() || window.__qcSent > window.__qcSentSettled",
                               timeout=quiet_ms)
    except PlaywrightTimeout:
        pass  # nothing sent, nothing running: the action started no rerun
    else:
        try:
            page.wait_for_function(started, timeout=10_000)
        except PlaywrightTimeout:
            pass  # a message that asked for no rerun (e.g. a file upload's URL request)
    page.wait_for_selector(IDLE, timeout=30_000)
    page.evaluate("() => { window.__qcSettled = window.__qcRuns; window.__qcSentSettled = window.__qcSent; }")


def choose_coder(page, name: str) -> None:
    """Pick the coder in the sidebar selectbox."""
    page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Coder").click()
    page.get_by_role("option", name=name, exact=True).click()
    settle(page)


def pick_option(page, label: str, option: str) -> None:
    """Choose ``option`` in the (multi)select widget labelled ``label``."""
    box = page.get_by_role("combobox", name=label).first
    box.click()
    # Long option lists are virtualised: type to bring the option into the DOM.
    box.press_sequentially(option.split(" › ")[-1][:12], delay=20)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    # The open list would swallow the next click; wait until it is gone.
    page.get_by_role("listbox").wait_for(state="hidden")
    settle(page)


def screenshot(page, name: str) -> Path:
    """Save a screenshot under ARTIFACTS (``$QUALCODE_TEST_ARTIFACTS``, default a temp folder); return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test, keep what the page showed: a screenshot under ARTIFACTS
    and the page's visible text in the report, so a failure seen once on a loaded CI
    machine can be read afterwards instead of guessed at."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or page is None:
        return
    try:
        shot = screenshot(page, f"FAILED-{item.name}.png".replace("/", "_"))
        text = page.locator("body").inner_text(timeout=5_000)
        state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state", timeout=5_000)
    except Exception as exc:  # a closed page: the failure itself is what matters
        report.sections.append(("page at failure", f"could not be read: {exc.__class__.__name__}"))
        return
    report.sections.append(("page at failure", f"url {page.url}\nscript state {state}\nscreenshot {shot}\n"
                                                 f"visible text:\n{text[-4000:]}"))
