"""Agreement coefficients: published worked examples, independent references,
degenerate cases, bootstrap, and the AnnoMI multi-annotator figures.

Unit building, reports and consensus are in test_agreement_units.py.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qualcode.agreement import (
    AgreementError,
    Coefficient,
    bootstrap_ci,
    cohens_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    nominal_unit_matrix,
    percent_agreement,
    reliability_flag,
)
from qualcode.errors import QualcodeError

nan = np.nan
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------- published examples

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, section C
# ("nominal data, any number of observers, missing data"): 4 observers x 12 units,
# "." = missing. Reported nominal alpha = 0.743. Typed in by hand.
KRIPP_2011 = np.array(
    [
        # unit: 1    2    3    4    5    6    7    8    9    10   11   12
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],  # observer A
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],  # observer B
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],  # observer C
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],  # observer D
    ]
)


def test_krippendorff_2011_worked_example():
    a = krippendorff_alpha_nominal(KRIPP_2011)
    assert round(a.value, 3) == 0.743
    # unit 12 has a single value (observer B) and is not pairable
    assert a.n_units == 11
    assert a.n_coders == 4
    assert "single value" in a.note


def test_krippendorff_2011_example_with_string_categories():
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    as_text = np.array([[None if math.isnan(v) else labels[int(v)] for v in row] for row in KRIPP_2011], dtype=object)
    assert krippendorff_alpha_nominal(as_text).value == pytest.approx(krippendorff_alpha_nominal(KRIPP_2011).value)


def _cohen_wikipedia() -> tuple[list[str], list[str]]:
    # Wikipedia, "Cohen's kappa", simple worked example: 50 proposals read by A and B.
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o = 0.70, p_e = 0.50, kappa = 0.40.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    return a, b


def test_cohen_wikipedia_example():
    a, b = _cohen_wikipedia()
    k = cohens_kappa(a, b)
    assert k.value == pytest.approx(0.40, abs=1e-12)
    assert k.n_units == 50
    assert percent_agreement(np.array([a, b], dtype=object)).value == pytest.approx(0.70)


def test_cohen_chance_agreement_is_not_pyes_times_pno():
    """Regression test against the peer tool's mistake (p_e = P(yes) * P(no))."""
    a, b = _cohen_wikipedia()
    po = 35 / 50
    p_yes = (25 + 30) / 100  # pooled proportion of "yes"
    wrong_pe = p_yes * (1 - p_yes)
    wrong_kappa = (po - wrong_pe) / (1 - wrong_pe)  # 0.601...
    right_pe = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)  # 0.50
    k = cohens_kappa(a, b).value
    assert k == pytest.approx((po - right_pe) / (1 - right_pe))
    assert abs(k - wrong_kappa) > 0.1

    # Same for the multi-rater coefficients: 3 coders, binary presence.
    m = np.array([[1, 1, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 1], [1, 1, 0, 0, 0, 0, 0, 0]])
    p1 = m.mean()
    n = 3
    p_bar = np.mean([(np.bincount(col, minlength=2) ** 2).sum() - n for col in m.T]) / (n * (n - 1))
    right = (p_bar - (p1**2 + (1 - p1) ** 2)) / (1 - (p1**2 + (1 - p1) ** 2))
    wrong = (p_bar - p1 * (1 - p1)) / (1 - p1 * (1 - p1))
    assert fleiss_kappa(m).value == pytest.approx(right)
    assert abs(fleiss_kappa(m).value - wrong) > 0.1


# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories;
# each row = how many raters put the subject in category 1..5. Reported
# P_bar = 0.378, P_e = 0.213, kappa = 0.210. Typed in by hand.
FLEISS_WIKIPEDIA = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def _expand_counts(table: np.ndarray) -> np.ndarray:
    """subjects x categories counts -> raters x subjects matrix (rater identity is
    irrelevant to Fleiss' kappa)."""
    cols = [np.repeat(np.arange(table.shape[1]), row) for row in table]
    return np.array(cols).T


