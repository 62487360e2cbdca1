"""The vector cache in the project store.

Vectors are stored in the ``embeddings`` table keyed by (model id, sha256 of the
text), so a second run over the same excerpts embeds nothing. The model id includes
the chunking version, so changing how long texts are split invalidates old vectors.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np
from sqlalchemy import insert, select

from ..store import schema as S
from .backends import get_embedder
from .base import EmbeddingBackend, Progress, text_sha256

__all__ = ["cached_count", "embed_texts", "ensure_tables"]


_READY: weakref.WeakSet = weakref.WeakSet()  # engines whose tables were checked


def ensure_tables(project) -> None:
    """Create the embedding and suggestion tables if this project predates them.

    Schema step 2 creates them for projects upgraded from version 1, but a project
    written at version 2 before these tables existed lacks them; creating missing tables
    is additive and safe, so it is done here once per engine instead of failing.
    """
    if project.engine in _READY:
        return
    with project.engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        S.metadata.create_all(conn, tables=[S.embeddings, S.suggestion_decisions], checkfirst=True)
    _READY.add(project.engine)


def _cached(conn, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for i in range(0, len(unique), 500):  # stay under SQLite's bound-parameter limit
        rows = conn.execute(
            select(S.embeddings.c.text_sha256, S.embeddings.c.dim, S.embeddings.c.vector).where(
                S.embeddings.c.model_id == model_id, S.embeddings.c.text_sha256.in_(unique[i : i + 500])
            )
        )
        for sha, dim, blob in rows:
            found[sha] = np.frombuffer(blob, dtype=np.float32, count=dim)
    return found


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
    ensure_tables(project)
    hashes = [text_sha256(t) for t in texts]
    with project.read() as conn:
        found = _cached(conn, embedder.model_id, hashes)
    missing = list(dict.fromkeys(h for h in hashes if h not in found))
    if missing:
        by_hash = {h: t for h, t in zip(hashes, texts)}
        vecs = embedder.encode([by_hash[h] for h in missing], progress=progress)
        rows = [
            {"model_id": embedder.model_id, "text_sha256": h, "dim": int(v.shape[0]), "vector": v.astype(np.float32).tobytes()}
            for h, v in zip(missing, vecs)
        ]
        with project.engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
            # Another process may have cached some meanwhile; skip those rows.
            have = set(_cached(conn, embedder.model_id, missing))
            rows = [r for r in rows if r["text_sha256"] not in have]
            for i in range(0, len(rows), 500):
                conn.execute(insert(S.embeddings), rows[i : i + 500])
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
    from sqlalchemy import func

    ensure_tables(project)
    with project.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(S.embeddings).where(S.embeddings.c.model_id == model_id)).scalar_one()
        )
