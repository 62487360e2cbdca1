"""The Analyze page in a real browser: a plotly chart is drawn on the demo study
with codings, the Saturation tab gives the methods sentence, and the PNG download
is rendered by kaleido inside the running app (the deferred ``data=callable``)."""

from __future__ import annotations

import random

import pytest

from qualcode.store import Project
from tests.e2e.conftest import screenshot, settle, streamlit_server

pytestmark = pytest.mark.e2e

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOT = "[data-testid='stPlotlyChart'] .main-svg"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The demo study (real transcripts, participants and codebook), coded by a
    seeded random consensus coder so the figures look like a study's."""
    from qualcode.demo import build_demo

    folder = tmp_path_factory.mktemp("analyze")
    path = folder / "study.qualcode"
    with build_demo(path, coded=False) as project:
        _code_at_random(project)
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path}


def _code_at_random(project: Project, coder: str = "consensus") -> None:
    rng = random.Random(7)
    codes = [c for c in project.codes() if c.codable]
    # Some codes are common and some rare, as in real coding: weights fall off with position.
    weights = [1 / (1 + i) ** 0.8 for i in range(len(codes))]
    project.add_coder(coder)
    for info in project.documents():
        _, doc = project.document(info.id)
        turns = [s for s in doc.segments if s.speaker and not s.speaker.lower().startswith("interviewer")]
        for seg in turns:
            if rng.random() < 0.45:
                for code_id in {c.id for c in rng.choices(codes, weights, k=rng.choice((1, 1, 2)))}:
                    project.add_coding(info.id, seg.start, seg.end, code_id, coder)


def test_the_analyze_page_draws_a_plotly_chart(page, study):
    page.goto(f"{study['url']}/analyze")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.wait_for_selector(PLOT, timeout=30_000)
    # The code bar chart: plotly drew real bars, and the table behind it is there.
    assert page.locator("[data-testid='stPlotlyChart'] .bars path").count() > 5
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    assert page.get_by_role("button", name="PNG (300 dpi)").is_visible()
    page.mouse.move(5, 900)  # no hover label in the picture
    screenshot(page, "analyze.png")


def test_saturation_tab_and_png_download(page, study):
    page.goto(f"{study['url']}/analyze")
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_role("tab", name="Saturation").click()
    settle(page)
    page.wait_for_selector(PLOT, timeout=30_000)
    page.get_by_text("Saturation was", exact=False).first.wait_for(timeout=15_000)
    screenshot(page, "analyze-saturation.png")
    # The file is rendered only now, by the app's kaleido and the same Chromium.
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name="PNG (300 dpi)").click()
    assert download.value.suggested_filename == "saturation_consensus.png"
    with open(download.value.path(), "rb") as f:
        assert f.read(8) == PNG_MAGIC
