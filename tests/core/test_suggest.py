"""Code suggestions: units, labels, thresholds, accept/reject semantics (hashing embedder: fast)."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.embed import HashingEmbedder
from qualcode.errors import QualcodeError
from qualcode.model import SUGGESTION, Code
from qualcode.suggest import Suggester, decision_log, project_units, split_sentences
from qualcode.suggest.calibrate import best_threshold
from qualcode.suggest.units import label_units
from tests.conftest import make_interview
from tests.core.test_suggest_helpers import CODES, build_study


@pytest.fixture
def emb():
    return HashingEmbedder()


@pytest.fixture
def study(fresh_project):
    build_study(fresh_project, n_docs=6, gold_docs=3, coder="ana")
    return fresh_project


# ------------------------------------------------------------------- units
def test_split_sentences_keeps_exact_offsets_and_merges_fragments():
    text = "Yeah. I used it every night because nobody was awake. It never judged me at all, honestly! Right?"
    spans = split_sentences(text, 100)
    got = [text[s - 100 : e - 100] for s, e in spans]
    assert got == ["Yeah. I used it every night because nobody was awake.",
                   "It never judged me at all, honestly! Right?"]


def test_units_filter_speakers_split_long_turns_and_keep_context(fresh_project):
    long = " ".join(f"Sentence number {i} is about the chatbot helping me." for i in range(20))
    fresh_project.add_documents([make_interview("P01", [("Interviewer", "Tell me."), ("P01", long), ("Interviewer", "Thanks.")],
                                                participant="P01")])
    units = project_units(fresh_project, speakers=["p01"], split_long=60)
    _, doc = fresh_project.document("P01")
    assert len(units) > 1 and all(u.speaker == "P01" for u in units)
    assert all(doc.text[u.start : u.end] == u.text for u in units)
    assert units[0].prev_text == "Tell me." and units[0].next_text == "Thanks." and units[0].participant == "P01"
    whole = project_units(fresh_project, speakers=["P01"], split_long=None)
    assert len(whole) == 1 and whole[0].text == long


def test_labels_follow_overlap_both_ways(study):
    units = project_units(study, speakers=None, split_long=None)
    codings = study.codings(coders=["ana"])
    Y = label_units(units, codings, [study.code(CODES[0]).id, study.code(CODES[1]).id])
    coded = {(c.document_id, c.start, c.end) for c in codings}
    assert all(Y[i].sum() == ((u.document_id, u.start, u.end) in coded) for i, u in enumerate(units))


# --------------------------------------------------------------- thresholds
def test_best_threshold_maximises_f1():
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.1])
    truth = np.array([1, 1, 0, 1, 0, 0])
    t, p, r, f = best_threshold(scores, truth)
    assert 0.3 < t < 0.4 and (p, r) == (0.75, 1.0) and f == pytest.approx(6 / 7)


# ------------------------------------------------------------------ suggest
def test_zero_codings_uses_definitions(fresh_project, emb):
    build_study(fresh_project, n_docs=2, gold_docs=0)
    s = Suggester.build(fresh_project, "ana", embedder=emb)
    assert {q.basis for q in s.quality()} == {"definition"}
    assert all(not q.calibrated for q in s.quality())
    found = s.more_like(CODES[0], min_score=0.0, limit=5)
    assert found and found[0].definition is not None and found[0].examples == ()


def test_learns_from_codings_and_shows_evidence(study, emb):
    s = Suggester.build(study, "ana", embedder=emb)
    q = {x.code: x for x in s.quality()}
    assert q[CODES[0]].calibrated and q[CODES[0]].f1 > 0.8 and q[CODES[0]].basis != "definition"
    doc = study.documents()[4]
    found = s.for_document(doc.id)
    assert found, "uncoded transcript gets suggestions"
    for x in found:
        night = "night" in x.text or "awake" in x.text or "am " in x.text
        assert (x.code == CODES[0]) == night, x
        assert x.score >= x.threshold and x.examples and x.examples[0].text
        assert x.definition and x.definition.field in {"name", "definition", "example", "when_to_use"}


def test_accept_codes_with_origin_suggestion_and_reject_is_remembered(study, emb):
    s = Suggester.build(study, "ana", embedder=emb)
    doc = study.documents()[4]
    first, second = s.for_document(doc.id)[:2]
    coding = s.accept(first)
    assert coding.origin == SUGGESTION and coding.coder == "ana" and coding.snippet == first.text
    assert coding.origin_detail.startswith("qualcode-suggest/1 score=")
    s.reject(second)
    left = s.for_document(doc.id)
    assert first.key not in {x.key for x in left} and second.key not in {x.key for x in left}
    assert second.key not in {x.key for x in s.more_like(second.code_id, limit=1000, min_score=0.0)}
    # A rebuilt suggester (new session, new codings) still respects the rejection.
    again = Suggester.build(study, "ana", embedder=emb)
    assert second.key not in {x.key for x in again.for_document(doc.id, min_score=0.0)}
    log = decision_log(study, coder="ana")
    assert [d.decision for d in log] == ["accept", "reject"]
    assert {e.action for e in study.events(action_prefix="suggestion.")} == {"suggestion.accept", "suggestion.reject"}


def test_rejection_is_per_coder(study, emb):
    s = Suggester.build(study, "ana", embedder=emb)
    doc = study.documents()[4]
    x = s.for_document(doc.id)[0]
    s.reject(x)
    ben = Suggester.build(study, "ben", embedder=emb)
    assert x.key in {y.key for y in ben.for_document(doc.id, min_score=0.0)}


def test_stale_suggestion_cannot_code_other_text(study, emb):
    from dataclasses import replace

    from qualcode.errors import StoreError

    s = Suggester.build(study, "ana", embedder=emb)
    x = s.for_document(study.documents()[4].id)[0]
    with pytest.raises(StoreError, match="does not match"):
        s.accept(replace(x, text="something else entirely"))
    assert not decision_log(study)


def test_several_codes_per_excerpt_allowed(fresh_project, emb):
    build_study(fresh_project, n_docs=4, gold_docs=2, coder="ana")
    fresh_project.add_code(Code("Night (anything)", definition="night awake sleep"))
    s = Suggester.build(fresh_project, "ana", embedder=emb)
    per_unit: dict = {}
    for x in s.for_document(fresh_project.documents()[3].id, min_score=0.0):
        per_unit.setdefault((x.start, x.end), []).append(x.code)
    assert any(len(v) >= 2 for v in per_unit.values())


def test_empty_codebook_is_a_clear_error(fresh_project, emb):
    fresh_project.add_documents([make_interview("P01", [("P01", "Hello there.")])])
    with pytest.raises(QualcodeError, match="no codable codes"):
        Suggester.build(fresh_project, "ana", embedder=emb)


@pytest.mark.slow
def test_real_model_suggests_the_right_code_with_evidence(study):
    from qualcode.embed import get_embedder

    minilm = get_embedder()  # loaded once per process (lru_cache), shared with test_embed
    s = Suggester.build(study, "ana", embedder=minilm)
    doc = study.documents()[5]
    found = s.for_document(doc.id)
    assert found
    for x in found:
        night = any(w in x.text for w in ("night", "awake", "am "))
        assert (x.code == CODES[0]) == night, x
    assert found[0].examples[0].similarity > 0.5


# ------------------------------------------------------------ speaker roles
def test_suggestions_are_for_participant_turns_unless_asked(study, emb):
    """The default: the participants' turns (roles detected or confirmed), never the
    interviewer's questions; roles=None asks for every turn, speakers names them."""
    from qualcode.store.speakers import confirm_speaker_roles
    from qualcode.suggest import PARTICIPANT_ROLES

    default = Suggester.build(study, "ana", embedder=emb)
    speakers = {u.speaker for u in default.units}
    assert "Interviewer" not in speakers and speakers
    assert not [s for d in study.documents() for s in default.for_document(d.id) if s.text.endswith("?")]
    every = Suggester.build(study, "ana", embedder=emb, roles=None)
    assert "Interviewer" in {u.speaker for u in every.units}
    assert len(every.units) > len(default.units)
    # A confirmed role wins over the label: P01 marked an interviewer is left out too.
    confirm_speaker_roles(study, {"P01": "interviewer"})
    units = project_units(study, roles=PARTICIPANT_ROLES)
    assert {u.speaker for u in units} == speakers - {"P01"}
    # Naming speakers chooses the turns instead of roles.
    assert {u.speaker for u in project_units(study, speakers=["Interviewer"], roles=PARTICIPANT_ROLES)} == {"Interviewer"}


