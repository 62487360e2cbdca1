"""The CLI acts as a named account on a team database (``--user``), never as nobody.

Without ``--user`` a team database refuses the command, except on the server
operator's explicit path (``--as-operator``), which needs the private server config
file that names this very database.
"""

from __future__ import annotations

import io
import os
import sys

import pytest

from qualcode import config
from qualcode.store import accounts
from qualcode.cli import main
from tests.security.conftest import PASSWORD, Team


def run(args, capsys, *, password: str | None = None, monkeypatch=None):
    if monkeypatch is not None:
        if password is None:
            monkeypatch.delenv("QUALCODE_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("QUALCODE_PASSWORD", password)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _roles(team: Team) -> dict[str, str]:
    with team.open(None) as p:
        return dict(accounts.members(p))


@pytest.fixture(autouse=True)
def _no_ambient_identity(monkeypatch):
    for var in ("QUALCODE_PASSWORD", "QUALCODE_USER", config.CONFIG_ENV, "QUALCODE_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_without_user_a_team_database_refuses_member_changes(team, capsys):
    before = _roles(team)
    code, _, err = run(["member", "set", team.names["carl"], "owner", "-p", team.location, "--name", team.project], capsys)
    assert code == 1 and "--user" in err
    assert _roles(team) == before


def test_a_coder_cannot_make_themselves_owner(team, capsys, monkeypatch):
    before = _roles(team)
    code, _, err = run(["--user", team.names["carl"], "member", "set", team.names["carl"], "owner",
                        "-p", team.location, "--name", team.project], capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 1 and "owner role" in err
    assert _roles(team) == before
    assert len(err.strip().splitlines()) == 1


def test_a_wrong_password_is_refused(team, capsys, monkeypatch):
    code, _, err = run(["--user", team.names["olga"], "member", "list", "-p", team.location, "--name", team.project],
                       capsys, password="not the password", monkeypatch=monkeypatch)
    assert code == 1 and "wrong user name or password" in err


def test_an_owner_sets_roles_as_themselves(team, capsys, monkeypatch):
    code, out, err = run(["--user", team.names["olga"], "member", "set", team.names["vera"], "coder",
                          "-p", team.location, "--name", team.project], capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 0, err
    assert _roles(team)[team.names["vera"]] == "coder"
    with team.open(None) as p:
        assert p.events(limit=1, action_prefix="members.")[0].actor == team.names["olga"]


def test_the_password_prompt_is_used_without_the_environment(team, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = run(["--user", team.names["vera"], "member", "list", "-p", team.location, "--name", team.project,
                          "--json"], capsys)
    assert code == 0, err
    assert team.names["olga"] in out


def test_a_non_member_cannot_read_through_the_cli(team, capsys, monkeypatch):
    code, out, err = run(["--user", team.names["nina"], "info", "-p", team.location, "--json"], capsys,
                         password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 1
    assert "P01" not in out


def test_only_admins_or_the_operator_create_accounts_and_projects(team, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a fine long passphrase\n"))
    code, _, err = run(["--user", team.names["olga"], "user", "add", "mallory-" + team.project, "-d", team.location,
                        "--password-stdin"], capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 1 and "administrator" in err
    code, _, err = run(["--user", team.names["olga"], "init", team.location, "--name", "rogue " + team.project],
                       capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 1 and "administrator" in err
    code, _, err = run(["--user", team.names["ada"], "init", team.location, "--name", "admin's " + team.project],
                       capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 0, err
    assert ("admin's " + team.project, "owner") in accounts.projects_for(team.location, team.names["ada"])


def test_as_operator_needs_the_private_config_file_naming_this_database(team, capsys, tmp_path, monkeypatch):
    args = ["--as-operator", "member", "set", team.names["vera"], "owner", "-p", team.location, "--name", team.project]
    code, _, err = run(args, capsys)
    assert code == 1 and config.CONFIG_ENV in err
    other = tmp_path / "other.toml"
    other.write_text('[database]\nurl = "sqlite:////elsewhere.qualcode"\n', encoding="utf-8")
    os.chmod(other, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(other))
    code, _, err = run(args, capsys)
    assert code == 1 and "does not name this database" in err
    mine = tmp_path / "server.toml"
    mine.write_text(f'[database]\nurl = "{team.location}"\n', encoding="utf-8")
    os.chmod(mine, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(mine))
    code, _, err = run(args, capsys)
    assert code == 0, err
    assert _roles(team)[team.names["vera"]] == "owner"


def test_the_config_file_supplies_the_database_to_the_cli(team, capsys, tmp_path, monkeypatch):
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'[database]\nurl = "{team.location}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(cfg))
    code, out, err = run(["--user", team.names["vera"], "member", "list", "--name", team.project, "--json"],
                         capsys, password=PASSWORD, monkeypatch=monkeypatch)
    assert code == 0, err
    assert team.names["carl"] in out


def test_user_on_a_single_user_project_is_refused(tmp_path, capsys, monkeypatch):
    path = tmp_path / "mine.qualcode"
    assert run(["init", path], capsys)[0] == 0
    code, _, err = run(["--user", "ana", "info", "-p", path], capsys, password="whatever it is", monkeypatch=monkeypatch)
    assert code == 1 and "no accounts" in err
    assert run(["info", "-p", path], capsys)[0] == 0  # the local researcher needs nothing