def test_fleiss_wikipedia_example():
    m = _expand_counts(FLEISS_WIKIPEDIA)
    assert m.shape == (14, 10)
    k = fleiss_kappa(m)
    assert round(k.value, 3) == 0.210
    assert k.n_units == 10 and k.n_coders == 14


# ------------------------------------------------------ independent references (hypothesis)

VALUES = st.sampled_from([nan, 0.0, 1.0, 2.0, 3.0])


def _pairable_values(m: np.ndarray) -> np.ndarray:
    cols = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
    return cols[~np.isnan(cols)]


@PROPS
@given(hnp.arrays(float, st.tuples(st.integers(2, 5), st.integers(1, 25)), elements=VALUES))
def test_alpha_matches_krippendorff_package(m):
    import krippendorff

    ours = krippendorff_alpha_nominal(m)
    vals = _pairable_values(m)
    if len(np.unique(vals)) < 2:  # documented convention: no pairable unit / no variation -> nan
        assert math.isnan(ours.value) and ours.note.startswith("undefined")
        return
    ref = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
    assert ours.value == pytest.approx(ref, abs=1e-9)


@PROPS
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 3), min_size=n, max_size=n), st.lists(st.integers(0, 3), min_size=n, max_size=n)
        )
    )
)
def test_cohen_matches_sklearn(ab):
    from sklearn.metrics import cohen_kappa_score

    a, b = ab
    ours = cohens_kappa(a, b)
    if len(set(a) | set(b)) == 1:  # both coders one and the same category: p_e = 1
        assert math.isnan(ours.value) and "no variation" in ours.note
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cohen_kappa_score(a, b)
    assert ours.value == pytest.approx(ref, abs=1e-9)


@PROPS
@given(hnp.arrays(float, st.tuples(st.just(2), st.integers(1, 30)), elements=VALUES))
def test_cohen_with_missing_matches_sklearn_on_complete_pairs(m):
    from sklearn.metrics import cohen_kappa_score

    ours = cohens_kappa(m)
    both = ~np.isnan(m).any(axis=0)
    a, b = m[0, both], m[1, both]
    if both.sum() == 0 or len(set(a) | set(b)) == 1:
        assert math.isnan(ours.value)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cohen_kappa_score(a, b)
    assert ours.value == pytest.approx(ref, abs=1e-9)
    assert ours.n_units == both.sum()
    assert cohens_kappa(m[0], m[1]).value == pytest.approx(ours.value)


@PROPS
@given(hnp.arrays(float, st.tuples(st.integers(2, 6), st.integers(1, 20)), elements=VALUES))
def test_fleiss_matches_statsmodels(m):
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    ours = fleiss_kappa(m)
    complete = m[:, ~np.isnan(m).any(axis=0)]  # documented: units coded by all coders only
    if complete.shape[1] == 0 or len(np.unique(complete)) < 2:
        assert math.isnan(ours.value)
        return
    table, _ = aggregate_raters(complete.T.astype(int))
    assert ours.value == pytest.approx(sm_fleiss(table, method="fleiss"), abs=1e-9)
    assert ours.n_units == complete.shape[1]


@PROPS
@given(
    hnp.arrays(float, st.tuples(st.integers(2, 4), st.integers(1, 12)), elements=VALUES),
    st.data(),
)
def test_weights_equal_repeated_units(m, data):
    w = np.array(data.draw(st.lists(st.integers(0, 4), min_size=m.shape[1], max_size=m.shape[1])))
    expanded = np.repeat(m, w, axis=1)
    for stat in (percent_agreement, fleiss_kappa, krippendorff_alpha_nominal):
        got, ref = stat(m, weights=w).value, stat(expanded).value
        assert (math.isnan(got) and math.isnan(ref)) or got == pytest.approx(ref, abs=1e-9), stat.__name__
    got, ref = cohens_kappa(m[:2], weights=w).value, cohens_kappa(expanded[:2]).value
    assert (math.isnan(got) and math.isnan(ref)) or got == pytest.approx(ref, abs=1e-9)


