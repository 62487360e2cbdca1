"""The standard figure set of a study (what ``qualcode export-figures`` writes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from ..analysis import NOT_RECORDED, Cooccurrence, StudyFrames, count_people, guest_saturation, saturation_band
from .charts import code_attribute_chart, code_bar_chart, codebook_chart, cooccurrence_heatmap, participant_heatmap, theme_bar_chart
from .network import cooccurrence_network
from .saturation import saturation_curve
from .style import Width

__all__ = ["FigureSpec", "standard_figures", "chartable_attributes", "network_min_count"]

MULTI_VALUE_SEPARATORS = (";", " + ")
MAX_GROUPS = 12


@dataclass(frozen=True)
class FigureSpec:
    """A named figure with a draft caption (the caption lists what was counted)."""

    name: str
    figure: go.Figure
    caption: str


def chartable_attributes(study: StudyFrames) -> dict[str, str | None]:
    """Attributes worth a code × attribute chart, each with its value separator.

    An attribute qualifies when it splits the participants into 2..12 groups, fewer
    groups than participants (an id or a free-text answer is not a grouping), and
    its values are not all numbers (months of use needs binning first, which is
    the researcher's call). Values containing ``;`` or `` + `` are read as
    multi-valued ("ChatGPT; Replika", "Haru + ChatGPT").
    """
    out: dict[str, str | None] = {}
    n = count_people(study.documents)  # people, not transcripts
    for attr in study.attributes:
        column = study.participants[attr].dropna().astype(str).str.strip()
        column = column[column != ""]
        if column.empty or pd.to_numeric(column, errors="coerce").notna().all():
            continue
        sep = next((s for s in MULTI_VALUE_SEPARATORS if column.str.contains(s, regex=False).any()), None)
        groups = study.participants_per_value(attr, sep=sep)
        real = groups.drop(NOT_RECORDED, errors="ignore")
        if 2 <= len(real) <= MAX_GROUPS and len(real) < n:
            out[attr] = sep
    return out


def network_min_count(co: Cooccurrence, edges_per_code: int = 2) -> int:
    """The smallest co-occurrence count that keeps the network to about two edges
    per code: beyond that, a network is a hairball and the heatmap says it better."""
    counts = co.pairs()["count"]
    limit = max(8, edges_per_code * int((co.occurrences > 0).sum()))
    k = 1
    while (counts >= k).sum() > limit:
        k += 1
    return k


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "attribute"


def standard_figures(
    study: StudyFrames,
    *,
    width: Width = "single",
    n_orderings: int = 500,
    seed: int = 0,
    base_size: int = 4,
    run_length: int = 2,
    threshold: float = 0.05,
) -> list[FigureSpec]:
    """Build every figure the study's data supports, in a stable order.

    Themes and codes (participants per code), code × participant presence, the
    co-occurrence heatmap and network (by turn; by overlapping spans when the
    documents have no turns), the saturation curve, one code × attribute chart
    per groupable attribute (see :func:`chartable_attributes`) and the codebook
    treemap. Figures with nothing to show are skipped. ``width`` applies to the
    charts whose width does not follow from their content (heatmaps and the
    attribute chart widen to the page width when they need it; the codebook
    treemap is always page width).
    """
    who = f"coder {study.coder!r}" if study.coder else "all coders"
    n = count_people(study.documents)  # people, not transcripts
    specs: list[FigureSpec] = []
    themes = study.theme_frequencies()
    freq = study.code_frequencies(include_empty=False)
    if freq.empty:
        return specs
    specs.append(FigureSpec("themes", theme_bar_chart(themes, study.codes, width=width),
                            f"Participants (of {n}) whose interviews contain each theme; {who}."))
    specs.append(FigureSpec("codes", code_bar_chart(freq, study.codes, width=width),
                            f"Participants (of {n}) with each code, grouped and coloured by theme; {who}."))
    matrix = study.code_participant_matrix(presence=True, include_empty=False)
    specs.append(FigureSpec("code_participant", participant_heatmap(matrix),
                            f"Codes (rows) present in each participant's interviews (columns), in interview order; {who}"
                            + ("." if study.coder else " (a code is present when any coder applied it).")))
    unit = "segment" if len(study.segments) else "overlap"
    co = study.cooccurrence(unit)
    if len(co.pairs()):
        where = "the same speaker turn" if unit == "segment" else "overlapping passages"
        specs.append(FigureSpec("cooccurrence", cooccurrence_heatmap(co),
                                f"Jaccard index of code co-occurrence within {where} (units holding both codes / units holding either); {who}."))
        k = network_min_count(co)
        drawn = f"pairs co-occurring in at least {k} units" if k > 1 else "every co-occurring pair"
        specs.append(FigureSpec("cooccurrence_network", cooccurrence_network(co, study.codes, width=width, min_count=k),
                                f"Codes that co-occur within {where} ({drawn}); node area ∝ units holding the code, "
                                f"edge width ∝ Jaccard index; {who}."))
    per = study.new_codes_per_interview()
    if len(per) >= 2:
        band = saturation_band(per, n_orderings=n_orderings, seed=seed, base_size=base_size, run_length=run_length, threshold=threshold)
        guest = guest_saturation(per, base_size=base_size, run_length=run_length, threshold=threshold) if len(per) >= base_size else None
        caption = (
            f"Distinct codes after each interview in interview order (line), new codes per interview (bars), and the "
            f"{band.percentiles[0]:g}–{band.percentiles[1]:g}th percentile band and median over {n_orderings} random orders (seed {seed}); {who}."
        )
        if guest is not None:
            caption += " " + guest.sentence()
        specs.append(FigureSpec("saturation", saturation_curve(per, band=band, guest=guest, width=width), caption))
    for attr, sep in chartable_attributes(study).items():
        table = study.code_attribute_table(attr, sep=sep)
        table = table[table["code_id"].isin(freq["code_id"])]
        split = " (a participant with several values counts in each)" if sep else ""
        specs.append(FigureSpec(f"attribute_{_slug(attr)}", code_attribute_chart(table, attribute=attr),
                                f"Share of participants in each {attr} group with each code; cells give participants with the code / group size{split}; {who}."))
    # A treemap at page width: a whole codebook's labels do not fit a one-column sunburst.
    specs.append(FigureSpec("codebook", codebook_chart(freq, study.codes, kind="treemap", width="double"),
                            "The codebook as a treemap, each code's area proportional to its number of codings "
                            f"(labels that do not fit their tile are hidden); {who}" + ("." if study.coder else " (every coder's codings count).")))
    return specs
