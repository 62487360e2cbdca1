"""Turning codings (spans) into reliability-data matrices.

Input representation (what the store layer hands over):

* ``codings``: a DataFrame with columns ``document``, ``start``, ``end``, ``code``,
  ``coder``; offsets are half-open code-point offsets ``[start, end)``.
* ``segments``: a DataFrame with columns ``document``, ``start``, ``end`` (the speaker
  turns); extra columns (speaker, ...) are kept in :func:`unit_table`.

Three kinds of unit:

* **segment presence** (:func:`segment_unit_matrix`): one binary unit per segment and
  code; 1 when the coder's codings of the code overlap the segment (by at least one
  character, or by ``min_overlap`` of the segment's length).
* **nominal category** (:func:`nominal_unit_matrix`): one unit per segment, the value
  is which code of a mutually exclusive set the coder gave it.
* **character** (:func:`character_unit_matrix`): one binary unit per character and
  code, stored run-length encoded.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._base import AgreementError

__all__ = [
    "unit_table",
    "segment_unit_matrix",
    "nominal_unit_matrix",
    "character_unit_matrix",
    "CharacterUnits",
]

CodedDocuments = Mapping[Hashable, Iterable[Hashable]]


# ------------------------------------------------------------------ interval helpers


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals as sorted, disjoint (starts, ends)."""
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_max = np.maximum.accumulate(e)
    new = np.ones(len(s), bool)
    new[1:] = s[1:] > run_max[:-1]
    first = np.flatnonzero(new)
    return s[first], np.maximum.reduceat(e, first)