def test_one_used_code_is_no_evidence_that_its_siblings_exclude_each_other():
    """A coder who has used one code of a group taught nothing about a choice between
    siblings: the group is not exclusive, so siblings known only by their definitions cannot
    outscore and silence that code (the blind-mode browser test found it silenced)."""
    import numpy as np

    from qualcode.suggest.scorer import find_groups

    parents = ["Reasons", "Reasons", "Reasons"]
    labelled = np.ones(4, dtype=bool)
    one_used = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]])
    assert find_groups(parents, one_used, labelled) == [([0, 1, 2], False)]
    two_used_never_together = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert find_groups(parents, two_used_never_together, labelled) == [([0, 1, 2], True)]
    two_used_together = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert find_groups(parents, two_used_together, labelled) == [([0, 1, 2], False)]


def test_kappa_is_unknown_not_chance_when_every_unit_is_on_one_side():
    """A code coded on every unit (and suggested on every unit) has no chance-corrected
    agreement to report: unknown, not 'no better than chance'; a real coin flip stays at chance."""
    import math

    import numpy as np

    from qualcode.suggest.calibrate import kappa_interval

    everywhere = np.ones(12, dtype=bool)
    k, lo, hi = kappa_interval(everywhere, everywhere, np.repeat(np.arange(4), 3))
    assert math.isnan(k) and math.isnan(lo) and math.isnan(hi)
    rng = np.random.default_rng(1)
    truth = rng.random(400) < 0.5
    coin = rng.random(400) < 0.5
    k, lo, hi = kappa_interval(coin, truth, np.repeat(np.arange(40), 10))
    assert lo <= 0 <= hi and abs(k) < 0.15
    k, lo, hi = kappa_interval(truth, truth, np.repeat(np.arange(40), 10))
    assert k == lo == hi == 1.0


def test_calibration_folds_on_threads_equal_the_folds_one_after_another(study, emb, monkeypatch):
    """The folds run on as many threads as cores; each fold's fit is its own, so the
    thresholds, quality figures and scores are exactly those of running them in turn."""
    from qualcode.suggest import calibrate

    threaded = Suggester.build(study, "ana", embedder=emb)
    monkeypatch.setattr(calibrate.os, "cpu_count", lambda: 1)
    in_turn = Suggester.build(study, "ana", embedder=emb)
    assert [repr(q) for q in threaded.quality()] == [repr(q) for q in in_turn.quality()]  # NaN kappas too
    assert any(q.calibrated for q in threaded.quality())
    doc = study.documents()[4]
    a = [(x.key, x.score) for x in threaded.for_document(doc.id)]
    assert a and a == [(x.key, x.score) for x in in_turn.for_document(doc.id)]
