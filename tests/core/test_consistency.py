"""Consistency checks: a planted wrong code tops list (a), a planted miss shows in list (b),
and every answer is one recorded transaction (hashing embedder: fast, deterministic)."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.embed import HashingEmbedder
from qualcode.errors import QualcodeError, StoreError
from qualcode.model import SUGGESTION
from qualcode.suggest import Suggester, decision_log
from qualcode.suggest.consistency import (
    CHECKER, add_missed, check_consistency, dismiss_missed, keep_coding, rank_missed, rank_unlike, recode_coding,
    remove_coding,
)
from tests.core.test_suggest_helpers import CODES, build_study


@pytest.fixture
def emb():
    return HashingEmbedder()


def _night_codings(project, coder="ana"):
    night = project.code(CODES[0]).id
    return [c for c in project.codings(coders=[coder]) if c.code_id == night]


@pytest.fixture
def planted(fresh_project):
    """Every participant turn of 6 interviews coded by ana; one night turn recoded as cost
    (a planted mistake) and one night turn's coding deleted (a planted miss)."""
    build_study(fresh_project, n_docs=6, gold_docs=6, coder="ana", turns=8)
    night = _night_codings(fresh_project)
    wrong, gone = night[3], night[10]
    fresh_project.remove_coding(wrong.id, actor="ana")
    fresh_project.add_coding(wrong.document_id, wrong.start, wrong.end, CODES[1], "ana")
    fresh_project.remove_coding(gone.id, actor="ana")
    return fresh_project, wrong, gone


def test_planted_mistake_tops_list_a_and_planted_miss_is_in_list_b(planted, emb):
    project, wrong, gone = planted
    report = check_consistency(Suggester.build(project, "ana", embedder=emb))
    top = report.unlike[0]
    assert (top.document_id, top.start, top.end) == (wrong.document_id, wrong.start, wrong.end)
    assert top.code == CODES[1] and top.alternative == CODES[0] and top.doubt > 0
    assert top.alternative_score > top.own_score
    missed = {(m.document_id, m.start, m.end, m.code) for m in report.missed}
    assert (gone.document_id, gone.start, gone.end, CODES[0]) in missed
    assert all(m.score >= m.threshold for m in report.missed)
    # Clean codings are mostly not in doubt: the list is short, not the whole project.
    assert len(report.unlike) < 0.2 * report.checked_codings


def test_recode_keep_remove_are_one_recorded_write_each_and_leave_the_list(planted, emb):
    project, wrong, _ = planted
    s = Suggester.build(project, "ana", embedder=emb)
    report = check_consistency(s)
    top = report.unlike[0]
    recode_coding(project, top, "ana")
    now = {c.id: c for c in project.codings(coders=["ana"])}
    assert now[top.coding_id].code_id == project.code(CODES[0]).id
    with pytest.raises(StoreError, match="changed since the check"):
        recode_coding(project, top, "ana")  # stale entry: refused, nothing written
    again = check_consistency(s)
    assert top.coding_id not in {x.coding_id for x in again.unlike}
    if again.unlike:
        keep_coding(project, again.unlike[0], "ana")
        assert again.unlike[0].coding_id not in {x.coding_id for x in check_consistency(s).unlike}
    if len(again.unlike) > 1:
        remove_coding(project, again.unlike[1], "ana")
        assert again.unlike[1].coding_id not in {c.id for c in project.codings(coders=["ana"])}
    log = [d for d in decision_log(project, coder="ana", kinds=("keep", "recode", "remove")) if d.suggester == CHECKER]
    assert log[0].decision == "recode" and (log[0].start, log[0].end) == (wrong.start, wrong.end)
    actions = {e.action for e in project.events(action_prefix="consistency.")}
    assert "consistency.recode" in actions


