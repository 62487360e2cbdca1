"""Emergent themes: tiny inputs fall back cleanly, mid-size inputs are deterministic."""

from __future__ import annotations

import random

import numpy as np
import pytest

from qualcode.embed import HashingEmbedder
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.model import SUGGESTION, Code
from qualcode.suggest.units import Unit
from qualcode.suggest.themes import (
    ThemeSettings,
    accept_member,
    find_themes,
    min_topic_size_for,
    promote_theme,
    reject_member,
    themes_for_project,
)
from tests.conftest import make_interview
from tests.fixtures import ensure_coders

TOPICS = {
    "night": ["awake", "night", "sleep", "3am", "insomnia", "midnight", "dark", "lonely"],
    "cost": ["money", "afford", "expensive", "therapy", "price", "insurance", "dollars", "free"],
    "privacy": ["data", "privacy", "company", "stored", "secret", "trust", "logs", "share"],
    "family": ["mother", "father", "sister", "family", "argue", "home", "brother", "parents"],
}
FILLER = ["i", "think", "the", "bot", "was", "really", "just", "about", "it", "felt", "like", "when"]


def generated_units(n: int, seed: int = 0) -> list[Unit]:
    """``n`` excerpts from four topics, spread over 10 participants."""
    rng = random.Random(seed)
    units = []
    names = list(TOPICS)
    for i in range(n):
        topic = names[i % len(names)]
        words = rng.sample(TOPICS[topic], 5) + rng.sample(FILLER, 4)
        rng.shuffle(words)
        text = " ".join(words).capitalize() + "."
        p = f"P{i % 10:02d}"
        units.append(Unit(i % 10 + 1, p, 0, len(text), text, p, i, participant=p))
    return units


def vectors(units):
    return HashingEmbedder(dim=128).encode([u.text for u in units])


def test_too_few_excerpts_is_a_clear_message():
    units = generated_units(5)
    with pytest.raises(QualcodeError, match="too few excerpts"):
        find_themes(units, vectors(units), embedder=HashingEmbedder(dim=128))


def test_short_backchannels_are_left_out(fresh_project):
    turns = [("P01", "Mm-hmm."), ("P01", "Yeah okay.")] + [("P01", u.text) for u in generated_units(20)]
    fresh_project.add_documents([make_interview("I1", turns)])
    result = themes_for_project(fresh_project, embedder=HashingEmbedder(dim=128), settings=ThemeSettings(keywords="ctfidf"))
    assert len(result.units) == 20


def test_a_few_dozen_excerpts_fall_back_to_kmeans():
    units = generated_units(36)
    result = find_themes(units, vectors(units), embedder=HashingEmbedder(dim=128),
                         settings=ThemeSettings(keywords="ctfidf"))
    assert result.method == "kmeans" and "k-means" in result.message
    assert 2 <= len(result.themes) <= 8
    assert sum(t.size for t in result.themes) == 36
    for t in result.themes:
        assert t.label and t.quotes and t.quotes[0].participant
    again = find_themes(units, vectors(units), embedder=HashingEmbedder(dim=128), settings=ThemeSettings(keywords="ctfidf"))
    assert np.array_equal(result.assignment, again.assignment)


def test_min_topic_size_grows_with_the_corpus():
    assert min_topic_size_for(40) == 5 and min_topic_size_for(300) == 5
    assert min_topic_size_for(5000) == 33
    assert min_topic_size_for(10**6) == 100


def test_themes_map_to_the_nearest_code_and_promote_to_a_draft_code(fresh_project):
    turns = []
    for i, u in enumerate(generated_units(40)):
        turns += [("Interviewer", "Go on."), (f"P{i % 4:02d}", u.text)]
    fresh_project.add_documents([make_interview("I1", turns[:40], participant="P00"), make_interview("I2", turns[40:])])
    fresh_project.add_code(Code("Cost barrier", definition="money afford expensive therapy price insurance"))
    result = themes_for_project(fresh_project, speakers=["P00", "P01", "P02", "P03"], embedder=HashingEmbedder(dim=128),
                                settings=ThemeSettings(keywords="ctfidf"))
    assert len(result.units) == 40  # interviewer turns left out
    cost = max(result.themes, key=lambda t: sum(w in TOPICS["cost"] for w in t.keywords[:5]))
    assert cost.nearest_code == "Cost barrier"
    before = [c.name for c in fresh_project.codes()]
    with pytest.raises(NotFoundError, match="no coder 'ana'"):  # nobody created ana here: nothing written
        promote_theme(fresh_project, result, cost.id, name="Money worries", actor="ana")
    assert [c.name for c in fresh_project.codes()] == before and fresh_project.coders() == []
    fresh_project.add_coder("ana")
    code_id, suggestions = promote_theme(fresh_project, result, cost.id, name="Money worries", actor="ana")
    code = fresh_project.code(code_id)
    assert code.name == "Money worries" and code.definition == ""
    assert "Draft code promoted" in fresh_project.memo("code", code_id)[0]
    assert not fresh_project.codings(), "promoting codes nothing"
    assert len(suggestions) == cost.size and all(s.code_id == code_id for s in suggestions)
    coding = accept_member(fresh_project, suggestions[0], "ana")
    assert coding.origin == SUGGESTION and coding.origin_detail.startswith("qualcode-themes/1")
    reject_member(fresh_project, suggestions[1], "ana")
    assert len(fresh_project.codings()) == 1