@PROPS
@given(hnp.arrays(float, st.tuples(st.integers(2, 5), st.integers(1, 20)), elements=st.sampled_from([0.0, 1.0, 2.0])))
def test_alpha_is_fleiss_with_small_sample_correction_on_complete_data(m):
    """Documented identity: without missing data alpha = 1 - (1 - kappa_F)(n - 1)/n,
    n = coders x units (Krippendorff's (n-1) factor is the only difference)."""
    a, f = krippendorff_alpha_nominal(m).value, fleiss_kappa(m).value
    if math.isnan(f):
        assert math.isnan(a)
        return
    n = m.size
    assert a == pytest.approx(1 - (1 - f) * (n - 1) / n, abs=1e-9)


@PROPS
@given(hnp.arrays(float, st.tuples(st.integers(2, 4), st.integers(2, 15)), elements=VALUES))
def test_percent_agreement_is_share_of_agreeing_pairs(m):
    agree = pairs = 0
    for col in m.T:
        vals = col[~np.isnan(col)]
        for i in range(len(vals)):
            for j in range(i + 1, len(vals)):
                pairs += 1
                agree += vals[i] == vals[j]
    ours = percent_agreement(m).value
    assert (pairs == 0 and math.isnan(ours)) or ours == pytest.approx(agree / pairs)


# ------------------------------------------------------------------ degenerate cases


def test_all_absent_is_undefined_not_perfect():
    zeros = np.zeros((3, 20))
    for stat in (fleiss_kappa, krippendorff_alpha_nominal):
        c = stat(zeros)
        assert math.isnan(c.value) and "no variation" in c.note
    assert math.isnan(cohens_kappa(zeros[:2]).value)
    assert percent_agreement(zeros).value == 1.0  # observed agreement is real, just uninformative
    assert reliability_flag(krippendorff_alpha_nominal(zeros).value) == "undefined"


def test_no_pairable_units_and_wrong_shapes():
    only_one = np.array([[1, nan, 0], [nan, 1, nan]])
    a = krippendorff_alpha_nominal(only_one)
    assert math.isnan(a.value) and "two or more coders" in a.note and a.n_units == 0
    assert math.isnan(percent_agreement(only_one).value)
    assert math.isnan(cohens_kappa(only_one).value)
    assert math.isnan(fleiss_kappa(only_one).value)
    three = np.array([[0, 1], [0, 1], [1, 1]])
    assert "exactly 2 coders" in cohens_kappa(three).note
    assert math.isnan(fleiss_kappa(np.array([[0, 1, 1]])).value)
    with pytest.raises(AgreementError):
        krippendorff_alpha_nominal(np.array([1, 2, 3]))
    with pytest.raises(QualcodeError):
        cohens_kappa([1, 2], [1])
    with pytest.raises(AgreementError):
        krippendorff_alpha_nominal(np.ones((2, 3)), weights=[1, 2])


def test_fleiss_drops_incomplete_units_and_says_so():
    m = np.array([[0, 1, 1, 0, nan], [0, 1, 0, 0, 1], [0, 1, 1, 0, 1]])
    k = fleiss_kappa(m)
    assert k.n_units == 4 and "1 unit(s) not coded by all 3 coders dropped" in k.note
    assert k.value == pytest.approx(fleiss_kappa(m[:, :4]).value)


def test_reliability_flags():
    assert reliability_flag(0.80) == "reliable"
    assert reliability_flag(0.7999) == "tentative"
    assert reliability_flag(0.667) == "tentative"
    assert reliability_flag(0.6669) == "unreliable"
    assert reliability_flag(-0.2) == "unreliable"
    assert reliability_flag(nan) == "undefined"


# ------------------------------------------------------------------------- bootstrap


