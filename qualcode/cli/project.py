"""``qualcode init``, ``import`` and ``info``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import NotFoundError, UsageError
from ..store import Project
from ._common import ProjectOpt, open_existing, print_json


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("import")(import_files)
    app.command("info")(info)
    app.command("demo")(demo)


def init(
    path: Annotated[str, typer.Argument(help="Project file to create (e.g. study.qualcode) or database URL.")],
    name: Annotated[Optional[str], typer.Option(help="Project name (default: the file name).")] = None,
) -> None:
    """Create an empty project."""
    from ..store.engine import is_url

    from ._identity import open_project

    if not is_url(path) and Path(path).exists() and not name:
        raise UsageError(f"{path}: already exists; open it with -p instead (or add a project with --name)")
    if name and (is_url(path) or Path(path).exists()):
        try:  # a database may hold several projects: never "create" one that is there
            open_project(path, name=name, create=False).close()
        except NotFoundError:
            pass
        else:
            raise UsageError(f"a project named {name!r} already exists there")
    with open_project(path, name=name, create=True) as project:
        typer.echo(f"created project {project.name!r} at {project.safe_location}")


def import_files(
    files: Annotated[list[Path], typer.Argument(help="Transcript files (.txt .md .docx .vtt .srt .json .csv).")],
    project: ProjectOpt,
    participants: Annotated[Optional[Path], typer.Option("--participants", help="Participants CSV (pseudonym, attributes, document).")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Force a format: txt md docx vtt srt chat-json reddit-json csv.")] = None,
    coder: Annotated[Optional[str], typer.Option(help="Coder for codes carried by a CSV table without a coder column.")] = None,
    preset: Annotated[Optional[str], typer.Option(help="Column mapping preset for CSV tables, e.g. 'annomi'.")] = None,
    code_column: Annotated[Optional[list[str]], typer.Option("--code-column", help="CSV column whose values are codes (repeatable).")] = None,
    turn_column: Annotated[Optional[list[str]], typer.Option("--turn-column", help="CSV column whose per-row values become turn metadata, e.g. a score or a model name (repeatable).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace documents of the same name that have no codings yet.")] = False,
    deidentify: Annotated[bool, typer.Option("--deidentify", help="Remove names, places, contacts... before storing (every proposal accepted; see docs/deidentification.md).")] = False,
    known_names: Annotated[Optional[Path], typer.Option("--known-names", help="With --deidentify: known names file, 'name[, replacement[, kind]]' per line.")] = None,
    key_out: Annotated[Optional[Path], typer.Option("--key-out", help="With --deidentify: save the key (.csv or .json) here; without it the key is discarded.")] = None,
) -> None:
    """Import transcripts (and optionally participants) into a project, all or nothing."""
    from tqdm import tqdm

    from .. import ingest

    presets = {"annomi": ingest.ANNOMI_MAPPING}
    mapping = None
    if preset:
        if preset.lower() not in presets:
            raise UsageError(f"unknown preset {preset!r}; known: {', '.join(presets)}")
        mapping = presets[preset.lower()]
    docs = []
    for path in tqdm(files, desc="reading", unit="file", disable=len(files) < 3):
        file_mapping = mapping
        if (coder or code_column or turn_column) and ingest.detect_format(path.name, fmt) == "csv":
            base = mapping or ingest.detect_csv_mapping(_csv_header(path), str(path))
            if code_column:
                base = dataclasses.replace(base, codes=tuple(code_column))
            if turn_column:
                base = dataclasses.replace(base, meta_columns=tuple(turn_column))
            if coder:
                # A named coder overrides any coder column: the user said who coded the table.
                base = dataclasses.replace(base, coder=coder, coder_column=None)
            file_mapping = base
        docs.extend(ingest.read_documents(path, fmt, csv_mapping=file_mapping))
    deid = None
    if deidentify:
        from ..deid import deidentify_documents

        deid = deidentify_documents(docs, known_names=known_names)
        docs = deid.documents
    elif known_names or key_out:
        raise UsageError("--known-names and --key-out only work with --deidentify")
    rows = ingest.read_participants(participants) if participants else []
    if deid is not None and deid.renamed:
        for r in rows:  # participants name documents by their original names
            r.documents[:] = [deid.renamed.get(d, d) for d in r.documents]
    with open_existing(project) as proj:
        # One transaction: participants that cannot be stored leave the documents out too.
        ids = proj.add_documents(docs, actor=coder, replace=replace,
                                 participants=[(r.participant, r.documents) for r in rows],
                                 participants_source=str(participants) if participants else None)
    if deid is not None:
        # The key is saved only once the import succeeded, and never into the project.
        if key_out:
            deid.key.save(key_out)
            typer.echo(f"key saved to {key_out}; keep it apart from the project and the data you share", err=True)
        else:
            typer.echo("key discarded (use --key-out FILE to keep it)", err=True)
        typer.echo(deid.summary(), err=True)
        for w in deid.warnings:
            typer.echo(f"warning: {w}", err=True)
    for doc in docs:
        for warning in doc.warnings:
            typer.echo(f"warning: {doc.name}: {warning}", err=True)
    typer.echo(f"imported {len(ids)} document(s), {sum(len(d.segments) for d in docs)} turns" + (f", {len(rows)} participant(s)" if rows else ""))


def _csv_header(path: Path) -> list[str]:
    import csv

    from ..ingest.decode import decode_text

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc
    text = decode_text(data, str(path))[0] if data else ""
    return next(csv.reader(text.splitlines()[:1]), [])


def info(
    project: ProjectOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print counts as JSON.")] = False,
) -> None:
    """Show what a project holds."""
    from collections import Counter

    from ..store.queries import document_languages

    with open_existing(project) as proj:
        counts = proj.info()
        # The transcripts' languages as detected at import (suggestions and themes are English-only).
        languages = dict(Counter(document_languages(proj).values()).most_common())
        if as_json:
            print_json(counts)
        else:
            typer.echo(f"project {proj.name!r} ({proj.safe_location})")
            for key, value in counts.items():
                typer.echo(f"  {key:<13}{value}")
            if languages:
                typer.echo(f"  {'languages':<13}" + ", ".join(f"{k} {v}" for k, v in languages.items()))


def demo(
    path: Annotated[Path, typer.Argument(help="Where to create the demo project (e.g. demo/demo.qualcode).")],
    empty: Annotated[bool, typer.Option("--empty", help="No coders and no codings: the study as it is before coding.")] = False,
) -> None:
    """Build the fictional demo study (transcripts, participants, codebook and, unless --empty,
    two fictional coders' codings, memos, a consensus coder and accepted suggestions) into a new project."""
    from ..demo import build_demo

    with build_demo(path, coded=not empty) as project:
        counts = project.info()
    coded = f", {counts['codings']} codings by {counts['coders']} fictional coders" if counts["codings"] else ""
    typer.echo(f"demo project at {path}: {counts['documents']} interviews, {counts['codes']} codes{coded}")
