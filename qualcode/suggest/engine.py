"""Code suggestions for a project: build once, ask many times.

:meth:`Suggester.build` embeds the project's excerpts (cached vectors make a rebuild
cheap), learns from one coder's codings and calibrates a threshold per code by
cross-validation over that coder's documents. Asking for suggestions afterwards is
instant and always reflects the latest codings and rejections, which are read from the
project at every call, so accepting or rejecting never needs a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..embed import EmbeddingBackend, Progress, embed_texts
from ..errors import NotFoundError, SuggestionError
from ..model import Code, Coding
from .calibrate import Calibration, calibrate, exclusive_top
from .decisions import accept as _accept
from .decisions import decided_keys
from .decisions import reject as _reject
from .features import UnitData
from .profiles import ProfilePart, definition_scores, profile_parts, rescale_similarity
from .scorer import CodeScorer, SuggestConfig
from ..ingest.language import unsupported_message
from .units import (
    PARTICIPANT_ROLES,
    Unit,
    coded_documents,
    document_languages,
    embedder_for,
    label_units,
    language_split,
    model_note,
    project_units,
)

__all__ = ["SUGGESTER", "VERSION", "CodeQuality", "DefinitionMatch", "Evidence", "Suggester", "Suggestion"]

SUGGESTER = "qualcode-suggest"
VERSION = "1"


@dataclass(frozen=True)
class Evidence:
    """An excerpt the researcher coded with the suggested code, and how close it is."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    similarity: float


@dataclass(frozen=True)
class DefinitionMatch:
    """The part of the code's codebook entry the excerpt is most similar to."""

    field: str  # name | definition | when_to_use | example
    text: str
    similarity: float


@dataclass(frozen=True)
class Suggestion:
    """"Code ``code`` might apply to this excerpt": score, threshold and evidence."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    speaker: str | None
    participant: str | None
    code_id: int
    code: str
    score: float
    threshold: float
    basis: str  # definition | codings+definition | codings
    definition: DefinitionMatch | None
    examples: tuple[Evidence, ...]

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.document_id, self.start, self.end, self.code_id)


@dataclass(frozen=True)
class CodeQuality:
    """How well suggestions for one code match the coder's own codings (cross-validated)."""

    code_id: int
    code: str
    codings: int  # excerpts the coder coded with it (training positives)
    basis: str
    threshold: float
    calibrated: bool
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None = None  # cross-validated Cohen's kappa (present/absent) at the threshold
    kappa_low: float | None = None  # its 95% bootstrap interval over the coded documents
    kappa_high: float | None = None
    # False: the suggester does no better than chance on this code, so it offers no
    # suggestions for it (it says so instead); None: too few codings to tell.
    better_than_chance: bool | None = None


