"""``qualcode codebook ...``: load, check, export a codebook and show its history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import CodebookError, UsageError
from ._common import ProjectOpt, open_existing, print_json

codebook_app = typer.Typer(
    name="codebook",
    help="Load, check and export codebooks (YAML, REFI-QDA .qdc/.qdpx) and show how they evolved.",
    no_args_is_help=True,
)

ActorOpt = Annotated[Optional[str], typer.Option("--actor", help="Who makes the change (recorded in the history).")]


def register(app: typer.Typer) -> None:
    app.add_typer(codebook_app, name="codebook")


@codebook_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="Codebook file: .yaml/.yml, .qdc or .qdpx.")],
    project: ProjectOpt,
    actor: ActorOpt = None,
) -> None:
    """Add a codebook to a project (codes already there under the same parent are updated)."""
    from ..refi import read_codebook

    book = read_codebook(file)
    with open_existing(project) as proj:
        report = book.load_into(proj, actor=actor)
    typer.echo(f"{book.name}: {report.summary()}")
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)


@codebook_app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Codebook file to validate (.yaml, .qdc, .qdpx).")]) -> None:
    """Validate a codebook file and list every problem, without touching a project."""
    from ..refi import read_codebook

    book = read_codebook(file).validate()
    themes = sum(1 for c in book.codes if c.parent is None)
    typer.echo(f"{file}: OK, {themes} theme(s), {len(book.codes) - themes} code(s)")


@codebook_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="Output file: .yaml/.yml or .qdc.")],
    project: ProjectOpt,
) -> None:
    """Write the project's codebook as YAML or REFI-QDA .qdc (GUIDs stay stable)."""
    from ..codebook import Codebook
    from ..refi import write_codebook

    if out.suffix.lower() not in (".yaml", ".yml", ".qdc"):
        raise CodebookError("export as .yaml, .yml or .qdc", str(out))
    with open_existing(project) as proj:
        book = Codebook.from_project(proj)
    if not book.codes:
        raise CodebookError("the project has no codes to export")
    write_codebook(book, out)
    typer.echo(f"wrote {len(book.codes)} code(s) to {out}")


@codebook_app.command("history")
def history(
    project: ProjectOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print every edit with its full payload as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (when, who, action, code, details).")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
) -> None:
    """Show how the codebook evolved: every load and edit, oldest first."""
    from ..codebook.history import codebook_history, history_to_csv, history_to_markdown

    if sum((as_json, as_csv, as_markdown)) > 1:
        raise UsageError("choose one of --json, --csv, --markdown")
    with open_existing(project) as proj:
        if as_json:
            print_json(codebook_history(proj))
        elif as_csv:
            typer.echo(history_to_csv(proj), nl=False)
        elif as_markdown:
            typer.echo(history_to_markdown(proj), nl=False)
        else:
            rows = codebook_history(proj)
            if not rows:
                typer.echo("no codebook edits yet")
            for r in rows:
                who = f" {r['who']}" if r["who"] else ""
                typer.echo(f"{r['when']}{who} {r['action']} {r['code']}: {r['details']}")


@codebook_app.command("variable")
def variable(
    theme: Annotated[str, typer.Argument(help="The theme (or any parent) whose codes are alternatives.")],
    project: ProjectOpt,
    ordered: Annotated[bool, typer.Option("--ordered", help="Its codes are ranked levels (no < weak < strong).")] = False,
    levels: Annotated[
        Optional[str],
        typer.Option("--levels", help="With --ordered: its codes lowest first, comma-separated (values 1, 2, 3...), "
                     "or name=value pairs: 'none=0,weak=1,strong=2'. Default: codebook order."),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Undeclare it: its codes are separate yes/no codes again.")] = False,
    actor: ActorOpt = None,
) -> None:
    """Declare a theme a variable (each turn gets at most one of its codes): agreement then
    reports it as one variable by default (docs/agreement.md §2.5)."""
    from ..codebook.edit import declare_variable

    if clear and (ordered or levels):
        raise UsageError("--clear undeclares the variable; leave out --ordered and --levels")
    parsed: list[str] | dict[str, float] | None = None
    if levels is not None:
        parts = [p.strip() for p in levels.split(",") if p.strip()]
        if parts and all("=" in p for p in parts):
            parsed = {}
            for p in parts:
                name, _, value = p.rpartition("=")
                try:
                    parsed[name.strip()] = float(value)
                except ValueError:
                    raise UsageError(f"--levels: {value.strip()!r} is not a number (in {p!r})") from None
        elif any("=" in p for p in parts):
            raise UsageError("--levels: give every level a value (name=value) or none")
        else:
            parsed = parts
    with open_existing(project) as proj:
        code = declare_variable(proj, theme, exclusive=not clear, ordered=ordered, levels=parsed, actor=actor)
    if not code.exclusive:
        typer.echo(f"{code.name}: not a variable")
    else:
        typer.echo(f"{code.name}: {'ordered' if code.ordered else 'exclusive'} variable")
