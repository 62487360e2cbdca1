"""``qualcode codebook load|check|export|history`` through the real CLI entry point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qualcode.data import codebooks_dir
from qualcode.cli import main
from qualcode.codebook import Codebook
from qualcode.codebook.edit import rename_code
from qualcode.refi import read_qdc
from qualcode.store import Project

ROOT = Path(__file__).resolve().parents[2]
BOOK = codebooks_dir() / "therapeutic_alignment.yaml"


@pytest.fixture
def project_path(tmp_path: Path) -> str:
    path = tmp_path / "study.qualcode"
    assert main(["init", str(path)]) == 0
    return str(path)


def test_load_export_history(project_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codebook", "load", "-p", project_path, str(BOOK), "--actor", "ana"]) == 0
    out = capsys.readouterr().out
    assert "Therapeutic alignment: added 38, updated 0, unchanged 0 code(s)" in out
    # Loading again merges instead of duplicating.
    assert main(["codebook", "load", "-p", project_path, str(BOOK)]) == 0
    assert "added 0, updated 0, unchanged 38" in capsys.readouterr().out

    qdc, yml = tmp_path / "out.qdc", tmp_path / "out.yaml"
    assert main(["codebook", "export", "-p", project_path, str(qdc)]) == 0
    assert main(["codebook", "export", "-p", project_path, str(yml)]) == 0
    assert "wrote 38 code(s)" in capsys.readouterr().out
    original = Codebook.read_yaml(BOOK)
    assert [(c.name, c.guid, c.definition) for c in read_qdc(qdc).codes] == [
        (c.name, c.guid, c.definition) for c in original.codes]
    assert [(c.name, c.guid) for c in Codebook.read_yaml(yml).codes] == [(c.name, c.guid) for c in original.codes]

    with Project.open(project_path) as p:
        rename_code(p, "Cost", "Cost of care", actor="ben")
    assert main(["codebook", "history", "-p", project_path]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and " ana load Therapeutic alignment: loaded codebook" in lines[0]
    assert lines[2].endswith("ben rename Gaps in everyday care > Cost of care: renamed 'Cost' to 'Cost of care'")

    assert main(["codebook", "history", "-p", project_path, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["action"] for r in rows] == ["load", "load", "rename"]
    assert main(["codebook", "history", "-p", project_path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[-1]["payload"]["before"]["name"] == "Cost"
    assert main(["codebook", "history", "-p", project_path, "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("| When | Who | Action | Code | Details |")


def test_load_qdpx(project_path: str, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codebook", "load", "-p", project_path, str(shared_data / "refi-qda" / "nvivo12-oltas0517.qdpx")]) == 0
    assert "added 152" in capsys.readouterr().out


def test_bad_codebook_exits_1_listing_every_problem(project_path: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: B\nthemes:\n  - name: A\n    colour: pink\n  - name: A\n    definition: d\n", encoding="utf-8")
    assert main(["codebook", "load", "-p", project_path, str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: 3 problems:")
    assert "themes[0].colour (line 4)" in err and "themes[1] (line 5)" in err
    assert main(["codebook", "check", str(bad)]) == 1
    with Project.open(project_path) as p:
        assert p.codes() == []


def test_check_and_other_errors(project_path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codebook", "check", str(BOOK)]) == 0
    assert "OK, 5 theme(s), 33 code(s)" in capsys.readouterr().out
    assert main(["codebook", "export", "-p", project_path, str(tmp_path / "x.yaml")]) == 1
    assert "no codes to export" in capsys.readouterr().err
    assert main(["codebook", "export", "-p", project_path, str(tmp_path / "x.docx")]) == 1
    assert main(["codebook", "load", "-p", project_path, str(tmp_path / "x.txt")]) == 1
    assert "unknown codebook file type" in capsys.readouterr().err
    assert main(["codebook", "load", "-p", str(tmp_path / "missing.qualcode"), str(BOOK)]) == 1
    assert main(["codebook", "history", "-p", project_path, "--csv", "--json"]) == 1
    assert main(["codebook", "history", "-p", project_path]) == 0
    assert "no codebook edits yet" in capsys.readouterr().out
