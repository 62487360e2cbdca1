"""Free spans: Krippendorff's unitizing alpha against his published worked examples and a
brute-force computation, Mathet's gamma through pygamma-agreement, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement.unitizing import (
    ALL_CODES,
    _observed_sum,
    gamma_agreement,
    sections,
    unitizing_alpha,
    unitizing_delta,
)
from qualcode.cli import main
from tests.fixtures import ensure_coders

COLS = ["document", "start", "end", "code", "coder"]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS)


def by_code(results):
    return {r.code: r for r in results}


def test_krippendorff_2004_worked_example():
    # Krippendorff (2004), Content Analysis 2nd ed., p. 254: two observers, a continuum
    # from 150 to 450, categories c and k as (begin, length). Published: for c
    # D_o = .0144, D_e = .0532, alpha = .7286; for k D_o = 0, D_e = .0490, alpha = 1.
    i = [(225, 70, "c"), (370, 30, "c"), (180, 60, "k"), (300, 50, "k")]
    j = [(220, 80, "c"), (355, 20, "c"), (400, 20, "c"), (180, 60, "k"), (300, 50, "k")]
    rows = [("d", b - 150, b - 150 + n, code, who) for who, units in (("i", i), ("j", j)) for b, n, code in units]
    got = by_code(unitizing_alpha(frame(rows), ["i", "j"], {"d": 300}))
    assert round(got["c"].d_o, 4) == 0.0144 and round(got["c"].d_e, 4) == 0.0532
    assert round(got["c"].alpha, 4) == 0.7286
    assert got["k"].d_o == 0 and round(got["k"].d_e, 4) == 0.0490 and got["k"].alpha == 1.0
    # Over both categories (summed disagreements), as DKPro Statistics reports it: .859.
    assert round(got[ALL_CODES].alpha, 3) == 0.859
    # The distances Krippendorff tabulates for this example.
    assert unitizing_delta(225, 70, 1, 220, 80, 1) == 50
    assert unitizing_delta(370, 30, 1, 355, 20, 1) == 850
    assert unitizing_delta(400, 50, 0, 400, 20, 1) == 400


KRIPP_1995 = {  # Krippendorff (1995), Sociological Methodology 25, p. 57: (coder, begin, length)
    "A": [(0, 2, 8), (0, 14, 6), (1, 4, 4), (1, 15, 2)],
    "B": [(0, 0, 18), (1, 0, 2), (1, 2, 1), (1, 3, 1), (1, 4, 1), (1, 5, 1), (1, 6, 3), (1, 9, 1)],
    "C": [(0, 2, 6), (0, 10, 2), (0, 14, 4), (0, 20, 2), (1, 0, 2), (1, 4, 4), (1, 10, 4), (1, 16, 2), (1, 20, 2)],
    "D": [(0, 0, 2), (0, 2, 8), (0, 10, 4), (0, 14, 6), (0, 20, 4), (1, 0, 4), (1, 4, 4), (1, 8, 7), (1, 15, 2),
          (1, 17, 7)],
}


def test_krippendorff_1995_four_cases():
    rows = [("d", b, b + n, case, who) for case, units in KRIPP_1995.items() for who, b, n in units]
    got = by_code(unitizing_alpha(frame(rows), [0, 1], {"d": 24}))
    # Observed disagreements as published (exact): adjacent units stay separate units (B, D).
    for case, d_o in {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}.items():
        assert abs(got[case].d_o - d_o) < 1e-5, case
    # The published alphas (.553, -.926, .679, .066) treat the continuum as continuous;
    # a finely stretched continuum approaches them (the 1995 expected disagreement has a
    # small error that the 2004 formula corrects, so within .02, as DKPro tests it too).
    stretched = [("d", b * 1000, (b + n) * 1000, case, who) for case, units in KRIPP_1995.items()
                 for who, b, n in units]
    got = by_code(unitizing_alpha(frame(stretched), [0, 1], {"d": 24000}))
    for case, alpha in {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}.items():
        assert abs(got[case].alpha - alpha) < 0.02, (case, got[case].alpha)


def _brute_observed(a, b) -> int:
    return sum(unitizing_delta(*x, *y) for x in a for y in b)


spans_strategy = st.lists(st.tuples(st.integers(0, 59), st.integers(1, 25)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(spans_strategy, spans_strategy, spans_strategy)
def test_the_sweep_equals_every_pair_of_sections(a, b, c):
    # _observed_sum visits only overlapping sections; the brute force sums every pair.
    secs = [sections([(s, min(s + n, 60)) for s, n in spans], 0, 60) for spans in (a, b, c)]
    for x in secs:
        assert sum(n for _, n, _ in x) == 60  # sections tile the piece
    for x, y in ((0, 1), (1, 2), (0, 2)):
        assert _observed_sum(secs[x], secs[y]) == _brute_observed(secs[x], secs[y])
        assert _observed_sum(secs[x], secs[y]) == _observed_sum(secs[y], secs[x])


@settings(max_examples=60, deadline=None)
@given(spans_strategy, spans_strategy)
def test_identical_coders_agree_and_order_does_not_matter(a, b):
    rows = [("d", s, min(s + n, 60), "x", who) for who, spans in (("p", a), ("q", b)) for s, n in spans]
    rows += [("d", s, min(s + n, 60), "x", "r") for s, n in a]
    df = frame(rows)
    one = by_code(unitizing_alpha(df, ["p", "q", "r"], {"d": 60}, ["x"]))["x"]
    two = by_code(unitizing_alpha(df, ["r", "p", "q"], {"d": 60}, ["x"]))["x"]
    assert one.d_o == pytest.approx(two.d_o) and one.d_e == pytest.approx(two.d_e)
    same = by_code(unitizing_alpha(df, ["p", "r"], {"d": 60}, ["x"]))["x"]
    if a:
        assert same.d_o == 0 and same.alpha == 1.0
    else:
        assert np.isnan(same.alpha)  # no unit at all: undefined, not 1


def test_mathets_gamma_through_pygamma():
    pytest.importorskip("pygamma_agreement")
    rows = [("d", 0, 10, "A", "ana"), ("d", 20, 30, "B", "ana"), ("d", 40, 48, "A", "ana")]
    same = frame(rows + [(d, s, e, c, "ben") for d, s, e, c, _ in rows])
    assert gamma_agreement(same, ["ana", "ben"], {"d": 60}, n_samples=10) == pytest.approx(1.0)
    shifted = frame(rows + [("d", 2, 12, "A", "ben"), ("d", 20, 30, "A", "ben"), ("d", 50, 58, "B", "ben")])
    g1 = gamma_agreement(shifted, ["ana", "ben"], {"d": 60}, n_samples=10, seed=3)
    g2 = gamma_agreement(shifted, ["ana", "ben"], {"d": 60}, n_samples=10, seed=3)
    assert g1 == g2 and g1 < 0.9  # repeatable with a seed; disagreement lowers it
    state = np.random.get_state()[1][:5].tolist()
    gamma_agreement(shifted, ["ana", "ben"], {"d": 60}, n_samples=10, seed=4)
    assert np.random.get_state()[1][:5].tolist() == state  # the global generator is left as it was


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_free_spans_on_a_project(small_study, capsys):
    from qualcode.agreement.project import load_agreement_data

    project = ensure_coders(small_study, "ana", "ben")
    _, doc = project.document("P01")
    words = [(m, m + len(w)) for w, m in zip(doc.text.split(), _starts(doc.text))][:12]
    project.add_coding("P01", words[1][0], words[4][1], 2, "ana")
    project.add_coding("P01", words[1][0], words[3][1], 2, "ben")
    project.add_coding("P01", words[8][0], words[10][1], 4, "ben")
    code, out, err = run(["agreement", "-p", project.location, "--coders", "ana", "ben", "--unit", "span", "--json"],
                         capsys)
    assert code == 0, err
    got = json.loads(out)
    data = load_agreement_data(project, ["ana", "ben"])
    expected = unitizing_alpha(data.codings, ["ana", "ben"], {d: len(t) for d, t in data.texts.items()}, data.codes)
    assert [r["unitizing_alpha"] for r in got["rows"]] == pytest.approx([r.alpha for r in expected], nan_ok=True)
    assert got["rows"][-1]["code"] == ALL_CODES and got["gamma"] is None and got["documents"] == ["P01"]
    code, out, err = run(["agreement", "-p", project.location, "--coders", "ana", "ben", "--unit", "span"], capsys)
    assert code == 0 and "unitizing alpha" in out and "Krippendorff's (2004)" in out, err
    code, out, err = run(["agreement", "-p", project.location, "--coders", "ana", "ben", "--unit", "span", "--gamma",
                          "--json"], capsys)
    assert code == 0 and -1 <= json.loads(out)["gamma"] <= 1, err
    code, out, err = run(["agreement", "-p", project.location, "--coders", "ana", "ben", "--gamma"], capsys)
    assert code != 0 and "--gamma goes with --unit span" in err


def _starts(text: str) -> list[int]:
    out, pos = [], 0
    for w in text.split():
        pos = text.index(w, pos)
        out.append(pos)
        pos += len(w)
    return out
