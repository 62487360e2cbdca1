"""Ensemble labels for Reddit support threads (RedditESS style), as consensus codings.

RedditESS labelled each supportive comment *effective* or not with an ensemble of
signals, among them the original poster's (OP's) follow-ups (Alghamdi, Kumarage,
Agrawal et al. 2025, arXiv:2503.21888). Here every signal is a **voter** beside the
human coders, on the same units, with the same rule, and the result is written as
codings of a consensus coder whose ``origin_detail`` lists the votes:

* the **units** are the comments of Reddit threads (turns with ``depth`` metadata,
  :mod:`qualcode.ingest.reddit`) not written by the OP; one unit per turn;
* the **voters** (each says yes/no per unit, or nothing):

  - ``op_replied``: the OP replied directly to the comment (turn metadata);
  - ``op_thanks``: one of the OP's direct replies expresses thanks or relief
    (:mod:`.thanks`, a transparent rule with its accuracy measured);
  - ``score>=T``: the comment's score is at least the threshold ``T`` the researcher
    sets (no vote when the thread has no scores);
  - ``suggester``: the code was applied to the turn through an accepted machine
    suggestion (origin ``suggestion``). Such a coding is also the accepting coder's
    own, so with both voting it counts twice (as in :func:`.consensus.write_majority_consensus`);
  - each **human coder**: applied the code to (part of) the turn; no vote on the
    turns of a thread in which the coder coded nothing (not yet read is not "no");

* the **rule**: ``majority`` (yes when more than half of the votes cast say yes) or
  ``weighted`` (yes when the weighted share of yes votes is over one half); a unit
  needs ``quorum`` votes (default 2) to get a label.

:func:`ensemble_agreement` reports each voter's agreement with the human coders:
Krippendorff's alpha (nominal) of the voter together with the humans, and the
voter's percent agreement with the humans' majority. :func:`write_ensemble` writes
the yes units as whole-turn codings of the consensus coder (default ``ensemble``),
replacing its earlier ensemble codings of that code, in one transaction with an
event-log row.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AgreementError
from ..model import SUGGESTION
from ..store import Project, now_iso
from ..store import consensus as consensus_rows
from .coefficients import krippendorff_alpha_nominal
from .thanks import expresses_thanks_or_relief

__all__ = ["SIGNALS", "RULES", "EnsembleResult", "ensemble_votes", "ensemble_labels", "ensemble_agreement",
           "write_ensemble", "signal_columns", "DEFAULT_ENSEMBLE_CODER", "ENSEMBLE_PREFIX"]

SIGNALS = ("op_replied", "op_thanks", "score", "suggester")
RULES = ("majority", "weighted")
DEFAULT_ENSEMBLE_CODER = "ensemble"
ENSEMBLE_PREFIX = "ensemble "  # origin_detail prefix: how a re-run finds its own codings
ENSEMBLE_ACTION = "consensus.ensemble"
_UNIT_COLUMNS = ["document_id", "document", "turn", "start", "end", "speaker", "reddit_id"]


def _score_voter(threshold: float) -> str:
    return f"score>={threshold:g}"


def signal_columns(signals: Sequence[str], score_threshold: float | None) -> list[str]:
    """The vote columns :func:`ensemble_votes` names these signals (``score`` becomes
    ``score>=T``): what ``voters=`` takes to let only the signals vote."""
    return [_score_voter(score_threshold) if s == "score" and score_threshold is not None else s
            for s in dict.fromkeys(signals)]


def ensemble_votes(project: Project, code: int | str, *, humans: Sequence[str] = (),
                   signals: Sequence[str] = ("op_replied", "op_thanks", "score"),
                   score_threshold: float | None = None, documents: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per Reddit comment (see the module doc): the unit columns
    (``document_id, document, turn, start, end, speaker, reddit_id``) and one column per
    voter with 1.0 (yes), 0.0 (no) or NaN (no vote), signals first, then ``humans``."""
    known = set(project.coders())
    missing = [h for h in humans if h not in known]
    if missing:
        raise AgreementError("no coder " + ", ".join(map(repr, missing)) + " in this project")
    signals = list(dict.fromkeys(signals))
    unknown = [s for s in signals if s not in SIGNALS]
    if unknown:
        raise AgreementError(f"unknown signal(s) {', '.join(unknown)}; choose from {', '.join(SIGNALS)}")
    if "score" in signals and score_threshold is None:
        raise AgreementError("the score signal needs a threshold (--score-threshold)")
    if score_threshold is not None and not math.isfinite(score_threshold):
        raise AgreementError("the score threshold must be a number")
    with project.snapshot():
        code_id = _code_id(project, code)
        wanted = set(documents) if documents is not None else None
        rows: list[dict] = []
        for info in project.documents():
            if wanted is not None and info.name not in wanted:
                continue
            did, doc = project.document(info.id)
            metas = [s.meta or {} for s in doc.segments]
            if not any("depth" in m for m in metas):
                continue  # not a Reddit thread
            codings = project.codings(document=did, code_ids=[code_id])
            coded_docs = {h: bool(project.codings(document=did, coders=[h])) for h in humans}
            # The codings of the code on each turn, found by bisection (threads run to thousands of turns).
            starts = [seg.start for seg in doc.segments]
            by_turn: dict[int, list] = {}
            for c in codings:
                first = max(bisect.bisect_right(starts, c.start) - 1, 0)
                for t in range(first, bisect.bisect_left(starts, c.end)):
                    if doc.segments[t].start < c.end and doc.segments[t].end > c.start:
                        by_turn.setdefault(t, []).append(c)
            # The OP's direct replies, by the turn they answer (one pass: threads run to thousands).
            op_replies: dict[int, list[int]] = {}
            for j, m in enumerate(metas):
                if m.get("is_op") and isinstance(m.get("parent_turn"), int):
                    op_replies.setdefault(m["parent_turn"], []).append(j)
            for i, (seg, meta) in enumerate(zip(doc.segments, metas)):
                if "depth" not in meta or meta.get("is_op"):
                    continue
                on_turn = by_turn.get(i, [])
                row = {"document_id": did, "document": info.name, "turn": i + 1, "start": seg.start, "end": seg.end,
                       "speaker": seg.speaker, "reddit_id": meta.get("reddit_id")}
                replies = [doc.segments[j] for j in op_replies.get(i + 1, [])]
                for s in signals:
                    if s == "op_replied":
                        row[s] = 1.0 if meta.get("op_replied") else 0.0
                    elif s == "op_thanks":
                        row[s] = 1.0 if any(expresses_thanks_or_relief(r.text_in(doc.text)) for r in replies) else 0.0
                    elif s == "score":
                        score = meta.get("score")
                        ok = isinstance(score, (int, float)) and not isinstance(score, bool)
                        row[_score_voter(score_threshold)] = float(score >= score_threshold) if ok else np.nan
                    elif s == "suggester":
                        row[s] = 1.0 if any(c.origin == SUGGESTION for c in on_turn) else 0.0
                for h in humans:
                    row[h] = 1.0 if any(c.coder == h for c in on_turn) else 0.0 if coded_docs[h] else np.nan
                rows.append(row)
    voters = [(_score_voter(score_threshold) if s == "score" else s) for s in signals] + list(humans)
    return pd.DataFrame(rows, columns=[*_UNIT_COLUMNS, *voters])


