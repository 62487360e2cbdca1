"""A cheap deterministic embedder for tests and dry runs (``QUALCODE_EMBEDDING_MODEL=hashing``)."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np

from .base import Progress

__all__ = ["HASHING", "HashingEmbedder"]

HASHING = "hashing"  # model name of HashingEmbedder (tests, dry runs): QUALCODE_EMBEDDING_MODEL=hashing


class HashingEmbedder:
    """A cheap deterministic stand-in for tests and dry runs (no model, no meaning).

    Bag of hashed word unigrams and bigrams: texts that share words get similar vectors,
    which is enough to test ranking, caching and the pages without loading a network.
    """

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.model_id = f"hashing-{dim}"
        self.calls = 0

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = re.findall(r"[a-z0-9']+", text.lower())
            for tok in words + [a + " " + b for a, b in itertools.pairwise(words)]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        self.calls += len(texts)
        if progress is not None:
            progress(len(texts), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
