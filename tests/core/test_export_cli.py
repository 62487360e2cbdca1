"""``qualcode export docx|qdpx|csv|xlsx|figures`` and ``qualcode import-qdpx``."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pandas as pd
import pytest

from qualcode.cli import main
from qualcode.cli.export import output_path
from qualcode.store import Project
from tests.core.test_export_excerpts import fill_coded_study
from tests.conftest import fill_small_study


@pytest.fixture
def study(tmp_path: Path) -> Path:
    path = tmp_path / "study" / "s.qualcode"
    with Project.open(path) as project:
        fill_coded_study(fill_small_study(project))
    return path


def run(args, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_docx_with_filters_goes_to_exports_next_to_the_project(study, capsys):
    code, out, err = run(["export", "docx", "-p", study, "report.docx", "--codes", "Support roles", "--coders", "ana",
                          "--attribute", "country=Brazil", "--attribute", "country=Egypt", "--context", "turn",
                          "--memos", "--show-attribute", "country", "--no-figures"], capsys)
    assert code == 0, err
    path = study.parent / "exports" / "report.docx"
    assert f"wrote {path} (2 excerpt(s))" in out
    doc = docx.Document(str(path))
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Excerpt"]
    assert quotes[0] == "At night, when nobody else was awake. It just listened." and len(quotes) == 2
    assert any("(Egypt)" in p.text for p in doc.paragraphs if p.style.name == "Excerpt Source")


def test_qdpx_csv_xlsx_default_names_and_explicit_paths(study, tmp_path, capsys):
    assert run(["export", "qdpx", "-p", study], capsys)[0] == 0
    assert (study.parent / "exports" / "s-project.qdpx").is_file()
    out_csv = tmp_path / "out" / "codings"
    code, out, _ = run(["export", "csv", "-p", study, str(out_csv), "--coders", "consensus"], capsys)
    assert code == 0 and (tmp_path / "out" / "codings.csv").is_file()
    frame = pd.read_csv(tmp_path / "out" / "codings.csv", encoding="utf-8-sig")
    assert list(frame["coder"]) == ["consensus"]
    assert run(["export", "csv", "-p", study, "--matrix"], capsys)[0] == 0
    matrix = pd.read_csv(study.parent / "exports" / "s-matrix.csv", encoding="utf-8-sig", index_col=0)
    assert matrix.loc["Rehearsal space", "P02"] == 2
    assert run(["export", "xlsx", "-p", study, "t.xlsx"], capsys)[0] == 0
    assert (study.parent / "exports" / "t.xlsx").is_file()


def test_bad_filters_are_one_line_errors(study, capsys):
    code, _, err = run(["export", "csv", "-p", study, "--codes", "Nope"], capsys)
    assert code == 1 and err.startswith("error: no code 'Nope'")
    code, _, err = run(["export", "docx", "-p", study, "--attribute", "country"], capsys)
    assert code == 1 and "KEY=VALUE" in err
    code, _, err = run(["export", "csv", "-p", study, "--context", "page"], capsys)
    assert code == 1 and "--context" in err


def test_figures_is_mounted_under_export(capsys):
    code, out, _ = run(["export", "figures", "--help"], capsys)
    assert code == 0 and "Chromium" in out
    assert run(["export-figures", "--help"], capsys)[0] == 0  # the colleague's command is still there


def test_import_qdpx_round_trip(study, tmp_path, capsys):
    assert run(["export", "qdpx", "-p", study, str(tmp_path / "x.qdpx")], capsys)[0] == 0
    target = tmp_path / "copy.qualcode"
    code, out, _ = run(["import-qdpx", "-p", target, tmp_path / "x.qdpx"], capsys)
    assert code == 0 and "imported 4 document(s), 7 coding(s) by 3 coder(s)" in out
    assert "P04: text from the plain text; 1/1 selection(s) placed (1 coding(s)), offsets read as code points" in out
    code, out, _ = run(["import-qdpx", "-p", tmp_path / "again.qualcode", tmp_path / "x.qdpx", "--json"], capsys)
    assert code == 0 and json.loads(out)["codings"] == 7
    code, _, err = run(["import-qdpx", "-p", target, tmp_path / "x.qdpx"], capsys)
    assert code == 1 and "already has a document named" in err


def test_output_path_rules(tmp_path):
    project = str(tmp_path / "p" / "s.qualcode")
    assert output_path(None, project, "report", ".docx", "My study: 2") == tmp_path / "p" / "exports" / "My-study-2-report.docx"
    assert output_path("r", project, "report", ".docx", "x") == tmp_path / "p" / "exports" / "r.docx"
    assert output_path(str(tmp_path / "a" / "r.docx"), project, "report", ".docx", "x") == tmp_path / "a" / "r.docx"
    assert output_path("./r.docx", project, "report", ".docx", "x") == Path("./r.docx")


def test_import_qdpx_reports_per_source_and_an_empty_project(tmp_path, capsys):
    from tests.refi_fixtures import build

    code, out, err = run(["import-qdpx", "-p", tmp_path / "a.qualcode", build("atlasti-blank", tmp_path)], capsys)
    assert code == 0 and "the file held nothing to import" in out and "2 user(s) are coders here now" in out
    code, out, err = run(["import-qdpx", "-p", tmp_path / "b.qualcode", build("atlasti", tmp_path)], capsys)
    assert code == 0
    assert "Leaflet.pdf: text from the PDF's text representation; 1/1 selection(s) placed (1 coding(s))" in out
    assert "1 PDF selection(s) not imported: they are areas of a page" in out
    code, out, err = run(["import-qdpx", "-p", tmp_path / "c.qualcode", build("nvivo-windows", tmp_path), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["sources"][0]["text_from"] == "plain text" and report["sets"] == ["Night interviews"]
