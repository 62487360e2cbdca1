"""``qualcode suggest``, ``qualcode themes`` and ``qualcode eval-suggest``."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import ProjectOpt, open_existing, print_json


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest)
    app.command("themes")(themes)
    app.command("eval-suggest")(eval_suggest)


def _bar(desc: str):
    """A tqdm bar driven by ``progress(done, total)`` callbacks (on stderr, so --json stays clean)."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=desc, unit="excerpt", leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, progress


def _speakers(value: str | None) -> tuple[str, ...] | None:
    return tuple(s.strip() for s in value.split(",") if s.strip()) if value else None


ALL_SPEAKERS_HELP = ("Every speaker's turns (interviewer and chatbot too). By default only the participants' "
                     "turns, by the speaker roles confirmed for the project or detected from the labels.")


def _roles(speakers: str | None, all_speakers: bool):
    from ..suggest import PARTICIPANT_ROLES

    return None if all_speakers or _speakers(speakers) else PARTICIPANT_ROLES


def _scope(speakers: str | None, all_speakers: bool) -> str:
    if _speakers(speakers):
        return "from the turns of " + ", ".join(_speakers(speakers))
    return "from every speaker's turns" if all_speakers else "from participant turns only (--all-speakers for every turn)"


def suggest(
    project: ProjectOpt,
    coder: Annotated[str, typer.Option(help="Whose codings to learn from (and whose rejections to respect).")],
    document: Annotated[str | None, typer.Option(help="Suggestions for this transcript (name).")] = None,
    code: Annotated[str | None, typer.Option(help="Find more excerpts like this code, across the project.")] = None,
    speakers: Annotated[str | None, typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    all_speakers: Annotated[bool, typer.Option("--all-speakers", help=ALL_SPEAKERS_HELP)] = False,
    limit: Annotated[int, typer.Option(help="At most this many suggestions.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List code suggestions with their evidence (nothing is coded; accept in the app)."""
    from ..suggest import Suggester

    with open_existing(project) as proj:
        bar, progress = _bar("embedding")
        with bar:
            s = Suggester.build(proj, coder, speakers=_speakers(speakers), roles=_roles(speakers, all_speakers),
                                progress=progress)
        if code:
            found = s.more_like(code, limit=limit)
        elif document:
            found = s.for_document(document)[:limit]
        else:
            # Transcripts the model cannot read (their language) are left out; the note says which.
            found = [x for d in proj.documents() if d.id not in s.refused for x in s.for_document(d.id)][:limit]
        quality = s.quality()
    if as_json:
        print_json({
            "quality": [q.__dict__ for q in quality],
            "language_note": s.language_note or None,
            "suggestions": [
                {"document": x.document, "start": x.start, "end": x.end, "text": x.text, "code": x.code,
                 "score": round(x.score, 4), "threshold": round(x.threshold, 4), "basis": x.basis,
                 "definition": x.definition.__dict__ if x.definition else None,
                 "examples": [e.__dict__ for e in x.examples]}
                for x in found
            ],
        })
        return
    for x in found:
        typer.echo(f"{x.document} [{x.start}:{x.end}] {x.code}  score {x.score:.2f} (threshold {x.threshold:.2f}, {x.basis})")
        typer.echo(f"    \"{x.text[:160]}\"")
        if x.examples:
            typer.echo(f"    like: \"{x.examples[0].text[:120]}\" ({x.examples[0].document})")
    typer.echo(f"{len(found)} suggestion(s) {_scope(speakers, all_speakers)}")
    if s.language_note:
        typer.echo(s.language_note)
    weak = [q.code for q in quality if q.better_than_chance is False]
    if weak:
        typer.echo("No better than chance on your codings, so not suggested: " + ", ".join(weak))


def themes(
    project: ProjectOpt,
    speakers: Annotated[str | None, typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    all_speakers: Annotated[bool, typer.Option("--all-speakers", help=ALL_SPEAKERS_HELP)] = False,
    uncoded_only: Annotated[bool, typer.Option("--uncoded-only", help="Skip excerpts that already carry a code.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same themes).")] = 42,
    min_topic_size: Annotated[int | None, typer.Option(help="Smallest theme (default: sized to the corpus).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find emergent themes (BERTopic seeded by the codebook)."""
    from ..ingest.roles import project_roles
    from ..suggest.themes import ThemeSettings, quote_source, themes_for_project

    with open_existing(project) as proj:
        bar, progress = _bar("embedding")
        with bar:
            result = themes_for_project(proj, speakers=_speakers(speakers), roles=_roles(speakers, all_speakers),
                                        uncoded_only=uncoded_only,
                                        settings=ThemeSettings(seed=seed, min_topic_size=min_topic_size),
                                        progress=progress)
        roles = project_roles(proj)  # a quote of an interviewer's turn is theirs, not the participant's
    if as_json:
        print_json({
            "method": result.method, "message": result.message, "settings": result.settings,
            "language_note": result.language_note or None,
            "themes": [
                {"id": t.id, "label": t.label, "size": t.size, "keywords": list(t.keywords),
                 "nearest_code": t.nearest_code, "nearest_code_similarity": t.nearest_code_similarity,
                 "seed_code": t.seed_code, "quotes": [q.__dict__ for q in t.quotes]}
                for t in result.themes
            ],
        })
        return
    typer.echo(f"{result.message} Excerpts {_scope(speakers, all_speakers)}.")
    if result.language_note:
        typer.echo(result.language_note)
    for t in result.themes:
        near = f" ~ {t.nearest_code} ({t.nearest_code_similarity:.2f})" if t.nearest_code else ""
        typer.echo(f"[{t.id}] {t.label}  ({t.size} excerpts){near}")
        for q in t.quotes[:2]:
            typer.echo(f"    {quote_source(q, roles)}: \"{q.text[:140]}\"")


def eval_suggest(
    project: ProjectOpt,
    gold_coder: Annotated[str, typer.Option("--gold-coder", help="Coder whose codings are the gold standard.")],
    train_fraction: Annotated[float, typer.Option("--train-fraction", help="Share of coded documents to learn from.")] = 0.2,
    seeds: Annotated[int, typer.Option(help="Repeat the split with this many seeds.")] = 3,
    codes_under: Annotated[str | None, typer.Option("--codes-under", help="Only the codes under this theme/parent.")] = None,
    speakers: Annotated[str | None, typer.Option(help="Only these speakers' turns, comma-separated.")] = None,
    baselines: Annotated[bool, typer.Option("--baselines/--no-baselines", help="Also score the baselines.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure suggestion quality against a coder's codings (leave-documents-out)."""
    from ..suggest.evaluate import EvalSettings, evaluate_suggestions

    settings = EvalSettings(gold_coder=gold_coder, train_fraction=train_fraction, seeds=seeds, codes_under=codes_under,
                            speakers=_speakers(speakers), baselines=EvalSettings.baselines if baselines else ())
    with open_existing(project) as proj:
        bar, progress = _bar("embedding")
        with bar:
            report = evaluate_suggestions(proj, settings, progress=progress)
    if as_json:
        print_json(report)
        return
    typer.echo(f"{report['excerpts']} excerpts in {report['documents']} documents; {report['mode']}")
    typer.echo(f"{'method':<20}{'kappa':>14}{'macro-F1':>14}{'accuracy':>12}")
    for name, m in report["methods"].items():
        typer.echo(f"{name:<20}{m['kappa']['mean']:>8.3f} ±{m['kappa']['sd']:.3f}{m['macro_f1']['mean']:>8.3f} "
                   f"±{m['macro_f1']['sd']:.3f}{m['accuracy']['mean']:>10.3f}")
    per = report["methods"]["suggester"]["per_code"]
    typer.echo("suggester per code: F1 [95% CI over seeds], kappa [95% CI]")
    for code, v in per.items():
        f1ci = f" [{v['f1_ci'][0]:.3f}, {v['f1_ci'][1]:.3f}]" if v.get("f1_ci") else ""
        kci = f" [{v['kappa_ci'][0]:.3f}, {v['kappa_ci'][1]:.3f}]" if v.get("kappa_ci") else ""
        flag = "  NO BETTER THAN CHANCE" if v.get("better_than_chance") is False else ""
        typer.echo(f"  {code:<24} F1 {v['f1']:.3f}{f1ci}  kappa {v['kappa']:.3f}{kci}{flag}")