def _random_presence(seed: int, n_coders: int = 3, n_units: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.random(n_units) < 0.35
    flips = rng.random((n_coders, n_units)) < 0.1
    return (truth[None, :] ^ flips).astype(float)


def test_bootstrap_is_deterministic_and_contains_estimate():
    m = _random_presence(1)
    for stat in (krippendorff_alpha_nominal, fleiss_kappa, percent_agreement):
        c1 = bootstrap_ci(stat, m, n_boot=200, seed=7)
        c2 = bootstrap_ci(stat, m, n_boot=200, seed=7)
        assert (c1.ci_low, c1.ci_high) == (c2.ci_low, c2.ci_high)
        assert c1.ci_low < c1.value < c1.ci_high
        assert c1.value == stat(m).value
        assert c1.level == 0.95 and c1.n_boot == 200
    c3 = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=200, seed=8)
    assert (c3.ci_low, c3.ci_high) != (c1.ci_low, c1.ci_high)  # the seed matters
    k = bootstrap_ci(cohens_kappa, m[:2], n_boot=200, seed=0)
    assert k.ci_low < k.value < k.ci_high


def test_bootstrap_width_shrinks_with_level_and_more_units():
    m = _random_presence(2, n_units=400)
    at_95 = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=300, seed=0)
    at_99 = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=300, level=0.99, seed=0)
    at_80 = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=300, level=0.80, seed=0)
    assert at_99.ci_high - at_99.ci_low > at_95.ci_high - at_95.ci_low > at_80.ci_high - at_80.ci_low
    small = bootstrap_ci(krippendorff_alpha_nominal, m[:, :40], n_boot=300, seed=0)
    assert small.ci_high - small.ci_low > at_95.ci_high - at_95.ci_low


def test_bootstrap_matches_explicit_column_resampling():
    """The vectorised (weights) path equals resampling columns by hand, same RNG draws."""
    m = _random_presence(3, n_units=30)
    fast = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=50, seed=11)
    slow = bootstrap_ci(lambda x: krippendorff_alpha_nominal(x).value, m, n_boot=50, seed=11)
    assert fast.value == pytest.approx(slow.value)
    assert fast.ci_low == pytest.approx(slow.ci_low) and fast.ci_high == pytest.approx(slow.ci_high)


def test_cluster_bootstrap_matches_explicit_cluster_resampling():
    m = _random_presence(4, n_units=40)
    clusters = np.repeat(np.arange(10), 4)
    fast = bootstrap_ci(fleiss_kappa, m, n_boot=40, seed=5, clusters=clusters)
    slow = bootstrap_ci(lambda x: fleiss_kappa(x).value, m, n_boot=40, seed=5, clusters=clusters)
    assert fast.ci_low == pytest.approx(slow.ci_low) and fast.ci_high == pytest.approx(slow.ci_high)
    assert "cluster bootstrap over 10 clusters" in fast.note


def test_bootstrap_interval_is_the_percentile_interval():
    m = _random_presence(7, n_units=50)
    seen: list[float] = []

    def alpha_recording(x):
        seen.append(krippendorff_alpha_nominal(x).value)
        return seen[-1]

    c = bootstrap_ci(alpha_recording, m, n_boot=400, level=0.90, seed=3)
    replicates = np.array(seen[1:])  # first call is the point estimate
    assert len(replicates) == 400
    assert c.ci_low == pytest.approx(np.quantile(replicates, 0.05))
    assert c.ci_high == pytest.approx(np.quantile(replicates, 0.95))


def test_weighted_bootstrap_equals_expanded_cluster_bootstrap():
    """Run-length (weighted) units resampled as wholes == the expanded characters
    resampled in clusters of one run: what the character-level report relies on."""
    m = _random_presence(6, n_units=25)
    w = np.random.default_rng(0).integers(1, 6, size=25)
    expanded, labels = np.repeat(m, w, axis=1), np.repeat(np.arange(25), w)
    for stat in (krippendorff_alpha_nominal, fleiss_kappa):
        a = bootstrap_ci(stat, m, n_boot=60, seed=2, weights=w)
        b = bootstrap_ci(stat, expanded, n_boot=60, seed=2, clusters=labels)
        assert a.value == pytest.approx(b.value) and a.n_units == b.n_units == w.sum()
        assert (a.ci_low, a.ci_high) == pytest.approx((b.ci_low, b.ci_high))


