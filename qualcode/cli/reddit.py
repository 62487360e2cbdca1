"""``qualcode reddit-ensemble`` (signals and coders vote, the result becomes consensus
codings) and ``qualcode reddit-thanks`` (the thanks/relief rule measured on a sample)."""

from __future__ import annotations

import math
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ._common import ProjectOpt, open_existing, print_json
from .agreement import _VariadicCommand


def register(app: typer.Typer) -> None:
    app.command("reddit-ensemble", cls=_VariadicCommand)(reddit_ensemble)
    app.command("reddit-thanks")(reddit_thanks)


def _weights(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        voter, sep, value = item.rpartition("=")
        try:
            out[voter.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not voter.strip():
            raise UsageError(f"--weight {item!r}: write VOTER=NUMBER, e.g. --weight op_thanks=2")
    return out


def _num(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def reddit_ensemble(
    project: ProjectOpt,
    code: Annotated[str, typer.Option("--code", help="The code the ensemble labels (e.g. effective).")],
    humans: Annotated[Optional[list[str]], typer.Option("--coders", help="Human coders who vote: --coders ana ben")] = None,
    signals: Annotated[Optional[list[str]], typer.Option(
        "--signal", help="A signal that votes (repeat): op_replied, op_thanks, score, suggester. "
        "Default: op_replied, op_thanks and (with --score-threshold) score.")] = None,
    score_threshold: Annotated[Optional[float], typer.Option(
        "--score-threshold", help="The score signal says yes at this score or more.")] = None,
    rule: Annotated[str, typer.Option("--rule", help="majority or weighted.")] = "majority",
    weight: Annotated[Optional[list[str]], typer.Option(
        "--weight", help="A voter's weight for the weighted rule (repeat): --weight op_thanks=2")] = None,
    quorum: Annotated[int, typer.Option("--quorum", min=1, help="Votes a comment needs to be labelled.")] = 2,
    as_coder: Annotated[str, typer.Option("--as", help="The consensus coder that receives the labels.")] = "ensemble",
    documents: Annotated[Optional[list[str]], typer.Option("--document", help="Only this thread (repeat).")] = None,
    signals_only: Annotated[bool, typer.Option(
        "--signals-only", help="Only the signals vote; the --coders are the humans they are compared with.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the votes and agreement; write nothing.")] = False,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who runs it (recorded in the event log).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Label Reddit comments with an ensemble (RedditESS style): the OP replied, the
    OP's reply thanks or shows relief, the score, accepted suggestions and human
    coders vote per comment; the yes comments become codings of a consensus coder
    with their votes (docs/reddit.md). Prints each voter's agreement with the humans."""
    from ..agreement.ensemble import (ensemble_agreement, ensemble_labels, ensemble_votes, signal_columns,
                                      write_ensemble)

    humans = list(humans or [])
    chosen = list(signals) if signals else ["op_replied", "op_thanks", *(["score"] if score_threshold is not None else [])]
    weights = _weights(weight)
    voters = signal_columns(chosen, score_threshold) if signals_only else None
    with open_existing(project) as proj:
        if dry_run:
            votes = ensemble_votes(proj, code, humans=humans, signals=chosen, score_threshold=score_threshold,
                                   documents=documents)
            labelled = ensemble_labels(votes, rule=rule, weights=weights or None, voters=voters, quorum=quorum)
            agreement = ensemble_agreement(labelled, humans) if humans else None
            written = replaced = 0
        else:
            result = write_ensemble(proj, code, humans=humans, signals=chosen, score_threshold=score_threshold,
                                    rule=rule, weights=weights or None, voters=voters, quorum=quorum, as_coder=as_coder,
                                    documents=documents, actor=actor)
            labelled, agreement, written, replaced = result.labelled, result.agreement, result.written, result.replaced
    if as_json:
        print_json({
            "units": [{"document": r.document, "turn": int(r.turn), "reddit_id": r.reddit_id,
                       "label": None if math.isnan(r.label) else int(r.label), "detail": r.detail}
                      for r in labelled.itertuples(index=False)],
            "agreement": [] if agreement is None or agreement.empty else [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in agreement.to_dict("records")],
            "written": written, "replaced": replaced, "dry_run": dry_run,
        })
        return
    yes = int((labelled["label"] == 1).sum()) if len(labelled) else 0
    no = int((labelled["label"] == 0).sum()) if len(labelled) else 0
    typer.echo(f"{len(labelled)} comment(s): {yes} yes, {no} no, {len(labelled) - yes - no} without enough votes")
    for r in labelled.itertuples(index=False):
        mark = "?" if math.isnan(r.label) else ("yes" if r.label == 1 else "no")
        typer.echo(f"  {r.document} turn {int(r.turn)} ({r.reddit_id}): {mark}  [{r.detail}]")
    if agreement is not None and not agreement.empty:
        typer.echo("agreement with the human coders (alpha: Krippendorff, nominal; majority: share of comments "
                   "where the voter matches the humans' majority):")
        for row in agreement.itertuples(index=False):
            typer.echo(f"  {row.voter:<16} alpha {_num(row.alpha):>6}   majority {_num(row.agreement_with_human_majority)}"
                       f" of {row.units}   yes {row.yes}" + (f"   ({row.note})" if row.note else ""))
    if not dry_run:
        typer.echo(f"{written} coding(s) of {as_coder!r} written, {replaced} earlier replaced")


def reddit_thanks(
    sample: Annotated[str, typer.Option("--sample", help="CSV with columns text, thanks_relief (yes/no).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Measure the thanks/relief rule (the op_thanks signal) on replies you labelled."""
    from ..agreement.thanks import measure, read_sample

    m = measure(read_sample(sample))
    if as_json:
        print_json(m)
        return
    typer.echo(f"{m['n']} replies: accuracy {_num(m['accuracy'])}, precision {_num(m['precision'])}, "
               f"recall {_num(m['recall'])} (tp {m['tp']}, fp {m['fp']}, fn {m['fn']}, tn {m['tn']})")
