"""Apply a suggester trained on one researcher's codings to a whole corpus, on a cluster.

For corpora too large to code or review turn by turn (60,000 Reddit comments, millions
of chatbot exchanges): the researcher codes a sample, :func:`autocode_corpus` learns
from those transcripts exactly as the Suggestions page does (same model, same
calibrated thresholds, same "no better than chance" refusals), and the workers score
every other transcript. What passes a code's threshold (and the researcher has not
rejected as a suggestion there) is written as a coding of a
machine coder of its own (default ``"<coder> (machine)"``, ``origin="machine"``, the
score and threshold in ``origin_detail``), one transaction per chunk of transcripts.
Nothing lands under the researcher's name, so the machine's codings can be checked
against a second human sample with the agreement tools, reported as machine codings,
or removed in one step (``restart=True``).

Training runs here (it needs the coder's codings); the trained model travels with each
chunk and the workers send back only the codes that passed. An interrupted run resumes with the
transcripts it had not finished.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..embed import EmbeddingBackend, Progress, embed_texts
from ..errors import SuggestionError, UsageError
from ..store.autocoded import autocoded_documents, clear_autocoded, write_autocoded
from ..suggest.decisions import decided_keys
from ..suggest.engine import SUGGESTER, VERSION, Suggester
from ..suggest.units import PARTICIPANT_ROLES, coded_documents, embedder_for, language_split, project_units
from .cluster import worker_count
from .embed import run_chunks
from .worker import TrainedModel, score_chunk, spec_of

__all__ = ["AutocodeReport", "autocode_corpus", "machine_coder_name", "trained_model"]


def machine_coder_name(coder: str) -> str:
    """The default machine coder for ``coder``'s trained suggester."""
    return f"{coder} (machine)"


@dataclass(frozen=True)
class AutocodeReport:
    """What one :func:`autocode_corpus` run did."""

    coder: str  # whose codings trained it
    machine_coder: str
    trained_documents: int
    trained_codings: int
    documents_scored: int  # by this run
    documents_skipped: int  # scored by an earlier, interrupted run
    excerpts_scored: int
    codings_written: int
    workers: int
    seconds: float
    refused: tuple[tuple[str, str], ...] = ()  # (transcript, language) the model cannot read
    not_offered: tuple[str, ...] = ()  # codes no better than chance: never applied
    per_code: dict[str, int] = field(default_factory=dict)  # codings written per code

    @property
    def excerpts_per_second(self) -> float:
        return self.excerpts_scored / self.seconds if self.seconds > 0 else 0.0


def trained_model(suggester: Suggester, embedder) -> TrainedModel:
    """What the workers need of a built suggester to score new excerpts."""
    cal = suggester.calibration
    offered = np.array([cal.better_than_chance(j) is not False for j in range(len(suggester.codes))], dtype=bool)
    # Read from the cache: the build embedded the codebook's texts already.
    part_vectors = (embed_texts(suggester.project, [p.text for p in suggester.parts], embedder=embedder)
                    if suggester.parts else np.zeros((0, embedder.dim), dtype=np.float32))
    return TrainedModel(spec_of(embedder), suggester.scorer, list(suggester.parts), part_vectors,
                        [c.id for c in suggester.codes], np.asarray(cal.thresholds, dtype=np.float32), offered)


def _chunks(project, documents: Sequence[int], *, speakers, roles, size: int) -> Iterator[tuple[list[int], list]]:
    """Chunks of whole transcripts with about ``size`` excerpts each, read lazily."""
    counts = {d.id: max(1, d.segments) for d in project.documents()}
    batch: list[int] = []
    n = 0
    for did in documents:
        batch.append(did)
        n += counts.get(did, 1)
        if n >= size:
            yield batch, project_units(project, documents=batch, speakers=speakers, roles=roles, split_long=120)
            batch, n = [], 0
    if batch:
        yield batch, project_units(project, documents=batch, speakers=speakers, roles=roles, split_long=120)


def autocode_corpus(
    project,
    client,
    coder: str,
    *,
    machine_coder: str | None = None,
    codes: Iterable[int | str] | None = None,
    speakers: Sequence[str] | None = None,
    roles: Sequence[str] | None = PARTICIPANT_ROLES,
    chunk: int = 2000,
    restart: bool = False,
    embedder: EmbeddingBackend | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
) -> AutocodeReport:
    """Train on ``coder``'s coded transcripts, code every other transcript on ``client``'s
    workers as ``machine_coder``; returns what was done.

    ``chunk`` is about how many excerpts go to a worker at a time. ``restart`` first
    removes the machine coder's codings (after the researcher coded more, say);
    otherwise transcripts an earlier run finished are skipped.
    """
    t0 = time.perf_counter()
    machine = (machine_coder or machine_coder_name(coder)).strip()
    if machine == coder.strip():
        raise UsageError("the machine coder must not be the researcher: its codings would pass for theirs")
    codings = project.codings(coders=[coder])
    coded = coded_documents(codings)
    if not coded:
        raise SuggestionError(f"{coder!r} has coded no transcript yet: code a sample first, then auto-code the rest")
    # One model for the whole corpus (every excerpt compared in one vector space).
    embedder = embedder_for(project, None, embedder)
    readable, refused = language_split(project, None, getattr(embedder, "languages", None))
    train_docs = [d for d in readable if d in coded]
    if not train_docs:
        raise SuggestionError(f"the model cannot read any transcript {coder!r} coded")
    suggester = Suggester.build(project, coder, codes=codes, speakers=speakers, roles=roles, embedder=embedder,
                                documents=train_docs)
    model = trained_model(suggester, embedder)
    if restart:
        clear_autocoded(project, machine, actor=actor)
    done_before = autocoded_documents(project, machine)
    targets = [d for d in readable if d not in coded and d not in done_before]
    names = {c.id: c.name for c in suggester.codes}
    rejected = decided_keys(project, coder)  # never apply what the researcher said no to
    total = {"excerpts": 0, "codings": 0, "documents": 0}
    per_code: dict[str, int] = {}
    detail = f"{SUGGESTER} {VERSION} trained on {coder}'s {len(codings)} codings in {len(train_docs)} transcripts"

    def on_result(part, hits):
        docs, units = part
        rows = []
        for i, j, score in hits:
            u = units[i]
            if (u.document_id, u.start, u.end, model.code_ids[j]) in rejected:
                continue
            rows.append((u.document_id, u.start, u.end, model.code_ids[j],
                         f"{SUGGESTER} {VERSION} from {coder}: score {score:.3f} >= threshold {model.thresholds[j]:.3f}"))
            per_code[names[model.code_ids[j]]] = per_code.get(names[model.code_ids[j]], 0) + 1
        total["codings"] += write_autocoded(project, machine, rows, docs, detail=detail, actor=actor)
        total["excerpts"] += len(units)
        total["documents"] += len(docs)
        if progress is not None:
            progress(total["documents"], len(targets))

    if progress is not None:
        progress(0, len(targets))
    workers = worker_count(client)
    if targets:
        parts = _chunks(project, targets, speakers=speakers, roles=roles, size=chunk)
        run_chunks(client, _score, model, parts, on_result, window=2 * max(1, workers))
    return AutocodeReport(
        coder, machine, len(train_docs), len(codings), total["documents"], len(done_before & (set(readable) - coded)),
        total["excerpts"], total["codings"], workers, time.perf_counter() - t0,
        tuple((name, lang) for _, name, lang in refused), tuple(suggester.unlearnable()), per_code)


def _score(model, part):
    # On a worker: the chunk's excerpts only (the transcript ids stay on the client side).
    return score_chunk(model, part[1])