def test_add_and_dismiss_missed(planted, emb):
    project, _, gone = planted
    s = Suggester.build(project, "ana", embedder=emb)
    report = check_consistency(s)
    target = next(m for m in report.missed if (m.start, m.end) == (gone.start, gone.end))
    coding = add_missed(project, target, "ana")
    assert coding.origin == SUGGESTION and coding.origin_detail.startswith(f"{CHECKER}/1 score=")
    assert coding.code_name == CODES[0] and coding.snippet == gone.snippet
    after = check_consistency(s)
    assert target.key not in {m.key for m in after.missed}
    if after.missed:
        dismiss_missed(project, after.missed[0], "ana")
        assert after.missed[0].key not in {m.key for m in check_consistency(s).missed}
        # A rebuilt suggester (another session) still leaves answered entries out.
        assert after.missed[0].key not in {m.key for m in check_consistency(Suggester.build(project, "ana", embedder=emb)).missed}
    # Answers never block ordinary suggestions: they are not rejections.
    assert not decision_log(project, coder="ana", kinds=("reject",))


def test_too_few_codings_is_a_clear_error(fresh_project, emb):
    build_study(fresh_project, n_docs=3, gold_docs=0, coder="ana")
    with pytest.raises(QualcodeError, match="consistency checks need more coded excerpts"):
        check_consistency(Suggester.build(fresh_project, "ana", embedder=emb))


def test_rankings_on_arrays():
    # Two exclusive codes; row 0 coded 0 but scores like 1; row 2 uncoded and looks like 1.
    oof = np.array([[0.2, 0.8], [0.9, 0.1], [0.1, 0.7], [0.2, 0.3]], dtype=np.float32)
    Y = np.array([[1, 0], [1, 0], [0, 0], [0, 1]], dtype=bool)
    groups = [([0, 1], True)]
    th = np.array([0.5, 0.5])
    ok = np.array([True, True])
    assert rank_unlike(oof, Y, groups, th, ok) == [(0, 0, 1, pytest.approx(0.6))]
    assert rank_unlike(oof, Y, groups, th, ok)[0][3] == pytest.approx(0.6)
    assert [(r, j) for r, j, _, _ in rank_missed(oof, Y, groups, th, ok)] == [(2, 1)]
    # Not exclusive: doubt is the distance below the threshold; a coded sibling does not block a miss.
    groups = [([0], False), ([1], False)]
    assert [(r, j) for r, j, _, _ in rank_unlike(oof, Y, groups, th, ok)] == [(0, 0), (3, 1)]
    assert [(r, j) for r, j, _, _ in rank_missed(oof, Y, groups, th, ok)] == [(0, 1), (2, 1)]