def _covered_before(ms: np.ndarray, me: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For disjoint sorted intervals (ms, me): covered characters in ``[0, p)``."""
    if len(ms) == 0:
        return np.zeros(len(points), np.int64)
    cum = np.concatenate([[0], np.cumsum(me - ms)])
    i = np.searchsorted(ms, points, side="left")  # intervals starting before p
    last = np.maximum(i - 1, 0)
    partial = np.where(i > 0, np.minimum(points, me[last]) - ms[last], 0)
    return np.where(i > 0, cum[last] + partial, 0)


def _coverage(ms: np.ndarray, me: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Characters of each ``[s, e)`` covered by the disjoint sorted intervals."""
    return _covered_before(ms, me, e) - _covered_before(ms, me, s)


# ------------------------------------------------------------------------ validation


def _need_columns(df: Any, cols: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise AgreementError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise AgreementError(f"{what} lacks column(s) {', '.join(missing)} (has {', '.join(map(str, df.columns))})")


def _int_offsets(df: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for col in ("start", "end"):
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(vals) | (vals != np.round(vals))
        if bad.any():
            row = df.index[np.flatnonzero(bad)[0]]
            raise AgreementError(f"{what}: {col} must be whole numbers; row {row} has {df[col].loc[row]!r}")
        out.append(vals.astype(np.int64))
    s, e = out
    bad = (s < 0) | (e <= s)
    if bad.any():
        rows = df.index[np.flatnonzero(bad)]
        raise AgreementError(
            f"{what}: {len(rows)} row(s) with start < 0 or end <= start (first: row {rows[0]}, "
            f"[{s[bad][0]}, {e[bad][0]}))"
        )
    return s, e


def unit_table(segments: pd.DataFrame) -> pd.DataFrame:
    """The units (segments) in the order every matrix column uses.

    Documents in order of first appearance in ``segments``, segments by ``start``
    within a document; the index is 0..n-1 = the column of the unit in the matrices.
    Extra columns are kept. Raises :class:`AgreementError` on bad offsets or when two
    segments of a document overlap (units must be disjoint, or a coding would be
    counted twice).
    """
    _need_columns(segments, ["document", "start", "end"], "segments")
    seg = segments.copy()
    s, e = _int_offsets(seg, "segments")
    seg["start"], seg["end"] = s, e
    doc_order, _ = pd.factorize(seg["document"], sort=False)
    seg["_doc"] = doc_order
    seg = seg.sort_values(["_doc", "start"], kind="stable").reset_index(drop=True)
    same_doc = seg["_doc"].to_numpy()[1:] == seg["_doc"].to_numpy()[:-1]
    overlap = same_doc & (seg["start"].to_numpy()[1:] < seg["end"].to_numpy()[:-1])
    if overlap.any():
        i = int(np.flatnonzero(overlap)[0])
        raise AgreementError(
            f"segments overlap in document {seg['document'].iloc[i]!r}: "
            f"[{seg['start'].iloc[i]}, {seg['end'].iloc[i]}) and [{seg['start'].iloc[i + 1]}, {seg['end'].iloc[i + 1]})"
        )
    return seg.drop(columns="_doc")


def _check_coders(coders: Sequence[Hashable]) -> list[Hashable]:
    coders = list(coders)
    if not coders:
        raise AgreementError("no coders given")
    if len(set(coders)) != len(coders):
        raise AgreementError(f"coders listed twice: {coders}")
    return coders


def _sorted_unique(values: Iterable[Hashable]) -> list[Hashable]:
    uniq = list(dict.fromkeys(values))
    try:
        return sorted(uniq)
    except TypeError:
        return uniq


def _prepare_codings(
    codings: pd.DataFrame, coders: list[Hashable], codes: Sequence[Hashable] | None, documents: Sequence[Hashable]
) -> tuple[pd.DataFrame, list[Hashable]]:
    """Codings of the listed coders on the listed documents (and codes), offsets as int."""
    _need_columns(codings, ["document", "start", "end", "code", "coder"], "codings")
    c = codings[codings["coder"].isin(coders)]
    if len(c) and documents is not None:
        in_docs = c["document"].isin(list(documents))
        if not in_docs.any():
            raise AgreementError(
                "none of the codings is on a document of the units; do the document ids have the same "
                f"type? (codings: {c['document'].iloc[0]!r}, units: {list(documents)[:1]!r})"
            )
        c = c[in_docs]
    if codes is None:
        codes = _sorted_unique(c["code"])
    else:
        codes = list(codes)
        if len(set(codes)) != len(codes):
            raise AgreementError(f"codes listed twice: {codes}")
        c = c[c["code"].isin(codes)]
    c = c.copy()
    if len(c):
        c["start"], c["end"] = _int_offsets(c, "codings")
    return c, codes


def _coded_mask(
    coded_documents: CodedDocuments | None, voters: list[Hashable], docs_of_units: np.ndarray
) -> np.ndarray:
    """voters x units: True where the voter coded the unit's document."""
    mask = np.ones((len(voters), len(docs_of_units)), bool)
    if coded_documents is None:
        return mask
    unknown = [k for k in coded_documents if k not in voters]
    if unknown:
        raise AgreementError(f"coded_documents names coder(s) not in the coder list: {unknown}")
    for i, v in enumerate(voters):
        if v in coded_documents:
            mask[i] = pd.Index(docs_of_units).isin(list(coded_documents[v]))
    return mask


def _segment_coverage(
    codings: pd.DataFrame, units: pd.DataFrame, coders: list[Hashable], codes: list[Hashable]
) -> dict[Hashable, np.ndarray]:
    """code -> coders x units: characters of each unit covered by the union of the
    coder's codings of that code."""
    n = len(units)
    cov = {code: np.zeros((len(coders), n), np.int64) for code in codes}
    if len(codings) == 0 or n == 0:
        return cov
    doc_slices: dict[Hashable, slice] = {}
    docs = units["document"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        doc_slices[docs[lo]] = slice(lo, hi)
    us, ue = units["start"].to_numpy(), units["end"].to_numpy()
    row = {c: i for i, c in enumerate(coders)}
    for (doc, coder, code), g in codings.groupby(["document", "coder", "code"], sort=False):
        sl = doc_slices.get(doc)
        if sl is None:
            continue
        ms, me = _merge(g["start"].to_numpy(), g["end"].to_numpy())
        cov[code][row[coder], sl] = _coverage(ms, me, us[sl], ue[sl])
    return cov


def _presence_from_coverage(cov: np.ndarray, lengths: np.ndarray, min_overlap: float | None) -> np.ndarray:
    if min_overlap is None:
        return cov >= 1
    return (cov >= 1) & (cov >= min_overlap * lengths[None, :] - 1e-9)


def _check_min_overlap(min_overlap: float | None) -> None:
    if min_overlap is not None and not 0 < min_overlap <= 1:
        raise AgreementError(f"min_overlap must be a fraction in (0, 1], got {min_overlap}")


# ------------------------------------------------------------------ segment matrices


def segment_unit_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable] | None = None,
    *,
    min_overlap: float | None = None,
    coded_documents: CodedDocuments | None = None,
) -> dict[Hashable, np.ndarray]:
    """Segment x code presence units: ``{code: coders x units array of 0/1/nan}``.

    Columns follow :func:`unit_table` (``unit_table(segments)`` gives the document,
    start and end of each column). A coder marks code *c* present in a segment when
    the union of their codings of *c* overlaps the segment by at least one character
    (``min_overlap=None``), or covers at least the fraction ``min_overlap`` of the
    segment's characters. Every listed coder is assumed to have coded every unit of
    the documents in ``segments`` (no coding = 0, a real "absent" decision), except
    that ``coded_documents`` (coder -> documents they coded; coders not in the
    mapping coded all) turns the units of other documents into missing (``nan``).
    Codings of other coders, codes or documents are ignored.

    Args:
        codes: the codes, in the order wanted; default: every code the listed coders
            used on these documents, sorted.
    """
    coders = _check_coders(coders)
    _check_min_overlap(min_overlap)
    units = unit_table(segments)
    cod, codes = _prepare_codings(codings, coders, codes, list(dict.fromkeys(units["document"])))
    cov = _segment_coverage(cod, units, coders, codes)
    lengths = (units["end"] - units["start"]).to_numpy()
    coded = _coded_mask(coded_documents, coders, units["document"].to_numpy())
    out = {}
    for code in codes:
        m = _presence_from_coverage(cov[code], lengths, min_overlap).astype(float)
        m[~coded] = np.nan
        out[code] = m
    return out


def nominal_unit_matrix(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable],
    *,
    min_overlap: float | None = None,
    coded_documents: CodedDocuments | None = None,
    on_conflict: str = "error",
    code_labels: Mapping[Hashable, str] | None = None,
    document_labels: Mapping[Hashable, str] | None = None,
) -> np.ndarray:
    """Which-code units for a mutually exclusive code set: coders x units of category
    indices (``codes[i]`` is category ``i``), ``nan`` where the coder gave none of the
    codes to the unit (or did not code the document, see ``coded_documents``).

    Presence follows :func:`segment_unit_matrix` (overlap >= 1 character, or
    ``min_overlap``). A coder who gives two codes of the set to one unit breaks the
    mutual exclusivity: ``on_conflict="error"`` (default) raises
    :class:`AgreementError` naming the place, ``"missing"`` makes that value ``nan``,
    ``"largest"`` keeps the code covering most of the unit (a tie -> ``nan``).
    ``code_labels`` and ``document_labels`` name them in that message (default: the ids).
    """
    if on_conflict not in ("error", "missing", "largest"):
        raise AgreementError(f"on_conflict must be 'error', 'missing' or 'largest', got {on_conflict!r}")
    coders = _check_coders(coders)
    _check_min_overlap(min_overlap)
    codes = list(codes)
    if not codes:
        raise AgreementError("nominal_unit_matrix needs the list of mutually exclusive codes")
    units = unit_table(segments)
    cod, codes = _prepare_codings(codings, coders, codes, list(dict.fromkeys(units["document"])))
    cov = _segment_coverage(cod, units, coders, codes)
    lengths = (units["end"] - units["start"]).to_numpy()
    cov_stack = np.stack([cov[c] for c in codes])  # codes x coders x units
    present = np.stack([_presence_from_coverage(cov[c], lengths, min_overlap) for c in codes])
    n_present = present.sum(axis=0)
    out = np.where(n_present == 1, np.argmax(present, axis=0), np.nan).astype(float)
    conflict = n_present > 1
    if conflict.any():
        if on_conflict == "error":
            ci, ui = (int(x[0]) for x in np.nonzero(conflict))
            def name(x, labels):
                return str((labels or {}).get(x, x.item() if isinstance(x, np.generic) else x))
            given = ", ".join(repr(name(codes[j], code_labels)) for j in np.flatnonzero(present[:, ci, ui]))
            raise AgreementError(
                f"coder {coders[ci]!r} gave mutually exclusive codes ({given}) to the unit "
                f"[{units['start'].iloc[ui]}, {units['end'].iloc[ui]}) of document "
                f"{name(units['document'].iloc[ui], document_labels)!r} "
                f"({int(conflict.sum())} such conflict(s) in all); pass on_conflict='missing' or 'largest'"
            )
        if on_conflict == "largest":
            masked = np.where(present, cov_stack, -1)
            best = masked.max(axis=0)
            n_best = (masked == best[None]).sum(axis=0)
            resolved = np.where(n_best == 1, np.argmax(masked, axis=0), np.nan)
            out = np.where(conflict, resolved, out)
    out[~_coded_mask(coded_documents, coders, units["document"].to_numpy())] = np.nan
    return out


# ---------------------------------------------------------------- character units


@dataclass
class CharacterUnits:
    """Character-level (unitized) reliability data, run-length encoded.

    Each character of the continuum is a unit (per code); consecutive characters on
    which every coder's 0/1 value is the same for every code form one *run*, a row of
    ``units`` (``document``, ``start``, ``end``, ``n_chars``, ``cluster``), and one
    column of each matrix. ``n_chars`` (= :attr:`weights`) is the number of characters
    the run stands for (whitespace excluded when ``ignore_whitespace`` was honoured);
    pass it as ``weights=`` to the coefficients, which then give exactly the
    per-character figures. ``cluster`` is the segment (row of :func:`unit_table`) the
    run lies in, or the document number without segments; the report's bootstrap
    resamples clusters because neighbouring characters are not independent.
    ``note`` says how the continuum and its boundaries were treated.
    """

    units: pd.DataFrame
    matrices: dict[Hashable, np.ndarray]
    coders: list[Hashable]
    codes: list[Hashable]
    note: str
    ignore_whitespace: bool
    clustered_by: str = "segment"

    @property
    def weights(self) -> np.ndarray:
        """Characters per run (column)."""
        return self.units["n_chars"].to_numpy()

    @property
    def n_characters(self) -> int:
        """Number of character units (per code)."""
        return int(self.weights.sum())

    @property
    def clusters(self) -> np.ndarray:
        """Cluster label of each run, for :func:`bootstrap_ci` ``clusters=``."""
        return self.units["cluster"].to_numpy()

    def expand(self, code: Hashable) -> np.ndarray:
        """The literal coders x characters 0/1/nan matrix for ``code`` (each run
        repeated ``n_chars`` times). For checking and small data; the run form is
        equivalent and much smaller."""
        return np.repeat(self.matrices[code], self.weights.astype(np.int64), axis=1)


def _whitespace_runs(text: str) -> tuple[np.ndarray, np.ndarray]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"\s+", text)]
    if not spans:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    arr = np.array(spans, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def character_unit_matrix(
    codings: pd.DataFrame,
    coders: Sequence[Hashable],
    codes: Sequence[Hashable] | None = None,
    *,
    segments: pd.DataFrame | None = None,
    texts: Mapping[Hashable, str] | None = None,
    lengths: Mapping[Hashable, int] | None = None,
    ignore_whitespace: bool = True,
    coded_documents: CodedDocuments | None = None,
) -> CharacterUnits:
    """Character-level units: per code, every character of the continuum is a unit,
    1 for a coder when it lies inside one of their spans of that code.

    The continuum: with ``segments``, the characters inside the segments (speaker
    labels, timestamps and blank lines between turns are not units, and spans are
    clipped to the segments); otherwise ``[0, len(text))`` of each document in
    ``texts`` (or ``[0, lengths[doc])``). With ``ignore_whitespace=True`` (default)
    and ``texts`` given, whitespace characters (``str.isspace``) are not units at
    all, wherever they are: spans that differ only by leading/trailing whitespace
    (``"word"`` vs ``"word "``) or whether they swallowed the space/newline
    between two spans then agree exactly; the same characters are removed for every
    coder. Without ``texts`` whitespace cannot be seen and is counted; the ``note``
    says so. Nothing is stored per character: boundaries of all spans and segments
    split the continuum into runs (interval arithmetic), see :class:`CharacterUnits`.
    Missing: ``coded_documents`` as in :func:`segment_unit_matrix`.
    """
    coders = _check_coders(coders)
    if segments is not None:
        seg = unit_table(segments)
        scopes = {}
        for cl, (doc, s, e) in enumerate(zip(seg["document"], seg["start"], seg["end"], strict=True)):
            scopes.setdefault(doc, []).append((s, e, cl))
        scope_note = "continuum: the characters inside the segments (text between turns excluded)"
        clustered_by = "segment"
    else:
        extents = {d: len(t) for d, t in texts.items()} if texts is not None else dict(lengths or {})
        if not extents:
            raise AgreementError("character units need segments, texts or lengths to know the documents' extent")
        scopes = {doc: [(0, int(n), i)] for i, (doc, n) in enumerate(extents.items()) if int(n) > 0}
        scope_note = "continuum: every character of each document"
        clustered_by = "document"
    if texts is not None:
        for doc, spans in scopes.items():
            if doc in texts and max(e for _, e, _ in spans) > len(texts[doc]):
                raise AgreementError(
                    f"a segment of document {doc!r} ends beyond its text ({len(texts[doc])} characters)"
                )
    cod, codes = _prepare_codings(codings, coders, codes, list(scopes))
    honour_ws = bool(ignore_whitespace and texts is not None)
    row = {c: i for i, c in enumerate(coders)}
    groups = {key: g for key, g in cod.groupby(["document", "coder", "code"], sort=False)} if len(cod) else {}
    by_doc: dict[Hashable, list] = {}
    for (doc, coder, code), g in groups.items():
        by_doc.setdefault(doc, []).append((coder, code, g))

    unit_rows, blocks = [], {code: [] for code in codes}
    for doc, spans in scopes.items():
        sc = np.array(spans, dtype=np.int64)
        ss, se, scl = sc[:, 0], sc[:, 1], sc[:, 2]
        order = np.argsort(ss)
        ss, se, scl = ss[order], se[order], scl[order]
        items = by_doc.get(doc, [])
        pts = [ss, se] + [g["start"].to_numpy() for _, _, g in items] + [g["end"].to_numpy() for _, _, g in items]
        b = np.unique(np.concatenate(pts))
        b = b[(b >= ss.min()) & (b <= se.max())]
        rs, re_ = b[:-1], b[1:]
        inside = _coverage(ss, se, rs, re_) == (re_ - rs)
        rs, re_ = rs[inside], re_[inside]
        n_chars = re_ - rs
        if honour_ws and doc in texts:
            ws, we = _whitespace_runs(texts[doc])
            n_chars = n_chars - _coverage(ws, we, rs, re_)
        keep = n_chars > 0
        rs, re_, n_chars = rs[keep], re_[keep], n_chars[keep]
        cluster = scl[np.searchsorted(ss, rs, side="right") - 1]
        unit_rows.append(pd.DataFrame({"document": [doc] * len(rs), "start": rs, "end": re_,
                                       "n_chars": n_chars, "cluster": cluster}))
        for code in codes:
            blocks[code].append(np.zeros((len(coders), len(rs))))
        pos = {code: len(blocks[code]) - 1 for code in codes}
        for coder, code, g in items:
            ms, me = _merge(g["start"].to_numpy(), g["end"].to_numpy())
            blocks[code][pos[code]][row[coder]] = _coverage(ms, me, rs, re_) > 0
    units = (pd.concat(unit_rows, ignore_index=True) if unit_rows
             else pd.DataFrame(columns=["document", "start", "end", "n_chars", "cluster"]))
    coded = _coded_mask(coded_documents, coders, units["document"].to_numpy())
    matrices = {}
    for code in codes:
        m = np.concatenate(blocks[code], axis=1) if blocks[code] else np.zeros((len(coders), 0))
        m[~coded] = np.nan
        matrices[code] = m
    if honour_ws:
        ws_note = ("whitespace characters are not units, so span boundaries that differ only by "
                   "whitespace count as agreement")
    elif ignore_whitespace:
        ws_note = "whitespace could NOT be ignored (no texts given): whitespace characters count as units"
    else:
        ws_note = "whitespace characters count as units (ignore_whitespace=False)"
    note = f"character units: {int(units['n_chars'].sum())} characters in {len(units)} runs; {scope_note}; {ws_note}"
    return CharacterUnits(units, matrices, coders, codes, note, honour_ws, clustered_by)
