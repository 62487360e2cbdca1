"""Agreement on a variable (a theme of mutually exclusive codes): Krippendorff's alpha
at every level of measurement, Gwet's AC1 and Brennan-Prediger, through the library
and through the CLI from a CSV import."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest

from qualcode.agreement.variables import LEVELS, brennan_prediger, gwet_ac1, krippendorff_alpha, propose_exclusive
from qualcode.cli import main

nan = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability, section C
# (4 observers x 12 units, "." missing). Published: nominal .743, ordinal .815,
# interval .849, ratio .797 (sections C-E). Typed in by hand.
KRIPP_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],  # A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],  # B
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],  # C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],  # D
]
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def _as_index(rows) -> np.ndarray:
    return np.array([[nan if v is None else v - 1 for v in r] for r in rows], dtype=float)


@pytest.mark.parametrize("level", LEVELS)
def test_worked_example_every_level(level):
    a = krippendorff_alpha(_as_index(KRIPP_2011), level=level, values=[1, 2, 3, 4, 5])
    assert round(a.value, 3) == PUBLISHED[level]


def test_alpha_equals_the_krippendorff_package_on_random_data():
    rng = np.random.default_rng(7)
    for trial in range(60):
        coders, units, q = rng.integers(2, 6), rng.integers(3, 40), rng.integers(2, 6)
        m = rng.integers(0, q, size=(coders, units)).astype(float)
        m[rng.random(m.shape) < 0.25] = nan
        values = np.sort(rng.choice(np.arange(1, 20), size=q, replace=False)).astype(float)
        for level in LEVELS:
            ours = krippendorff_alpha(m, level=level, values=values, n_categories=q).value
            ref_data = np.where(np.isnan(m), nan, values[np.nan_to_num(m).astype(int)])
            try:
                ref = krippendorff.alpha(reliability_data=ref_data, level_of_measurement=level,
                                         value_domain=values)
            except (ValueError, ZeroDivisionError):
                ref = nan
            if np.isnan(ours) or np.isnan(ref):
                assert np.isnan(ours) == (np.isnan(ref) or not np.isfinite(ref)), (trial, level, ours, ref)
            else:
                assert ours == pytest.approx(ref, abs=1e-9), (trial, level)


def _two_rater_table(a, b, q):
    t = np.zeros((q, q))
    for x, y in zip(a, b):
        t[int(x), int(y)] += 1
    return t / t.sum()


def test_ac1_and_bp_equal_gwets_two_rater_formulas():
    # Gwet (2014), Handbook of inter-rater reliability, 4th ed., ch. 4 (two raters, no
    # missing): p_a = sum_k p_kk; pi_k = (p_k+ + p_+k)/2; AC1 p_e = sum pi_k(1-pi_k)/(q-1);
    # Brennan-Prediger p_e = 1/q. Computed here from the contingency table, a route
    # independent of the unit-wise sums in the library.
    rng = np.random.default_rng(3)
    for _ in range(50):
        q, n = int(rng.integers(2, 6)), int(rng.integers(5, 60))
        a = rng.integers(0, q, n)
        b = np.where(rng.random(n) < 0.6, a, rng.integers(0, q, n))
        p = _two_rater_table(a, b, q)
        pa = np.trace(p)
        pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
        pe = (pi * (1 - pi)).sum() / (q - 1)
        m = np.vstack([a, b]).astype(float)
        assert gwet_ac1(m, n_categories=q).value == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)
        assert brennan_prediger(m, n_categories=q).value == pytest.approx((pa - 1 / q) / (1 - 1 / q), abs=1e-12)


def test_ac1_hand_worked_example():
    # Two raters, 2 categories (0 = yes, 1 = no), 10 units: 7 both yes, 1 both no, and
    # 2 where A says yes and B says no. By hand: p_a = 8/10 = .8; A has 9 yes, B 7 yes,
    # pi_yes = 16/20 = .8, pi_no = .2; AC1 p_e = (.8 * .2 + .2 * .8) / (2 - 1) = .32,
    # AC1 = (.8 - .32) / .68 = .7059; Brennan-Prediger = (.8 - .5) / .5 = .6.
    a = [0] * 7 + [1] + [0, 0]
    b = [0] * 7 + [1] + [1, 1]
    m = np.array([a, b], dtype=float)
    assert round(gwet_ac1(m).value, 4) == 0.7059
    assert brennan_prediger(m).value == pytest.approx(0.6, abs=1e-12)


def test_propose_exclusive():
    units = pd.DataFrame({"document": [1, 1], "start": [0, 10], "end": [10, 20]})
    one = pd.DataFrame({"document": [1, 1], "start": [0, 10], "end": [5, 20], "code": [1, 2], "coder": ["a", "a"]})
    assert propose_exclusive(one, units, [1, 2])
    two = pd.concat([one, pd.DataFrame({"document": [1], "start": [2], "end": [8], "code": [2], "coder": ["a"]})])
    assert not propose_exclusive(two, units, [1, 2])
    other_coder = two.assign(coder=["a", "a", "b"])
    assert propose_exclusive(other_coder, units, [1, 2])


# ------------------------------------------------------------------ through the CLI


def _kripp_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["document", "order", "text", "coder", "code"])
        for unit in range(12):
            for coder, row in zip("ABCD", KRIPP_2011):
                v = row[unit]
                w.writerow(["kripp", unit + 1, f"Unit number {unit + 1}.", coder, "" if v is None else v])
    return path


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_cli_worked_example_from_a_csv_import(tmp_path, capsys, level):
    project = tmp_path / "k.qualcode"
    assert run(["init", project], capsys)[0] == 0
    code, _, err = run(["import", "-p", project, _kripp_csv(tmp_path / "kripp.csv")], capsys)
    assert code == 0, err
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "C", "D", "--variable", "code",
                          "--level", level, "--n-boot", "50", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got["categories"] == ["1", "2", "3", "4", "5"] and got["exclusive_in_data"] is True
    alphas = {r["coefficient"]: r for r in got["rows"]}
    assert round(alphas["krippendorff_alpha_nominal"]["value"], 3) == PUBLISHED["nominal"]
    assert round(alphas[f"krippendorff_alpha_{level}"]["value"], 3) == PUBLISHED[level]
    for r in got["rows"]:
        assert r["ci_low"] is not None and r["ci_low"] <= r["ci_high"], r
    assert {"gwet_ac1", "brennan_prediger"} <= set(alphas)
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "C", "D", "--variable", "code",
                          "--n-boot", "20"], capsys)
    assert code == 0 and "krippendorff_alpha_nominal" in out and "0.743" in out, (out, err)
    code, out, err = run(["agreement", "-p", project, "--coders", "A", "B", "--variable", "code", "--level", "loud"],
                         capsys)
    assert code != 0 and "--level" in err and len(err.strip().splitlines()) == 1


ANNOMI_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "annomi" / "AnnoMI-full.csv"
MULTI_ANNOTATED = [7, 27, 55, 56, 66, 109, 130]


def test_cli_annomi_ten_annotators(tmp_path, capsys):
    if not ANNOMI_CSV.exists():
        pytest.skip(f"AnnoMI not available at {ANNOMI_CSV} (../shared not checked out)")
    df = pd.read_csv(ANNOMI_CSV, keep_default_na=False, dtype=str)
    df = df[df["transcript_id"].astype(int).isin(MULTI_ANNOTATED)]
    small = tmp_path / "annomi-multi.csv"
    df.to_csv(small, index=False)
    project = tmp_path / "a.qualcode"
    assert run(["init", project], capsys)[0] == 0
    code, _, err = run(["import", "-p", project, small], capsys)
    assert code == 0, err
    coders = sorted({f"annomi-annotator-{a}" for a in df["annotator_id"]})
    assert len(coders) == 10
    for theme, expected in (("main_therapist_behaviour", 0.737), ("client_talk_type", 0.467)):
        code, out, err = run(["agreement", "-p", project, "--coders", *coders, "--variable", theme,
                              "--n-boot", "0", "--json"], capsys)
        assert code == 0, err
        rows = {r["coefficient"]: r for r in json.loads(out)["rows"]}
        assert round(rows["krippendorff_alpha_nominal"]["value"], 3) == expected
    # The shipped codebook declares both themes variables: no --variable needed.
    books = Path(__file__).resolve().parents[2] / "codebooks"
    code, _, err = run(["codebook", "load", books / "mi_behaviours.yaml", "-p", project], capsys)
    assert code == 0, err
    code, out, err = run(["agreement", "-p", project, "--coders", *coders, "--n-boot", "0", "--json"], capsys)
    assert code == 0, err
    got = {v["variable"]: v for v in json.loads(out)["variables"]}
    for theme, expected in (("main_therapist_behaviour", 0.737), ("client_talk_type", 0.467)):
        rows = {r["coefficient"]: r for r in got[theme]["rows"]}
        assert got[theme]["declared"] and round(rows["krippendorff_alpha_nominal"]["value"], 3) == expected
