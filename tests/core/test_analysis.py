"""Every analysis against numbers worked out by hand on the study in
``test_analysis_study.py`` (read its docstring alongside these tests)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qualcode import analysis as A
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.model import Code
from qualcode.store import Project
from tests.core.test_analysis_study import CODES, PARTICIPANTS, build_study


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> A.StudyFrames:
    """Built once: the analyses only read the frames."""
    with Project.open(tmp_path_factory.mktemp("analysis") / "study.qualcode") as project:
        return A.from_project(build_study(project))


def col(frame: pd.DataFrame, name: str) -> dict:
    return dict(zip(frame["label"] if "label" in frame else frame["theme"], frame[name]))


# ------------------------------------------------------------------ codebook
def test_codebook_frame_tree(study: A.StudyFrames) -> None:
    book = study.codes
    assert list(book["code"]) == ["Support", "Listening", "Rehearsal", "Risks", "Generic", "Dependence", "Cost"]
    assert list(book["theme"]) == ["Support", "Support", "Support", "Risks", "Risks", "Risks", "Cost"]
    assert list(book["depth"]) == [0, 1, 1, 0, 1, 1, 0]
    assert list(book["codable"]) == [False, True, True, True, True, True, True]


def test_codebook_frame_labels_disambiguate_duplicate_names() -> None:
    from qualcode.model import Code

    book = A.codebook_frame(
        [Code("A", id=1), Code("Other", parent="A", id=2), Code("B", id=3), Code("Other", parent="B", id=4)]
    )
    assert list(book["label"]) == ["A", "A / Other", "B", "B / Other"]
    assert book["parent_id"].fillna(0).tolist() == [0, 1, 0, 3]
    assert list(book["theme_id"]) == [1, 1, 3, 3]


# --------------------------------------------------------------- frequencies
def test_code_frequencies_one_coder(study: A.StudyFrames) -> None:
    f = A.code_frequencies(study.codings, study.codes, study.documents, coder="ana")
    assert list(f["label"]) == CODES  # the non-codable folder "Support" has no row
    assert col(f, "codings") == {"Listening": 4, "Rehearsal": 1, "Risks": 0, "Generic": 2, "Dependence": 1, "Cost": 2}
    assert col(f, "participants") == {"Listening": 3, "Rehearsal": 1, "Risks": 0, "Generic": 2, "Dependence": 1, "Cost": 2}
    assert col(f, "documents") == col(f, "participants")
    assert set(f["participants_total"]) == {4}
    assert col(f, "share")["Listening"] == pytest.approx(0.75)


def test_code_frequencies_all_coders_count_every_coding(study: A.StudyFrames) -> None:
    f = study.code_frequencies()
    assert col(f, "codings") == {"Listening": 5, "Rehearsal": 2, "Risks": 0, "Generic": 3, "Dependence": 2, "Cost": 2}
    # presence is "any coder": ben's Generic on D4 adds P4
    assert col(f, "participants") == {"Listening": 3, "Rehearsal": 1, "Risks": 0, "Generic": 3, "Dependence": 1, "Cost": 2}
    assert list(A.code_frequencies(study.codings, study.codes, study.documents, include_empty=False)["label"]) == [
        "Listening", "Rehearsal", "Generic", "Dependence", "Cost"
    ]


def test_theme_frequencies_count_each_coding_once(study: A.StudyFrames) -> None:
    ana = A.theme_frequencies(study.codings, study.codes, study.documents, coder="ana")
    assert list(ana["theme"]) == ["Support", "Risks", "Cost"]
    assert col(ana, "codings") == {"Support": 5, "Risks": 3, "Cost": 2}
    assert col(ana, "participants") == {"Support": 3, "Risks": 3, "Cost": 2}  # not 3+1 / 2+1
    assert col(ana, "codes_used") == {"Support": 2, "Risks": 2, "Cost": 1}
    assert col(ana, "codes_total") == {"Support": 2, "Risks": 3, "Cost": 1}
    both = study.theme_frequencies()
    assert col(both, "codings") == {"Support": 7, "Risks": 5, "Cost": 2}
    assert col(both, "participants") == {"Support": 3, "Risks": 4, "Cost": 2}
    colours = col(both, "colour")
    # Colours are stored parsed, in lower case (one "add a code" writer for the library and the app).
    assert (colours["Support"], colours["Risks"]) == ("#884488", "#ddaa33") and pd.isna(colours["Cost"])


def test_from_project_filters_by_coder(fresh_project: Project) -> None:
    project = build_study(fresh_project)
    ben = A.from_project(project, coder="ben")
    assert ben.coder == "ben" and set(ben.codings["coder"]) == {"ben"} and len(ben.codings) == 4
    assert col(ben.code_frequencies(), "codings") == {
        "Listening": 1, "Rehearsal": 1, "Risks": 0, "Generic": 1, "Dependence": 1, "Cost": 0
    }
    with pytest.raises(NotFoundError, match="no coder 'carol'.*ana, ben"):
        A.from_project(project, coder="carol")


# ------------------------------------------------------------------ matrices
def test_code_participant_matrix_counts_and_presence(study: A.StudyFrames) -> None:
    m = A.code_participant_matrix(study.codings, study.codes, study.documents, coder="ana")
    assert list(m.columns) == PARTICIPANTS and list(m.index) == CODES
    expected = {
        "Listening": [1, 2, 0, 1],
        "Rehearsal": [1, 0, 0, 0],
        "Risks": [0, 0, 0, 0],
        "Generic": [1, 0, 1, 0],
        "Dependence": [0, 1, 0, 0],
        "Cost": [1, 0, 1, 0],
    }
    assert {k: list(v) for k, v in m.iterrows()} == expected
    p_all = study.code_participant_matrix(presence=True)
    assert list(p_all.loc["Listening"]) == [1, 1, 0, 1]
    assert list(p_all.loc["Generic"]) == [1, 0, 1, 1]  # P4 only through ben
    assert p_all.values.max() == 1
    assert "Risks" not in study.code_participant_matrix(include_empty=False).index


def test_theme_participant_matrix(study: A.StudyFrames) -> None:
    m = study.code_participant_matrix(coder="ana", level="theme")
    assert list(m.index) == ["Support", "Risks", "Cost"]
    assert {k: list(v) for k, v in m.iterrows()} == {
        "Support": [2, 2, 0, 1], "Risks": [1, 1, 1, 0], "Cost": [1, 0, 1, 0]
    }


def test_participants_per_value(study: A.StudyFrames) -> None:
    assert study.participants_per_value("country").to_dict() == {"Kenya": 3, "India": 1}
    # multi-valued attribute split on ";": P4 counts for ChatGPT and for Pi
    assert study.participants_per_value("chatbot", sep=";").to_dict() == {"ChatGPT": 3, "Pi": 1, "Replika": 1}
    assert study.participants_per_value("chatbot").to_dict() == {"ChatGPT": 2, "ChatGPT;Pi": 1, "Replika": 1}
    with pytest.raises(QualcodeError, match="no participant attribute 'age'"):
        study.participants_per_value("age")


def test_code_attribute_table(study: A.StudyFrames) -> None:
    t = study.code_attribute_table("country", coder="ana")
    cell = {(r.label, r.value): (r.participants, r.group_size, r.summary, r.codings) for r in t.itertuples()}
    assert len(t) == len(CODES) * 2
    assert cell["Listening", "Kenya"] == (3, 3, "3/3", 4)
    assert cell["Listening", "India"] == (0, 1, "0/1", 0)
    assert cell["Generic", "Kenya"] == (1, 3, "1/3", 1)
    assert cell["Generic", "India"] == (1, 1, "1/1", 1)
    assert cell["Cost", "India"] == (1, 1, "1/1", 1)
    assert t.loc[(t.label == "Generic") & (t.value == "Kenya"), "share"].item() == pytest.approx(1 / 3)
    bots = study.code_attribute_table("chatbot", coder="ana", sep=";")
    cell = {(r.label, r.value): r.summary for r in bots.itertuples()}
    assert (cell["Listening", "ChatGPT"], cell["Listening", "Replika"], cell["Listening", "Pi"]) == ("2/3", "1/1", "1/1")


def test_multi_character_separator_is_literal() -> None:
    docs = pd.DataFrame({"document_id": [1, 2], "document": ["a", "b"], "participant": ["P1", "P2"], "position": [1, 2]})
    people = pd.DataFrame({"chatbot": ["Haru (app) + ChatGPT", "ChatGPT"]}, index=pd.Index(["P1", "P2"], name="participant"))
    assert A.participants_per_value(docs, people, "chatbot", sep=" + ").to_dict() == {"ChatGPT": 2, "Haru (app)": 1}


def test_attribute_not_recorded_group(fresh_project: Project) -> None:
    project = build_study(fresh_project)
    from qualcode.model import Participant

    project.upsert_participants([(Participant("P3", {"chatbot": "ChatGPT"}), [])])  # P3 loses "country"
    s = A.from_project(project, coder="ana")
    assert s.participants_per_value("country").to_dict() == {"Kenya": 3, A.NOT_RECORDED: 1}


# ------------------------------------------------------------- co-occurrence
def test_cooccurrence_by_turn(study: A.StudyFrames) -> None:
    co = study.cooccurrence("segment", coder="ana")
    c, j = co.counts, co.jaccard
    assert list(c.index) == CODES
    assert co.occurrences.to_dict() == {"Listening": 4, "Rehearsal": 1, "Risks": 0, "Generic": 2, "Dependence": 1, "Cost": 2}
    assert (c.loc["Listening", "Generic"], c.loc["Cost", "Rehearsal"], c.loc["Listening", "Dependence"], c.loc["Generic", "Cost"]) == (1, 1, 1, 1)
    assert int(c.values.sum()) == 2 * 4  # those four pairs, both triangles
    assert (c.values == c.values.T).all()
    assert j.loc["Listening", "Generic"] == pytest.approx(1 / 5)  # 1 / (4 + 2 - 1)
    assert j.loc["Cost", "Rehearsal"] == pytest.approx(1 / 2)  # 1 / (2 + 1 - 1)
    assert j.loc["Listening", "Dependence"] == pytest.approx(1 / 4)
    assert j.loc["Generic", "Cost"] == pytest.approx(1 / 3)
    assert j.loc["Listening", "Cost"] == 0.0
    # the diagonal: 0 in counts, NaN in Jaccard; pairs with an unused code are NaN only if both unused
    assert all(c.iat[i, i] == 0 and math.isnan(j.iat[i, i]) for i in range(len(CODES)))
    assert j.loc["Risks", "Listening"] == 0.0
    assert co.unplaced == 0
    pairs = co.pairs()
    assert len(pairs) == 4 and pairs.iloc[0].tolist() == ["Rehearsal", "Cost", 1, 0.5]  # highest Jaccard first


def test_cooccurrence_by_turn_all_coders(study: A.StudyFrames) -> None:
    co = study.cooccurrence("segment")
    assert co.counts.loc["Listening", "Generic"] == 2  # D1 turn 1 and (through ben) D4 turn 1
    assert co.occurrences["Generic"] == 3
    assert co.jaccard.loc["Listening", "Generic"] == pytest.approx(2 / 5)  # 2 / (4 + 3 - 2)
    assert co.counts.loc["Listening", "Rehearsal"] == 1  # ben's Rehearsal in D1 turn 1


def test_cooccurrence_by_overlap(study: A.StudyFrames) -> None:
    co = study.cooccurrence("overlap", coder="ana")
    c, j = co.counts, co.jaccard
    assert c.loc["Listening", "Generic"] == 1 and j.loc["Listening", "Generic"] == pytest.approx(1 / 5)
    assert c.loc["Generic", "Cost"] == 1 and j.loc["Generic", "Cost"] == pytest.approx(1 / 3)
    # same turn but not overlapping: co-occur by turn, not by overlap
    assert c.loc["Cost", "Rehearsal"] == 0 and j.loc["Cost", "Rehearsal"] == 0.0
    assert c.loc["Listening", "Dependence"] == 0
    assert int(c.values.sum()) == 2 * 2
    assert co.occurrences["Listening"] == 4  # four separate passages


def test_cooccurrence_by_overlap_all_coders(study: A.StudyFrames) -> None:
    co = study.cooccurrence("overlap")
    c, j = co.counts, co.jaccard
    # D1 turn 1: ana's and ben's identical Listening spans and ben's Rehearsal form ONE passage
    assert c.loc["Listening", "Rehearsal"] == 1 and j.loc["Listening", "Rehearsal"] == pytest.approx(1 / 5)
    assert c.loc["Listening", "Dependence"] == 1 and j.loc["Listening", "Dependence"] == pytest.approx(1 / 5)
    # ana's Listening [0,10) and ben's Generic [12,20) in D4 only share the turn
    assert c.loc["Listening", "Generic"] == 1 and j.loc["Listening", "Generic"] == pytest.approx(1 / 6)
    assert co.occurrences["Listening"] == 4  # the two identical D1 spans are one passage


def test_cooccurrence_needs_segments(study: A.StudyFrames) -> None:
    with pytest.raises(QualcodeError, match="segments"):
        A.cooccurrence(study.codings, study.codes, unit="segment")
    with pytest.raises(QualcodeError, match="unit"):
        A.cooccurrence(study.codings, study.codes, unit="sentence")  # type: ignore[arg-type]


# ---------------------------------------------------------------- saturation
def test_new_codes_per_interview(study: A.StudyFrames) -> None:
    per = study.new_codes_per_interview(coder="ana")
    assert list(per["document"]) == ["D1", "D2", "D3", "D4"]
    assert list(per["n_codes"]) == [4, 2, 2, 1]
    assert list(per["new_codes"]) == [4, 1, 0, 0]
    assert list(per["cumulative"]) == [4, 5, 5, 5]
    assert per["new"].tolist() == [["Cost", "Generic", "Listening", "Rehearsal"], ["Dependence"], [], []]
    rev = study.new_codes_per_interview(coder="ana", order=["D4", "D3", "D2", "D1"])
    assert list(rev["new_codes"]) == [1, 2, 1, 1]  # {L}, {G,C}, {D}, {R}


def test_uncoded_interviews_are_left_out_by_default(study: A.StudyFrames) -> None:
    per = study.new_codes_per_interview(coder="ben")  # ben has not coded D3
    assert list(per["document"]) == ["D1", "D2", "D4"]
    assert list(study.new_codes_per_interview(coder="ben", include_uncoded=True)["new_codes"]) == [2, 1, 0, 1]


def test_guest_saturation_ratio(study: A.StudyFrames) -> None:
    per = study.new_codes_per_interview(coder="ana")
    result = A.guest_saturation(per, base_size=1, run_length=2, threshold=0.05)
    runs, point = result
    # base = D1's 4 codes; run D2-D3 adds Dependence (1/4 = 25%); run D3-D4 adds nothing
    assert list(runs["after"]) == [1, 2]
    assert list(runs["run"]) == ["2-3", "3-4"]
    assert list(runs["new_codes"]) == [1, 0]
    assert list(runs["base_codes"]) == [4, 4]
    assert runs["ratio"].tolist() == pytest.approx([0.25, 0.0])
    assert point == 2 and result.base_codes == 4
    assert "after 2 interviews" in result.sentence() and "Guest" in result.sentence()
    assert A.guest_saturation(per, base_size=1, run_length=2, threshold=0.3).point == 1
    # base 2 (5 codes), run 1: D3 adds 0 -> saturated after 2
    assert A.guest_saturation(per, base_size=2, run_length=1).runs["ratio"].tolist() == [0.0, 0.0]
    # defaults (base 4, run 2) need at least 6 interviews for one run
    default = A.guest_saturation(per)
    assert default.point is None and default.runs.empty
    assert "not reached" in default.sentence()
    with pytest.raises(QualcodeError, match="base needs 5"):
        A.guest_saturation(per, base_size=5)
    with pytest.raises(QualcodeError, match="threshold"):
        A.guest_saturation(per, threshold=5)


def test_guest_ratio_on_the_papers_style_example() -> None:
    # A 10-interview study: new codes 20, 9, 5, 3 (base 37), then 4, 3, 2, 1, 0, 1.
    new = [20, 9, 5, 3, 4, 3, 2, 1, 0, 1]
    per = pd.DataFrame({"cumulative": np.cumsum(new)})
    runs, point = A.guest_saturation(per, base_size=4, run_length=2, threshold=0.05)
    assert list(runs["new_codes"]) == [7, 5, 3, 1, 1]  # runs 5-6, 6-7, 7-8, 8-9, 9-10
    assert runs["ratio"].tolist() == pytest.approx([7 / 37, 5 / 37, 3 / 37, 1 / 37, 1 / 37])
    assert point == 7  # run 8-9 adds 1 of 37 (2.7%) <= 5%
    assert A.guest_saturation(per, threshold=0.0).point is None


def test_saturation_band(study: A.StudyFrames) -> None:
    per = study.new_codes_per_interview(coder="ana")
    band = A.saturation_band(per, n_orderings=200, seed=7, base_size=1, run_length=2)
    curve = band.curve
    assert list(curve["interviews"]) == [1, 2, 3, 4]
    assert list(curve["observed"]) == [4, 5, 5, 5]
    assert (curve["min"] <= curve["low"]).all() and (curve["low"] <= curve["median"]).all()
    assert (curve["median"] <= curve["high"]).all() and (curve["high"] <= curve["max"]).all()
    # one interview: 1 code (D4) at least, 4 (D1) at most; all four always give all 5 codes
    assert (curve["min"][0], curve["max"][0]) == (1, 4)
    assert set(curve.iloc[-1][["min", "median", "max"]]) == {5}
    assert len(band.points) == 200 and band.points.dropna().isin([1, 2]).all()
    again = A.saturation_band(per, n_orderings=200, seed=7, base_size=1, run_length=2)
    pd.testing.assert_frame_equal(curve, again.curve)
    pd.testing.assert_series_equal(band.points, again.points)
    # with the defaults there is no run in 4 interviews
    assert A.saturation_band(per, n_orderings=10).points.isna().all()


def test_participant_counts_count_people_not_unlinked_transcripts() -> None:
    """"Participants (of N)": two people with three interviews plus an unlinked
    transcript are 2 participants; with nothing linked each document counts."""
    docs = pd.DataFrame({
        "document_id": [1, 2, 3, 4], "document": ["a1", "a2", "b1", "loose"],
        "participant": ["P01", "P01", "P02", "loose"], "linked": [True, True, True, False],
        "position": [1, 2, 3, 4],
    })
    book = A.codebook_frame([Code("Cost", id=10)])
    codings = pd.DataFrame({"document_id": [1, 2, 4], "code_id": [10, 10, 10], "coder": ["ana"] * 3,
                            "start": [0, 0, 0], "end": [5, 5, 5]})
    assert A.count_people(docs) == 2
    freq = A.code_frequencies(codings, book, docs).set_index("code")
    assert freq.loc["Cost", "participants"] == 1 and freq.loc["Cost", "participants_total"] == 2
    assert freq.loc["Cost", "documents"] == 3 and freq.loc["Cost", "codings"] == 3
    themes = A.theme_frequencies(codings, book, docs)
    assert themes["participants_total"].iloc[0] == 2
    nothing_linked = docs.assign(linked=False, participant=docs["document"])
    assert A.count_people(nothing_linked) == 4
