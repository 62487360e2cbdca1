"""``qualcode transcript ...``: rename, delete and link a transcript to a participant."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ._common import ProjectOpt, open_existing

transcript_app = typer.Typer(
    name="transcript",
    help="Rename or delete a transcript, link it to a participant, rename or merge speakers (each change is in the event log).",
    no_args_is_help=True,
)

ActorOpt = Annotated[Optional[str], typer.Option("--actor", help="Who makes the change (recorded in the event log).")]
NameArg = Annotated[str, typer.Argument(help="The transcript's name in the project.")]


def register(app: typer.Typer) -> None:
    app.add_typer(transcript_app, name="transcript")


@transcript_app.command("rename")
def rename(name: NameArg, new_name: Annotated[str, typer.Argument(help="The new name.")], project: ProjectOpt,
           actor: ActorOpt = None) -> None:
    """Rename a transcript (text, turns, codings and participant stay)."""
    with open_existing(project) as proj:
        proj.rename_document(name, new_name, actor=actor)
    typer.echo(f"renamed {name!r} to {new_name.strip()!r}")


@transcript_app.command("delete")
def delete(
    name: NameArg,
    project: ProjectOpt,
    force: Annotated[bool, typer.Option("--force", help="Also delete the transcript's codings (refused without it).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    actor: ActorOpt = None,
) -> None:
    """Delete a transcript with its turns and memo (refused when it has codings, unless --force)."""
    with open_existing(project) as proj:
        did, doc = proj.document(name)
        n = sum(1 for _ in proj.codings(document=did))
        what = f"{name!r} ({len(doc.segments)} turns" + (f", {n} codings" if n else "") + ")"
        if n and not force:
            raise UsageError(f"{name}: has {n} coding(s); add --force to delete them with the transcript")
        if not yes and not typer.confirm(f"Delete transcript {what}? This cannot be undone", default=False):
            raise UsageError("nothing deleted")
        gone = proj.delete_document(did, force=force, actor=actor)
    typer.echo(f"deleted {what}" + (f"; {gone} coding(s) deleted with it" if gone else ""))


@transcript_app.command("link")
def link(
    name: NameArg,
    project: ProjectOpt,
    participant: Annotated[Optional[str], typer.Argument(help="Participant pseudonym (created when new); omit to unlink.")] = None,
    actor: ActorOpt = None,
) -> None:
    """Link a transcript to a participant, or unlink it."""
    with open_existing(project) as proj:
        proj.set_document_participant(name, participant, actor=actor)
    typer.echo(f"linked {name!r} to {participant!r}" if participant else f"unlinked {name!r}")


@transcript_app.command("speaker")
def speaker(
    old: Annotated[str, typer.Argument(help="The speaker label now (e.g. 'Speaker 1').")],
    new: Annotated[str, typer.Argument(help="The new label; an existing one merges the two speakers.")],
    project: ProjectOpt,
    document: Annotated[Optional[str], typer.Option("--document", "-d", help="Only in this transcript (default: every transcript).")] = None,
    actor: ActorOpt = None,
) -> None:
    """Rename a speaker, or merge it into another, in one transcript or across the project."""
    with open_existing(project) as proj:
        n = proj.rename_speaker(old, new, document=document, actor=actor)
    typer.echo(f"relabelled {n} turn(s) from {old!r} to {new.strip()!r}" + (f" in {document!r}" if document else ""))
