"""Figures to PNG, SVG and PDF through kaleido and the machine's own Chromium.

kaleido 1.x renders with a headless Chrome/Chromium driven by choreographer. We
never download one (no network at run time, and a lab machine should not fetch
browsers behind the user's back): the browser is, in order, the ``browser``
argument, the ``BROWSER_PATH`` environment variable (which choreographer itself
honours), ``/usr/bin/chromium`` (Debian/Ubuntu ``apt-get install chromium``), or
a ``chromium``/``google-chrome`` on ``PATH``. When none exists,
:class:`BrowserNotFoundError` says so and how to fix it.

Starting Chromium takes seconds, so :func:`render_figures` and
:func:`export_all` render every figure in one browser session.

Sizes: figures are laid out in CSS pixels (1/96 in, see :mod:`qualcode.viz.style`).
PNGs are rendered at ``dpi / 96`` scale and carry the DPI in a ``pHYs`` chunk, so
Word and LaTeX place them at their printed size; SVGs get their width and
height in inches; PDFs are one page of the figure's printed size.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from ..errors import BrowserNotFoundError, FigureExportError, QualcodeError  # re-exported here
from .. import atomic

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from ..store.project import Project
    from ..viz.style import Width

__all__ = [
    "FigureExportError",
    "BrowserNotFoundError",
    "FORMATS",
    "BROWSER_ENV",
    "DEFAULT_BROWSER",
    "find_browser",
    "render_figures",
    "figure_bytes",
    "write_figure",
    "export_all",
    "png_set_dpi",
    "svg_set_inches",
]

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
BROWSER_ENV = "BROWSER_PATH"
DEFAULT_BROWSER = "/usr/bin/chromium"
_ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PX_PER_INCH = 96
RENDER_TIMEOUT_S = 90
#: Where Chromium's own requests go: port 9 (discard) on loopback, closed.
NO_NETWORK_PROXY = "127.0.0.1:9"


# -------------------------------------------------------------------- browser
def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_browser(path: str | os.PathLike[str] | None = None) -> str:
    """The Chromium/Chrome executable to render with (see the module docstring).

    A path given explicitly (argument or ``BROWSER_PATH``) must exist: we do not
    silently fall back to another browser when the one asked for is missing.
    """
    hint = "install Chromium (e.g. `apt-get install chromium`) or set BROWSER_PATH to a Chrome/Chromium executable"
    if path is not None:
        if not _executable(str(path)):
            raise BrowserNotFoundError(f"no browser at {str(path)!r} to render figures with; {hint}")
        return str(path)
    env = os.environ.get(BROWSER_ENV)
    if env:
        if not _executable(env):
            raise BrowserNotFoundError(f"{BROWSER_ENV}={env!r} is not an executable browser; {hint}")
        return env
    if _executable(DEFAULT_BROWSER):
        return DEFAULT_BROWSER
    for name in _ON_PATH:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFoundError(f"figure export needs Chromium or Chrome and none was found ({DEFAULT_BROWSER} is missing); {hint}")


# ------------------------------------------------------------------ rendering
def _check_format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise FigureExportError(f"figure format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


def _size(fig: go.Figure) -> tuple[int, int]:
    w = fig.layout.width or 700
    h = fig.layout.height or 500
    return int(w), int(h)


def _opts(fig: go.Figure, fmt: str, dpi: float) -> dict:
    w, h = _size(fig)
    # Vector formats keep CSS pixels (= 1/96 in); only PNG is scaled up to the DPI.
    return {"format": fmt, "width": w, "height": h, "scale": dpi / PX_PER_INCH if fmt == "png" else 1}


async def _render_async(jobs: list[tuple[go.Figure, dict]], browser: str, done: Callable[[], None]) -> list[bytes]:
    import kaleido

    out: list[bytes] = []
    # The browser profile lives in a folder we name, so one left by a killed export
    # is recognised and removed at the next start (atomic.clean_stale_browser_dirs).
    profile = tempfile.mkdtemp(prefix=atomic.BROWSER_DIR_PREFIX)
    try:
        # No network: mathjax=False (kaleido would load MathJax from a CDN), no
        # extensions (their update checks), and every request Chromium would make
        # itself (component updates, search-engine icons) goes to a proxy on a closed
        # loopback port, so it never even resolves a name.
        async with kaleido.Kaleido(path=browser, mathjax=False, timeout=RENDER_TIMEOUT_S, tmp_dir=profile,
                                   enable_extensions=False, proxy_server=NO_NETWORK_PROXY) as k:
            for fig, opts in jobs:
                out.append(await k.calc_fig(fig, opts=opts))
                done()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def _run(coro_factory: Callable[[], object]) -> list[bytes]:
    """Run a coroutine to completion, also when called from inside an event loop
    (a notebook or the app), where ``asyncio.run`` refuses: then in a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()  # type: ignore[arg-type]