def _code_id(project: Project, code: int | str) -> int:
    for c in project.codes():
        if c.id is not None and (c.id == code or c.name == code):
            return int(c.id)
    raise AgreementError(f"no code {code!r} in this project")


def _voters(votes: pd.DataFrame) -> list[str]:
    return [c for c in votes.columns if c not in _UNIT_COLUMNS and c not in ("label", "yes", "cast", "detail")]


def ensemble_labels(votes: pd.DataFrame, *, rule: str = "majority", weights: Mapping[str, float] | None = None,
                    voters: Sequence[str] | None = None, quorum: int = 2) -> pd.DataFrame:
    """``votes`` with ``yes`` (weighted yes votes), ``cast`` (weighted votes cast),
    ``label`` (1 yes, 0 no, NaN: fewer than ``quorum`` votes) and ``detail`` (the votes
    in words). ``voters``: which vote columns take part (default all); ``weights``
    (rule ``weighted``): a voter's weight, default 1. Ties are "no": a label needs
    more than half."""
    if rule not in RULES:
        raise AgreementError(f"rule must be one of {', '.join(RULES)}, not {rule!r}")
    if quorum < 1:
        raise AgreementError("the quorum must be at least 1 vote")
    every = _voters(votes)
    voters = list(voters) if voters is not None else every
    bad = [v for v in voters if v not in every]
    if bad:
        raise AgreementError(f"no voter {', '.join(map(repr, bad))}; the voters are {', '.join(every)}")
    if len(voters) < 2:
        raise AgreementError("an ensemble needs at least two voters")
    weights = dict(weights or {})
    if rule == "majority" and weights:
        raise AgreementError("weights need the weighted rule")
    for v, w in weights.items():
        if v not in voters:
            raise AgreementError(f"a weight for {v!r}, which is not voting")
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w > 0):
            raise AgreementError(f"the weight of {v!r} must be a positive number")
    w = np.array([float(weights.get(v, 1.0)) for v in voters])
    out = votes.copy()
    if out.empty:
        return out.assign(yes=[], cast=[], label=[], detail=[])
    m = out[voters].to_numpy(dtype=float)
    present = ~np.isnan(m)
    yes = np.where(present, m, 0.0) @ w
    cast = present.astype(float) @ w
    n_cast = present.sum(axis=1)
    label = np.where(n_cast >= quorum, (yes > cast / 2).astype(float), np.nan)
    out["yes"], out["cast"], out["label"] = yes, cast, label
    how = "majority" if rule == "majority" else "weighted " + ", ".join(f"{v}={weights.get(v, 1.0):g}" for v in voters)

    def words(row: np.ndarray) -> str:
        said_yes = [v for v, x in zip(voters, row) if x == 1.0]
        said_no = [v for v, x in zip(voters, row) if x == 0.0]
        return (f"for: {', '.join(said_yes) or 'none'}; against: {', '.join(said_no) or 'none'}")

    out["detail"] = [f"{ENSEMBLE_PREFIX}{y:g}/{c:g} ({how}, quorum {quorum}): {words(r)}"
                     for y, c, r in zip(yes, cast, m)]
    return out


