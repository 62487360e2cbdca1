"""Consensus glue: frames from a project, the labelled report, and the majority
consensus written in one transaction (votes, threshold, machine voter, re-runs).

Adjudication of single disagreements is in test_consensus_adjudication.py.
"""

from __future__ import annotations

import math

import pandas as pd
import numpy as np
import pytest

from qualcode.agreement import agreement_report
from qualcode.agreement.consensus import (
    adjudicate,
    list_disagreements,
    majority_table,
    write_majority_consensus,
    NEITHER,
)
from qualcode.agreement.project import agreement_table, load_agreement_data, report_records
from qualcode.errors import QualcodeError, StoreError
from qualcode.model import CONSENSUS, SUGGESTION, Code
from qualcode.store import Project
from tests.fixtures import ensure_coders

LISTENER, REHEARSAL, GENERIC = "Non-judgemental listener", "Rehearsal space", "Generic replies"


def turns(project: Project, doc: str):
    return project.document(doc)[1].segments


def code_turn(project: Project, doc: str, i: int, code: str, coder: str, **kw):
    t = turns(project, doc)[i]
    ensure_coders(project, coder)
    return project.add_coding(doc, t.start, t.end, code, coder, **kw)


def three_coders(project: Project) -> Project:
    """ana, ben, carl on P01 (carl never opened P02):

    P01 turn 1: listener by all three; generic by carl only.
    P01 turn 3: generic by ana and ben.
    P02 turn 1: rehearsal by ana and ben; listener by ana only.
    """
    for coder in ("ana", "ben", "carl"):
        code_turn(project, "P01", 1, LISTENER, coder)
    code_turn(project, "P01", 1, GENERIC, "carl")
    code_turn(project, "P01", 3, GENERIC, "ana")
    code_turn(project, "P01", 3, GENERIC, "ben")
    code_turn(project, "P02", 1, REHEARSAL, "ana")
    code_turn(project, "P02", 1, REHEARSAL, "ben")
    code_turn(project, "P02", 1, LISTENER, "ana")
    return project


@pytest.fixture
def study(small_study):
    return three_coders(small_study)


def consensus_codings(project, coder="consensus"):
    return [(project.document(c.document_id)[1].name, c.start, c.code_name, c.origin_detail)
            for c in project.codings(coders=[coder])]


# ------------------------------------------------------------------ frames
def test_frames_use_ids_codebook_order_and_infer_who_coded_what(study):
    data = load_agreement_data(study, ["ana", "ben", "carl"])
    ids = {c.name: c.id for c in study.codes()}
    assert data.codes == [ids[LISTENER], ids[REHEARSAL], ids[GENERIC]]  # codebook order, theme folder absent
    assert set(data.codings.columns) >= {"document", "start", "end", "code", "coder"}
    # carl has no coding in P02: his units there are missing, not "absent".
    assert data.coded_documents == {"ana": [1, 2], "ben": [1, 2], "carl": [1]}
    assert load_agreement_data(study, ["ana", "ben"], all_documents=True).coded_documents is None
    one = load_agreement_data(study, ["ana", "ben"], document="P02", codes=[REHEARSAL])
    assert set(one.segments["document"]) == {2} and one.codes == [ids[REHEARSAL]]
    assert set(one.codings["document"]) == {2}


def test_unknown_coder_and_code_are_clear_errors(study):
    with pytest.raises(QualcodeError, match="no coder 'zoe'"):
        load_agreement_data(study, ["ana", "zoe"])
    with pytest.raises(QualcodeError, match="Nothing"):
        load_agreement_data(study, ["ana", "ben"], codes=["Nothing"])


