"""Figure export: PNG/SVG/PDF through kaleido and the local Chromium.

Chromium starts in seconds, so the rendering tests are two browser sessions in
all: one :func:`render_figures` call for the three formats and one CLI export.
They skip when /usr/bin/chromium is missing, except under ``CI=true`` (the CI
installs chromium), where a missing browser fails.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path
from xml.etree import ElementTree

import plotly.graph_objects as go
import pytest

from qualcode import viz
from qualcode.cli import main
from qualcode.export import figures as F
from qualcode.store import Project
from tests.core.test_analysis_study import build_study

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium(path: Path = CHROMIUM) -> str:
    """The local Chromium, or skip (fail under CI=true) when it is not installed."""
    if path.is_file():
        return str(path)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {path} is missing: the CI image must `apt-get install chromium`")
    pytest.skip(f"figure export needs Chromium at {path} (apt-get install chromium); under CI=true this fails")


@pytest.fixture
def chromium() -> str:
    return require_chromium()


def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(tmp_path / "chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_chromium(tmp_path / "chromium")


def _small_figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=[3, 1], y=["Listening", "Rehearsal"], orientation="h"))
    return viz.apply_paper_style(fig, "single", height=2.0)


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, pos = {}, 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.setdefault(data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n])
        pos += 12 + n
    return chunks


def _tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


# ------------------------------------------------------------ no browser needed
def test_no_browser_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-chromium")
    monkeypatch.setenv(F.BROWSER_ENV, missing)
    with pytest.raises(F.BrowserNotFoundError, match="BROWSER_PATH=.*no-such-chromium"):
        F.find_browser()
    with pytest.raises(F.BrowserNotFoundError, match="apt-get install chromium"):
        F.figure_bytes(_small_figure(), "png")
    with pytest.raises(F.BrowserNotFoundError, match="no browser at .*elsewhere"):
        F.find_browser(tmp_path / "elsewhere")
    # nothing configured and nothing installed
    monkeypatch.delenv(F.BROWSER_ENV)
    monkeypatch.setattr(F, "DEFAULT_BROWSER", missing)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(F.BrowserNotFoundError, match="none was found"):
        F.find_browser()
    assert issubclass(F.BrowserNotFoundError, F.FigureExportError)


def test_no_browser_from_the_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with Project.open(tmp_path / "s.qualcode") as project:
        build_study(project)
    monkeypatch.setenv(F.BROWSER_ENV, str(tmp_path / "missing"))
    rc = main(["export-figures", "-p", str(tmp_path / "s.qualcode"), str(tmp_path / "out"), "-q"])
    assert rc == 1
    assert "error: BROWSER_PATH=" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_format_and_dpi() -> None:
    with pytest.raises(F.FigureExportError, match="one of png, svg, pdf"):
        F.render_figures([(_small_figure(), "gif")])
    with pytest.raises(F.FigureExportError, match="dpi"):
        F.render_figures([(_small_figure(), "png")], dpi=0)
    with pytest.raises(F.FigureExportError, match="format"):
        F.write_figure(_small_figure(), __import__("io").BytesIO())


def test_png_dpi_chunk() -> None:
    out = F.png_set_dpi(_tiny_png(), 300)
    chunks = _png_chunks(out)
    assert struct.unpack(">IIB", chunks[b"pHYs"]) == (11811, 11811, 1)  # 300 dpi in pixels per metre
    assert list(_png_chunks(F.png_set_dpi(out, 600))) == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]  # replaced, not added


def test_svg_inches() -> None:
    svg = b'<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="336" height="192" viewBox="0 0 336 192"><g/></svg>'
    root = ElementTree.fromstring(F.svg_set_inches(svg, 3.5, 2.0))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("3.500in", "2.000in", "0 0 336 192")


# ------------------------------------------------------------ with the browser
def test_render_png_svg_pdf_in_one_session(chromium: str) -> None:
    fig = _small_figure()
    png, svg, pdf = F.render_figures([(fig, "png"), (fig, "svg"), (fig, "pdf")], dpi=300, browser=chromium)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", _png_chunks(png)[b"IHDR"][:8])
    assert (width, height) == (1050, 600)  # 3.5 in × 2 in at 300 dpi
    assert struct.unpack(">IIB", _png_chunks(png)[b"pHYs"]) == (11811, 11811, 1)
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "3.500in" and root.get("height") == "2.000in"
    assert b"Listening" in svg
    assert pdf[:5] == b"%PDF-"
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf)
    assert box and float(box.group(1)) == pytest.approx(252, abs=2)  # 3.5 in in points


def test_cli_exports_the_figure_set(chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Project.open(tmp_path / "s.qualcode") as project:
        build_study(project)
    monkeypatch.setenv(F.BROWSER_ENV, chromium)
    out = tmp_path / "figs"
    rc = main(["export-figures", "-p", str(tmp_path / "s.qualcode"), str(out), "--format", "svg", "--coder", "ana", "-q"])
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert "captions.md" in names and "saturation.svg" in names and "codes.svg" in names
    assert len([n for n in names if n.endswith(".svg")]) == 9
    for path in out.glob("*.svg"):
        assert ElementTree.parse(path).getroot().tag.endswith("svg"), path.name
    captions = (out / "captions.md").read_text()
    assert "Coder: ana" in captions and "`codes.svg`" in captions