class Suggester:
    """Suggestions for one coder of one project. Build with :meth:`build`."""

    name = SUGGESTER
    version = VERSION

    def __init__(self, project, coder: str, codes: list[Code], units: list[Unit], data: UnitData,
                 scorer: CodeScorer, scores: np.ndarray, calibration: Calibration,
                 definition_sim: np.ndarray, definition_part: np.ndarray, parts: list[ProfilePart],
                 evidence: list[tuple[Coding, np.ndarray]], model_id: str):
        self.project = project
        self.coder = coder
        self.codes = codes
        self.units = units
        self.data = data
        self.scorer = scorer
        self.scores = scores
        self.calibration = calibration
        self.definition_sim = definition_sim
        self.definition_part = definition_part
        self.parts = parts
        self.model_id = model_id
        self._col = {c.id: j for j, c in enumerate(codes)}
        self._evidence = evidence  # (coding, vector) of the coder's codings, for "nearest excerpts"
        self._unit_index = {u.key: i for i, u in enumerate(units)}
        # Transcripts left out because the model cannot read their language (see build).
        self.refused: dict[int, tuple[str, str]] = {}
        self.language_note = ""
        self.revision = project.revision()  # the project revision the scores were learnt at
        self.refreshed = False  # True once refresh() refitted without recalibrating
        self.refresh_seconds: float | None = None
        self.labels = np.zeros((len(units), len(codes)), dtype=bool)  # [unit, code] the coder's codes at build
        self.train_idx = np.zeros(0, dtype=int)  # units of the coder's coded documents

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        project,
        coder: str,
        *,
        codes: Iterable[int | str] | None = None,
        speakers: Sequence[str] | None = None,
        roles: Sequence[str] | None = PARTICIPANT_ROLES,
        split_long: int | None = 120,
        embedder: EmbeddingBackend | None = None,
        config: SuggestConfig | None = None,
        progress: Progress | None = None,
        documents: Iterable[int] | None = None,
    ) -> Suggester:
        """Embed, learn from ``coder``'s codings and calibrate thresholds.

        ``codes`` limits suggestions to some codes (ids or names; default every codable
        code). Excerpts are the participants' turns by default (``roles``: the speaker
        roles confirmed on the Transcripts page, else detected from the labels), so an
        interviewer's question is never suggested; ``roles=None`` takes every turn, and
        ``speakers`` (labels) chooses the turns instead of roles. ``documents`` (ids) limits
        the excerpts to those transcripts (the corpus auto-coder trains on the coded ones
        only and scores the rest elsewhere, :mod:`qualcode.batch`).
        """
        config = config or SuggestConfig()
        # The multilingual model where some transcript is not in English; a sentence model
        # reads only its own languages, and suggestions on other text are noise.
        documents = None if documents is None else list(documents)
        embedder = embedder_for(project, documents, embedder)
        readable, refused = language_split(project, documents, getattr(embedder, "languages", None))
        multilingual = getattr(embedder, "name", None)
        if refused and not readable:
            raise SuggestionError(unsupported_message("suggestions", [(n, lang) for _, n, lang in refused],
                                                      multilingual))
        chosen = _choose_codes(project, codes)
        if not chosen:
            raise SuggestionError("the codebook has no codable codes to suggest; add codes first")
        units = project_units(project, documents=readable, speakers=speakers, roles=roles, split_long=split_long)
        codings = [c for c in project.codings(coders=[coder]) if c.code_id in {k.id for k in chosen}]
        parts = profile_parts(chosen)
        texts = [u.text for u in units]
        context = [u.prev_text for u in units] + [u.next_text for u in units]
        everything = texts + context + [p.text for p in parts] + [c.snippet for c in codings]
        # One call, so the progress bar covers all the work and duplicates are embedded once.
        V = embed_texts(project, everything, embedder=embedder, progress=progress)
        n, m = len(units), len(parts)
        data = UnitData(
            vectors=V[:n], prev_vectors=_zero_empty(V[n : 2 * n], [u.prev_text for u in units]),
            next_vectors=_zero_empty(V[2 * n : 3 * n], [u.next_text for u in units]),
            texts=texts, prev_texts=[u.prev_text for u in units], next_texts=[u.next_text for u in units],
            groups=np.array([u.document_id for u in units], dtype=np.int64),
        )
        part_vecs = V[3 * n : 3 * n + m]
        evidence = list(zip(codings, V[3 * n + m :]))
        code_ids = [c.id for c in chosen]
        Y = label_units(units, codings, code_ids)
        coded = coded_documents(codings)
        labelled = np.array([u.document_id in coded for u in units], dtype=bool)
        sims, best = definition_scores(data.vectors, part_vecs, parts, len(chosen))
        D = rescale_similarity(sims)
        parents = [c.parent for c in chosen]
        scorer = CodeScorer(parents, config)
        train_idx = np.flatnonzero(labelled)
        # The fit on all coded excerpts and the calibration's folds are independent: the fit
        # runs beside them (the solver releases the interpreter lock in its products): on two
        # cores, with the folds already on two threads, an AnnoMI build went from 61 s to 55 s.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qualcode-fit") as pool:
            fitting = pool.submit(scorer.fit, data, train_idx, Y[train_idx])
            calibration = calibrate(parents, data, train_idx, Y[train_idx], D[train_idx], config)
            fitting.result()
        scores = exclusive_top(scorer.score(data, np.arange(n), D), scorer.groups)
        made = cls(project, coder, chosen, units, data, scorer, scores, calibration, sims, best, parts, evidence,
                   embedder.model_id)
        made.refused = {did: (name, lang) for did, name, lang in refused}
        made.language_note = " ".join(filter(None, [
            model_note("suggestions", embedder, document_languages(project, readable)),
            unsupported_message("suggestions", [(n, lang) for _, n, lang in refused], multilingual) if refused else "",
        ]))
        made.labels, made.train_idx = Y, train_idx  # what the consistency checks compare with
        return made

    # ------------------------------------------------------------------ asking
    def quality(self) -> list[CodeQuality]:
        """Per code: codings learnt from, threshold, and cross-validated precision/recall/F1."""
        cal, basis = self.calibration, self.scorer.basis
        nan = np.full(len(self.codes), np.nan)
        k, lo, hi = (nan if a is None else a for a in (cal.kappa, cal.kappa_low, cal.kappa_high))
        return [
            CodeQuality(c.id, c.name, int(self.scorer.positives[j]), basis[j], float(cal.thresholds[j]),
                        bool(cal.calibrated[j]), _opt(cal.precision[j]), _opt(cal.recall[j]), _opt(cal.f1[j]),
                        _opt(k[j]), _opt(lo[j]), _opt(hi[j]), cal.better_than_chance(j))
            for j, c in enumerate(self.codes)
        ]

    def refresh(self) -> float:
        """Learn from the coder's codings as they are now, quickly; returns the seconds it took.

        Refits the classifiers the change touched on the current codings (no
        cross-validation; :meth:`CodeScorer.update`) and rescores every excerpt, so a coding just added, removed or accepted changes the
        suggestions at once. Thresholds, the quality table and the consistency lists stay
        those of the last full :meth:`build` (``refreshed`` says so) until a rebuild
        recalibrates them: calibrating is the slow part.
        """
        import time

        t0 = time.perf_counter()
        # The revision first: a coding saved while this runs then leaves the scores stale
        # (and refreshed again next time) instead of being marked as learnt from.
        revision = self.project.revision()
        codings = [c for c in self.project.codings(coders=[self.coder]) if c.code_id in self._col]
        Y = label_units(self.units, codings, [c.id for c in self.codes])
        docs = coded_documents(codings)
        train_idx = np.flatnonzero([u.document_id in docs for u in self.units])
        # Only what the change touched is refitted (CodeScorer.update); a coding in a
        # transcript not coded before refits everything.
        scorer = self.scorer.update(self.data, train_idx, Y[train_idx])
        D = rescale_similarity(self.definition_sim)
        self.scores = exclusive_top(scorer.score(self.data, np.arange(len(self.units)), D), scorer.groups)
        self.scorer = scorer
        # Evidence ("like your coding in ...") for new codings: the vector of the excerpt they cover.
        known = {c.id: v for c, v in self._evidence}
        by_doc: dict[int, list[int]] = {}
        for i, u in enumerate(self.units):
            by_doc.setdefault(u.document_id, []).append(i)
        evidence = []
        for c in codings:
            if c.id in known:
                evidence.append((c, known[c.id]))
                continue
            hit = next((i for i in by_doc.get(c.document_id, ()) if self.units[i].end > c.start
                        and self.units[i].start < c.end), None)
            if hit is not None:
                evidence.append((c, self.data.vectors[hit]))
        self._evidence = evidence
        self.revision, self.refreshed = revision, True
        self.refresh_seconds = time.perf_counter() - t0
        return self.refresh_seconds

    def unlearnable(self) -> list[str]:
        """Codes whose cross-validated suggestions are no better than chance (not offered)."""
        return [c.name for j, c in enumerate(self.codes) if self.calibration.better_than_chance(j) is False]

    def _offered(self, j: int, min_score: float | None) -> bool:
        # A code the suggester cannot learn says so (quality(), the page) instead of
        # offering confident-looking suggestions; an explicit min_score still lists it.
        return min_score is not None or self.calibration.better_than_chance(j) is not False

    def for_document(self, document: int | str, *, only_uncoded: bool = True, per_excerpt: int = 3,
                     min_score: float | None = None) -> list[Suggestion]:
        """Suggestions for one transcript, in text order, best code first within an excerpt.

        Offered: codes scoring at or above their threshold (or ``min_score``) on excerpts the
        coder has not coded (``only_uncoded``), never a (span, code) the coder rejected.
        """
        did = self.project.document(document)[0] if isinstance(document, str) else int(document)
        if did in self.refused:
            name, lang = self.refused[did]
            raise SuggestionError(unsupported_message("suggestions", [(name, lang)]))
        blocked, coded = self._blocked()
        out: list[Suggestion] = []
        for i, u in enumerate(self.units):
            if u.document_id != did or (only_uncoded and (u.document_id, u.start, u.end) in coded):
                continue
            row = self.scores[i]
            cols = [j for j in np.argsort(-row) if row[j] >= self._threshold(j, min_score) and self._offered(j, min_score)]
            cols = [j for j in cols if (u.document_id, u.start, u.end, self.codes[j].id) not in blocked]
            out.extend(self._suggestion(i, j) for j in cols[:per_excerpt])
        return out

    def more_like(self, code: int | str, *, limit: int = 50, only_uncoded: bool = True,
                  min_score: float | None = None) -> list[Suggestion]:
        """Across the project, the excerpts most likely to deserve ``code`` (best first)."""
        j = self._column(code)
        if not self._offered(j, min_score):
            return []
        blocked, coded = self._blocked()
        order = np.argsort(-self.scores[:, j], kind="stable")
        threshold = self._threshold(j, min_score)
        out: list[Suggestion] = []
        for i in order:
            if self.scores[i, j] < threshold or len(out) >= limit:
                break
            u = self.units[i]
            if (u.document_id, u.start, u.end, self.codes[j].id) in blocked:
                continue
            if only_uncoded and (u.document_id, u.start, u.end) in coded:
                continue
            out.append(self._suggestion(i, j))
        return out

    def score_excerpts(self, keys: Sequence[tuple[int, int, int]], code: int | str) -> list[Suggestion]:
        """Suggestions of ``code`` for given excerpts ``(document_id, start, end)``, whatever their score
        (used to offer the members of a promoted theme)."""
        j = self._column(code)
        return [self._suggestion(self._unit_index[k], j) for k in keys if k in self._unit_index]

    def accept(self, suggestion: Suggestion, coder: str | None = None) -> Coding:
        """Code the excerpt (origin "suggestion") as ``coder`` (default: the suggester's coder)."""
        return _accept(self.project, suggestion, coder or self.coder, suggester=self.name, version=self.version)

    def reject(self, suggestion: Suggestion, coder: str | None = None) -> None:
        """Never offer this (span, code) to ``coder`` again."""
        _reject(self.project, suggestion, coder or self.coder, suggester=self.name, version=self.version)

    # ------------------------------------------------------------------ helpers
    def _column(self, code: int | str) -> int:
        for j, c in enumerate(self.codes):
            if c.id == code or c.name == code:
                return j
        raise NotFoundError(f"no suggestions were computed for code {code!r}")

    def _threshold(self, j: int, min_score: float | None) -> float:
        return float(self.calibration.thresholds[j]) if min_score is None else float(min_score)

    def _blocked(self) -> tuple[set[tuple[int, int, int, int]], set[tuple[int, int, int]]]:
        # Read fresh each call: the coder may have coded or rejected since the build.
        blocked = decided_keys(self.project, self.coder)
        current = self.project.codings(coders=[self.coder])
        coded: set[tuple[int, int, int]] = set()
        by_doc: dict[int, list[Coding]] = {}
        for c in current:
            by_doc.setdefault(c.document_id, []).append(c)
        for u in self.units:
            for c in by_doc.get(u.document_id, ()):
                if c.end > u.start and c.start < u.end:
                    coded.add((u.document_id, u.start, u.end))
                    if c.code_id in self._col:
                        blocked.add((u.document_id, u.start, u.end, c.code_id))
        return blocked, coded

    def _suggestion(self, i: int, j: int) -> Suggestion:
        u, code = self.units[i], self.codes[j]
        part_i = int(self.definition_part[i, j])
        definition = None
        if part_i >= 0:
            part = self.parts[part_i]
            definition = DefinitionMatch(part.field, part.text, float(self.definition_sim[i, j]))
        return Suggestion(
            u.document_id, u.document, u.start, u.end, u.text, u.speaker, u.participant, code.id, code.name,
            float(self.scores[i, j]), float(self.calibration.thresholds[j]), self.scorer.basis[j], definition,
            self._nearest(i, code.id),
        )

    def _nearest(self, i: int, code_id: int, k: int = 2) -> tuple[Evidence, ...]:
        u = self.units[i]
        cands = [(c, v) for c, v in self._evidence
                 if c.code_id == code_id and not (c.document_id == u.document_id and c.start == u.start and c.end == u.end)]
        if not cands:
            return ()
        sims = np.array([float(v @ self.data.vectors[i]) for _, v in cands])
        names = {}
        out = []
        for t in np.argsort(-sims)[:k]:
            c = cands[t][0]
            if c.document_id not in names:
                names[c.document_id] = self._document_name(c.document_id)
            out.append(Evidence(c.document_id, names[c.document_id], c.start, c.end, c.snippet, float(sims[t])))
        return tuple(out)

    def _document_name(self, document_id: int) -> str:
        for u in self.units:
            if u.document_id == document_id:
                return u.document
        return self.project.document(document_id)[1].name


def _choose_codes(project, codes: Iterable[int | str] | None) -> list[Code]:
    book = [c for c in project.codes() if c.codable]
    if codes is None:
        return book
    wanted = list(codes)
    chosen = [c for c in book if c.id in wanted or c.name in wanted]
    missing = [w for w in wanted if not any(c.id == w or c.name == w for c in chosen)]
    if missing:
        raise NotFoundError(f"no codable code {missing[0]!r} in the codebook")
    return chosen


def _zero_empty(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    # No previous turn is "no context", not the embedding of an empty string.
    out = vectors.copy()
    out[[i for i, t in enumerate(texts) if not t.strip()]] = 0.0
    return out


def _opt(x: float) -> float | None:
    return None if np.isnan(x) else float(x)
