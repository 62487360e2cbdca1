"""``qualcode batch embed`` and ``qualcode batch autocode``: whole corpora on a Dask cluster."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ._common import ProjectOpt, open_existing, print_json
from .suggest import ALL_SPEAKERS_HELP, _bar, _roles, _speakers

batch_app = typer.Typer(
    help="Corpora beyond one machine: embed and auto-code every transcript on a Dask cluster "
         "(local worker processes, or --scheduler for a cluster of several machines).",
    no_args_is_help=True,
)

WorkersOpt = Annotated[Optional[int], typer.Option(
    "--workers", "-w", help="Worker processes of a local cluster (default: one per core).")]
SchedulerOpt = Annotated[Optional[str], typer.Option(
    "--scheduler", help="Address of a running Dask scheduler (tcp://host:8786 or tls://...) instead of a local "
                        "cluster; every worker needs qualcode and the same model.")]
TimeoutOpt = Annotated[float, typer.Option(
    "--connect-timeout", help="Seconds to wait for the scheduler or the local workers to answer.")]


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")


@batch_app.command("embed")
def embed_cmd(
    project: ProjectOpt,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: TimeoutOpt = 60,
    chunk: Annotated[int, typer.Option(help="Texts per task.")] = 1024,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Embed every turn of every transcript into the project's vector cache (resumes where it stopped)."""
    from ..batch import embed_corpus, open_cluster

    with open_existing(project) as proj, open_cluster(workers, address=scheduler, timeout=connect_timeout) as client:
        bar, progress = _bar("embedding")
        bar.unit = "text"
        with bar:
            report = embed_corpus(proj, client, chunk=chunk, progress=progress)
    if as_json:
        print_json(report.__dict__ | {"per_second": report.per_second})
        return
    typer.echo(f"{report.texts} distinct texts, {report.cached_before} already cached; embedded {report.embedded} "
               f"on {report.workers} workers in {report.seconds:.1f} s ({report.per_second:.0f}/s), model {report.model_id}")


@batch_app.command("autocode")
def autocode_cmd(
    project: ProjectOpt,
    coder: Annotated[str, typer.Option(help="Whose codings to learn from (their coded transcripts).")],
    machine_coder: Annotated[Optional[str], typer.Option(
        "--as", help="Coder the machine's codings are written as (default: '<coder> (machine)').")] = None,
    codes: Annotated[Optional[str], typer.Option(help="Only these codes, comma-separated (default: every code).")] = None,
    speakers: Annotated[Optional[str], typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    all_speakers: Annotated[bool, typer.Option("--all-speakers", help=ALL_SPEAKERS_HELP)] = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: TimeoutOpt = 60,
    chunk: Annotated[int, typer.Option(help="Excerpts per task (whole transcripts).")] = 2000,
    restart: Annotated[bool, typer.Option(
        "--restart", help="First remove the machine coder's codings and score every transcript again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Learn from CODER's coded transcripts and code all the others as a machine coder (resumes where it stopped)."""
    from ..batch import autocode_corpus, open_cluster

    wanted = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    with open_existing(project) as proj, open_cluster(workers, address=scheduler, timeout=connect_timeout) as client:
        bar, progress = _bar("auto-coding")
        bar.unit = "transcript"
        with bar:
            report = autocode_corpus(proj, client, coder, machine_coder=machine_coder, codes=wanted,
                                     speakers=_speakers(speakers), roles=_roles(speakers, all_speakers), chunk=chunk,
                                     restart=restart, progress=progress, actor=coder)
    if as_json:
        print_json(report.__dict__ | {"excerpts_per_second": report.excerpts_per_second})
        return
    typer.echo(f"Learnt from {report.trained_codings} codings by {report.coder} in {report.trained_documents} "
               f"transcripts; scored {report.excerpts_scored} excerpts in {report.documents_scored} transcripts on "
               f"{report.workers} workers in {report.seconds:.1f} s; wrote {report.codings_written} codings as "
               f"{report.machine_coder!r}" + (f" ({report.documents_skipped} transcripts done by an earlier run)"
                                              if report.documents_skipped else "") + ".")
    for name, n in sorted(report.per_code.items(), key=lambda kv: -kv[1]):
        typer.echo(f"  {n:>7}  {name}")
    if report.not_offered:
        typer.echo("Not applied (no better than chance on the coded sample): " + ", ".join(report.not_offered))
    for name, lang in report.refused:
        typer.echo(f"Left out {name}: the model does not read its language ({lang}).")
