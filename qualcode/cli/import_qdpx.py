"""``qualcode import-qdpx``: bring a REFI-QDA project (NVivo, ATLAS.ti, MAXQDA,
QualCoder) into a qualcode project, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import ProjectOpt, print_json

__all__ = ["register", "import_qdpx_command"]

SHOW_UNPLACED = 20


def register(app: typer.Typer) -> None:
    app.command("import-qdpx")(import_qdpx_command)


def import_qdpx_command(
    file: Annotated[Path, typer.Argument(help="The .qdpx (or .qde) file exported by another tool.")],
    project: ProjectOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full import report as JSON.")] = False,
) -> None:
    """Import text sources (plain text, Word or PDF text), codebook, codings, coders, notes, cases and sets from a .qdpx.

    The project is created when the file does not exist yet. Selections whose
    offsets cannot be placed in the text are listed, never guessed.
    """
    from ..refi.qdpx_import import import_qdpx

    from ._identity import open_project

    with open_project(project, create=True) as proj:
        report = import_qdpx(proj, file)
    if as_json:
        print_json(report.to_dict())
        return
    typer.echo(report.summary())
    for src in report.sources:
        typer.echo(f"  {src.line()}")
    for item in report.skipped:
        typer.echo(f"skipped: {item}", err=True)
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    for u in report.unplaced[:SHOW_UNPLACED]:
        typer.echo(f"not placed: {u.source} [{u.start}, {u.end}) {', '.join(u.codes)}: {u.reason}", err=True)
    if len(report.unplaced) > SHOW_UNPLACED:
        typer.echo(f"... and {len(report.unplaced) - SHOW_UNPLACED} more (use --json for the full list)", err=True)
