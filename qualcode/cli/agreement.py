"""``qualcode agreement`` (coefficients per code) and ``qualcode consensus`` (majority vote)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Optional

import click
import typer
from typer.core import TyperCommand

from ..errors import UsageError
from ._common import ProjectOpt, open_existing, print_json

# Options that take several values after one flag (``--coders ana ben carl``).
_VARIADIC = ("--coders", "--codes", "--values")


class _VariadicCommand(TyperCommand):
    """Lets ``--coders A B C`` stand for ``--coders A --coders B --coders C``.

    Click options take a fixed number of values; researchers type lists the way
    they read them, so the arguments are rewritten before Click parses them. A
    value list ends at the next token that starts with ``-``.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        out: list[str] = []
        flag, got = None, False
        for tok in args:
            if flag and not tok.startswith("-"):
                out += [flag, tok]
                got = True
                continue
            if flag and not got:
                raise click.UsageError(f"{flag} needs at least one value", ctx)
            flag, got = (tok, False) if tok in _VARIADIC else (None, False)
            if flag is None:
                out.append(tok)
        if flag and not got:
            raise click.UsageError(f"{flag} needs at least one value", ctx)
        return super().parse_args(ctx, out)


def register(app: typer.Typer) -> None:
    app.command("agreement", cls=_VariadicCommand)(agreement)
    app.command("consensus", cls=_VariadicCommand)(consensus)
    app.command("gold", cls=_VariadicCommand)(gold)


CodersOpt = Annotated[list[str], typer.Option("--coders", help="Two or more coders to compare: --coders ana ben ...")]
DocumentOpt = Annotated[Optional[str], typer.Option("--document", help="Only this transcript (name).")]
CodesOpt = Annotated[Optional[list[str]], typer.Option("--codes", help="Only these codes (names), in this order.")]
AllDocsOpt = Annotated[
    bool,
    typer.Option(
        "--all-documents",
        help="Count a coder's silence on transcripts they have no coding in as 'code absent' "
        "(default: such transcripts are missing data for that coder).",
    ),
]


def agreement(
    project: ProjectOpt,
    coders: CodersOpt,
    unit: Annotated[str, typer.Option("--unit", help="segment (turn x code presence), character, or span "
                                      "(free spans: Krippendorff's unitizing alpha).")] = "segment",
    document: DocumentOpt = None,
    codes: CodesOpt = None,
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=0, help="Bootstrap resamples for the 95% CIs (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed (same seed, same intervals).")] = 0,
    all_documents: AllDocsOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report rows as JSON (NaN as null).")] = False,
    variable: Annotated[
        Optional[str],
        typer.Option("--variable", help="A theme whose codes are alternatives (one per turn): report agreement "
                     "on it as one variable (alpha, kappa, Gwet's AC1, Brennan-Prediger)."),
    ] = None,
    level: Annotated[
        Optional[str], typer.Option("--level", help="For a variable: nominal, or ordinal / interval / ratio for "
                                    "ordered levels (nominal is always reported too). Default: ordinal for a "
                                    "variable declared ordered in the codebook, else nominal.")
    ] = None,
    values: Annotated[
        Optional[list[float]],
        typer.Option("--values", help="With --variable: the numeric value of each code, in codebook order "
                     "(default: the code names when they are numbers, else 1, 2, 3...)."),
    ] = None,
    gamma: Annotated[
        bool, typer.Option("--gamma", help="With --unit span: Mathet's gamma too (pygamma-agreement; slower).")
    ] = False,
    on_conflict: Annotated[
        str, typer.Option("--on-conflict", help="With --variable, a coder who gave two of its codes to one turn: "
                          "error, missing (that value is dropped) or largest (the code covering more of the turn).")
    ] = "error",
) -> None:
    """Intercoder agreement per code and pooled: percent agreement, Cohen's/Fleiss' kappa,
    Krippendorff's alpha with bootstrap CIs, and the reliability flag; with --variable,
    agreement on one variable (a theme of mutually exclusive codes). Themes declared
    variables in the codebook are reported as variables without --variable."""
    from ..agreement.project import (agreement_table, declared_variables, load_agreement_data, proposed_variables,
                                     report_records, variable_codes)

    if variable is not None:
        _variable(project, coders, variable, level=level, values=values, on_conflict=on_conflict,
                  document=document, all_documents=all_documents, n_boot=n_boot, seed=seed, as_json=as_json)
        return
    if unit not in ("segment", "character", "span"):
        raise UsageError(f"--unit must be 'segment', 'character' or 'span', not {unit!r}")
    if len(coders) < 2:
        raise UsageError("compare at least two coders: --coders ana ben")
    if gamma and unit != "span":
        raise UsageError("--gamma goes with --unit span")
    if unit == "span":
        _spans(project, coders, document=document, codes=codes, all_documents=all_documents, gamma=gamma,
               seed=seed, as_json=as_json)
        return
    _check_variable_options(level, on_conflict)
    with open_existing(project) as proj:
        # Declared variables are the default unit of their codes (not with --codes or
        # character units, which ask for the per-code view).
        data = load_agreement_data(proj, coders, document=document, codes=codes, all_documents=all_documents)
        declared = declared_variables(proj) if codes is None and unit == "segment" else []
        kids = {int(t.id): variable_codes(proj, int(t.id))[1] for t in declared}
        declared = [t for t in declared if set(kids[int(t.id)]) & set(data.codes)]  # ones these coders used
        in_variables = {c for t in declared for c in kids[int(t.id)]}
        variables = [_variable_report(proj, coders, int(theme.id), level=level, values=None, on_conflict=on_conflict,
                                      document=document, all_documents=all_documents, n_boot=n_boot, seed=seed)
                     for theme in declared]
        rest = [c for c in data.codes if c not in in_variables]
        report = None
        if rest or not declared:
            if declared:
                data = load_agreement_data(proj, coders, document=document, codes=rest, all_documents=all_documents)
            report = agreement_table(data, unit=unit, n_boot=n_boot, seed=seed)
        proposals = [] if declared or as_json else proposed_variables(proj, coders)
    if as_json:
        rows = report_records(report) if report is not None else []
        if declared:
            print_json({"variables": [_variable_json(v) for v in variables], "codes": rows})
        else:
            print_json(rows)
        return
    for v in variables:
        _print_variable(v, n_boot, seed)
        typer.echo("")
    if report is not None:
        typer.echo(_table(report, two_coders=len(coders) == 2))
        typer.echo(f"\n{report.attrs.get('unit_note', '')}")
    typer.echo("flags (Krippendorff's alpha): reliable >= .800, tentative .667-.800, unreliable < .667")
    for theme in proposals:
        typer.echo(f"note: no coder put two of the codes of {theme.name!r} on one turn, so it reads as one variable: "
                   f"declare it with `qualcode codebook variable {theme.name!r} -p PROJECT [--ordered]`, "
                   f"or pass --variable {theme.name!r}")


