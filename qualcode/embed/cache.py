"""The vector cache in the project store.

Vectors are stored in the ``embeddings`` table keyed by (model id, sha256 of the
text), so a second run over the same excerpts embeds nothing. The model id includes
the chunking version, so changing how long texts are split invalidates old vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store.vectors import cached_vectors, save_vectors, vector_count
from .backends import get_embedder
from .base import EmbeddingBackend, Progress, text_sha256

__all__ = ["cached_count", "embed_texts"]


def embed_texts(
    project,
    texts: Sequence[str],
    *,
    embedder: EmbeddingBackend | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Vectors for ``texts`` (rows in order), embedding only those not cached in the project.

    ``project`` may be None to skip the cache. New vectors are written to the project's
    ``embeddings`` table. The cache write is not an event in the project log: it is derived
    data, and logging it would change :meth:`Project.revision`, which keys the UI's caches.
    """
    embedder = embedder or get_embedder()
    if project is None:
        return embedder.encode(list(texts), progress=progress)
    hashes = [text_sha256(t) for t in texts]
    found = cached_vectors(project, embedder.model_id, hashes)
    missing = list(dict.fromkeys(h for h in hashes if h not in found))
    if missing:
        by_hash = {h: t for h, t in zip(hashes, texts)}
        vecs = embedder.encode([by_hash[h] for h in missing], progress=progress)
        save_vectors(project, embedder.model_id, dict(zip(missing, vecs)))
        found.update(zip(missing, vecs))
    elif progress is not None:
        progress(len(texts), len(texts))
    dim = embedder.dim
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = found[h]
    return out


def cached_count(project, model_id: str) -> int:
    """How many vectors of ``model_id`` the project holds (for status lines)."""
    return vector_count(project, model_id)
