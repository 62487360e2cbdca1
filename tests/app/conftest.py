"""AppTest helpers: a study project on disk (via QUALCODE_PROJECT) and page navigation.

AppTest runs the real ``app.py`` in-process. It cannot run the transcript component's
JavaScript, but the component's element (and the escaped HTML it would show) is in
the element tree, and selections can be fed in through session state the way the
page stores them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualcode.store import Project
from tests.fixtures import fill_small_study

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")

@pytest.fixture
def study_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture study (tests/fixtures.py) with P03 and two coders, in a file the app opens."""
    path = tmp_path / "study.qualcode"
    with Project.open(path) as project:
        fill_small_study(project, with_p03=True, coders=("ana", "ben"))
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    return path


@pytest.fixture
def project(study_path: Path):
    """The same project, opened separately (as another tab or process would)."""
    with Project.open(study_path, create=False) as p:
        yield p


def new_app(page: str = "", *, coder: str | None = "ana", blind: bool = False, query: dict | None = None) -> AppTest:
    """Run app.py as ``coder`` and switch to ``page`` (its url path; "" = Project)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if coder:
        # As a reload would: the coder comes from the address and must exist in the project.
        at.query_params["coder"] = coder
    if blind:
        # Blind mode is recorded per coder in the project (every tab and reload follows).
        from qualcode.store.blind import set_blind

        with Project.open(os.environ["QUALCODE_PROJECT"], create=False) as p:
            for name in [coder] if coder else p.coders():
                if name in p.coders():
                    set_blind(p, name, True)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        goto(at, page)
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Open a page registered by st.navigation with a callable.

    AppTest.switch_page only takes file paths, and our pages are callables, so this
    picks the page's script hash from the registry AppTest recorded on the first run.
    """
    hashes = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == page]
    assert hashes, f"no page {page!r}: {[i.get('url_pathname') for i in at._registered_pages.values()]}"
    at._page_hash = hashes[0]
    at.run()
    return at


def open_tab(at: AppTest, label, key: str = "qc.code.tabs") -> AppTest:
    """Switch a lazily drawn ``st.tabs`` (``on_change="rerun"``) to ``label`` and rerun:
    only the open tab's content exists in the element tree."""
    at.session_state[key] = label
    at.run()
    return at


def component_data(at: AppTest) -> dict:
    """The data the transcript component received in the last run (html, focus...)."""
    found = [e for e in _walk(at._tree) if getattr(e, "type", None) == "bidi_component"]
    assert found, "the transcript component was not rendered"
    return json.loads(found[0].proto.json)


def _walk(node):
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield child
            yield from _walk(child)


def plain(text: str) -> str:
    """Undo the page's Markdown escaping (``P07\\_call`` -> ``P07_call``)."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(elements) -> list[str]:
    """The ``.value`` of alert/markdown elements, unescaped, for readable asserts."""
    return [plain(str(e.value)) for e in elements]


def no_errors(at: AppTest) -> None:
    """Fail with the messages when the run raised or showed an error."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
