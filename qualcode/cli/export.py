"""``qualcode export docx|qdpx|csv|xlsx|figures``: write the study out of qualcode.

Where files go: an OUT that is a bare file name (``report.docx``) is written to an
``exports/`` folder next to the project file (created when missing), so a study's
outputs collect in one place; an OUT with a folder (``./report.docx``,
``out/report.docx``, an absolute path) is used as given. Without OUT the file is
``exports/<project>-<kind>.<ext>``. A missing extension is added.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ._common import ProjectOpt, open_existing
from .figures import figures_command

__all__ = ["register", "export_app", "output_path"]

export_app = typer.Typer(
    name="export",
    help="Write the study out: Word report, REFI-QDA project, CSV/XLSX tables, figures.",
    no_args_is_help=True,
)
export_app.command("figures")(figures_command)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


def output_path(out: str | None, project_location: str, kind: str, suffix: str, project_name: str) -> Path:
    """Where to write (see the module docstring); creates the folder."""
    from ..store.engine import is_url

    home = Path.cwd() if is_url(project_location) else Path(project_location).expanduser().resolve().parent
    if out is None or not out.strip():
        stem = re.sub(r"[^\w.-]+", "-", project_name).strip("-")[:60] or "project"
        path = home / "exports" / f"{stem}-{kind}{suffix}"
    elif "/" not in out and "\\" not in out:  # a bare file name
        path = home / "exports" / out
    else:
        path = Path(out).expanduser()
    if path.suffix.lower() != suffix:
        path = path.with_name(path.name + suffix)
    if path.exists() and path.is_dir():
        raise UsageError(f"{path}: is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# Options shared by the commands that select excerpts.
OutArg = Annotated[Optional[str], typer.Argument(help="Output file; a bare name goes to exports/ next to the project.")]
CodesOpt = Annotated[Optional[list[str]], typer.Option("--codes", help="Code or theme (name or 'Theme > Code'); repeatable. A theme includes its codes.")]
CodersOpt = Annotated[Optional[list[str]], typer.Option("--coders", help="Coder, e.g. 'consensus'; repeatable (default: all coders).")]
PeopleOpt = Annotated[Optional[list[str]], typer.Option("--participants", help="Participant pseudonym; repeatable.")]
AttrOpt = Annotated[Optional[list[str]], typer.Option("--attribute", help="KEY=VALUE participant attribute filter; repeatable (same key: any of the values).")]
ContextOpt = Annotated[str, typer.Option("--context", help="span (the coded text) or turn (the whole turn, the span emphasised).")]
MemosOpt = Annotated[bool, typer.Option("--memos", help="Include memos.")]


def _query(cls, codes, coders, participants, attribute, context, **extra):
    attrs: dict[str, list[str]] = {}
    for item in attribute or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--attribute needs KEY=VALUE, e.g. country=Brazil (got {item!r})")
        attrs.setdefault(key.strip(), []).append(value.strip())
    if context not in ("span", "turn"):
        raise UsageError(f"--context must be 'span' or 'turn', not {context!r}")
    return cls(codes=codes or None, coders=coders or None, participants=participants or None,
               attributes=attrs or None, context=context, **extra)


@export_app.command("docx")
def docx_command(
    project: ProjectOpt,
    out: OutArg = None,
    codes: CodesOpt = None,
    coders: CodersOpt = None,
    participants: PeopleOpt = None,
    attribute: AttrOpt = None,
    context: ContextOpt = "span",
    memos: MemosOpt = False,
    order: Annotated[str, typer.Option(help="code (by theme and code) or participant.")] = "code",
    show_attribute: Annotated[Optional[list[str]], typer.Option("--show-attribute", help="Participant attribute printed with each excerpt; repeatable.")] = None,
    figures: Annotated[Optional[bool], typer.Option("--figures/--no-figures", help="Embed figures (default: when Chromium is available).")] = None,
    title: Annotated[Optional[str], typer.Option(help="Report title (default: the project name).")] = None,
    max_per_code: Annotated[Optional[int], typer.Option(help="At most this many excerpts per code.")] = None,
) -> None:
    """Write the Word report: codebook, coded excerpts by theme and code, frequencies, figures."""
    from ..export.docx import ReportOptions, write_report

    if order not in ("code", "participant"):
        raise UsageError(f"--order must be 'code' or 'participant', not {order!r}")
    options = _query(ReportOptions, codes, coders, participants, attribute, context, order=order,
                     include_memos=memos, show_attributes=list(show_attribute or []), include_figures=figures,
                     title=title, max_excerpts_per_code=max_per_code)
    with open_existing(project) as proj:
        path = output_path(out, project, "report", ".docx", proj.name)
        report = write_report(proj, path, options)
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    typer.echo(f"wrote {path} ({report.excerpts} excerpt(s))")


@export_app.command("qdpx")
def qdpx_command(
    project: ProjectOpt,
    out: OutArg = None,
    validate: Annotated[bool, typer.Option("--validate/--no-validate", help="Check project.qde against Project.xsd when the schema is available.")] = True,
) -> None:
    """Write the whole project as a REFI-QDA .qdpx (NVivo, ATLAS.ti, MAXQDA, QualCoder)."""
    from ..export.qdpx import export_qdpx

    with open_existing(project) as proj:
        path = output_path(out, project, "project", ".qdpx", proj.name)
        export_qdpx(proj, path, validate=None if validate else False)
        counts = proj.info()
    typer.echo(f"wrote {path} ({counts['documents']} document(s), {counts['codes']} code(s), {counts['codings']} coding(s))")


@export_app.command("csv")
def csv_command(
    project: ProjectOpt,
    out: OutArg = None,
    codes: CodesOpt = None,
    coders: CodersOpt = None,
    participants: PeopleOpt = None,
    attribute: AttrOpt = None,
    context: ContextOpt = "span",
    matrix: Annotated[bool, typer.Option("--matrix", help="Write the code × participant matrix instead of the excerpts.")] = False,
) -> None:
    """Write the coded excerpts (one row per coding) or the code × participant matrix as CSV."""
    from ..export.excerpts import ExcerptQuery
    from ..export.tables import write_csv

    query = _query(ExcerptQuery, codes, coders, participants, attribute, context)
    with open_existing(project) as proj:
        path = output_path(out, project, "matrix" if matrix else "excerpts", ".csv", proj.name)
        write_csv(proj, path, query, matrix=matrix)
    typer.echo(f"wrote {path}")


@export_app.command("xlsx")
def xlsx_command(
    project: ProjectOpt,
    out: OutArg = None,
    codes: CodesOpt = None,
    coders: CodersOpt = None,
    participants: PeopleOpt = None,
    attribute: AttrOpt = None,
    context: ContextOpt = "span",
) -> None:
    """Write an Excel workbook: excerpts, code × participant matrix, codebook, filters used."""
    from ..export.excerpts import ExcerptQuery
    from ..export.tables import write_xlsx

    query = _query(ExcerptQuery, codes, coders, participants, attribute, context)
    with open_existing(project) as proj:
        path = output_path(out, project, "excerpts", ".xlsx", proj.name)
        write_xlsx(proj, path, query)
    typer.echo(f"wrote {path}")