@dataclass
class EnsembleResult:
    """What :func:`write_ensemble` did, with the votes it decided on."""

    consensus_coder: str
    written: int
    replaced: int
    labelled: pd.DataFrame = field(repr=False)
    agreement: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        yes = int((self.labelled["label"] == 1).sum()) if len(self.labelled) else 0
        no = int((self.labelled["label"] == 0).sum()) if len(self.labelled) else 0
        none = len(self.labelled) - yes - no
        return (f"{len(self.labelled)} comment(s): {yes} labelled yes, {no} no, {none} without enough votes; "
                f"{self.written} coding(s) of {self.consensus_coder!r} written, {self.replaced} earlier replaced")


def ensemble_agreement(labelled: pd.DataFrame, humans: Sequence[str]) -> pd.DataFrame:
    """Each voter's (and the ensemble ``label``'s) agreement with the human coders.

    Columns: ``voter``, ``alpha`` (Krippendorff's alpha, nominal, of the voter with the
    humans; for a human, with the other humans), ``agreement_with_human_majority``
    (share of units with a human majority where the voter says the same; a human is
    compared with the others' majority), ``units`` (units counted for that share),
    ``yes`` (the voter's yes votes) and ``note`` (why alpha is undefined, if it is).
    """
    humans = list(humans)
    if not humans:
        raise AgreementError("agreement with the human coders needs at least one human coder")
    if labelled.empty:
        return pd.DataFrame(columns=["voter", "alpha", "agreement_with_human_majority", "units", "yes", "note"])
    rows = []
    columns = [*_voters(labelled), *(["label"] if "label" in labelled else [])]
    for v in columns:
        others = [h for h in humans if h != v]
        if not others:
            continue
        matrix = labelled[[v, *others]].to_numpy(dtype=float).T
        coef = krippendorff_alpha_nominal(matrix)
        hm = labelled[others].to_numpy(dtype=float)
        cast = (~np.isnan(hm)).sum(axis=1)
        share = np.nansum(hm, axis=1) / np.where(cast > 0, cast, 1)
        majority = np.where(cast == 0, np.nan, np.where(share > 0.5, 1.0, np.where(share < 0.5, 0.0, np.nan)))
        mine = labelled[v].to_numpy(dtype=float)
        ok = ~np.isnan(majority) & ~np.isnan(mine)
        rows.append({"voter": "ensemble" if v == "label" else v, "alpha": coef.value,
                     "agreement_with_human_majority": float((mine[ok] == majority[ok]).mean()) if ok.any() else np.nan,
                     "units": int(ok.sum()), "yes": int(np.nansum(mine)), "note": coef.note or ""})
    return pd.DataFrame(rows)


