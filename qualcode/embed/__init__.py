"""Sentence embeddings for excerpts, with a vector cache in the project store.

- :mod:`.base`: the :class:`EmbeddingBackend` protocol and the torch
  sentence-transformers :class:`Embedder` (long turns split and pooled);
- :mod:`.onnx`: the same model as an int8 ONNX export under onnxruntime (the default);
- :mod:`.hashing`: a deterministic stand-in for tests and dry runs;
- :mod:`.backends`: which one to use (:func:`get_embedder`);
- :mod:`.cache`: vectors cached in the project (:func:`embed_texts`).

Arrows point one way: onnx -> base, backends -> base/hashing (onnx lazily, it needs
onnxruntime), cache -> backends.
"""

from .backends import DEFAULT_BACKEND, get_embedder
from .base import (
    BACKEND_ENV,
    BACKENDS,
    CHUNKING_VERSION,
    MODEL_ENV,
    Embedder,
    EmbeddingBackend,
    Progress,
    default_model_path,
    text_sha256,
)
from .cache import cached_count, embed_texts
from .hashing import HASHING, HashingEmbedder

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "CHUNKING_VERSION",
    "DEFAULT_BACKEND",
    "HASHING",
    "MODEL_ENV",
    "Embedder",
    "EmbeddingBackend",
    "HashingEmbedder",
    "Progress",
    "cached_count",
    "default_model_path",
    "embed_texts",
    "get_embedder",
    "text_sha256",
]