def render_figures(
    figures: Sequence[tuple[go.Figure, str]],
    *,
    dpi: float = 300,
    browser: str | os.PathLike[str] | None = None,
    on_rendered: Callable[[], None] | None = None,
) -> list[bytes]:
    """Render ``(figure, format)`` pairs in ONE browser session; bytes in the same order.

    ``format`` is ``png``, ``svg`` or ``pdf``; PNGs are rendered at ``dpi``.
    ``on_rendered`` is called after each figure (for a progress bar).
    """
    if dpi <= 0 or dpi > 2400:
        raise FigureExportError(f"dpi must be between 1 and 2400, not {dpi}")
    jobs = [(fig, _check_format(fmt)) for fig, fmt in figures]
    if not jobs:
        return []
    exe = find_browser(browser)
    atomic.clean_stale_browser_dirs()  # left by an export killed with kill -9
    prepared = [(fig, _opts(fig, fmt, dpi)) for fig, fmt in jobs]
    try:
        raw = _run(lambda: _render_async(prepared, exe, on_rendered or (lambda: None)))
    except QualcodeError:
        raise
    except Exception as exc:  # choreographer/kaleido errors: a crashed or incompatible browser, a timeout
        raise FigureExportError(
            f"could not render figures with the browser at {exe!r} ({exc.__class__.__name__}: {str(exc).strip()[:300]})"
        ) from exc
    return [_finish(data, fig, fmt, dpi) for data, (fig, fmt) in zip(raw, jobs)]


def _finish(data: bytes, fig: go.Figure, fmt: str, dpi: float) -> bytes:
    if fmt == "png":
        return png_set_dpi(data, dpi)
    if fmt == "svg":
        w, h = _size(fig)
        return svg_set_inches(data, w / PX_PER_INCH, h / PX_PER_INCH)
    return data


