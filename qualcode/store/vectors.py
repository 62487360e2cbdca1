"""The embedding cache's rows: vectors keyed by (model id, sha256 of the text).

Derived data, not data of record: writing it is no event in the project log (that
would change :meth:`Project.revision`, which keys the UI's caches). In team mode
only members who may write (coders and owners) add to the cache; for a viewer the
vectors are simply not kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Connection, func, insert, select

from .roles import required_role, role_rank
from . import schema as S

if TYPE_CHECKING:
    from .project import Project

__all__ = ["cached_vectors", "save_vectors", "vector_count"]

_BATCH = 500  # stay under SQLite's bound-parameter limit


def _cached(conn: Connection, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(hashes))
    for i in range(0, len(unique), _BATCH):
        rows = conn.execute(
            select(S.embeddings.c.text_sha256, S.embeddings.c.dim, S.embeddings.c.vector).where(
                S.embeddings.c.model_id == model_id, S.embeddings.c.text_sha256.in_(unique[i : i + _BATCH])
            )
        )
        for sha, dim, blob in rows:
            found[sha] = np.frombuffer(blob, dtype=np.float32, count=dim)
    return found


def cached_vectors(project: "Project", model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The cached vectors of ``model_id`` for the given text hashes (missing ones absent)."""
    with project.read() as conn:
        return _cached(conn, model_id, hashes)


def save_vectors(project: "Project", model_id: str, vectors: Mapping[str, np.ndarray]) -> int:
    """Cache vectors by text hash; returns how many rows were added (0 for a viewer)."""
    if not vectors:
        return 0
    with project.engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        if project.user is not None:
            role = project._role(conn, project.id, project.user)
            if role_rank(role) < role_rank(required_role("embeddings.cache")):
                return 0
        # Another process may have cached some meanwhile; skip those rows.
        have = set(_cached(conn, model_id, list(vectors)))
        rows = [
            {"model_id": model_id, "text_sha256": h, "dim": int(v.shape[0]), "vector": v.astype(np.float32).tobytes()}
            for h, v in vectors.items() if h not in have
        ]
        for i in range(0, len(rows), _BATCH):
            conn.execute(insert(S.embeddings), rows[i : i + _BATCH])
    return len(rows)


def vector_count(project: "Project", model_id: str) -> int:
    """How many vectors of ``model_id`` the database holds (for status lines)."""
    with project.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(S.embeddings).where(S.embeddings.c.model_id == model_id)).scalar_one()
        )