def test_bootstrap_degenerate_and_edge_cases():
    z = bootstrap_ci(krippendorff_alpha_nominal, np.zeros((2, 10)), n_boot=100)
    assert math.isnan(z.value) and math.isnan(z.ci_low) and math.isnan(z.ci_high)
    # rare code: some resamples have no variation -> dropped and reported
    m = np.zeros((2, 30))
    m[:, 0] = 1
    r = bootstrap_ci(krippendorff_alpha_nominal, m, n_boot=200, seed=0)
    assert r.value == pytest.approx(1.0) and "replicates undefined and dropped" in r.note
    p = bootstrap_ci(krippendorff_alpha_nominal, _random_presence(5), n_boot=0)
    assert math.isnan(p.ci_low) and not math.isnan(p.value)
    with pytest.raises(AgreementError):
        bootstrap_ci(krippendorff_alpha_nominal, np.ones((2, 3)), level=1.5)
    assert isinstance(bootstrap_ci(krippendorff_alpha_nominal, KRIPP_2011, n_boot=50), Coefficient)
    assert float(krippendorff_alpha_nominal(KRIPP_2011)) == pytest.approx(0.7434, abs=1e-4)


# --------------------------------------------------------------------------- AnnoMI

ANNOMI_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "annomi"
ANNOMI_CSV = ANNOMI_DIR / "AnnoMI-full.csv"
MULTI_ANNOTATED = [7, 27, 55, 56, 66, 109, 130]
THERAPIST = ["question", "reflection", "therapist_input", "other"]
CLIENT = ["change", "neutral", "sustain"]


@pytest.fixture(scope="module")
def annomi():
    if not ANNOMI_CSV.exists():
        pytest.skip(f"AnnoMI not available at {ANNOMI_CSV} (shared data set not checked out)")
    df = pd.read_csv(ANNOMI_CSV, keep_default_na=False)  # "n/a" stays a string: it means missing
    df = df[df["transcript_id"].isin(MULTI_ANNOTATED)]
    # Each utterance appears once per annotator, never twice for the same one.
    assert not df.duplicated(["transcript_id", "utterance_id", "annotator_id"]).any()
    units = df.drop_duplicates(["transcript_id", "utterance_id"])
    segments = pd.DataFrame(
        {"document": units["transcript_id"], "start": units["utterance_id"] * 10, "end": units["utterance_id"] * 10 + 5}
    )
    rows = []
    for col in ("main_therapist_behaviour", "client_talk_type"):
        coded = df[df[col] != "n/a"]
        rows.append(
            pd.DataFrame(
                {
                    "document": coded["transcript_id"],
                    "start": coded["utterance_id"] * 10,
                    "end": coded["utterance_id"] * 10 + 5,
                    "code": coded[col],
                    "coder": coded["annotator_id"],
                }
            )
        )
    codings = pd.concat(rows, ignore_index=True)
    coders = sorted(df["annotator_id"].unique())
    return codings, segments, coders


def test_annomi_pooled_alpha(annomi):
    codings, segments, coders = annomi
    assert len(segments) == 428 and len(coders) == 10
    therapist = nominal_unit_matrix(codings, segments, coders, THERAPIST)
    client = nominal_unit_matrix(codings, segments, coders, CLIENT)
    # a client utterance gets no therapist code and vice versa: every unit is pairable
    # for exactly one of the two matrices
    t_ok = (~np.isnan(therapist)).sum(axis=0) >= 2
    c_ok = (~np.isnan(client)).sum(axis=0) >= 2
    assert not (t_ok & c_ok).any() and (t_ok | c_ok).all()
    a_t = krippendorff_alpha_nominal(therapist)
    a_c = krippendorff_alpha_nominal(client)
    assert round(a_t.value, 3) == 0.737
    assert round(a_c.value, 3) == 0.467
    assert a_t.n_units + a_c.n_units == 428