def test_a_document_without_turns_is_one_unit(fresh_project):
    from qualcode.model import Document

    fresh_project.add_documents([Document(name="notes", text="Field notes: she laughed, then cried.")])
    fresh_project.add_code(Code("Emotion"))
    ensure_coders(fresh_project, "ana", "ben")
    fresh_project.add_coding("notes", 13, 24, "Emotion", "ana")
    fresh_project.add_coding("notes", 26, 36, "Emotion", "ben")
    data = load_agreement_data(fresh_project, ["ana", "ben"])
    assert data.segments[["start", "end"]].values.tolist() == [[0, 37]]
    report = agreement_table(data, n_boot=0)
    assert report.loc[0, "percent_agreement"] == 1.0


def test_same_code_name_under_two_themes_is_labelled_by_theme(small_study):
    small_study.add_code(Code("Harms", codable=False))
    small_study.add_code(Code("Other", parent="Support roles"))
    small_study.add_code(Code("Other", parent="Harms"))
    other = [c for c in small_study.codes() if c.name == "Other"]
    code_turn(small_study, "P01", 1, other[0].id, "ana")
    code_turn(small_study, "P01", 1, other[1].id, "ben")
    report = agreement_table(load_agreement_data(small_study, ["ana", "ben"]), n_boot=0)
    assert list(report["code"]) == ["Support roles › Other", "Harms › Other", "pooled"]


def test_report_equals_the_library_on_hand_built_frames(study):
    """The labelled report is the library's report: same numbers, codes by name."""
    coders = ["ana", "ben", "carl"]
    report = agreement_table(load_agreement_data(study, coders), n_boot=200, seed=3)
    frame = study.codings_frame()
    segs = study.segments_frame()
    expected = agreement_report(frame, segs, coders, [LISTENER, REHEARSAL, GENERIC], n_boot=200, seed=3,
                                coded_documents={"ana": ["P01", "P02"], "ben": ["P01", "P02"], "carl": ["P01"]})
    num = [c for c in expected.columns if c not in ("code", "flag", "note")]
    pd.testing.assert_frame_equal(report[num], expected[num])
    assert list(report["flag"]) == list(expected["flag"]) and list(report["code"]) == list(expected["code"])
    rows = report_records(report)
    assert rows[0]["cohens_kappa"] is None  # three coders: Cohen's kappa undefined -> null, not NaN
    assert all(not (isinstance(v, float) and math.isnan(v)) for r in rows for v in r.values())


# ---------------------------------------------------------------- majority
def test_majority_votes_are_recorded_on_each_consensus_coding(study):
    result = write_majority_consensus(study, ["ana", "ben", "carl"], as_coder="agreed")
    assert (result.written, result.replaced) == (3, 0)
    assert consensus_codings(study, "agreed") == [
        ("P01", turns(study, "P01")[1].start, LISTENER, "majority 3/3: ana, ben, carl; rule: more than 0.5 of at least 2 voters, spans: majority of characters"),
        ("P01", turns(study, "P01")[3].start, GENERIC, "majority 2/3: ana, ben; against: carl; rule: more than 0.5 of at least 2 voters, spans: majority of characters"),
        # carl did not code P02, so he does not vote there.
        ("P02", turns(study, "P02")[1].start, REHEARSAL, "majority 2/2: ana, ben; rule: more than 0.5 of at least 2 voters, spans: majority of characters"),
    ]
    for c in study.codings(coders=["agreed"]):
        assert c.origin == CONSENSUS
        seg = next(s for s in study.document(c.document_id)[1].segments if s.start == c.start)
        assert c.end == seg.end  # the coders all marked the whole turn, so the consensus span is the turn


def test_a_lone_coder_is_never_a_consensus(study):
    # ben's P02 codings go: only ana coded P02 (carl never opened it), one voter is
    # below the default quorum of two.
    for c in study.codings(document="P02", coders=["ben"]):
        study.remove_coding(c.id)
    write_majority_consensus(study, ["ana", "ben", "carl"])
    assert [d for d, _, _, _ in consensus_codings(study)] == ["P01", "P01"]
    # quorum=1 is the old, lenient behaviour, available only when asked for.
    write_majority_consensus(study, ["ana", "ben", "carl"], quorum=1)
    assert "P02" in [d for d, _, _, _ in consensus_codings(study)]
    with pytest.raises(QualcodeError, match="quorum"):
        write_majority_consensus(study, ["ana", "ben", "carl"], quorum=0)