def test_uncoded_only_leaves_out_coded_excerpts(fresh_project):
    turns = [(f"P{i % 3}", u.text) for i, u in enumerate(generated_units(30))]
    fresh_project.add_documents([make_interview("I1", turns)])
    fresh_project.add_code(Code("Any"))
    _, doc = fresh_project.document("I1")
    seg = doc.segments[0]
    ensure_coders(fresh_project, "ana")
    fresh_project.add_coding("I1", seg.start, seg.end, "Any", "ana")
    result = themes_for_project(fresh_project, uncoded_only=True, coder="ana", embedder=HashingEmbedder(dim=128),
                                settings=ThemeSettings(keywords="ctfidf"))
    assert len(result.units) == 29 and all(u.start != seg.start for u in result.units)


@pytest.mark.slow
def test_bertopic_on_a_few_hundred_excerpts_is_deterministic():
    units = generated_units(320)
    codes = [Code("Cost barrier", definition="money afford expensive therapy price", id=1)]
    V = vectors(units)
    emb = HashingEmbedder(dim=128)
    settings = ThemeSettings(seed=7, keywords="ctfidf", min_topic_size=15)
    a = find_themes(units, V, codes=codes, embedder=emb, settings=settings)
    b = find_themes(units, V, codes=codes, embedder=emb, settings=settings)
    assert a.method == "bertopic", a.message
    assert np.array_equal(a.assignment, b.assignment)
    assert [t.label for t in a.themes] == [t.label for t in b.themes]
    assert 2 <= len(a.themes) <= 12  # sized to the corpus: no confetti
    assert a.per_participant()["excerpts"].sum() == int((a.assignment >= 0).sum())
    # The four generated topics are recovered: each theme is (mostly) one topic.
    topic_of = [i % 4 for i in range(len(units))]
    for t in a.themes:
        counts = np.bincount([topic_of[i] for i in t.members], minlength=4)
        assert counts.max() / counts.sum() > 0.8


def test_themes_use_participant_turns_unless_asked(fresh_project):
    """Themes never quote an interviewer's question as a participant's words (the
    default roles); roles=None takes every speaker's turns."""
    question = "Could you tell me a little more about what happened on that night with the app?"
    turns = []
    for i, u in enumerate(generated_units(36)):
        turns += [("Interviewer", question), (f"P{i % 4:02d}", u.text)]
    fresh_project.add_documents([make_interview("I1", turns)])
    settings = ThemeSettings(keywords="ctfidf")
    default = themes_for_project(fresh_project, embedder=HashingEmbedder(dim=128), settings=settings)
    assert len(default.units) == 36 and "Interviewer" not in {u.speaker for u in default.units}
    assert not [q for t in default.themes for q in t.quotes if q.text == question]
    every = themes_for_project(fresh_project, roles=None, embedder=HashingEmbedder(dim=128), settings=settings)
    assert "Interviewer" in {u.speaker for u in every.units}


def test_a_quote_of_an_interviewer_turn_is_attributed_to_the_interviewer():
    from qualcode.suggest.themes import Quote, quote_source

    question = Quote(1, "I1", 0, 10, "Why?", "P07", "Interviewer")
    answer = Quote(1, "I1", 10, 20, "Because.", "P07", "P07")
    assert quote_source(question) == "Interviewer" and quote_source(answer) == "P07"
    assert quote_source(Quote(1, "I1", 0, 5, "Hi.", "P07", None)) == "P07"
    # A confirmed role wins: a co-interviewer labelled "Sam" is not the participant.
    assert quote_source(Quote(1, "I1", 0, 5, "And then?", "P07", "Sam"), {"Sam": "interviewer"}) == "Sam"


def test_umap_transform_of_fitted_excerpts_returns_their_fitted_rows():
    # BERTopic's zero-shot path re-places already-fitted excerpts with UMAP.transform; the
    # themes' UMAP returns the rows it fitted (exact, no pynndescent query to compile).
    # With the themes' own settings (exact neighbours, as up to EXACT_MAX excerpts): the
    # same compiled kernels as the BERTopic test above, not pynndescent's (35 s on CI).
    from umap import UMAP

    from qualcode.suggest.themes import _fitted_umap_class, umap_settings

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 16)).astype(np.float32)
    model = _fitted_umap_class(UMAP)(**umap_settings(X, seed=1))
    fitted = model.fit_transform(X)
    picked = [3, 70, 5, 5]
    np.testing.assert_array_equal(model.transform(X[picked]), fitted[picked])
