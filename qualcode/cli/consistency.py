"""``qualcode check-consistency`` and ``qualcode eval-consistency``."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import ProjectOpt, open_existing, print_json
from .suggest import ALL_SPEAKERS_HELP, _bar, _roles, _scope, _speakers


def register(app: typer.Typer) -> None:
    app.command("check-consistency")(check_consistency_cmd)
    app.command("eval-consistency")(eval_consistency_cmd)


def check_consistency_cmd(
    project: ProjectOpt,
    coder: Annotated[str, typer.Option(help="Whose codings to check.")],
    speakers: Annotated[str | None, typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    all_speakers: Annotated[bool, typer.Option("--all-speakers", help=ALL_SPEAKERS_HELP)] = False,
    limit: Annotated[int, typer.Option(help="At most this many entries per list.")] = 25,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List codings that look unlike the rest of their code, and likely misses in coded transcripts
    (nothing is changed; answer them in the app, Suggestions page, or from Python)."""
    from ..suggest import Suggester
    from ..suggest.consistency import check_consistency

    with open_existing(project) as proj:
        bar, progress = _bar("embedding")
        with bar:
            s = Suggester.build(proj, coder, speakers=_speakers(speakers), roles=_roles(speakers, all_speakers),
                                progress=progress)
        report = check_consistency(s)
    unlike, missed = report.unlike[:limit], report.missed[:limit]
    if as_json:
        print_json({
            "checked_codings": report.checked_codings, "checked_documents": report.checked_documents,
            "unlike_total": len(report.unlike), "missed_total": len(report.missed),
            "unlike": [x.__dict__ for x in unlike], "missed": [x.__dict__ for x in missed],
        })
        return
    typer.echo(f"Checked {report.checked_codings} coded excerpts in {report.checked_documents} transcripts "
               f"{_scope(speakers, all_speakers)}.")
    typer.echo(f"\nCodings unlike the rest of their code ({len(report.unlike)}; top {len(unlike)}):")
    for x in unlike:
        alt = f", looks more like {x.alternative} ({x.alternative_score:.2f})" if x.alternative else ""
        typer.echo(f"  {x.document} [{x.start}:{x.end}] {x.code}  own score {x.own_score:.2f}{alt}  doubt {x.doubt:.2f}")
        typer.echo(f"      \"{x.text[:160]}\"")
    typer.echo(f"\nPossible misses in coded transcripts ({len(report.missed)}; top {len(missed)}):")
    for m in missed:
        typer.echo(f"  {m.document} [{m.start}:{m.end}] {m.code}?  score {m.score:.2f} (threshold {m.threshold:.2f})")
        typer.echo(f"      \"{m.text[:160]}\"")


def eval_consistency_cmd(
    project: ProjectOpt,
    gold_coder: Annotated[str, typer.Option("--gold-coder", help="Coder whose codings are the gold standard.")],
    fraction: Annotated[float, typer.Option(help="Share of codings to flip (list a) and to delete (list b).")] = 0.05,
    seeds: Annotated[int, typer.Option(help="Repeat with this many seeds.")] = 1,
    codes_under: Annotated[str | None, typer.Option("--codes-under", help="Only the codes under this theme/parent.")] = None,
    speakers: Annotated[str | None, typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure the consistency checks: plant flipped and deleted codings, report precision/recall at k."""
    from ..suggest.consistency_eval import evaluate_consistency

    with open_existing(project) as proj:
        bar, progress = _bar("embedding")
        with bar:
            report = evaluate_consistency(proj, gold_coder, fraction=fraction, seeds=seeds, codes_under=codes_under,
                                          speakers=_speakers(speakers), progress=progress)
    if as_json:
        print_json(report)
        return
    typer.echo(f"{report['codings']} codings on {report['excerpts']} excerpts; planted {report['planted']}")
    for name, summary in report["summary"].items():
        for k, v in summary.items():
            if k != "listed":
                typer.echo(f"{name:<15} top {k:>5}: precision {v['precision']['mean']:.3f}  recall {v['recall']['mean']:.3f}")
    typer.echo(f"chance precision: {report['chance_precision']}")