def png_set_dpi(data: bytes, dpi: float) -> bytes:
    """Return the PNG with a ``pHYs`` chunk saying ``dpi`` (replacing any there)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise FigureExportError("the renderer did not return a PNG")
    ppm = round(dpi / 0.0254)  # pHYs counts pixels per metre
    body = struct.pack(">IIB", ppm, ppm, 1)
    phys = struct.pack(">I", len(body)) + b"pHYs" + body + struct.pack(">I", zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF)
    out, pos = [data[:8]], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind != b"pHYs":
            out.append(data[pos:end])
        if kind == b"IHDR":
            out.append(phys)  # must come before the first IDAT; right after IHDR is simplest
        pos = end
    return b"".join(out)


_SVG_TAG = re.compile(rb"<svg\b[^>]*>")


def svg_set_inches(data: bytes, width_in: float, height_in: float) -> bytes:
    """Give the root ``<svg>`` its printed size in inches (keeping its viewBox)."""
    m = _SVG_TAG.search(data)
    if m is None:
        raise FigureExportError("the renderer did not return an SVG")
    tag = m.group(0)
    w_px, h_px = round(width_in * PX_PER_INCH), round(height_in * PX_PER_INCH)
    if b"viewBox" not in tag:
        tag = tag[:-1] + f' viewBox="0 0 {w_px} {h_px}">'.encode()
    tag = re.sub(rb'\swidth="[^"]*"', f' width="{width_in:.3f}in"'.encode(), tag, count=1)
    tag = re.sub(rb'\sheight="[^"]*"', f' height="{height_in:.3f}in"'.encode(), tag, count=1)
    return data[: m.start()] + tag + data[m.end() :]


def figure_bytes(fig: go.Figure, fmt: Format | str = "png", *, dpi: float = 300, browser: str | None = None) -> bytes:
    """One figure as PNG/SVG/PDF bytes (starts a browser: batch with :func:`render_figures`)."""
    return render_figures([(fig, fmt)], dpi=dpi, browser=browser)[0]


def write_figure(
    fig: go.Figure,
    target: str | os.PathLike[str] | BinaryIO,
    fmt: Format | str | None = None,
    *,
    dpi: float = 300,
    browser: str | None = None,
) -> None:
    """Write one figure to a path (format from its suffix unless ``fmt``) or to a
    binary file object (``fmt`` required)."""
    if fmt is None:
        if not isinstance(target, (str, os.PathLike)):
            raise FigureExportError("give the figure format when writing to a file object")
        fmt = Path(target).suffix.lstrip(".")
    data = figure_bytes(fig, fmt, dpi=dpi, browser=browser)
    if isinstance(target, (str, os.PathLike)):
        atomic.write_bytes(target, data)
    else:
        target.write(data)


# --------------------------------------------------------------------- batch
def export_all(
    project: Project,
    outdir: str | os.PathLike[str],
    fmt: Format | str = "png",
    coder: str | None = None,
    *,
    dpi: float = 300,
    width: Width = "single",
    browser: str | None = None,
    progress: bool = True,
    n_orderings: int = 500,
    seed: int = 0,
) -> list[Path]:
    """Write the standard figure set of a project (see
    :func:`qualcode.viz.standard_figures`) into ``outdir`` as ``NAME.FMT``, plus
    ``captions.md`` with a draft caption per figure. Returns the figure paths.

    ``coder`` picks one coder (e.g. ``"consensus"``), None means all coders.
    Raises :class:`BrowserNotFoundError` before any analysis when there is no
    browser, and :class:`FigureExportError` when there is nothing to plot.
    """
    from tqdm import tqdm

    from ..analysis import from_project
    from ..viz import standard_figures

    fmt = _check_format(fmt)
    exe = find_browser(browser)  # fail before the (slower) analyses
    study = from_project(project, coder=coder)
    specs = standard_figures(study, width=width, n_orderings=n_orderings, seed=seed)
    if not specs:
        who = f" by coder {coder!r}" if coder else ""
        raise FigureExportError(f"there are no codings{who} yet: nothing to plot")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise FigureExportError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    with tqdm(total=len(specs), desc="rendering figures", unit="figure", disable=not progress or len(specs) < 2) as bar:
        data = render_figures([(s.figure, fmt) for s in specs], dpi=dpi, browser=exe, on_rendered=lambda: bar.update(1))
    paths: list[Path] = []
    for spec, blob in zip(specs, data):
        path = out / f"{spec.name}.{fmt}"
        atomic.write_bytes(path, blob)
        paths.append(path)
    who = coder if coder else "all coders"
    lines = [f"# Figures of {project.name}", "", f"Coder: {who}. Format: {fmt}" + (f" at {dpi:g} dpi" if fmt == "png" else "") + ".", ""]
    lines += [f"- `{p.name}`: {s.caption}" for p, s in zip(paths, specs)]
    atomic.write_text(out / "captions.md", "\n".join(lines) + "\n")
    return paths