def _spans(project, coders, *, document, codes, all_documents, gamma, seed, as_json) -> None:
    from ..agreement.project import report_records, unitizing_table

    with open_existing(project) as proj:
        table = unitizing_table(proj, coders, document=document, codes=codes, all_documents=all_documents,
                                gamma=gamma, seed=seed)
    if as_json:
        print_json({"rows": report_records(table), "gamma": table.attrs["gamma"],
                    "documents": table.attrs["documents"], "length": table.attrs["length"]})
        return
    head = ["code", "units", "D_o", "D_e", "unitizing alpha", "flag"]
    rows = [[str(r["code"]), str(r["n_units"]), f"{r['d_o']:.4f}", f"{r['d_e']:.4f}", _num(r["unitizing_alpha"]),
             r["flag"]] for r in table.to_dict(orient="records")]
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    for cells in [head, ["-" * w for w in widths], *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    typer.echo(f"\n{table.attrs['note']}")
    if table.attrs["gamma"] is not None:
        typer.echo(f"Mathet's gamma (all codes, pygamma-agreement, seed {seed}): {table.attrs['gamma']:.3f}")


def _check_variable_options(level, on_conflict) -> None:
    from ..agreement.variables import LEVELS

    if level is not None and level not in LEVELS:
        raise UsageError(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")
    if on_conflict not in ("error", "missing", "largest"):
        raise UsageError(f"--on-conflict must be error, missing or largest, not {on_conflict!r}")


def _variable_report(proj, coders, theme, *, level, values, on_conflict, document, all_documents, n_boot, seed):
    from ..agreement.project import variable_level, variable_table

    lv = level or variable_level(proj.code(theme))
    levels = ["nominal"] if lv == "nominal" else ["nominal", lv]
    return variable_table(proj, coders, theme, levels=levels, values=values, document=document,
                          all_documents=all_documents, n_boot=n_boot, seed=seed, on_conflict=on_conflict)


def _variable_json(report) -> dict:
    from ..agreement.project import report_records

    return {"variable": report.attrs["theme"], "categories": report.attrs["categories"],
            "values": report.attrs["values"], "declared": report.attrs["declared"],
            "ordered": report.attrs["ordered"], "exclusive_in_data": report.attrs["exclusive_in_data"],
            "rows": report_records(report)}


def _variable(project, coders, theme, *, level, values, on_conflict, document, all_documents, n_boot, seed,
              as_json) -> None:
    _check_variable_options(level, on_conflict)
    if len(coders) < 2:
        raise UsageError("compare at least two coders: --coders ana ben")
    with open_existing(project) as proj:
        report = _variable_report(proj, coders, theme, level=level, values=values, on_conflict=on_conflict,
                                  document=document, all_documents=all_documents, n_boot=n_boot, seed=seed)
    if as_json:
        print_json(_variable_json(report))
        return
    _print_variable(report, n_boot, seed)


def _print_variable(report, n_boot, seed) -> None:
    head = ["coefficient", "units", "value", "95% CI", "flag"]
    rows = []
    for r in report.to_dict(orient="records"):
        ci = "-" if _num(r["ci_low"]) == "-" else f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
        rows.append([str(r["coefficient"]), str(r["n_units"]), _num(r["value"]), ci, r["flag"]])
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    typer.echo(f"variable {report.attrs['theme']}: " + ", ".join(
        f"{c} = {v:g}" for c, v in zip(report.attrs["categories"], report.attrs["values"])))
    for cells in [head, ["-" * w for w in widths], *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    typer.echo(f"{n_boot} bootstrap resamples of the turns (seed {seed}).")


def _num(v: Any) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def _table(report, *, two_coders: bool) -> str:
    """A plain-text table that fits a terminal: the headline columns only."""
    kappa = "cohens_kappa" if two_coders else "fleiss_kappa"
    head = ["code", "units", "% agree", "Cohen k" if two_coders else "Fleiss k", "alpha", "95% CI", "flag"]
    rows = []
    for r in report.to_dict(orient="records"):
        ci = "-" if _num(r["alpha_ci_low"]) == "-" else f"[{_num(r['alpha_ci_low'])}, {_num(r['alpha_ci_high'])}]"
        rows.append([str(r["code"]), str(r["n_units"]), _num(r["percent_agreement"]), _num(r[kappa]),
                     _num(r["alpha"]), ci, r["flag"]])
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    right = {1, 2, 3, 4}

    def line(cells: list[str]) -> str:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(cells).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def consensus(
    project: ProjectOpt,
    coders: CodersOpt,
    as_coder: Annotated[
        str, typer.Option("--as", help="Name of the consensus coder that receives the codings.")
    ] = "consensus",
    threshold: Annotated[
        float, typer.Option("--threshold", help="A code goes to a turn when votes for > threshold x voters.")
    ] = 0.5,
    quorum: Annotated[
        int, typer.Option("--quorum", min=1, help="A turn is voted on only when at least this many voters coded "
                          "its transcript (default 2: one coder alone is never a consensus).")
    ] = 2,
    with_suggestions: Annotated[
        bool, typer.Option("--with-suggestions", help="Count accepted machine suggestions as one more voter.")
    ] = False,
    document: DocumentOpt = None,
    codes: CodesOpt = None,
    all_documents: AllDocsOpt = False,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Who runs it (recorded in the event log).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Write the coders' majority vote per turn and code as codings of a consensus coder:
    the spans a majority marked (else the union of the voters' spans), with a quorum.

    Re-running replaces that consensus coder's earlier majority codings; turns
    adjudicated by hand keep their decision. The coders' own codings are not touched.
    """
    from ..agreement.consensus import write_majority_consensus

    with open_existing(project) as proj:
        result = write_majority_consensus(
            proj, coders, as_coder=as_coder, threshold=threshold, quorum=quorum, with_suggestions=with_suggestions,
            document=document, codes=codes, all_documents=all_documents, actor=actor,
        )
    if as_json:
        print_json({
            "consensus_coder": result.consensus_coder, "written": result.written, "replaced": result.replaced,
            "skipped_adjudicated": result.skipped_adjudicated, "skipped_existing": result.skipped_existing,
        })
    else:
        typer.echo(result.summary())


def gold(
    project: ProjectOpt,
    coder: Annotated[str, typer.Option("--coder", help="The coder to evaluate (a person, or the consensus coder).")],
    gold_coder: Annotated[str, typer.Option("--gold", help="The gold-standard coder.")],
    document: DocumentOpt = None,
    codes: CodesOpt = None,
    all_documents: AllDocsOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON (NaN as null).")] = False,
) -> None:
    """A coder against a gold coder, per code: precision, recall, F1 and Cohen's kappa
    on turn x code presence, and all codes together."""
    from ..agreement.project import gold_table, report_records

    with open_existing(project) as proj:
        table = gold_table(proj, coder, gold_coder, document=document, codes=codes, all_documents=all_documents)
    if as_json:
        print_json(report_records(table))
        return
    head = ["code", "units", "tp", "fp", "fn", "precision", "recall", "F1", "kappa"]
    rows = [[str(r["code"]), str(r["n_units"]), str(r["tp"]), str(r["fp"]), str(r["fn"]), _num(r["precision"]),
             _num(r["recall"]), _num(r["f1"]), _num(r["kappa"])] for r in table.to_dict(orient="records")]
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    typer.echo(f"{coder} against the gold coder {gold_coder} (turn x code presence)")
    for cells in [head, ["-" * w for w in widths], *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
