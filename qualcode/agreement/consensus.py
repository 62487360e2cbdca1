"""Consensus and adjudication: the store-facing side of intercoder agreement.

:mod:`qualcode.agreement` computes on DataFrames and writes nothing. This module

* lists disagreements with code names (:func:`list_disagreements`) on the frames
  :mod:`qualcode.agreement.project` loads from a :class:`~qualcode.store.Project`;
* writes the outcome of comparing coders as codings of a **consensus coder**
  (default ``"consensus"``, origin :data:`~qualcode.model.CONSENSUS`):
  :func:`adjudicate` records a researcher's decision on one disagreement,
  :func:`write_majority_consensus` writes a majority vote over many coders.

The coders' own codings are never edited: every write touches only the consensus
coder's codings, so the independent coding stays available for agreement figures
and for the paper. Each write is one transaction and one event-log row.

Where decisions live. An adjudication is an event (``consensus.adjudicate``) whose
payload names the unit (document, turn, code), the decision and the coders; the
newest such event per unit and consensus coder is that unit's decision
(:func:`adjudications`). The event is needed because "neither" or "keep the coder
who did not apply the code" leave no coding behind, yet must still show as decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .reports import disagreements, majority_consensus
from ..errors import AgreementError
from ..model import CONSENSUS, Coding
from ..store import Project, now_iso
from ..store import consensus as consensus_rows
from .project import AgreementData, load_agreement_data

__all__ = [
    "DEFAULT_CONSENSUS_CODER",
    "KEEP",
    "KEEP_ALL",
    "NEITHER",
    "EDIT",
    "DECISIONS",
    "Disagreement",
    "Adjudication",
    "CoderView",
    "MajorityResult",
    "alpha_cost",
    "decision_into_rule",
    "list_disagreements",
    "turn_context",
    "adjudications",
    "adjudicate",
    "majority_table",
    "write_majority_consensus",
    "find_in_turn",
]

DEFAULT_CONSENSUS_CODER = "consensus"

# Adjudication decisions on one turn x code.
KEEP = "keep"  # keep one coder's version (their spans, or absence if they did not apply it)
KEEP_ALL = "keep_all"  # keep every coder's spans (the union): "keep both" with two coders
NEITHER = "neither"  # the code does not apply to this turn
EDIT = "edit"  # the code applies to a span the adjudicator gives
DECISIONS = (KEEP, KEEP_ALL, NEITHER, EDIT)

ADJUDICATE_ACTION = "consensus.adjudicate"
MAJORITY_ACTION = "consensus.majority"
# origin_detail prefixes: how a re-run finds *its* codings to replace and leaves others alone.
MAJORITY_PREFIX = "majority "
ADJUDICATED_PREFIX = "adjudicated "

Key = tuple[int, int, int, int]  # (document id, turn start, turn end, code id)


# ------------------------------------------------------------ disagreements
@dataclass(frozen=True)
class Adjudication:
    """A recorded decision on one turn x code (the newest one counts)."""

    document_id: int
    start: int
    end: int
    code_id: int
    decision: str
    consensus_coder: str
    coders: tuple[str, ...]
    keep: str | None = None
    span: tuple[int, int] | None = None
    at: str | None = None
    actor: str | None = None
    event_id: int | None = None

    @property
    def label(self) -> str:
        """What a researcher reads: "keep ana", "keep both", "neither", "edited span"."""
        if self.decision == KEEP:
            return f"keep {self.keep}"
        if self.decision == KEEP_ALL:
            return "keep both" if len(self.coders) == 2 else "keep all"
        if self.decision == EDIT:
            return "edited span"
        return "neither"


@dataclass(frozen=True)
class Disagreement:
    """One turn x code on which the coders who coded the document disagree."""

    document_id: int
    document: str
    start: int
    end: int
    code_id: int
    code: str
    applied_by: tuple[str, ...]
    not_applied_by: tuple[str, ...]
    missing: tuple[str, ...] = ()
    speaker: str | None = None
    turn: int | None = None
    decision: Adjudication | None = None
    coders: tuple[str, ...] = ()
    """The coders who coded this document, in the order compared (default:
    ``applied_by`` then ``not_applied_by``)."""

    def __post_init__(self) -> None:
        if not self.coders:
            object.__setattr__(self, "coders", (*self.applied_by, *self.not_applied_by))

    @property
    def key(self) -> Key:
        return (self.document_id, self.start, self.end, self.code_id)


def alpha_cost(data: AgreementData) -> dict[int, float]:
    """What each code's disagreements cost the pooled alpha (turn x code presence):
    the pooled nominal alpha with that code's disagreeing turns left out, minus the
    pooled alpha of all codes. Larger = resolving that code helps the figure most."""
    from .coefficients import krippendorff_alpha_nominal
    from .units import segment_unit_matrix

    mats = segment_unit_matrix(data.codings, data.segments, data.coders, data.codes,
                               coded_documents=data.coded_documents)
    if not mats:
        return {}

    def split(m: np.ndarray) -> np.ndarray:
        vals = np.where(np.isnan(m), -1, m)
        present = ~np.isnan(m)
        ones = ((vals == 1) & present).sum(axis=0)
        zeros = ((vals == 0) & present).sum(axis=0)
        return (ones > 0) & (zeros > 0)

    whole = np.concatenate(list(mats.values()), axis=1)
    base = float(krippendorff_alpha_nominal(whole))
    out = {}
    for cid, m in mats.items():
        rest = [x if c != cid else x[:, ~split(x)] for c, x in mats.items()]
        a = float(krippendorff_alpha_nominal(np.concatenate(rest, axis=1)))
        out[int(cid)] = (a - base) if not (np.isnan(a) or np.isnan(base)) else 0.0
    return out


def list_disagreements(
    project: Project, data: AgreementData, *, consensus_coder: str = DEFAULT_CONSENSUS_CODER,
    order: str = "text",
) -> list[Disagreement]:
    """Every turn x code the coders disagree on, with any decision already made
    for it by ``consensus_coder`` (segment units; in text order, then code order).
    ``order="cost"`` lists the codes whose disagreements cost the pooled alpha most
    first (:func:`alpha_cost`), text order within a code."""
    if order not in ("text", "cost"):
        raise AgreementError(f"order must be 'text' or 'cost', not {order!r}")
    table = disagreements(data.codings, data.segments, data.coders, data.codes, coded_documents=data.coded_documents)
    if table.empty:
        return []
    seg = data.segments.set_index(["document", "start"])
    decided = adjudications(project, consensus_coder)
    order = {c: i for i, c in enumerate(data.coders)}
    out = []
    for r in table.itertuples(index=False):
        did, start, end, cid = int(r.document), int(r.start), int(r.end), int(r.code)
        info = seg.loc[(did, start)]
        turn = None if pd.isna(info["idx"]) else int(info["idx"])
        out.append(Disagreement(
            document_id=did, document=data.documents.get(did, str(did)), start=start, end=end, code_id=cid,
            code=data.code_labels.get(cid, str(cid)),
            applied_by=tuple(sorted(r.applied_by, key=order.get)),
            not_applied_by=tuple(sorted(r.not_applied_by, key=order.get)),
            missing=tuple(r.missing), speaker=info["speaker"] if isinstance(info["speaker"], str) else None,
            turn=turn, decision=decided.get((did, start, end, cid)),
            coders=tuple(c for c in data.coders if c in r.applied_by or c in r.not_applied_by),
        ))
    if order == "cost":
        cost = alpha_cost(data)
        out.sort(key=lambda d: -cost.get(d.code_id, 0.0))  # stable: text order within a code
    return out


@dataclass(frozen=True)
class CoderView:
    """One coder's side of a disagreement: their spans of the disputed code in the
    turn (clipped to it) and the other codes they gave the turn."""

    coder: str
    status: str  # "applied" | "not applied" | "did not code this document"
    spans: list[tuple[int, int]] = field(default_factory=list)
    other_codes: list[str] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)  # the memos of their codings of the disputed code here


def turn_context(data: AgreementData, item: Disagreement) -> list[CoderView]:
    """Each compared coder's view of a disagreement's turn (for side-by-side display)."""
    c = data.codings
    here = c[(c["document"] == item.document_id) & (c["start"] < item.end) & (c["end"] > item.start)]
    views = []
    for coder in data.coders:
        mine = here[here["coder"] == coder]
        status = ("applied" if coder in item.applied_by else "not applied" if coder in item.not_applied_by
                  else "did not code this document")
        disputed = mine[mine["code"] == item.code_id]
        spans = _merge([(max(s, item.start), min(e, item.end)) for s, e in zip(disputed["start"], disputed["end"])])
        others = [data.code_labels.get(k, str(k)) for k in dict.fromkeys(mine["code"].tolist()) if k != item.code_id]
        memos = [m for m in dict.fromkeys(disputed["memo"].tolist()) if m] if "memo" in disputed else []
        views.append(CoderView(coder, status, spans, others, memos))
    return views


def adjudications(project: Project, consensus_coder: str | None = DEFAULT_CONSENSUS_CODER) -> dict[Key, Adjudication]:
    """The current decision per unit (document id, turn start, turn end, code id).

    Read from the event log: the newest ``consensus.adjudicate`` event per unit
    wins, so re-adjudicating replaces a decision. ``consensus_coder=None``: any
    consensus coder's (the newest overall).
    """
    events = project.events(limit=10**9, action_prefix=ADJUDICATE_ACTION)
    rows = [(e.id, e.at, e.actor, e.payload) for e in reversed(events)
            if e.action == ADJUDICATE_ACTION and e.undone_by is None]
    out: dict[Key, Adjudication] = {}
    for eid, at, actor, p in rows:
        p = dict(p or {})
        if consensus_coder is not None and p.get("consensus_coder") != consensus_coder:
            continue
        key = (int(p["document_id"]), int(p["start"]), int(p["end"]), int(p["code_id"]))
        span = tuple(p["span"]) if p.get("span") else None
        out[key] = Adjudication(*key, decision=p["decision"], consensus_coder=p["consensus_coder"],
                                coders=tuple(p.get("coders", ())), keep=p.get("keep"), span=span, at=at,
                                actor=actor, event_id=int(eid))
    return out


# -------------------------------------------------------------- writing helpers
def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open spans, sorted; empty spans dropped."""
    out: list[tuple[int, int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in spans if e > s):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _check_consensus_coder(consensus_coder: str, coders: Sequence[str]) -> str:
    name = (consensus_coder or "").strip()
    if not name:
        raise AgreementError("give the consensus coder a name")
    if name in coders:
        # Writing the consensus into a compared coder would edit that coder's own coding.
        raise AgreementError(f"the consensus coder {name!r} is one of the coders compared; choose another name")
    return name


# ------------------------------------------------------------- adjudication
def adjudicate(
    project: Project,
    item: Disagreement,
    decision: str,
    *,
    keep: str | None = None,
    span: tuple[int, int] | None = None,
    coders: Sequence[str] | None = None,
    consensus_coder: str = DEFAULT_CONSENSUS_CODER,
    actor: str | None = None,
) -> list[Coding]:
    """Resolve one disagreement by writing the consensus coder's coding of that turn x code.

    ``decision``: :data:`KEEP` (``keep`` names the coder whose version stands: their
    spans of the code in the turn, or no coding if they did not apply it),
    :data:`KEEP_ALL` (the union of every coder's spans: "keep both"),
    :data:`NEITHER` (no coding), :data:`EDIT` (``span=(start, end)``, document
    offsets inside the turn). Spans are clipped to the turn, the unit decided.

    In one transaction: the consensus coder's codings of this code that overlap the
    turn are removed (a part outside the turn is kept), the new codings are written
    with origin ``consensus`` and ``origin_detail`` like ``"adjudicated keep ana;
    coders: ana, ben"``, and the decision goes into the event log, where
    :func:`adjudications` finds it. The coders' codings are read, never changed.
    Returns the consensus codings written (none for "neither").
    """
    coders = tuple(coders) if coders is not None else item.coders
    name = _check_consensus_coder(consensus_coder, coders)
    if decision not in DECISIONS:
        raise AgreementError(f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
    if decision == KEEP and keep not in coders:
        raise AgreementError(f"keep whose version? {keep!r} is not one of {', '.join(coders)}")
    _, doc = project.document(item.document_id)
    text = doc.text
    if decision == EDIT:
        if span is None:
            raise AgreementError("an edited span needs its start and end")
        s, e = int(span[0]), int(span[1])
        if not (item.start <= s < e <= item.end):
            raise AgreementError(f"the edited span [{s}, {e}) must lie inside the turn [{item.start}, {item.end})")
        if not text[s:e].strip():
            raise AgreementError("the edited span is empty or only whitespace")
    label = Adjudication(*item.key, decision=decision, consensus_coder=name, coders=coders, keep=keep).label
    detail = f"{ADJUDICATED_PREFIX}{label}; coders: {', '.join(coders)}"
    written: list[Coding] = []
    with project.write(ADJUDICATE_ACTION, actor=actor, target_type="document",
                       target_id=item.document_id) as (conn, ev):
        # Read the sources inside the transaction: what is decided is what is stored now.
        sources = [] if decision in (NEITHER, EDIT) else [keep] if decision == KEEP else list(coders)
        found = consensus_rows.coder_spans(conn, project, item.document_id, item.code_id, item.start, item.end, sources)
        if decision == EDIT:
            found = [span]
        clipped = _merge([(max(s, item.start), min(e, item.end)) for s, e in found])
        spans = [(s, e) for s, e in clipped if text[s:e].strip()]
        created = now_iso()
        new, removed, kept_outside = consensus_rows.replace_in_turn(
            conn, project, document_id=item.document_id, code_id=item.code_id, start=item.start, end=item.end,
            text=text, consensus_coder=name, spans=spans, detail=detail, created=created)
        written = [Coding(item.document_id, s, e, item.code_id, name, text[s:e], CONSENSUS, detail, None, created,
                          cid, item.code) for s, e, cid in new]
        ev["payload"] = {
            "consensus_coder": name, "document_id": item.document_id, "document": item.document,
            "start": item.start, "end": item.end, "code_id": item.code_id, "code": item.code,
            "decision": decision, "keep": keep, "span": [int(span[0]), int(span[1])] if decision == EDIT else None,
            "coders": list(coders), "applied_by": list(item.applied_by), "not_applied_by": list(item.not_applied_by),
            "written": [[c.start, c.end, c.id] for c in written],
            "removed": [[r["start"], r["end"], r["id"], r["origin_detail"]] for r in removed],
            "kept_outside_turn": kept_outside,
        }
    return written


# ------------------------------------------------------------ majority vote
@dataclass(frozen=True)
class MajorityResult:
    """What :func:`write_majority_consensus` did."""

    consensus_coder: str
    written: int
    replaced: int
    skipped_adjudicated: int
    skipped_existing: int
    table: pd.DataFrame

    def summary(self) -> str:
        parts = [f"wrote {self.written} consensus coding(s) as {self.consensus_coder!r}"]
        if self.replaced:
            parts.append(f"replaced {self.replaced} earlier majority coding(s)")
        if self.skipped_adjudicated:
            parts.append(f"left {self.skipped_adjudicated} adjudicated unit(s) as decided")
        if self.skipped_existing:
            parts.append(f"{self.skipped_existing} already coded by {self.consensus_coder!r}")
        return "; ".join(parts)


def majority_table(data: AgreementData, *, threshold: float = 0.5, quorum: int = 2) -> pd.DataFrame:
    """The majority vote (pure): :func:`qualcode.agreement.majority_consensus` on
    ``data``, plus ``code_label``, ``against`` (voters of the document who did not
    apply the code) and ``detail`` (the ``origin_detail`` a consensus coding gets,
    e.g. ``"majority 3/4: ana, ben, carl; against: dan"``)."""
    coded = None
    if data.coded_documents is not None:
        coded = dict(data.coded_documents)
        if data.extra_voter:
            coded[data.extra_voter] = data.extra_coded_documents or []
    table = majority_consensus(data.codings, data.segments, data.coders, data.codes, threshold=threshold,
                               extra_voter=data.extra_voter, coded_documents=coded, quorum=quorum)
    voters = [*data.coders, *([data.extra_voter] if data.extra_voter else [])]

    def against(r) -> list[str]:
        return [v for v in voters if v not in r.voters and (coded is None or int(r.document) in coded.get(v, []))]

    table["code_label"] = [data.code_labels.get(c, str(c)) for c in table["code"]]
    table["against"] = [against(r) for r in table.itertuples(index=False)]
    table["detail"] = [
        f"{MAJORITY_PREFIX}{r.votes_for}/{r.votes_total}: {', '.join(r.voters)}"
        + (f"; against: {', '.join(r.against)}" if r.against else "")
        + f"; rule: more than {threshold:g} of at least {quorum} voters, spans: {r.span_rule}"
        for r in table.itertuples(index=False)
    ]
    return table


def write_majority_consensus(
    project: Project,
    coders: Sequence[str],
    *,
    as_coder: str = DEFAULT_CONSENSUS_CODER,
    threshold: float = 0.5,
    with_suggestions: bool = False,
    document: int | str | None = None,
    codes: Sequence[int | str] | None = None,
    all_documents: bool = False,
    actor: str | None = None,
    quorum: int = 2,
) -> MajorityResult:
    """Write the majority vote of ``coders`` as codings of ``as_coder``, in ONE transaction.

    Every turn x code where at least ``quorum`` voters coded the document and more
    than ``threshold`` of them applied the code becomes consensus codings of the
    spans :func:`qualcode.agreement.majority_consensus` keeps (the characters a
    majority covered, else the union of the voters' spans; never the whole turn
    unless they marked it), with its votes and rule in ``origin_detail``
    (``"majority 2/3: ana, ben; against: carl; rule: more than 0.5 of at least 2
    voters, spans: majority of characters"``).
    ``with_suggestions`` counts the accepted machine suggestions (origin
    ``suggestion``) as one more voter, the ensemble labelling of the RedditESS study.
    Note that a suggestion a coder accepted is also that coder's own coding, so it
    then has two votes: the coder's and the machine's.

    Re-running **replaces** the earlier majority codings of ``as_coder`` in the same
    scope (``document``/``codes``, default the whole project) instead of adding
    duplicates. Turns adjudicated by hand (:func:`adjudicate`) keep their decision:
    a human resolution outranks a vote. Other codings of ``as_coder`` (adjudicated or
    typed by hand) are left alone, and a majority coding identical to one of them is
    not written twice. If anything fails, nothing changes.
    """
    name = _check_consensus_coder(as_coder, coders)
    if len(coders) < 2:
        raise AgreementError("a majority needs at least two coders")
    data = load_agreement_data(project, coders, document=document, codes=codes, all_documents=all_documents,
                               with_suggestions=with_suggestions, exclude_from_suggestions=[name])
    table = majority_table(data, threshold=threshold, quorum=quorum)
    decided = set(adjudications(project, name))
    is_decided = [(int(r.document), int(r.start), int(r.end), int(r.code)) in decided
                  for r in table.itertuples(index=False)]
    todo = table[~np.array(is_decided, dtype=bool)] if len(table) else table

    # Not data.documents: that leaves out transcripts nobody coded (any more), whose
    # old majority codings must go too.
    in_scope = project.document(document)[0] if document is not None else None
    votes = [(int(r.document), int(r.code), int(s0), int(e0), data.texts[int(r.document)], r.detail)
             for r in todo.itertuples(index=False) for s0, e0 in r.spans
             if data.texts[int(r.document)][int(s0):int(e0)].strip()]
    with project.write(MAJORITY_ACTION, actor=actor, target_type="coder") as (conn, ev):
        cons_id, written, replaced = consensus_rows.replace_majority(
            conn, project, consensus_coder=name, prefix=MAJORITY_PREFIX, document_id=in_scope,
            code_ids=data.codes if codes is not None else None, rows=votes, created=now_iso())
        ev["target_id"] = cons_id
        ev["payload"] = {
            "consensus_coder": name, "coders": list(coders), "threshold": threshold,
            "with_suggestions": with_suggestions, "suggestions_voter": data.extra_voter,
            "document": next(iter(data.documents.values()), None) if document is not None else None,
            "codes": [data.code_labels.get(c, c) for c in data.codes] if codes is not None else None,
            "quorum": quorum, "span_rule": "majority of characters, else union of the voters' spans",
            "written": written, "replaced": replaced,
        }
    return MajorityResult(name, written, replaced, int(sum(is_decided)), len(votes) - written, table)


def find_in_turn(text: str, item: Disagreement, excerpt: str, *, near: int | None = None) -> tuple[int, int]:
    """Document offsets of ``excerpt`` inside the disagreement's turn, for an edited span.

    Researchers type or paste the words they want coded rather than offsets. When
    the words occur several times in the turn, the occurrence closest to ``near``
    (e.g. where the coders' spans start) is taken. Raises QualcodeError when absent.
    """
    words = excerpt.strip()
    if not words:
        raise AgreementError("type the words of the turn that the code applies to")
    turn = text[item.start:item.end]
    hits = []
    i = turn.find(words)
    while i >= 0:
        hits.append(item.start + i)
        i = turn.find(words, i + 1)
    if not hits:
        raise AgreementError(f"“{words[:60]}” is not in this turn (it must match the transcript exactly)")
    s = min(hits, key=lambda h: abs(h - near)) if near is not None else hits[0]
    return s, s + len(words)


RULE_FIELDS = ("when_to_use", "when_not_to_use")


def decision_into_rule(project: Project, item: Disagreement, decision: str, *, field: str = "when_to_use",
                       actor: str | None = None):
    """Append an adjudicator's decision on ``item`` to its code's when-to-use or
    when-not-to-use rule, or (``field="memo"``) to the memo on the code, in one codebook
    write (event ``codebook.describe`` or ``codebook.memo``, so the codebook history
    records it). A memo note names the place decided: ``[Adjudication, P01 turn 4 (ana,
    ben)] ...``. Returns the updated code."""
    from ..codebook.edit import append_code_memo, describe_code

    if field not in RULE_FIELDS + ("memo",):
        raise AgreementError(f"field must be one of {', '.join(RULE_FIELDS + ('memo',))}, not {field!r}")
    decision = (decision or "").strip()
    if not decision:
        raise AgreementError("write the decision first: the rule gets the text you type")
    if field == "memo":
        where = item.document + (f" turn {item.turn + 1}" if item.turn is not None else f" [{item.start}, {item.end})")
        append_code_memo(project, item.code_id, f"[Adjudication, {where} ({', '.join(item.coders)})] {decision}",
                         actor=actor)
        return project.code(item.code_id)
    code = project.code(item.code_id)
    current = (getattr(code, field) or "").strip()
    new = f"{current}\n{decision}" if current else decision
    return describe_code(project, item.code_id, actor=actor, **{field: new})
