"""``qualcode export-figures``: the standard figure set as PNG, SVG or PDF.

``register(app)`` adds the top-level ``export-figures`` command. The same
function, :func:`figures_command`, is meant to be mounted as ``export figures``
by the module that owns the ``export`` sub-app::

    from .figures import figures_command
    export_app.command("figures")(figures_command)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import ProjectOpt, open_existing

__all__ = ["register", "figures_command"]


def register(app: typer.Typer) -> None:
    app.command("export-figures")(figures_command)


def figures_command(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the figures into (created when missing).")],
    project: ProjectOpt,
    fmt: Annotated[str, typer.Option("--format", "-f", help="png, svg or pdf.")] = "png",
    coder: Annotated[Optional[str], typer.Option(help="Coder whose codings to plot, e.g. 'consensus' (default: all coders).")] = None,
    dpi: Annotated[int, typer.Option(help="Resolution of PNG figures.")] = 300,
    width: Annotated[str, typer.Option(help="single (one column, 89 mm) or double (page width, 183 mm).")] = "single",
    browser: Annotated[Optional[str], typer.Option(help="Chromium/Chrome executable (default: $BROWSER_PATH, /usr/bin/chromium).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random interview orders behind the saturation band.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Write the study's figures (themes, codes, participants, co-occurrence,
    saturation, attributes, codebook) and a captions.md, one Chromium session."""
    from ..errors import UsageError
    from ..export.figures import export_all

    if width not in ("single", "double"):
        raise UsageError(f"--width must be 'single' or 'double', not {width!r}")
    with open_existing(project) as proj:
        paths = export_all(proj, outdir, fmt, coder, dpi=dpi, width=width, browser=browser, progress=not quiet, seed=seed)
    typer.echo(f"wrote {len(paths)} figure(s) and captions.md to {outdir}")
