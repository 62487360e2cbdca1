"""The command line: init, import, info, demo, backup/restore and team commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


from qualcode.cli import app, main
from qualcode.store import Project

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_import_info_json(tmp_path, capsys):
    path = tmp_path / "s.qualcode"
    assert run(["init", path], capsys)[0] == 0
    transcript = tmp_path / "P01.txt"
    transcript.write_text("Interviewer: How do you use it?\n\nP01: Mostly at night.\n\nInterviewer: Why?\n\nP01: Nobody else is up.\n", encoding="utf-8")
    people = tmp_path / "participants.csv"
    people.write_text("pseudonym,country,document\nP01,Kenya,P01\n", encoding="utf-8")
    code, out, _ = run(["import", "-p", path, transcript, "--participants", people], capsys)
    assert code == 0 and "imported 1 document" in out
    code, out, _ = run(["info", "-p", path, "--json"], capsys)
    assert code == 0
    assert json.loads(out) == {"documents": 1, "segments": 4, "codes": 0, "codings": 0, "coders": 0, "participants": 1}


def test_errors_are_one_line_and_non_zero_and_leave_the_project_unchanged(tmp_path, capsys):
    path = tmp_path / "s.qualcode"
    run(["init", path], capsys)
    good = tmp_path / "good.txt"
    good.write_text("Interviewer: Hi\n\nP01: Hello\n", encoding="utf-8")
    bad = tmp_path / "bad.vtt"
    bad.write_bytes(b"\x00\x01\x02 binary")
    code, out, err = run(["import", "-p", path, good, bad], capsys)
    assert code == 1
    assert err.startswith("error: ") and "bad.vtt" in err and len(err.strip().splitlines()) == 1
    assert Project.open(path, create=False).info()["documents"] == 0
    code, _, err = run(["info", "-p", tmp_path / "missing.qualcode"], capsys)
    assert code == 1 and "missing.qualcode" in err
    code, _, err = run(["init", path], capsys)
    assert code == 1 and "already exists" in err


def test_csv_with_codes_by_a_named_coder(tmp_path, capsys):
    path = tmp_path / "s.qualcode"
    run(["init", path], capsys)
    table = tmp_path / "threads.csv"
    table.write_text(
        "document,order,speaker,text,support_type\n"
        "t1,1,u/op,I feel so alone lately,\n"
        "t1,2,u/kind,You are not alone. DM me any time,emotional\n"
        "t1,3,u/info,Try the 988 line if it gets bad,informational\n",
        encoding="utf-8",
    )
    code, out, err = run(["import", "-p", path, table, "--coder", "Rae", "--code-column", "support_type"], capsys)
    assert code == 0, err
    with Project.open(path, create=False) as project:
        assert project.coders() == ["Rae"]
        assert sorted(c.code_name for c in project.codings()) == ["emotional", "informational"]


def test_demo_builds_the_fictional_study(tmp_path, capsys):
    path = tmp_path / "demo.qualcode"
    code, out, err = run(["demo", path], capsys)
    assert code == 0, err
    with Project.open(path, create=False) as project:
        info = project.info()
        assert info["documents"] >= 12 and info["participants"] >= 12 and info["codes"] > 20
        # Every transcript is linked to its participant but the one just imported (P14).
        assert [d.name for d in project.documents() if not d.participant] == ["P14_interview"]
        # Coded by two fictional coders, with a consensus coder and accepted suggestions.
        assert project.coders() == ["amira", "consensus", "jonas"]
        origins = {c.origin for c in project.codings()}
        assert origins == {"human", "consensus", "suggestion"}
    assert "fictional coders" in out
    assert run(["demo", path], capsys)[0] == 1  # never overwrites
    empty = tmp_path / "empty.qualcode"
    code, out, err = run(["demo", empty, "--empty"], capsys)
    assert code == 0, err
    with Project.open(empty, create=False) as project:
        assert project.info()["codings"] == 0 and project.coders() == []
        assert project.info()["documents"] == info["documents"]


def test_backup_restore_and_accounts_from_the_cli(tmp_path, capsys, monkeypatch):
    import io

    path = tmp_path / "s.qualcode"
    run(["init", path], capsys)
    code, out, _ = run(["backup", tmp_path / "b.qualcode", "-p", path], capsys)
    assert code == 0 and "backed up" in out
    code, out, err = run(["restore", tmp_path / "b.qualcode", "-p", path, "--name", "copy"], capsys)
    assert code == 0, err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    code, out, err = run(["user", "add", "olga", "-d", path, "--password-stdin"], capsys)
    assert code == 0, err
    # Now a team database: member changes need an account (--user) or the operator's config file.
    assert run(["member", "set", "olga", "owner", "-p", path], capsys)[0] == 1
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'[database]\nurl = "{path}"\n', encoding="utf-8")
    cfg.chmod(0o600)
    monkeypatch.setenv("QUALCODE_CONFIG", str(cfg))
    assert run(["--as-operator", "member", "set", "olga", "owner", "-p", path], capsys)[0] == 0
    monkeypatch.setenv("QUALCODE_PASSWORD", "a long password")
    code, out, _ = run(["--user", "olga", "member", "list", "-p", path, "--json"], capsys)
    assert json.loads(out) == [{"user": "olga", "role": "owner"}]
    code, _, err = run(["--user", "olga", "member", "set", "olga", "emperor", "-p", path], capsys)
    assert code == 1 and "unknown role" in err


def test_python_dash_m_and_console_script_exist(tmp_path):
    res = subprocess.run([sys.executable, "-m", "qualcode", "info", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0 and "--json" in res.stdout


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        names.extend(f"{name} {s}" for s in sub) if sub else names.append(name)
    return names


def test_every_cli_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in _command_names() if not re.search(rf"qualcode {re.escape(n)}\b", readme)]
    assert not missing, f"commands missing from README.md: {missing}"