def test_consensus_keeps_the_coders_spans_not_the_turn(fresh_project):
    p = fresh_project
    text = "Family rules matter here. The kids go to bed at eight, that is all."
    from qualcode.model import Document
    p.add_documents([Document(name="P09", text=text)])
    p.add_code(Code("Norms"))
    ensure_coders(p, "ana", "ben", "carl")
    # One unit (no turns). ana and ben overlap on "Family rules matter"; carl marks it too, wider.
    p.add_coding("P09", 0, 19, "Norms", "ana")
    p.add_coding("P09", 7, 24, "Norms", "ben")
    p.add_coding("P09", 0, 24, "Norms", "carl")
    write_majority_consensus(p, ["ana", "ben", "carl"])
    [(s, e, detail)] = [(c.start, c.end, c.origin_detail) for c in p.codings(coders=["consensus"])]
    assert (s, e) == (0, 24) and "spans: majority of characters" in detail  # covered by >= 2 of 3
    write_majority_consensus(p, ["ana", "ben"])  # two coders: the intersection
    assert [(c.start, c.end) for c in p.codings(coders=["consensus"])] == [(7, 19)]
    assert "the kids" not in text[7:19].lower()


def test_disjoint_spans_fall_back_to_their_union(fresh_project):
    p = fresh_project
    from qualcode.model import Document
    p.add_documents([Document(name="P09", text="First part of the answer. Second part of it.")])
    p.add_code(Code("Norms"))
    ensure_coders(p, "ana", "ben")
    p.add_coding("P09", 0, 10, "Norms", "ana")
    p.add_coding("P09", 26, 37, "Norms", "ben")
    write_majority_consensus(p, ["ana", "ben"])
    rows = sorted((c.start, c.end, c.origin_detail) for c in p.codings(coders=["consensus"]))
    assert [(s, e) for s, e, _ in rows] == [(0, 10), (26, 37)] and all("spans: union" in d for _, _, d in rows)


def test_threshold_raises_the_bar(study):
    table = majority_table(load_agreement_data(study, ["ana", "ben", "carl"]), threshold=0.7)
    assert sorted(table["code_label"]) == [LISTENER, REHEARSAL]  # 2/3 = .667 is not > .7
    with pytest.raises(QualcodeError, match="threshold"):
        write_majority_consensus(study, ["ana", "ben", "carl"], threshold=1.0)


def test_two_coders_must_both_agree(study):
    write_majority_consensus(study, ["ana", "ben"])
    assert [(d, code) for d, _, code, _ in consensus_codings(study)] == [
        ("P01", LISTENER), ("P01", GENERIC), ("P02", REHEARSAL)]


def test_accepted_suggestions_count_as_one_more_voter(study):
    # dan (not compared) accepted a machine suggestion: listener on P02 turn 1, where
    # ana applied it and ben did not. With the machine's vote that is 2 of 3.
    code_turn(study, "P02", 1, LISTENER, "dan", origin=SUGGESTION, origin_detail="qualcode-suggest/1 score=0.810")
    without = write_majority_consensus(study, ["ana", "ben"])
    assert (LISTENER, "P02") not in {(c, d) for d, _, c, _ in consensus_codings(study)}
    with_machine = write_majority_consensus(study, ["ana", "ben"], with_suggestions=True)
    rows = consensus_codings(study)
    assert ("P02", turns(study, "P02")[1].start, LISTENER, "majority 2/3: ana, suggestions; against: ben; rule: more than 0.5 of at least 2 voters, spans: majority of characters") in rows
    # The machine voted only where a suggestion was accepted (P02): P01 stays 2/2.
    assert ("P01", turns(study, "P01")[3].start, GENERIC, "majority 2/2: ana, ben; rule: more than 0.5 of at least 2 voters, spans: majority of characters") in rows
    assert with_machine.written == without.written + 1 and with_machine.replaced == without.written


