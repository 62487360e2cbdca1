"""``qualcode deidentify``: remove identifiers from documents already in a project.

Every proposal is accepted (review them in the app's De-identify page instead,
or look first with ``--dry-run``). The key is written only where ``--key-out``
says, never into the project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ._common import ProjectOpt, open_existing


def register(app: typer.Typer) -> None:
    app.command("deidentify")(deidentify)


def deidentify(
    documents: Annotated[Optional[list[str]], typer.Argument(help="Documents (names or ids) to de-identify.")] = None,
    project: ProjectOpt = "",
    all_docs: Annotated[bool, typer.Option("--all", help="Every document that has no codings yet.")] = False,
    known_names: Annotated[
        Optional[Path], typer.Option("--known-names", help="Known names file: 'name[, replacement[, kind]]' per line.")
    ] = None,
    key_out: Annotated[Optional[Path], typer.Option("--key-out", help="Save the key here (.csv or .json). Without it the key is discarded.")] = None,
    key_in: Annotated[Optional[Path], typer.Option("--key-in", help="Continue an earlier key, so the same person keeps the same placeholder.")] = None,
    labels: Annotated[
        Optional[str],
        typer.Option("--labels", help="What to remove: person,place,org,facility,email,phone,url,handle,address,age,date (default: all but date)."),
    ] = None,
    style: Annotated[str, typer.Option("--style", help="'label' ([PERSON 1]) or 'pseudonym' (realistic first names).")] = "label",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be replaced; change nothing.")] = False,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who did this (recorded in the project history).")] = None,
    checkpoint_only: Annotated[bool, typer.Option("--checkpoint", help="Only empty the project's write-ahead log (after a warning).")] = False,
) -> None:
    """Replace names, places, contacts... in documents with consistent placeholders."""
    from .. import deid

    if not project:
        raise UsageError("give the project with -p PATH")
    try:
        kinds = deid.parse_kinds(labels)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    with open_existing(project) as proj:
        if checkpoint_only:
            warnings = deid.checkpoint(proj)
            for w in warnings:
                typer.echo(f"warning: {w}", err=True)
            if not warnings:
                typer.echo("write-ahead log emptied")
            return
        if all_docs:
            refs: list[int | str] = [d.id for d in proj.documents() if not d.codings]
            if not refs:
                raise UsageError("no document without codings in this project")
        elif documents:
            refs = list(documents)
        else:
            raise UsageError("name the documents to de-identify, or use --all")
        known = deid.load_known_names(known_names)
        key = deid.Key.load(key_in, style=style) if key_in else None
        review = deid.review_project_documents(proj, refs, kinds=kinds, known=known, key=key, style=style)
        if dry_run:
            result = review.apply()
            for dr in review.documents:
                typer.echo(f"{dr.document.name}:")
                for speaker, repl in review.speakers[review.documents.index(dr)].items():
                    typer.echo(f"  speaker   {speaker!r} -> {repl!r}")
                for p in dr.proposals:
                    typer.echo(f"  {p.kind:<9} {p.text!r} -> {p.replacement!r}  ({p.source})")
            for w in result.warnings:
                typer.echo(f"warning: {w}", err=True)
            typer.echo(result.summary() + " (dry run: nothing changed)")
            return
        result = deid.apply_review_to_project(proj, review, actor=actor)
    for w in result.warnings:
        typer.echo(f"warning: {w}", err=True)
    if key_out is not None:
        path = result.key.save(key_out)
        typer.echo(f"key saved to {path}; keep it apart from the project and the data you share")
    else:
        typer.echo("key discarded (use --key-out FILE to keep it)")
    for new in result.renamed.values():
        typer.echo(f"renamed a document to {new!r} (its name held an identifier)")
    typer.echo(result.summary())
