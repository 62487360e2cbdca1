"""Embeddings: the vector cache, long-text splitting, loading the model once."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.embed import HashingEmbedder, embed_texts, get_embedder, text_sha256
from qualcode.errors import QualcodeError


class Counting(HashingEmbedder):
    """Counts the texts the "model" is asked to embed."""

    def __init__(self):
        super().__init__(dim=64)
        self.batches: list[list[str]] = []

    def encode(self, texts, *, progress=None):
        self.batches.append(list(texts))
        return super().encode(texts, progress=progress)


def test_second_run_embeds_nothing(fresh_project):
    emb = Counting()
    texts = ["It listened at night.", "Therapy is too expensive.", "It listened at night."]
    first = embed_texts(fresh_project, texts, embedder=emb)
    assert emb.calls == 2  # the duplicate is embedded once
    second = embed_texts(fresh_project, texts, embedder=emb)
    assert emb.calls == 2 and len(emb.batches) == 1
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32 and np.allclose(np.linalg.norm(first, axis=1), 1.0)


def test_cache_survives_reopening_and_only_new_texts_are_embedded(tmp_path):
    from qualcode.store import Project

    emb = Counting()
    with Project.open(tmp_path / "p.qualcode") as p:
        embed_texts(p, ["one excerpt", "two excerpt"], embedder=emb)
    with Project.open(tmp_path / "p.qualcode") as p:
        embed_texts(p, ["one excerpt", "three excerpt"], embedder=emb)
    assert emb.batches == [["one excerpt", "two excerpt"], ["three excerpt"]]


def test_cache_is_per_model(fresh_project):
    a, b = Counting(), HashingEmbedder(dim=32)
    embed_texts(fresh_project, ["same text"], embedder=a)
    out = embed_texts(fresh_project, ["same text"], embedder=b)
    assert b.calls == 1 and out.shape == (1, 32)


def test_progress_is_reported(fresh_project):
    seen = []
    embed_texts(fresh_project, ["a b", "c d"], embedder=Counting(), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (2, 2)
    seen.clear()
    embed_texts(fresh_project, ["a b", "c d"], embedder=Counting(), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 2)]  # all cached: still one final report for the progress bar


def test_text_hash_is_sha256_of_utf8():
    assert text_sha256("café") == "850f7dc43910ff890f8879c0ed26fe697c93a067ad93a7d50f466a7028a9bf4e"


def test_hashing_backend_by_name(monkeypatch):
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
    assert isinstance(get_embedder(), HashingEmbedder)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(QualcodeError, match="not found"):
        get_embedder(tmp_path / "no-such-model")


# --------------------------------------------------------------- the real model
@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2, loaded once for the whole test session."""
    return get_embedder()


@pytest.mark.slow
def test_model_is_loaded_once(minilm):
    assert get_embedder() is minilm
    assert minilm.model_id.startswith("all-MiniLM-L6-v2@") and minilm.dim == 384


@pytest.mark.slow
def test_long_turn_is_split_not_truncated(minilm):
    sentences = [f"Sentence {i} says the chatbot helped with worry number {i}." for i in range(80)]
    text = " ".join(sentences)
    chunks = minilm.chunks(text)
    assert len(chunks) >= 3
    counts = [len(minilm.tokenizer(c, add_special_tokens=False)["input_ids"]) for c in chunks]
    assert max(counts) <= minilm.max_pieces
    # Nothing dropped: the chunks are the text, in order, cut at sentence ends.
    assert " ".join(chunks) == text
    assert all(c.endswith(".") for c in chunks)
    # The last sentence counts: the vector differs from the first 256 pieces' vector.
    whole = minilm.encode([text])[0]
    head = minilm.encode([chunks[0]])[0]
    assert float(whole @ head) < 0.999
    assert abs(float(np.linalg.norm(whole)) - 1.0) < 1e-5


@pytest.mark.slow
def test_run_on_sentence_is_cut_at_word_starts(minilm):
    text = " ".join(["unbelievably"] * 400)  # no sentence end at all
    chunks = minilm.chunks(text)
    assert len(chunks) > 1 and " ".join(chunks) == text


@pytest.mark.slow
def test_real_model_cache_hit(fresh_project, minilm):
    before = minilm.calls
    embed_texts(fresh_project, ["It listened when nobody else was awake."], embedder=minilm)
    assert minilm.calls == before + 1
    embed_texts(fresh_project, ["It listened when nobody else was awake."], embedder=minilm)
    assert minilm.calls == before + 1


def test_project_written_before_these_tables_existed_gets_them(tmp_path):
    from qualcode.store import Project
    from qualcode.suggest import decision_log

    with Project.open(tmp_path / "old.qualcode") as p, p.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE embeddings")
        conn.exec_driver_sql("DROP TABLE suggestion_decisions")
        conn.exec_driver_sql("UPDATE qualcode_meta SET value = '2' WHERE key = 'schema_version'")
    with Project.open(tmp_path / "old.qualcode") as p:  # a version-2 project: the migrations add them
        assert embed_texts(p, ["hello there"], embedder=HashingEmbedder()).shape == (1, 256)
        assert decision_log(p) == []
