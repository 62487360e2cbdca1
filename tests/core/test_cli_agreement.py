"""``qualcode agreement`` and ``qualcode consensus``: the JSON numbers are the
library's, the table is readable, and the consensus command writes and re-writes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qualcode.agreement import REPORT_COLUMNS, agreement_report
from qualcode.cli import main
from qualcode.store import Project
from tests.conftest import fill_small_study
from tests.core.test_consensus import GENERIC, LISTENER, REHEARSAL, three_coders
from tests.fixtures import ensure_coders


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "study.qualcode"
    with Project.open(path) as project:
        three_coders(fill_small_study(project))
    return path


def run(args, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == pytest.approx(b, abs=1e-12) if isinstance(a, float) else a == b


@pytest.mark.parametrize("unit", ["segment", "character"])
def test_json_numbers_equal_the_library(path, capsys, unit):
    code, out, err = run(["agreement", "-p", path, "--coders", "ana", "ben", "--unit", unit, "--n-boot", "100",
                          "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)  # strict JSON: NaN would not parse as null
    assert [list(r) for r in rows] == [REPORT_COLUMNS] * len(rows)
    with Project.open(path, create=False) as project:
        frame, segs = project.codings_frame(), project.segments_frame()
        texts = {d.name: project.document(d.id)[1].text for d in project.documents()}
    expected = agreement_report(frame, segs, ["ana", "ben"], [LISTENER, REHEARSAL, GENERIC], unit=unit, n_boot=100,
                                seed=0, texts=texts, coded_documents={"ana": ["P01", "P02"], "ben": ["P01", "P02"]})
    assert [r["code"] for r in rows] == list(expected["code"])
    for row, (_, exp) in zip(rows, expected.iterrows()):
        for col in REPORT_COLUMNS:
            assert same(row[col], exp[col]), (row["code"], col, row[col], exp[col])


def test_options_document_codes_and_several_coders(path, capsys):
    code, out, _ = run(["agreement", "-p", path, "--coders", "ana", "ben", "carl", "--document", "P01",
                        "--codes", GENERIC, LISTENER, "--n-boot", "0", "--json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["code"] for r in rows] == [GENERIC, LISTENER, "pooled"]
    assert all(r["cohens_kappa"] is None and r["fleiss_kappa"] is not None for r in rows)  # three coders
    assert (rows[1]["alpha"], rows[1]["flag"]) == (1.0, "reliable")  # all three on the same turn, nowhere else


def test_readable_table(path, capsys):
    code, out, _ = run(["agreement", "-p", path, "--coders", "ana", "ben", "--n-boot", "50"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["code", "units", "%"] and "Cohen k" in lines[0]
    assert any(line.startswith("pooled") for line in lines)
    assert "reliable >= .800" in out and "segment x code presence" in out


def test_errors_are_one_line(path, capsys):
    for args, msg in [
        (["--coders", "ana"], "at least two coders"),
        (["--coders", "ana", "zoe"], "no coder 'zoe'"),
        (["--coders", "ana", "ben", "--unit", "word"], "--unit"),
        (["--coders", "ana", "ben", "--codes", "Nothing"], "Nothing"),
    ]:
        code, _, err = run(["agreement", "-p", path, *args], capsys)
        assert code == 1 and msg in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run(["agreement", "-p", path, "--coders", "--json"], capsys)
    assert code == 2 and "--coders needs at least one value" in err


def test_consensus_writes_and_a_rerun_replaces(path, capsys):
    code, out, err = run(["consensus", "-p", path, "--coders", "ana", "ben", "carl", "--as", "agreed"], capsys)
    assert code == 0, err
    assert out.strip() == "wrote 3 consensus coding(s) as 'agreed'"
    code, out, _ = run(["consensus", "-p", path, "--coders", "ana", "ben", "carl", "--as", "agreed",
                        "--threshold", "0.7", "--json"], capsys)
    assert json.loads(out) == {"consensus_coder": "agreed", "written": 2, "replaced": 3, "skipped_adjudicated": 0,
                               "skipped_existing": 0}
    with Project.open(path, create=False) as project:
        assert sorted(c.code_name for c in project.codings(coders=["agreed"])) == [LISTENER, REHEARSAL]
        assert {c.origin for c in project.codings(coders=["agreed"])} == {"consensus"}


def test_consensus_with_suggestions_and_refusals(path, capsys):
    with Project.open(path, create=False) as project:
        t = project.document("P02")[1].segments[1]
        ensure_coders(project, "dan")
        project.add_coding("P02", t.start, t.end, LISTENER, "dan", origin="suggestion")
    code, out, _ = run(["consensus", "-p", path, "--coders", "ana", "ben", "--with-suggestions"], capsys)
    assert code == 0 and "wrote 4" in out
    code, _, err = run(["consensus", "-p", path, "--coders", "ana", "ben", "--as", "ben"], capsys)
    assert code == 1 and "one of the coders compared" in err


def test_gold_precision_recall_f1_kappa_equal_sklearn(path, capsys):
    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    from qualcode.agreement import segment_unit_matrix

    code, out, err = run(["gold", "-p", path, "--coder", "ben", "--gold", "ana", "--json"], capsys)
    assert code == 0, err
    rows = {r["code"]: r for r in json.loads(out)}
    with Project.open(path, create=False) as project:
        frame, segs = project.codings_frame(), project.segments_frame()
    mats = segment_unit_matrix(frame, segs, ["ana", "ben"], [LISTENER, REHEARSAL, GENERIC],
                               coded_documents={"ana": ["P01", "P02"], "ben": ["P01", "P02"]})
    for name, m in mats.items():
        ok = ~np.isnan(m).any(axis=0)
        g, c = m[0, ok], m[1, ok]
        p, r, f, _ = precision_recall_fscore_support(g, c, average="binary", zero_division=np.nan)
        got = rows[name]
        assert got["n_units"] == ok.sum()
        for key, ref in (("precision", p), ("recall", r), ("f1", f), ("kappa", cohen_kappa_score(g, c))):
            assert same(got[key], None if np.isnan(ref) else float(ref)), (name, key, got[key], ref)
    assert rows["all codes"]["tp"] == sum(rows[n]["tp"] for n in mats)
    code, out, err = run(["gold", "-p", path, "--coder", "ben", "--gold", "ana"], capsys)
    assert code == 0 and "precision" in out and "all codes" in out
    code, out, err = run(["gold", "-p", path, "--coder", "ana", "--gold", "ana"], capsys)
    assert code != 0 and len(err.strip().splitlines()) == 1