def test_the_machine_voter_never_takes_a_human_coders_name(study):
    study.add_coder("suggestions")
    code_turn(study, "P02", 1, LISTENER, "dan", origin=SUGGESTION)
    data = load_agreement_data(study, ["ana", "ben"], with_suggestions=True)
    assert data.extra_voter == "suggestions (machine)"


def test_rerun_replaces_instead_of_duplicating_and_keeps_other_scopes(study):
    write_majority_consensus(study, ["ana", "ben", "carl"])
    first = consensus_codings(study)
    again = write_majority_consensus(study, ["ana", "ben", "carl"])
    assert (again.written, again.replaced) == (3, 3)
    assert consensus_codings(study) == first
    # ben removes his generic code on P01 turn 3: re-running drops that majority.
    [g] = [c for c in study.codings(coders=["ben"]) if c.code_name == GENERIC]
    study.remove_coding(g.id)
    write_majority_consensus(study, ["ana", "ben", "carl"], document="P01")
    assert [(d, code) for d, _, code, _ in consensus_codings(study)] == [("P01", LISTENER), ("P02", REHEARSAL)]
    # Once nobody has codings in P02 any more, a project-wide re-run removes its majority too.
    for c in study.codings(document="P02", coders=["ana", "ben"]):
        study.remove_coding(c.id)
    write_majority_consensus(study, ["ana", "ben", "carl"])
    assert [(d, code) for d, _, code, _ in consensus_codings(study)] == [("P01", LISTENER)]
    code_turn(study, "P02", 1, REHEARSAL, "ana")
    code_turn(study, "P02", 1, REHEARSAL, "ben")
    # A run restricted to codes replaces only those codes' majority codings.
    write_majority_consensus(study, ["ana", "ben", "carl"], codes=[REHEARSAL], threshold=0.0)
    assert [(d, code) for d, _, code, _ in consensus_codings(study)] == [
        ("P01", LISTENER), ("P02", REHEARSAL)]
    ben = [c for c in study.codings(coders=["ben"]) if c.code_name == LISTENER]
    study.remove_coding(ben[0].id)
    # A full run would now record listener on P01 as 2/3; a rehearsal-only run leaves it alone.
    write_majority_consensus(study, ["ana", "ben", "carl"], codes=[REHEARSAL])
    assert [detail for _, _, _, detail in consensus_codings(study)][0] == "majority 3/3: ana, ben, carl; rule: more than 0.5 of at least 2 voters, spans: majority of characters"


def test_adjudicated_turns_keep_their_decision_and_hand_codings_stay(study):
    [item] = [d for d in list_disagreements(study, load_agreement_data(study, ["ana", "ben", "carl"]))
              if d.code == GENERIC and d.start == turns(study, "P01")[3].start]
    adjudicate(study, item, NEITHER)
    code_turn(study, "P02", 1, REHEARSAL, "consensus")  # typed by hand as the consensus coder
    result = write_majority_consensus(study, ["ana", "ben", "carl"])
    assert (result.written, result.skipped_adjudicated, result.skipped_existing) == (1, 1, 1)
    assert [(d, code, detail) for d, _, code, detail in consensus_codings(study)] == [
        ("P01", LISTENER, "majority 3/3: ana, ben, carl; rule: more than 0.5 of at least 2 voters, spans: majority of characters"), ("P02", REHEARSAL, None)]