def write_ensemble(project: Project, code: int | str, *, humans: Sequence[str] = (),
                   signals: Sequence[str] = ("op_replied", "op_thanks", "score"),
                   score_threshold: float | None = None, rule: str = "majority",
                   weights: Mapping[str, float] | None = None, voters: Sequence[str] | None = None,
                   quorum: int = 2, as_coder: str = DEFAULT_ENSEMBLE_CODER, documents: Sequence[str] | None = None,
                   actor: str | None = None) -> EnsembleResult:
    """Vote (:func:`ensemble_votes`, :func:`ensemble_labels`) and write every unit
    labelled yes as a whole-turn coding of ``code`` by ``as_coder`` (origin
    ``consensus``, the votes in ``origin_detail``), replacing that coder's earlier
    ensemble codings of the code, in ONE transaction (event ``consensus.ensemble``).
    The voters' own codings are never touched. Returns the votes, the labels and
    :func:`ensemble_agreement` (when there are human coders)."""
    name = (as_coder or "").strip()
    if not name:
        raise AgreementError("give the ensemble's consensus coder a name")
    if name in humans:
        raise AgreementError(f"the consensus coder {name!r} is one of the voting coders; choose another name")
    votes = ensemble_votes(project, code, humans=humans, signals=signals, score_threshold=score_threshold,
                           documents=documents)
    labelled = ensemble_labels(votes, rule=rule, weights=weights, voters=voters, quorum=quorum)
    agreement = ensemble_agreement(labelled, humans) if humans else pd.DataFrame()
    code_id = _code_id(project, code)
    texts: dict[int, str] = {}
    rows = []
    for r in labelled[labelled["label"] == 1].itertuples(index=False) if len(labelled) else []:
        did = int(r.document_id)
        if did not in texts:
            texts[did] = project.document(did)[1].text
        rows.append((did, code_id, int(r.start), int(r.end), texts[did], r.detail))
    # Scope of the replacement: the whole project, or each document asked for (so
    # earlier ensemble codings elsewhere stay).
    scopes: list[int | None] = [None] if documents is None else [project.document(d)[0] for d in documents]
    with project.write(ENSEMBLE_ACTION, actor=actor, target_type="coder") as (conn, ev):
        written = replaced = 0
        cons_id = consensus_rows.coder_id(conn, project, name)
        for scope in scopes:
            mine = [r for r in rows if scope is None or r[0] == scope]
            _, w, rep = consensus_rows.replace_majority(
                conn, project, consensus_coder=name, prefix=ENSEMBLE_PREFIX, document_id=scope,
                code_ids=[code_id], rows=mine, created=now_iso())
            written, replaced = written + w, replaced + rep
        ev["target_id"] = cons_id
        ev["payload"] = {
            "consensus_coder": name, "code": code_id, "humans": list(humans), "signals": list(signals),
            "score_threshold": score_threshold, "rule": rule, "weights": dict(weights or {}),
            "voters": list(voters) if voters is not None else None, "quorum": quorum,
            "units": len(labelled), "written": written, "replaced": replaced,
        }
    return EnsembleResult(name, written, replaced, labelled, agreement)
