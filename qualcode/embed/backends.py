"""Which embedder to use: the backend names, the default, and :func:`get_embedder`.

By default the model runs as an int8 ONNX export under onnxruntime
(:mod:`qualcode.embed.onnx`, exported once into ``~/.cache/qualcode/onnx`` or
``QUALCODE_CACHE_DIR``); ``QUALCODE_EMBEDDING_BACKEND=torch`` (or ``backend="torch"``)
runs it with sentence-transformers on torch in fp32 (:mod:`.base`). Without onnxruntime
the default is torch. The two backends' vectors are cached under different model ids.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import ModelError
from .base import BACKEND_ENV, BACKENDS, MODEL_ENV, Embedder, EmbeddingBackend, default_model_path
from .hashing import HASHING, HashingEmbedder
from .multilingual import MULTILINGUAL

__all__ = ["DEFAULT_BACKEND", "get_embedder"]


@functools.lru_cache(maxsize=4)
def _load(path: str, backend: str = "torch") -> EmbeddingBackend:
    if path == HASHING:
        return HashingEmbedder()
    if path == MULTILINGUAL:
        from .multilingual import MultilingualEmbedder

        return MultilingualEmbedder()
    if backend == "onnx-int8":
        from .onnx import OnnxInt8Embedder

        return OnnxInt8Embedder(path)
    return Embedder(path)


DEFAULT_BACKEND = "onnx-int8"
# Default since the AnnoMI check (docs/performance-notes.md): 2x the torch throughput on two
# cores (3.4-3.7x since the length-sorted batches of 16, #24), suggestion kappa within 0.002
# of torch. Falls back to torch when onnxruntime is
# missing or the model is not a Transformer + mean-pooling model the ONNX path reproduces.


def _backend_name(backend: str | None, path: str | None = None) -> str:
    name = (backend or os.environ.get(BACKEND_ENV) or "").strip().lower()
    if not name:
        return _default_backend(path)
    if name not in BACKENDS:
        raise ModelError(f"unknown embedding backend {name!r} ({BACKEND_ENV}); choose one of {', '.join(BACKENDS)}")
    return name


def _default_backend(path: str | None) -> str:
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
        return "torch"
    if path is not None:
        from .onnx import supports

        if not supports(Path(path)):
            return "torch"
    return DEFAULT_BACKEND


def get_embedder(model: str | os.PathLike[str] | None = None, backend: str | None = None) -> EmbeddingBackend:
    """The embedder for ``model`` (default: :func:`default_model_path`), loaded once per process.

    ``"hashing"`` (argument or ``QUALCODE_EMBEDDING_MODEL``) gives :class:`HashingEmbedder`,
    ``"multilingual-e5-small"`` the multilingual model (:mod:`.multilingual`).
    ``backend`` (or ``QUALCODE_EMBEDDING_BACKEND``) is ``"onnx-int8"`` (default where
    onnxruntime is installed and the model suits it) or ``"torch"``.
    """
    name = str(model) if model else os.environ.get(MODEL_ENV, "")
    if name in (HASHING, MULTILINGUAL):
        return _load(name)
    path = str(Path(model).expanduser().resolve() if model else default_model_path().resolve())
    return _load(path, _backend_name(backend, path))
