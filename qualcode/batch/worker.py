"""What runs on the cluster's workers: embed a chunk of texts, score a chunk of excerpts.

Workers never open the project. The client reads the excerpts and writes every result
through the store (which stays the only writer, with its role and owner checks), so a
worker needs qualcode and the sentence model, not the database or its password.

Each worker process loads the sentence model once, on its first task, and keeps it
for its life (:func:`worker_embedder`); the trained suggester travels with each chunk
(sending it once would tie the run to the worker holding it: data scattered to a worker
that is killed cannot be recomputed). A worker whose model is
not the project's (another version, another export) refuses rather than mixing
vector spaces.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..embed import HASHING, MULTILINGUAL, Embedder, HashingEmbedder, MultilingualEmbedder
from ..errors import BatchError
from ..suggest.calibrate import exclusive_top
from ..suggest.features import UnitData
from ..suggest.profiles import ProfilePart, definition_scores, rescale_similarity
from ..suggest.scorer import CodeScorer
from ..suggest.units import Unit

__all__ = ["THREADS_ENV", "ModelSpec", "TrainedModel", "encode_chunk", "score_chunk", "spec_of", "worker_embedder"]

# Threads each worker's model may use: a local cluster sets it to cores / workers, so two
# workers on two cores do not each start a two-thread pool (oversubscribed, slower).
THREADS_ENV = "QUALCODE_WORKER_THREADS"


@dataclass(frozen=True)
class ModelSpec:
    """How a worker loads the project's sentence model, and the id its vectors must have."""

    model: str  # "hashing", "multilingual-e5-small" or the model folder
    backend: str | None  # "onnx-int8" or "torch" for a model folder
    model_id: str


def spec_of(embedder) -> ModelSpec:
    """The :class:`ModelSpec` that loads ``embedder``'s model on a worker."""
    if isinstance(embedder, HashingEmbedder):
        return ModelSpec(HASHING, None, embedder.model_id)
    if isinstance(embedder, MultilingualEmbedder):
        return ModelSpec(MULTILINGUAL, None, embedder.model_id)
    if isinstance(embedder, Embedder):  # torch, or the ONNX subclass
        return ModelSpec(str(embedder.path), getattr(embedder, "backend", "torch"), embedder.model_id)
    raise BatchError(f"the embedder {type(embedder).__name__} cannot be loaded on a worker")


@functools.lru_cache(maxsize=2)
def worker_embedder(spec: ModelSpec):
    """The model of ``spec`` in this process, loaded on first use and kept."""
    threads = int(os.environ.get(THREADS_ENV) or 0) or None
    if spec.model == HASHING:
        embedder = HashingEmbedder()
    elif spec.model == MULTILINGUAL:
        embedder = MultilingualEmbedder()
    elif spec.backend == "onnx-int8":
        from ..embed.onnx import OnnxInt8Embedder

        embedder = OnnxInt8Embedder(spec.model, threads=threads)
    else:
        if threads:
            import torch

            torch.set_num_threads(threads)
        embedder = Embedder(spec.model)
    if embedder.model_id != spec.model_id:
        raise BatchError(f"a worker's sentence model is {embedder.model_id}, the project's is {spec.model_id}: "
                         "install the same qualcode and model on every worker")
    return embedder


def encode_chunk(spec: ModelSpec, texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 vectors of ``texts`` (rows in order), by this worker's model."""
    return np.asarray(worker_embedder(spec).encode(list(texts)), dtype=np.float32)


@dataclass
class TrainedModel:
    """A suggester trained on one coder's codings, reduced to what scoring needs."""

    spec: ModelSpec
    scorer: CodeScorer
    parts: list[ProfilePart]
    part_vectors: np.ndarray
    code_ids: list[int]
    thresholds: np.ndarray  # [code] calibrated threshold
    offered: np.ndarray  # [code] False where the suggester is no better than chance


def _vectors(embedder, texts: Sequence[str]) -> dict[str, np.ndarray]:
    distinct = list(dict.fromkeys(t for t in texts if t.strip()))
    vecs = embedder.encode(distinct) if distinct else np.zeros((0, embedder.dim), dtype=np.float32)
    return dict(zip(distinct, vecs))


def score_chunk(model: TrainedModel, units: Sequence[Unit]) -> list[tuple[int, int, float]]:
    """``(unit index, code column, score)`` for every code at or above its threshold on
    ``units`` (exactly what the suggester would offer, before any researcher's answers)."""
    if not units:
        return []
    embedder = worker_embedder(model.spec)
    texts = [u.text for u in units]
    prev = [u.prev_text for u in units]
    nxt = [u.next_text for u in units]
    by_text = _vectors(embedder, texts + prev + nxt)
    zero = np.zeros(embedder.dim, dtype=np.float32)

    def rows(ts):
        # No previous turn is "no context", not the embedding of an empty string.
        return np.stack([by_text.get(t, zero) if t.strip() else zero for t in ts]).astype(np.float32)

    data = UnitData(vectors=rows(texts), prev_vectors=rows(prev), next_vectors=rows(nxt), texts=texts,
                    prev_texts=prev, next_texts=nxt, groups=np.array([u.document_id for u in units], dtype=np.int64))
    sims, _ = definition_scores(data.vectors, model.part_vectors, model.parts, len(model.code_ids))
    scores = exclusive_top(model.scorer.score(data, np.arange(len(units)), rescale_similarity(sims)),
                           model.scorer.groups)
    hit = (scores >= model.thresholds[None, :]) & model.offered[None, :]
    return [(int(i), int(j), float(scores[i, j])) for i, j in zip(*np.nonzero(hit))]
