"""The parts that make themes fast: exact neighbours for UMAP, and part-of-speech labels."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.embed import HashingEmbedder
from qualcode.model import Code
from qualcode.suggest.neighbours import exact_cosine_neighbours
from qualcode.suggest.theme_labels import _candidates, _sentence
from qualcode.suggest.themes import ThemeSettings, find_themes, umap_settings
from tests.core.test_themes import generated_units, vectors


def test_exact_neighbours_match_a_brute_force_search():
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(3).normal(size=(700, 24)).astype(np.float32)
    idx, dist = exact_cosine_neighbours(X, 10)
    assert idx.shape == dist.shape == (700, 10) and idx.dtype == np.int32 and dist.dtype == np.float32
    ref_dist, ref_idx = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(X).kneighbors(X)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    assert (idx[:, 0] == np.arange(700)).all() and (dist[:, 0] == 0).all()
    assert (np.diff(dist, axis=1) >= 0).all()


def test_exact_neighbours_are_deterministic_with_duplicates_and_blocks(monkeypatch):
    import qualcode.suggest.neighbours as nb

    base = np.random.default_rng(5).normal(size=(50, 8)).astype(np.float32)
    X = np.vstack([base, base, base])  # every row has two exact twins: ties everywhere
    whole = exact_cosine_neighbours(X, 6)
    monkeypatch.setattr(nb, "_BLOCK_CELLS", 150 * 7)  # blocks of 7 rows
    blocked = exact_cosine_neighbours(X, 6)
    np.testing.assert_array_equal(whole[0], blocked[0])
    # BLAS on one thread rounds the product differently from BLAS on two (CI once saw the
    # twins of row 44 swap places between the two calls above, before the exact re-scoring).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        one_thread = exact_cosine_neighbours(X, 6)
    np.testing.assert_array_equal(whole[0], one_thread[0])
    np.testing.assert_array_equal(whole[1], one_thread[1])
    # A row first, then its twins in row order (ties broken by row number).
    assert whole[0][0, :3].tolist() == [0, 50, 100] and whole[0][50, :3].tolist() == [50, 0, 100]
    with pytest.raises(ValueError, match="k must be"):
        exact_cosine_neighbours(X, 151)


def test_umap_gets_exact_neighbours_up_to_the_limit(monkeypatch):
    import qualcode.suggest.themes as th

    X = np.random.default_rng(1).normal(size=(40, 8)).astype(np.float32)
    args = umap_settings(X, seed=3)
    assert args["random_state"] == 3 and args["n_neighbors"] == 15 and args["n_epochs"] == th.UMAP_EPOCHS
    knn_idx, knn_dist, index = args["precomputed_knn"]
    assert knn_idx.shape == (40, 15) and index is None and "force_approximation_algorithm" not in args
    monkeypatch.setattr(th, "EXACT_MAX", 39)
    args = umap_settings(X, seed=3)
    assert "precomputed_knn" not in args and args["force_approximation_algorithm"] is True


def test_a_keyword_brings_its_sentence_not_the_whole_turn():
    text = "I slept badly. " + "We talked for ages about nothing much at all. " * 8 + "Then my sister called. Bye."
    start, end = _sentence(text.lower(), text.lower().find("sister"), text.lower().find("sister") + 6)
    assert text[start:end].strip() == "Then my sister called."
    # A long sentence is cut at spaces, at most 120 characters either side of the word.
    long = " ".join(["word"] * 100) + " insomnia " + " ".join(["word"] * 100)
    at = long.find("insomnia")
    start, end = _sentence(long, at, at + 8)
    assert at - start <= 120 and end - at - 8 <= 120 and long[start] != " " and "insomnia" in long[start:end]
    assert long[start - 1] == " " and long[end] == " "
    # Any case; each keyword's first excerpt; one sentence once.
    texts = ["Nothing here.", "Money is tight. Sleep is worse.", "SLEEP again."]
    assert _candidates(texts, ["sleep", "money", "absent"]) == ["Sleep is worse.", "Money is tight."]


SENTENCES = {
    "night": ["I {v} awake at night in the dark flat", "At night I {v} about my lonely job",
              "On the night shift I {v} for hours", "Every night in the dark room I {v}"],
    "cost": ["We cannot {v} the therapy sessions", "My family could not {v} the expensive clinic",
             "Nobody can {v} private therapy fees", "Students never {v} the monthly insurance"],
}
VERBS = {"night": ["worry", "fret", "weep"], "cost": ["afford", "fund", "cover"]}


def sentence_units(n: int):
    from qualcode.suggest.units import Unit

    units = []
    for i in range(n):
        topic = "night" if i % 2 else "cost"
        text = SENTENCES[topic][i // 2 % 4].format(v=VERBS[topic][i // 8 % 3]) + "."
        units.append(Unit(i % 10 + 1, f"P{i % 10}", 0, len(text), text, f"P{i % 10}", i, participant=f"P{i % 10}"))
    return units


@pytest.mark.slow
@pytest.mark.parametrize("keywords", ["pos", "ctfidf"])
def test_part_of_speech_labels_keep_nouns_and_adjectives(keywords):
    # Real spaCy tagger, real BERTopic, real sentences: the verbs of each topic are among
    # its most distinctive words, but a part-of-speech label never shows them (plain
    # c-TF-IDF keywords do: that is what the labels step is for).
    units = sentence_units(240)
    result = find_themes(units, vectors(units), embedder=HashingEmbedder(dim=128),
                         settings=ThemeSettings(seed=7, keywords=keywords, min_topic_size=15))
    assert result.method == "bertopic", result.message
    words = {w for t in result.themes for k in t.keywords for w in k.split()}
    verbs = {v for vs in VERBS.values() for v in vs}
    if keywords == "ctfidf":
        assert words & verbs
        return
    assert words and not words & verbs, words
    assert {"night", "therapy"} <= words
    for t in result.themes:
        member_text = " ".join(units[i].text.lower() for i in t.members)
        assert all(k in member_text for k in t.keywords), t.keywords


def test_label_words_need_two_excerpts_not_two_themes():
    from qualcode.suggest.themes import _vectorizer

    texts = [f"the clinic was expensive {i}" for i in range(30)] + [f"night shifts again {i}" for i in range(30)]
    texts.append("a typoo once")
    vec = _vectorizer(texts)
    # BERTopic fits it on one document per theme: a word of one theme only must survive.
    vec.fit(["the clinic was expensive " * 30 + "a typoo once", "night shifts again " * 30])
    words = set(vec.get_feature_names_out())
    assert {"clinic", "expensive", "night", "shifts", "clinic expensive"} <= words
    assert "typoo" not in words


def test_small_inputs_and_large_inputs_agree_on_neighbours(monkeypatch):
    # Up to 1,000 rows numpy picks the top-k (the app's warm-up does not import torch for
    # it); above, torch does. Both give the same neighbours.
    import qualcode.suggest.neighbours as nb

    X = np.random.default_rng(9).normal(size=(300, 12)).astype(np.float32)
    small = exact_cosine_neighbours(X, 8)
    monkeypatch.setattr(nb, "_NUMPY_TOP_K_MAX", 10)
    large = exact_cosine_neighbours(X, 8)
    np.testing.assert_array_equal(small[0], large[0])
    np.testing.assert_allclose(small[1], large[1], atol=1e-6)
