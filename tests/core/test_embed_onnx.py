"""The onnx-int8 embedding backend: exported once, close to torch, its own cache model id."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from qualcode.embed import embed_texts, get_embedder
from qualcode.errors import QualcodeError

_MISSING = [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
needs_onnx = pytest.mark.skipif(bool(_MISSING), reason=f"onnx-int8 backend needs {', '.join(_MISSING)} (requirements.txt)")

SENTENCES = [
    "I have been drinking a lot more since I lost my job.",
    "How do you feel about cutting down over the next month?",
    "It sounds like your family is really worried about you.",
    "My doctor told me that I should quit smoking for my health.",
]


def test_unknown_backend_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("QUALCODE_EMBEDDING_MODEL", raising=False)
    with pytest.raises(QualcodeError, match="unknown embedding backend"):
        get_embedder(backend="tensorflow")
    monkeypatch.setenv("QUALCODE_EMBEDDING_BACKEND", "nope")
    with pytest.raises(QualcodeError, match="QUALCODE_EMBEDDING_BACKEND"):
        get_embedder()


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    cache = tmp_path_factory.mktemp("qualcode-cache")
    mp.setenv("QUALCODE_CACHE_DIR", str(cache))
    mp.delenv("QUALCODE_EMBEDDING_MODEL", raising=False)
    yield cache
    mp.undo()


@pytest.mark.slow
@needs_onnx
def test_onnx_exports_once_matches_torch_and_has_its_own_model_id(onnx_cache, fresh_project):
    from qualcode.embed import default_model_path
    from qualcode.embed.onnx import MODEL_FILE, OnnxInt8Embedder, onnx_folder

    path = default_model_path().resolve()
    first = OnnxInt8Embedder(path)
    assert first.exported and first.folder == onnx_folder(path)
    assert first.folder.is_relative_to(onnx_cache)
    model_file = first.folder / MODEL_FILE
    stamp = model_file.stat().st_mtime_ns

    second = OnnxInt8Embedder(path)  # a new process would do the same: reuse, no export
    assert not second.exported and second.folder == first.folder
    assert model_file.stat().st_mtime_ns == stamp
    assert [p.name for p in (onnx_cache / "onnx").iterdir()] == [first.folder.name]  # no leftover temp folders

    torch_embedder = get_embedder(backend="torch")
    a, b = second.encode(SENTENCES), torch_embedder.encode(SENTENCES)
    assert a.shape == b.shape == (len(SENTENCES), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97, cos
    # Meaning survives: the nearest torch vector of each ONNX vector is its own sentence.
    assert ((a @ b.T).argmax(axis=1) == np.arange(len(SENTENCES))).all()

    # Length-sorted batches (dynamic padding) give the vectors back in the caller's order,
    # a text longer than the model reads is split and pooled as torch's path does, and
    # progress reaches the total.
    mixed = [SENTENCES[0], "We talked for hours. " * 80, SENTENCES[-1], "ok", *SENTENCES[1:-1]]
    seen = []
    m = second.encode(mixed, progress=lambda done, total: seen.append((done, total)))
    t = torch_embedder.encode(mixed)
    assert ((m @ t.T).argmax(axis=1) == np.arange(len(mixed))).all()
    assert (m * t).sum(axis=1).min() > 0.95
    assert seen[-1] == (len(mixed), len(mixed))
    assert len(second.chunks(mixed[1])) > 1

    assert second.model_id != torch_embedder.model_id and "onnx-int8" in second.model_id
    # The vector cache keeps the two apart: torch vectors are not served to the ONNX backend.
    embed_texts(fresh_project, SENTENCES, embedder=torch_embedder)
    calls = second.calls
    cached = embed_texts(fresh_project, SENTENCES, embedder=second)
    assert second.calls == calls + len(SENTENCES)
    np.testing.assert_allclose(cached, a, atol=1e-6)


@pytest.mark.slow
@needs_onnx
def test_backend_selected_by_environment(onnx_cache, monkeypatch):
    from qualcode.embed.onnx import OnnxInt8Embedder

    monkeypatch.setenv("QUALCODE_EMBEDDING_BACKEND", "onnx-int8")
    emb = get_embedder()
    assert isinstance(emb, OnnxInt8Embedder) and emb is get_embedder(backend="onnx-int8")
    monkeypatch.delenv("QUALCODE_EMBEDDING_BACKEND")
    assert get_embedder() is emb  # the default where onnxruntime is installed
    monkeypatch.setenv("QUALCODE_EMBEDDING_BACKEND", "torch")
    assert not isinstance(get_embedder(), OnnxInt8Embedder)
