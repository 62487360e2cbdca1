"""Agreement: building units from codings, the report, disagreements and consensus.
All data hand-made; coefficients themselves are tested in test_agreement.py."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from qualcode.agreement import (
    POOLED,
    REPORT_COLUMNS,
    AgreementError,
    agreement_report,
    bootstrap_ci,
    character_unit_matrix,
    cohens_kappa,
    disagreements,
    krippendorff_alpha_nominal,
    majority_consensus,
    nominal_unit_matrix,
    percent_agreement,
    reliability_flag,
    segment_unit_matrix,
    unit_table,
)

nan = np.nan


def C(*rows: tuple) -> pd.DataFrame:
    """Codings from (document, start, end, code, coder) tuples."""
    return pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


# d1: three 10-character turns; d2: two 8-character turns. Listed out of order on
# purpose: units follow document first appearance, then start.
SEGMENTS = pd.DataFrame(
    {
        "document": ["d1", "d1", "d2", "d1", "d2"],
        "start": [10, 0, 0, 20, 8],
        "end": [20, 10, 8, 30, 16],
        "speaker": ["I", "P", "I", "I", "P"],
    }
)


def test_unit_table_order_and_extra_columns():
    u = unit_table(SEGMENTS)
    assert list(zip(u["document"], u["start"], u["end"], strict=True)) == [
        ("d1", 0, 10), ("d1", 10, 20), ("d1", 20, 30), ("d2", 0, 8), ("d2", 8, 16)
    ]
    assert list(u["speaker"]) == ["P", "I", "I", "I", "P"]


def test_overlap_rule_one_character_and_half_open_ends():
    codings = C(
        ("d1", 5, 12, "A", "ana"),  # 5 chars of unit 0, 2 chars of unit 1
        ("d1", 10, 20, "A", "ben"),  # exactly unit 1; touches unit 0's end and unit 2's start
        ("d1", 29, 30, "A", "ben"),  # last character of unit 2
        ("d2", 3, 4, "B", "ana"),
        ("d2", 3, 4, "B", "zoe"),  # not a listed coder: ignored
        ("d9", 0, 5, "A", "ana"),  # document without units: ignored
    )
    m = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"])
    assert list(m) == ["A", "B"]
    np.testing.assert_array_equal(m["A"], [[1, 1, 0, 0, 0], [0, 1, 1, 0, 0]])
    np.testing.assert_array_equal(m["B"], [[0, 0, 0, 1, 0], [0, 0, 0, 0, 0]])
    only_b = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"], codes=["B", "never"])
    assert list(only_b) == ["B", "never"] and not only_b["never"].any()


def test_min_overlap_uses_the_union_of_a_coders_codings():
    codings = C(
        ("d1", 5, 12, "A", "ana"),  # unit 0: 5/10, unit 1: 2/10
        ("d1", 13, 16, "A", "ana"),  # unit 1: + 3 -> 5/10 together
        ("d1", 14, 15, "A", "ana"),  # nested duplicate, must not count twice
        ("d1", 20, 24, "A", "ben"),  # unit 2: 4/10
        ("d1", 22, 25, "A", "ben"),  # overlapping: union [20, 25) = 5/10
    )
    m = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"], min_overlap=0.5)["A"]
    np.testing.assert_array_equal(m, [[1, 1, 0, 0, 0], [0, 0, 1, 0, 0]])
    m = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"], min_overlap=0.6)["A"]
    np.testing.assert_array_equal(m, [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
    with pytest.raises(AgreementError):
        segment_unit_matrix(codings, SEGMENTS, ["ana"], min_overlap=1.5)


def test_coded_documents_makes_units_missing():
    codings = C(("d1", 0, 3, "A", "ana"), ("d2", 0, 3, "A", "ana"), ("d1", 0, 3, "A", "ben"))
    m = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"], coded_documents={"ben": ["d1"]})["A"]
    np.testing.assert_array_equal(m, [[1, 0, 0, 1, 0], [1, 0, 0, nan, nan]])
    # without the mapping, ben's silence on d2 is a "no"
    assert segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"])["A"][1, 3] == 0
    with pytest.raises(AgreementError, match="not in the coder list"):
        segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"], coded_documents={"bob": ["d1"]})


def test_bad_input_raises_agreement_error():
    ok = C(("d1", 0, 3, "A", "ana"))
    with pytest.raises(AgreementError, match="overlap"):
        segment_unit_matrix(ok, pd.DataFrame({"document": ["d1", "d1"], "start": [0, 5], "end": [6, 9]}), ["ana"])
    with pytest.raises(AgreementError, match="end <= start"):
        segment_unit_matrix(C(("d1", 5, 5, "A", "ana")), SEGMENTS, ["ana"])
    with pytest.raises(AgreementError, match="whole numbers"):
        segment_unit_matrix(C(("d1", 1.5, 3, "A", "ana")), SEGMENTS, ["ana"])
    with pytest.raises(AgreementError, match="lacks column"):
        segment_unit_matrix(ok.drop(columns="coder"), SEGMENTS, ["ana"])
    with pytest.raises(AgreementError, match="same type"):
        segment_unit_matrix(C((1, 0, 3, "A", "ana")), SEGMENTS.assign(document=SEGMENTS["document"].str[1:]), ["ana"])
    with pytest.raises(AgreementError, match="twice"):
        segment_unit_matrix(ok, SEGMENTS, ["ana", "ana"])


# ------------------------------------------------------------------------- nominal


def test_nominal_unit_matrix_indices_missing_and_conflicts():
    codes = ["X", "Y", "Z"]
    codings = C(
        ("d1", 0, 10, "X", "ana"), ("d1", 10, 20, "Y", "ana"), ("d2", 0, 8, "Z", "ana"),
        ("d1", 0, 10, "X", "ben"), ("d1", 10, 14, "Y", "ben"), ("d1", 14, 20, "Z", "ben"),  # conflict on unit 1
        ("d1", 20, 30, "Q", "ben"),  # not in the code set: ignored
    )
    with pytest.raises(AgreementError, match="mutually exclusive.*'ben'|'ben'.*mutually exclusive"):
        nominal_unit_matrix(codings, SEGMENTS, ["ana", "ben"], codes)
    m = nominal_unit_matrix(codings, SEGMENTS, ["ana", "ben"], codes, on_conflict="missing")
    np.testing.assert_array_equal(m, [[0, 1, nan, 2, nan], [0, nan, nan, nan, nan]])
    m = nominal_unit_matrix(codings, SEGMENTS, ["ana", "ben"], codes, on_conflict="largest")
    assert m[1, 1] == 2  # Z covers 6 of 10 characters, Y 4
    tie = C(("d1", 10, 15, "X", "ana"), ("d1", 15, 20, "Y", "ana"))
    assert math.isnan(nominal_unit_matrix(tie, SEGMENTS, ["ana"], codes, on_conflict="largest")[0, 1])
    m = nominal_unit_matrix(codings, SEGMENTS, ["ana", "ben"], codes, on_conflict="missing",
                            coded_documents={"ana": ["d2"]})
    assert np.isnan(m[0, :3]).all() and m[0, 3] == 2


# ----------------------------------------------------------------------- character

TEXT = "alpha beta\ngamma  delta"


def test_character_units_whitespace_boundaries():
    beta = TEXT.index("beta")
    codings = C(
        ("t", beta, beta + 4, "A", "ana"),  # "beta"
        ("t", beta - 1, beta + 5, "A", "ben"),  # " beta\n": differs only by whitespace
    )
    cu = character_unit_matrix(codings, ["ana", "ben"], texts={"t": TEXT})
    assert cu.n_characters == len(re.sub(r"\s", "", TEXT)) == 19
    assert "whitespace characters are not units" in cu.note
    assert krippendorff_alpha_nominal(cu.matrices["A"], weights=cu.weights).value == pytest.approx(1.0)
    raw = character_unit_matrix(codings, ["ana", "ben"], texts={"t": TEXT}, ignore_whitespace=False)
    assert raw.n_characters == len(TEXT)
    assert "ignore_whitespace=False" in raw.note
    assert krippendorff_alpha_nominal(raw.matrices["A"], weights=raw.weights).value < 0.8
    blind = character_unit_matrix(codings, ["ana", "ben"], lengths={"t": len(TEXT)})
    assert "could NOT be ignored" in blind.note and blind.n_characters == len(TEXT)
    with pytest.raises(AgreementError):
        character_unit_matrix(codings, ["ana", "ben"])


def _brute_force_characters(text, scope, spans_by_coder, coders, ignore_ws):
    """Literal per-character matrix for one document and code, for checking."""
    cols = []
    for p in range(len(text)):
        if not any(s <= p < e for s, e in scope) or (ignore_ws and text[p].isspace()):
            continue
        cols.append([float(any(s <= p < e for s, e in spans_by_coder.get(c, []))) for c in coders])
    return np.array(cols).T


@pytest.mark.parametrize("seed", range(6))
def test_character_runs_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    text = "".join(rng.choice(list("ab c\n"), size=120))
    scope = [(5, 40), (40, 70), (80, 118)]
    segments = pd.DataFrame({"document": "t", "start": [s for s, _ in scope], "end": [e for _, e in scope]})
    coders = ["a", "b", "c"]
    spans = {c: [] for c in coders}
    rows = []
    for c in coders:
        for _ in range(rng.integers(0, 6)):
            s = int(rng.integers(0, 119))
            e = int(rng.integers(s + 1, 121))
            spans[c].append((s, e))
            rows.append(("t", s, e, "K", c))
    codings = C(*rows) if rows else C(("t", 0, 1, "K", "zz"))
    for ignore_ws in (True, False):
        cu = character_unit_matrix(codings, coders, ["K"], segments=segments, texts={"t": text},
                                   ignore_whitespace=ignore_ws)
        expected = _brute_force_characters(text, scope, spans, coders, ignore_ws)
        np.testing.assert_array_equal(cu.expand("K"), expected)
        for stat in (percent_agreement, krippendorff_alpha_nominal):
            got, ref = stat(cu.matrices["K"], weights=cu.weights).value, stat(expected).value
            assert (math.isnan(got) and math.isnan(ref)) or got == pytest.approx(ref)
        # runs never straddle a segment, so clusters are well defined
        for (_, r) in cu.units.iterrows():
            s, e = scope[r["cluster"]]
            assert s <= r["start"] < r["end"] <= e


def test_character_units_text_between_turns_and_missing_documents():
    text = "I: hello there\nP: fine thanks\n"
    t1, t2 = text.index("hello"), text.index("fine")
    segments = pd.DataFrame({"document": ["x", "x"], "start": [t1, t2], "end": [t1 + 11, t2 + 11]})
    codings = C(("x", 0, len(text), "A", "ana"), ("x", t2, t2 + 4, "A", "ben"), ("y", 0, 3, "A", "ben"))
    cu = character_unit_matrix(codings, ["ana", "ben"], segments=segments, texts={"x": text, "y": "abc"})
    assert cu.n_characters == len("hellothere") + len("finethanks")  # labels "I:", "P:" are no units
    assert "inside the segments" in cu.note
    cu2 = character_unit_matrix(codings, ["ana", "ben"], texts={"x": text, "y": "abc"},
                                coded_documents={"ana": ["x"]})
    y_cols = (cu2.units["document"] == "y").to_numpy()
    assert np.isnan(cu2.matrices["A"][0, y_cols]).all() and (cu2.matrices["A"][1, y_cols] == 1).all()
    assert cu2.clustered_by == "document"


def test_character_units_large_document_are_runs_not_characters():
    rng = np.random.default_rng(0)
    words = rng.choice(["the", "interview", "participant", "said", "that", "work", "was", "hard"], size=25_000)
    text = " ".join(words)
    coders = [f"c{i}" for i in range(10)]
    rows = []
    for c in coders:
        for code in ("A", "B", "C"):
            starts = rng.integers(0, len(text) - 400, size=150)
            rows += [("big", int(s), int(s + rng.integers(20, 400)), code, c) for s in starts]
    cu = character_unit_matrix(C(*rows), coders, texts={"big": text})
    assert cu.n_characters == len(text) - text.count(" ")
    assert len(cu.units) < 2 * len(rows) + 2  # runs, not characters
    assert all(m.shape == (10, len(cu.units)) for m in cu.matrices.values())
    krippendorff_alpha_nominal(cu.matrices["A"], weights=cu.weights)


# -------------------------------------------------------------------------- report


def _two_coder_project():
    codings = C(
        ("d1", 0, 10, "A", "ana"), ("d1", 0, 10, "A", "ben"),
        ("d1", 10, 20, "A", "ana"),
        ("d1", 20, 30, "B", "ana"), ("d1", 20, 30, "B", "ben"),
        ("d2", 0, 8, "B", "ana"), ("d2", 0, 8, "B", "ben"),
        ("d2", 8, 16, "A", "ben"),
        ("d2", 8, 16, "C", "zoe"),
    )
    return codings


def test_report_columns_pooled_row_and_values():
    codings = _two_coder_project()
    rep = agreement_report(codings, SEGMENTS, ["ana", "ben"], n_boot=100, seed=1)
    assert list(rep.columns) == REPORT_COLUMNS
    assert list(rep["code"]) == ["A", "B", POOLED]
    mats = segment_unit_matrix(codings, SEGMENTS, ["ana", "ben"])
    row_a = rep.set_index("code").loc["A"]
    assert row_a["alpha"] == pytest.approx(krippendorff_alpha_nominal(mats["A"]).value)
    assert row_a["cohens_kappa"] == pytest.approx(cohens_kappa(mats["A"]).value)
    assert row_a["percent_agreement"] == pytest.approx(3 / 5)
    assert row_a["n_units"] == 5 and row_a["n_coders"] == 2
    pooled = np.concatenate([mats["A"], mats["B"]], axis=1)
    prow = rep.set_index("code").loc[POOLED]
    assert prow["alpha"] == pytest.approx(krippendorff_alpha_nominal(pooled).value)
    assert prow["n_units"] == 10
    # pooled CI resamples segments with all their code decisions (cluster bootstrap)
    ref = bootstrap_ci(krippendorff_alpha_nominal, pooled, n_boot=100, seed=1, clusters=np.tile(np.arange(5), 2))
    assert (prow["alpha_ci_low"], prow["alpha_ci_high"]) == pytest.approx((ref.ci_low, ref.ci_high))
    assert row_a["flag"] == reliability_flag(row_a["alpha"])
    assert rep.set_index("code").loc["B", "flag"] == "reliable"  # B: perfect agreement
    assert "segment x code presence" in rep.attrs["unit_note"]
    pd.testing.assert_frame_equal(rep, agreement_report(codings, SEGMENTS, ["ana", "ben"], n_boot=100, seed=1))


def test_report_three_coders_unused_code_and_no_bootstrap():
    codings = _two_coder_project()
    rep = agreement_report(codings, SEGMENTS, ["ana", "ben", "zoe"], codes=["A", "C", "never"], n_boot=0)
    r = rep.set_index("code")
    assert r["cohens_kappa"].isna().all()  # only for exactly two coders
    assert not math.isnan(r.loc["A", "fleiss_kappa"])
    assert r.loc["never", "flag"] == "undefined" and "no variation" in r.loc["never", "note"]
    assert r.loc["never", "percent_agreement"] == 1.0
    assert rep["alpha_ci_low"].isna().all()
    with pytest.raises(AgreementError):
        agreement_report(codings, SEGMENTS, ["ana", "ben"], unit="word")


def test_report_missing_documents_noted():
    codings = _two_coder_project()
    rep = agreement_report(codings, SEGMENTS, ["ana", "ben", "zoe"], codes=["A"], n_boot=20,
                           coded_documents={"zoe": ["d2"]})
    note = rep.set_index("code").loc["A", "note"]
    assert "Fleiss' kappa: 3 unit(s) not coded by all 3 coders dropped" in note


def test_report_character_units():
    text = "alpha beta gamma delta epsilon"
    codings = C(
        ("t", 0, 10, "A", "ana"), ("t", 0, 11, "A", "ben"), ("t", 17, 22, "B", "ana"), ("t", 11, 22, "B", "ben")
    )
    rep = agreement_report(codings, None, ["ana", "ben"], unit="character", texts={"t": text}, n_boot=50)
    r = rep.set_index("code")
    assert r.loc["A", "alpha"] == pytest.approx(1.0)
    assert r.loc["A", "n_units"] == len(text.replace(" ", ""))
    assert r.loc["B", "alpha"] < 1
    assert "whitespace characters are not units" in rep.attrs["unit_note"]
    assert rep.attrs["unit"] == "character"


# ------------------------------------------------------------ disagreements, consensus


def test_disagreements_lists_who_did_what():
    codings = _two_coder_project()
    d = disagreements(codings, SEGMENTS, ["ana", "ben"])
    got = [(r.document, r.start, r.end, r.code, r.applied_by, r.not_applied_by) for r in d.itertuples()]
    assert got == [("d1", 10, 20, "A", ["ana"], ["ben"]), ("d2", 8, 16, "A", ["ben"], ["ana"])]
    d = disagreements(codings, SEGMENTS, ["ana", "ben", "zoe"], coded_documents={"zoe": ["d2"]})
    first = d.iloc[0]
    assert (first["document"], first["code"], first["missing"]) == ("d1", "A", ["zoe"])
    assert len(disagreements(C(("d1", 0, 10, "A", "ana"), ("d1", 0, 10, "A", "ben")), SEGMENTS, ["ana", "ben"])) == 0


def test_majority_consensus_threshold_ties_and_extra_voter():
    codings = C(
        ("d1", 0, 10, "A", "ana"), ("d1", 0, 10, "A", "ben"),  # 2 of 3
        ("d1", 10, 20, "A", "ana"),  # 1 of 3
        ("d1", 10, 20, "A", "bot"),
        ("d1", 20, 30, "B", "ana"), ("d1", 20, 30, "B", "ben"), ("d1", 20, 30, "B", "cy"),
    )
    three = majority_consensus(codings, SEGMENTS, ["ana", "ben", "cy"])
    assert [(r.start, r.code, r.votes_for, r.votes_total, r.voters) for r in three.itertuples()] == [
        (0, "A", 2, 3, ["ana", "ben"]), (20, "B", 3, 3, ["ana", "ben", "cy"])
    ]
    # two coders, 0.5: a 1-1 tie is not a majority
    two = majority_consensus(codings, SEGMENTS, ["ana", "cy"])
    assert [(r.start, r.code) for r in two.itertuples()] == [(20, "B")]
    # the machine as one more voter turns ana's lone "A" into 2 of 3
    bot = majority_consensus(codings, SEGMENTS, ["ana", "cy"], extra_voter="bot")
    got = [(r.start, r.code, r.votes_for, r.votes_total) for r in bot.itertuples()]
    assert got == [(10, "A", 2, 3), (20, "B", 2, 3)]
    # stricter threshold: 2 of 3 is not more than 2/3
    strict = majority_consensus(codings, SEGMENTS, ["ana", "ben", "cy"], threshold=2 / 3)
    assert [(r.start, r.code) for r in strict.itertuples()] == [(20, "B")]
    # a coder who did not code d1 does not vote there
    partial = majority_consensus(codings, SEGMENTS, ["ana", "ben", "cy"], coded_documents={"cy": ["d2"]})
    assert [(r.start, r.code, r.votes_total) for r in partial.itertuples()] == [(0, "A", 2), (20, "B", 2)]
    with pytest.raises(AgreementError):
        majority_consensus(codings, SEGMENTS, ["ana", "bot"], extra_voter="bot")
    with pytest.raises(AgreementError):
        majority_consensus(codings, SEGMENTS, ["ana"], threshold=1.0)