def test_cli_check_and_eval(planted, monkeypatch, capsys):
    import json

    from qualcode.cli import main

    project, wrong, gone = planted
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")
    assert main(["check-consistency", "-p", project.location, "--coder", "ana", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["unlike"][0]["start"], out["unlike"][0]["alternative"]) == (wrong.start, CODES[0])
    assert any(m["start"] == gone.start and m["code"] == CODES[0] for m in out["missed"])
    assert not [e for e in project.events(action_prefix="consistency.")]  # the CLI only lists
    assert main(["check-consistency", "-p", project.location, "--coder", "ana"]) == 0
    text = capsys.readouterr().out
    assert "looks more like Out-of-hours need" in text and "Possible misses" in text
    # Planting errors in the (already slightly wrong) codes of ana: found well above chance.
    assert main(["eval-consistency", "-p", project.location, "--gold-coder", "ana", "--fraction", "0.1", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    k = str(ev["planted"]["flip"])
    assert ev["summary"]["flip"][k]["recall"]["mean"] > 3 * ev["chance_precision"]["flip"]


# ------------------------------------------------------------ honest reporting
def test_a_code_coded_at_random_is_flagged_and_not_suggested(fresh_project, emb):
    """A code applied by coin flip cannot be learnt: quality says so (kappa interval reaches 0)
    and no suggestion offers it, while the learnable codes stay offered and above chance."""
    import random

    from qualcode.model import Code

    build_study(fresh_project, n_docs=8, gold_docs=6, coder="ana", turns=8)
    fresh_project.add_code(Code("Coin flip", definition="Anything at all."))
    rng = random.Random(1)
    for c in list(fresh_project.codings(coders=["ana"])):
        if rng.random() < 0.5:
            fresh_project.add_coding(c.document_id, c.start, c.end, "Coin flip", "ana")
    s = Suggester.build(fresh_project, "ana", embedder=emb)
    q = {x.code: x for x in s.quality()}
    assert q["Coin flip"].better_than_chance is False and q["Coin flip"].kappa_low <= 0
    assert q[CODES[0]].better_than_chance is True and q[CODES[0]].kappa_low > 0.5
    assert s.unlearnable() == ["Coin flip"]
    offered = {x.code for d in fresh_project.documents()[6:] for x in s.for_document(d.id)}
    assert "Coin flip" not in offered and CODES[0] in offered
    assert s.more_like("Coin flip") == [] and s.more_like("Coin flip", min_score=0.0)


# ------------------------------------------------------------------ freshness
def test_refresh_learns_from_a_new_coding_without_a_rebuild(fresh_project, emb):
    from qualcode.model import Code

    build_study(fresh_project, n_docs=6, gold_docs=3, coder="ana")
    fresh_project.add_code(Code("Sleepless", definition="Zzz."))
    s = Suggester.build(fresh_project, "ana", embedder=emb)
    j = [c.name for c in s.codes].index("Sleepless")
    before = s.scores[:, j].copy()
    assert s.scorer.basis[j] == "definition" and not s.refreshed
    # Code three night turns with the new code (as the coder would, one at a time).
    night = [c for c in fresh_project.codings(coders=["ana"]) if c.code_id == fresh_project.code(CODES[0]).id][:3]
    for c in night:
        fresh_project.add_coding(c.document_id, c.start, c.end, "Sleepless", "ana")
    assert s.revision != fresh_project.revision()
    seconds = s.refresh()
    assert s.refreshed and s.revision == fresh_project.revision() and seconds == s.refresh_seconds > 0
    assert s.scorer.basis[j] != "definition" and not np.allclose(before, s.scores[:, j])
    # The new coding is evidence for suggestions of that code now.
    found = s.more_like("Sleepless", min_score=0.0, limit=3)
    assert found and found[0].examples


def test_refresh_refits_only_the_changed_code_and_reaches_the_full_fit(fresh_project, emb):
    from qualcode.model import Code

    build_study(fresh_project, n_docs=6, gold_docs=3, coder="ana")
    fresh_project.add_code(Code("Sleepless", definition="Zzz."))
    s = Suggester.build(fresh_project, "ana", embedder=emb)
    names = [c.name for c in s.codes]
    j, reasons = names.index("Sleepless"), [names.index(c) for c in CODES]
    kept = next(m for cols, _, m in s.scorer.models if set(cols) == set(reasons))
    night = [c for c in fresh_project.codings(coders=["ana"]) if c.code_id == fresh_project.code(CODES[0]).id]
    for c in night[:4]:
        fresh_project.add_coding(c.document_id, c.start, c.end, "Sleepless", "ana")
    s.refresh()
    # Codings within coded transcripts: only the new code is trained; the untouched group keeps its model.
    assert s.scorer.refitted == [j]
    assert next(m for cols, _, m in s.scorer.models if set(cols) == set(reasons)) is kept
    full = Suggester.build(fresh_project, "ana", embedder=emb)
    np.testing.assert_allclose(s.scores, full.scores, atol=2e-3)
    # One more: the new code's model starts from its old weights and again ends at the full fit.
    fresh_project.add_coding(night[4].document_id, night[4].start, night[4].end, "Sleepless", "ana")
    s.refresh()
    assert s.scorer.refitted == [j]
    np.testing.assert_allclose(s.scores, Suggester.build(fresh_project, "ana", embedder=emb).scores, atol=2e-3)
    # A coding in a transcript nobody coded changes the training excerpts: everything is refitted.
    _, doc = fresh_project.document(fresh_project.documents()[4].id)
    seg = next(x for x in doc.segments if x.speaker != "Interviewer")
    fresh_project.add_coding(doc.name, seg.start, seg.end, CODES[0], "ana")
    s.refresh()
    assert set(s.scorer.refitted) == {j, *reasons}
    np.testing.assert_allclose(s.scores, Suggester.build(fresh_project, "ana", embedder=emb).scores, atol=2e-3)
