"""Agreement data from a project: the frames :mod:`qualcode.agreement` computes on.

:func:`load_agreement_data` reads the coders' codings and the speaker turns of a
:class:`~qualcode.store.Project` into an :class:`AgreementData`; :func:`agreement_table`
labels a report with code names. Reads only; the writes (adjudication, majority
consensus) are in :mod:`qualcode.agreement.consensus`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AgreementError
from ..model import SUGGESTION
from ..store import Project
from ..store.queries import code_parents
from .reports import POOLED, agreement_report

__all__ = [
    "SUGGESTIONS_VOTER",
    "AgreementData",
    "agreement_table",
    "load_agreement_data",
    "report_records",
    "resolve_codes",
    "variable_codes",
    "gold_table",
    "variable_table",
    "declared_variables",
    "proposed_variables",
    "variable_level",
    "variable_candidates",
    "unitizing_table",
    "UNITIZING_COLUMNS",
]

SUGGESTIONS_VOTER = "suggestions"
"""Voter name of the accepted machine suggestions in a majority vote."""


@dataclass(frozen=True)
class AgreementData:
    """Everything the agreement library needs about one comparison, from a project.

    ``codings``: ``document`` (document id), ``start``, ``end``, ``code`` (code id),
    ``coder``, ``origin``, ``coding_id``, ``memo`` (the coding's memo, "" if none); ``segments``: ``document``, ``start``,
    ``end``, ``speaker``, ``idx`` (documents without speaker turns are one unit).
    Ids rather than names because code names may repeat under different themes.
    ``coded_documents`` is what the library takes under that name (``None`` when
    every coder is taken to have read every document). ``extra_voter`` is the
    suggestions voter when loaded ``with_suggestions`` (its codings are in
    ``codings`` under that name; it is not in ``coders``).
    """

    coders: list[str]
    codes: list[int]
    codings: pd.DataFrame
    segments: pd.DataFrame
    texts: dict[int, str]
    documents: dict[int, str]
    code_labels: dict[int, str]
    coded_documents: dict[str, list[int]] | None
    extra_voter: str | None = None
    extra_coded_documents: list[int] | None = None

    def digest(self) -> str:
        """A fingerprint of the compared codings (a cache key that does not change
        when only consensus codings are written)."""
        # Code labels too: renaming a code must not show the old name from a cache.
        labels = [self.code_labels.get(c) for c in self.codes]
        h = hashlib.sha256(repr((self.coders, self.codes, labels, self.coded_documents, self.extra_voter)).encode())
        cols = ["document", "start", "end", "code", "coder"]
        h.update(pd.util.hash_pandas_object(self.codings[cols], index=False).to_numpy().tobytes())
        units = self.segments[["document", "start", "end"]]
        h.update(pd.util.hash_pandas_object(units, index=False).to_numpy().tobytes())
        return h.hexdigest()[:16]


def _code_labels(project: Project) -> dict[int, str]:
    """Code id -> name, qualified by its theme only where two codes share a name."""
    codes = project.codes()
    counts: dict[str, int] = {}
    for c in codes:
        counts[c.name] = counts.get(c.name, 0) + 1
    return {
        int(c.id): (f"{c.parent} › {c.name}" if counts[c.name] > 1 and c.parent else c.name)
        for c in codes if c.id is not None
    }


def resolve_codes(project: Project, codes: Sequence[int | str]) -> list[int]:
    """Code ids for ids, names, or ``Theme › Code`` labels (as the report shows them)."""
    labels = _code_labels(project)
    by_label = {v: k for k, v in labels.items()}
    out = []
    for ref in codes:
        if isinstance(ref, (int, np.integer)):
            out.append(int(ref))
        elif ref in by_label:
            out.append(by_label[ref])
        elif isinstance(ref, str) and ref.isdigit() and int(ref) in labels:  # an id typed on the command line
            out.append(int(ref))
        else:
            code = project.code(ref)  # raises NotFoundError / ambiguous-name StoreError
            out.append(int(code.id))
    return list(dict.fromkeys(out))


def _voter_name(project_coders: Sequence[str]) -> str:
    # A human coder could be called "suggestions"; the machine must not merge with them.
    name = SUGGESTIONS_VOTER
    while name in project_coders:
        name += " (machine)"
    return name


def load_agreement_data(
    project: Project,
    coders: Sequence[str],
    *,
    document: int | str | None = None,
    codes: Sequence[int | str] | None = None,
    all_documents: bool = False,
    with_suggestions: bool = False,
    exclude_from_suggestions: Sequence[str] = (),
) -> AgreementData:
    """Read the coders' codings, the turns and the texts for a comparison.

    ``document`` (id or name) restricts everything to one transcript. ``codes``
    (ids or names) fixes the codes compared, in that order; by default every code
    the coders used, in codebook order.

    Missing data: by default a coder who has no coding at all in a document is
    taken **not to have coded it** (their units there are missing, not "absent"),
    because a double-coding plan rarely gives everyone every transcript and an
    uncoded transcript is not agreement that no code applies.
    ``all_documents=True`` instead treats every listed coder as having read every
    document (the library's default assumption).

    ``with_suggestions`` adds accepted machine suggestions (codings with origin
    ``suggestion``, by any coder except those in ``exclude_from_suggestions``) as
    one more voter, :data:`SUGGESTIONS_VOTER`, for :func:`majority_table`.
    """
    coders = [str(c) for c in coders]
    if len(set(coders)) != len(coders):
        raise AgreementError(f"a coder is listed twice: {coders}")
    known = project.coders()
    unknown = [c for c in coders if c not in known]
    if unknown:
        raise AgreementError(f"no coder {unknown[0]!r} in this project (coders: {', '.join(known) or 'none'})")
    if document is not None:
        scope = [project.document(document)[0]]
    else:
        scope = [d.id for d in project.documents()]

    wanted = coders
    suggestion_voter = None
    if with_suggestions:
        suggestion_voter = _voter_name(known)
        wanted = None  # accepted suggestions may be anyone's codings
    rows = []
    for c in project.codings(document=scope[0] if document is not None else None, coders=wanted):
        if c.coder in coders:
            rows.append((c.document_id, c.start, c.end, c.code_id, c.coder, c.origin, c.id, c.memo or ""))
        if suggestion_voter and c.origin == SUGGESTION and c.coder not in exclude_from_suggestions:
            rows.append((c.document_id, c.start, c.end, c.code_id, suggestion_voter, c.origin, c.id, ""))
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder", "origin", "coding_id", "memo"])
    # Two coders who accepted the same suggestion are one machine vote, not two.
    codings = codings.drop_duplicates(["document", "start", "end", "code", "coder"], ignore_index=True)

    if not all_documents and document is None:
        # Transcripts none of these coders touched are missing for everyone and add
        # nothing; skipping them keeps a large project quick to compare.
        touched = set(codings["document"].tolist())
        scope = [did for did in scope if did in touched]
    docs = {did: project.document(did)[1] for did in scope}
    texts = {did: d.text for did, d in docs.items()}
    names = {did: d.name for did, d in docs.items()}
    seg_rows = []
    for did, d in docs.items():
        if d.segments:
            seg_rows += [(did, s.start, s.end, s.speaker, i) for i, s in enumerate(d.segments)]
        elif d.text.strip():
            # A text without speaker turns (field notes, an essay) is one unit.
            seg_rows.append((did, 0, len(d.text), None, None))
    segments = pd.DataFrame(seg_rows, columns=["document", "start", "end", "speaker", "idx"])

    labels = _code_labels(project)
    if codes is not None:
        code_ids = resolve_codes(project, codes)
    else:
        used = set(codings.loc[codings["coder"].isin(coders), "code"].tolist())
        code_ids = [cid for cid in labels if cid in used]

    coded = None
    extra_coded = None
    if not all_documents:
        by_coder = codings.groupby("coder")["document"].unique()
        coded = {c: sorted(int(d) for d in by_coder.get(c, [])) for c in coders}
        if suggestion_voter:
            extra_coded = sorted(int(d) for d in by_coder.get(suggestion_voter, []))
    return AgreementData(
        coders=coders, codes=code_ids, codings=codings, segments=segments, texts=texts, documents=names,
        code_labels=labels, coded_documents=coded, extra_voter=suggestion_voter, extra_coded_documents=extra_coded,
    )


# ------------------------------------------------------------------ reports
def agreement_table(
    data: AgreementData, *, unit: str = "segment", n_boot: int = 1000, seed: int | None = 0, level: float = 0.95,
) -> pd.DataFrame:
    """:func:`qualcode.agreement.agreement_report` on ``data``, codes by name.

    Columns are :data:`~qualcode.agreement.REPORT_COLUMNS`; the ``attrs`` (unit
    note, level, resamples) are kept. Character units use the turns as continuum
    and ignore whitespace (the texts are passed).
    """
    report = agreement_report(
        data.codings, data.segments, data.coders, data.codes, unit=unit, n_boot=n_boot, seed=seed, level=level,
        texts=data.texts, coded_documents=data.coded_documents,
    )
    attrs = dict(report.attrs)
    report["code"] = [c if c == POOLED else data.code_labels.get(c, str(c)) for c in report["code"]]
    report.attrs.update(attrs)
    return report


def report_records(report: pd.DataFrame) -> list[dict[str, Any]]:
    """The report as JSON-ready rows: NaN becomes ``None``, numpy numbers Python ones."""
    out = []
    for row in report.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and math.isnan(v):
                v = None
            clean[k] = v
        out.append(clean)
    return out




# ------------------------------------------------------------------ variables
def _children(project: Project, codes: Sequence[Any], parent_id: int) -> list[Any]:
    """The direct children of the code ``parent_id``, in codebook order (by the store's
    parent ids: two themes may have the same name)."""
    parents = code_parents(project)
    return [c for c in codes if parents.get(int(c.id)) == parent_id]


def variable_candidates(project: Project) -> dict[int, list[int]]:
    """Every code with at least two codable codes under it (a possible variable):
    ``{theme id: [its codable child ids in codebook order]}``, in codebook order."""
    codes = project.codes()
    parents = code_parents(project)
    out = {}
    for theme in codes:
        kids = [int(c.id) for c in codes if parents.get(int(c.id)) == int(theme.id) and c.codable]
        if len(kids) >= 2:
            out[int(theme.id)] = kids
    return out


def variable_codes(project: Project, theme: int | str) -> tuple[str, list[int]]:
    """The theme's name and its codable child codes (ids, codebook order): the
    categories of the variable that theme stands for."""
    parent = project.code(theme)
    kids = [int(c.id) for c in _children(project, project.codes(), int(parent.id)) if c.codable]
    if len(kids) < 2:
        raise AgreementError(f"theme {parent.name!r} has {len(kids)} code(s); a variable needs at least two")
    return parent.name, kids


def _default_values(names: Sequence[str]) -> list[float]:
    """Numeric level values: the code names when all are numbers ("1".."5"), else 1, 2, 3... in codebook order."""
    try:
        return [float(n) for n in names]
    except ValueError:
        return [float(i + 1) for i in range(len(names))]


def variable_table(
    project: Project,
    coders: Sequence[str],
    theme: int | str,
    *,
    levels: Sequence[str] = ("nominal",),
    values: Sequence[float] | None = None,
    document: int | str | None = None,
    all_documents: bool = False,
    n_boot: int = 1000,
    seed: int | None = 0,
    on_conflict: str = "error",
) -> pd.DataFrame:
    """Agreement on the variable ``theme`` (its child codes are the categories; one per
    turn): :func:`qualcode.agreement.variables.variable_report` over the coders'
    turn x category matrix. ``values`` are the ordered levels' numeric values (default
    :func:`_default_values` of the code names); ``attrs`` name the theme, categories,
    values and whether the set is exclusive in the data (``exclusive_in_data``)."""
    from .units import nominal_unit_matrix
    from .variables import propose_exclusive, variable_report

    name, kids = variable_codes(project, theme)
    data = load_agreement_data(project, coders, document=document, codes=kids, all_documents=all_documents)
    by_id = {int(c.id): c for c in project.codes()}
    declared = [by_id[c].level for c in kids]
    if all(v is not None for v in declared):  # levels declared in the codebook: rank order, lowest first
        kids = sorted(kids, key=lambda c: by_id[c].level)
    labels = [data.code_labels.get(c, str(c)) for c in kids]
    if values is None:
        values = [by_id[c].level for c in kids] if all(v is not None for v in declared) \
            else _default_values([by_id[c].name for c in kids])
    m = nominal_unit_matrix(data.codings, data.segments, data.coders, kids,
                            coded_documents=data.coded_documents, on_conflict=on_conflict,
                            code_labels=data.code_labels, document_labels=data.documents)
    report = variable_report(m, labels, levels=levels, values=values, n_boot=n_boot, seed=seed)
    theme_code = project.code(theme)
    report.attrs.update({"theme": name, "values": list(values), "declared": theme_code.exclusive,
                         "ordered": theme_code.ordered,
                         "exclusive_in_data": propose_exclusive(data.codings, data.segments, kids)})
    return report


def declared_variables(project: Project) -> list[Any]:
    """The codes (themes) declared variables in the codebook (``exclusive``), in codebook order."""
    return [c for c in project.codes() if c.exclusive]


def variable_level(theme: Any) -> str:
    """The level of measurement a declared variable is reported at by default:
    ordinal for ranked levels, else nominal."""
    return "ordinal" if getattr(theme, "ordered", False) else "nominal"


def proposed_variables(project: Project, coders: Sequence[str] | None = None) -> list[Any]:
    """Themes qualcode proposes declaring variables: not declared, with at least two codable
    codes, some of them used, and no coder (of ``coders``, default every coder) ever put
    two of them on one turn (:func:`~qualcode.agreement.variables.propose_exclusive`)."""
    from .variables import propose_exclusive

    by_id = {int(c.id): c for c in project.codes()}
    candidates = [(by_id[t], kids) for t, kids in variable_candidates(project).items() if not by_id[t].exclusive]
    if not candidates:
        return []
    who = list(coders) if coders is not None else project.coders()
    if not who:
        return []
    data = load_agreement_data(project, who, all_documents=True)
    return [theme for theme, kids in candidates if propose_exclusive(data.codings, data.segments, kids)]


# ------------------------------------------------------------------ free spans
UNITIZING_COLUMNS = ["code", "unitizing_alpha", "d_o", "d_e", "n_units", "flag"]


def unitizing_table(
    project: Project,
    coders: Sequence[str],
    *,
    document: int | str | None = None,
    codes: Sequence[int | str] | None = None,
    all_documents: bool = False,
    gamma: bool = False,
    gamma_samples: int = 30,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Krippendorff's unitizing alpha per code on the coders' free spans
    (:func:`qualcode.agreement.unitizing.unitizing_alpha`), a last row ``all codes``,
    codes by name. The continuum is the whole text of the transcripts every coder coded
    (all of them with ``all_documents``). ``gamma`` adds Mathet's gamma over all codes
    (pygamma-agreement; ``attrs["gamma"]``). ``attrs`` also give the transcripts, the
    continuum length and a note."""
    from ._base import reliability_flag
    from .unitizing import ALL_CODES, gamma_agreement, unitizing_alpha

    data = load_agreement_data(project, coders, document=document, codes=codes, all_documents=all_documents)
    docs = list(data.texts)
    if data.coded_documents is not None:
        docs = [d for d in docs if all(d in data.coded_documents[c] for c in data.coders)]
    if not docs:
        raise AgreementError("no transcript was coded by every one of these coders; unitizing alpha compares "
                             "coders on the same text")
    lengths = {d: len(data.texts[d]) for d in docs}
    results = unitizing_alpha(data.codings, data.coders, lengths, data.codes)
    rows = [[r.code if r.code == ALL_CODES else data.code_labels.get(r.code, str(r.code)), r.alpha, r.d_o, r.d_e,
             r.n_units, reliability_flag(r.alpha)] for r in results]
    out = pd.DataFrame(rows, columns=UNITIZING_COLUMNS)
    dropped = len(data.texts) - len(docs)
    out.attrs.update({
        "documents": [data.documents[d] for d in docs], "length": sum(lengths.values()),
        "note": f"free spans on {len(docs)} transcript(s), {sum(lengths.values())} characters; "
                + (f"{dropped} transcript(s) not coded by every coder left out; " if dropped else "")
                + "Krippendorff's (2004) unitizing alpha per code",
        "gamma": gamma_agreement(data.codings[data.codings["code"].isin(data.codes)], data.coders, lengths,
                                 n_samples=gamma_samples, seed=seed) if gamma else None,
    })
    return out


# ------------------------------------------------------------------ gold
GOLD_COLUMNS = ["code", "n_units", "tp", "fp", "fn", "precision", "recall", "f1", "kappa"]
ALL_CODES = "all codes"


def gold_table(
    project: Project,
    coder: str,
    gold: str,
    *,
    document: int | str | None = None,
    codes: Sequence[int | str] | None = None,
    all_documents: bool = False,
) -> pd.DataFrame:
    """``coder`` against the ``gold`` coder, per code, on turn x code presence units
    (the units of :func:`qualcode.agreement.segment_unit_matrix`; a transcript one
    of them did not code is missing unless ``all_documents``).

    Per code: ``tp`` (both applied it), ``fp`` (only ``coder``), ``fn`` (only the gold
    coder), precision = tp/(tp+fp), recall = tp/(tp+fn), F1 = 2PR/(P+R) (``nan`` where
    a denominator is 0), and Cohen's kappa of the two. The last row, ``all codes``,
    micro-averages (summed counts) and gives the kappa of all the decisions together.
    """
    from .coefficients import cohens_kappa
    from .units import segment_unit_matrix

    if coder == gold:
        raise AgreementError("compare a coder with a different gold coder")
    data = load_agreement_data(project, [gold, coder], document=document, codes=codes, all_documents=all_documents)
    mats = segment_unit_matrix(data.codings, data.segments, [gold, coder], data.codes,
                               coded_documents=data.coded_documents)

    def row(label, m) -> list:
        both = ~np.isnan(m).any(axis=0)
        g, c = m[0, both], m[1, both]
        tp, fp, fn = int(((g == 1) & (c == 1)).sum()), int(((g == 0) & (c == 1)).sum()), int(((g == 1) & (c == 0)).sum())
        p = tp / (tp + fp) if tp + fp else math.nan
        r = tp / (tp + fn) if tp + fn else math.nan
        f = 2 * p * r / (p + r) if tp else (0.0 if (tp + fp) and (tp + fn) else math.nan)
        return [label, int(both.sum()), tp, fp, fn, p, r, f, float(cohens_kappa(m[:, both]))]

    rows = [row(data.code_labels.get(cid, str(cid)), m) for cid, m in mats.items()]
    if mats:
        rows.append(row(ALL_CODES, np.concatenate(list(mats.values()), axis=1)))
    out = pd.DataFrame(rows, columns=GOLD_COLUMNS)
    out.attrs.update({"coder": coder, "gold": gold})
    return out