def test_a_failed_run_leaves_everything_as_it_was(study, monkeypatch):
    write_majority_consensus(study, ["ana", "ben", "carl"])
    before = [(c.id, c.start, c.code_id, c.origin_detail) for c in study.codings()]
    [g] = [c for c in study.codings(coders=["ben"]) if c.code_name == GENERIC]
    study.remove_coding(g.id)  # so a successful re-run would delete one majority coding
    events = len(study.events(limit=1000))

    def boom():
        raise RuntimeError("disk full")

    # The event row is the last statement of the transaction: failing there means the
    # deletes and inserts before it already ran and must be rolled back.
    monkeypatch.setattr("qualcode.store.project.now_iso", boom)
    with pytest.raises(RuntimeError):
        write_majority_consensus(study, ["ana", "ben", "carl"], as_coder="consensus")
    with pytest.raises(RuntimeError):
        write_majority_consensus(study, ["ana", "ben", "carl"], as_coder="fresh")
    monkeypatch.undo()
    assert [(c.id, c.start, c.code_id, c.origin_detail) for c in study.codings()] == [b for b in before if b[0] != g.id]
    assert "fresh" not in study.coders()
    assert len(study.events(limit=1000)) == events


def test_the_consensus_coder_cannot_be_a_compared_coder(study):
    with pytest.raises(QualcodeError, match="one of the coders compared"):
        write_majority_consensus(study, ["ana", "ben"], as_coder="ana")
    with pytest.raises(QualcodeError, match="at least two"):
        write_majority_consensus(study, ["ana"])


def test_majority_and_adjudication_on_postgresql_too(any_small_study):
    study = three_coders(any_small_study)
    result = write_majority_consensus(study, ["ana", "ben", "carl"])
    assert result.written == 3
    assert write_majority_consensus(study, ["ana", "ben", "carl"]).replaced == 3
    [item] = [d for d in list_disagreements(study, load_agreement_data(study, ["ana", "ben"])) if d.code == LISTENER]
    [c] = adjudicate(study, item, "keep", keep="ana")
    assert c.origin == CONSENSUS and c.code_name == LISTENER
    assert len(study.codings(coders=["consensus"])) == 4


def test_viewers_cannot_write_a_consensus(tmp_path):
    pytest.importorskip("argon2")
    from qualcode.store.accounts import create_user, set_member

    path = tmp_path / "team.qualcode"
    with Project.open(path) as owner:
        from tests.conftest import fill_small_study

        three_coders(fill_small_study(owner))
        create_user(str(path), "vic", "a long enough password")
        set_member(owner, "vic", "viewer")
    with Project.open(path, user="vic", create=False) as viewer:
        with pytest.raises(StoreError, match="owner role"):  # adjudicating others' work
            write_majority_consensus(viewer, ["ana", "ben"])


def test_disagreements_listed_costliest_code_first(study):
    from qualcode.agreement.coefficients import krippendorff_alpha_nominal
    from qualcode.agreement.consensus import alpha_cost, list_disagreements
    from qualcode.agreement import segment_unit_matrix

    # Two more listener disagreements on P01 make it the costliest code.
    code_turn(study, "P01", 0, LISTENER, "ana")
    code_turn(study, "P01", 2, LISTENER, "ben")
    data = load_agreement_data(study, ["ana", "ben", "carl"])
    cost = alpha_cost(data)
    # Recomputed by hand for the listener code: drop its disagreeing turns, re-pool.
    mats = segment_unit_matrix(data.codings, data.segments, data.coders, data.codes,
                               coded_documents=data.coded_documents)
    lid = data.codes[[data.code_labels[c] for c in data.codes].index(LISTENER)]
    def agreed(m):
        v = np.nan_to_num(m, nan=-1)
        return ~(((v == 1).sum(axis=0) > 0) & ((v == 0).sum(axis=0) > 0))
    base = float(krippendorff_alpha_nominal(np.concatenate(list(mats.values()), axis=1)))
    fixed = float(krippendorff_alpha_nominal(np.concatenate(
        [m[:, agreed(m)] if c == lid else m for c, m in mats.items()], axis=1)))
    assert cost[lid] == pytest.approx(fixed - base, abs=1e-12) and cost[lid] > 0
    items = list_disagreements(study, data, order="cost")
    assert items[0].code == LISTENER and max(cost, key=cost.get) == lid
    assert len(items) == len(list_disagreements(study, data))
    with pytest.raises(QualcodeError, match="order"):
        list_disagreements(study, data, order="loud")
