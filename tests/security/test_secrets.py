"""Point 1: the database URL and its password are never shown, printed or logged.

The app in team mode takes its connection from the server's configuration (a config
file only the operator can read, or the environment); users never type or see it.
"""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy.engine import make_url

from qualcode import config
from qualcode.cli import main
from qualcode.errors import QualcodeError, StoreError
from qualcode.store import Project
from tests.conftest import postgres_url
from tests.security.conftest import make_team

SECRET = "hunter2-Xq9-secret"


def _with_password(url: str, password: str = SECRET) -> str:
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def test_a_failing_connection_does_not_echo_the_password():
    # Nothing listens on port 1: the open fails, and the message must not carry the password.
    url = f"postgresql+psycopg://qualcode:{SECRET}@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(StoreError) as err:
        Project.open(url)
    assert SECRET not in str(err.value)
    assert "127.0.0.1" in str(err.value)  # still says where it tried


def test_redact_hides_passwords_in_urls_and_in_any_text():
    url = f"postgresql+psycopg://qualcode:{SECRET}@db.lab.example:5432/qc"
    assert SECRET not in config.redact(url) and "db.lab.example" in config.redact(url)
    assert config.redact("/home/ana/study.qualcode") == "/home/ana/study.qualcode"
    assert SECRET not in config.scrub(f"could not open {url}: refused")
    # A password holding '@' or ':' is redacted whole.
    odd = "postgresql+psycopg://u:p@ss:w0rd@host/db"
    assert "ss:w0rd" not in config.scrub(f"x {odd} y")


def test_project_repr_and_safe_location_never_hold_the_password():
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server")
    with Project.open(_with_password(url), name="secret-check") as p:
        assert SECRET not in repr(p) and SECRET not in p.safe_location
        assert SECRET in p.location  # the library still needs it to connect


def test_cli_info_does_not_print_the_password(capsys):
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server")
    Project.open(_with_password(url), name="cli-secret-check").close()
    code = main(["info", "-p", _with_password(url)])
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert code in (0, 1)


def test_server_config_file_gives_the_database_and_must_be_private(tmp_path, monkeypatch):
    cfg = tmp_path / "qualcode.toml"
    cfg.write_text(f'[database]\nurl = "postgresql+psycopg://qualcode:{SECRET}@127.0.0.1/qc"\n'
                   f'[projects]\nfolder = "{tmp_path / "projects"}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(cfg))
    monkeypatch.delenv("QUALCODE_DATABASE_URL", raising=False)
    assert config.database_location() == f"postgresql+psycopg://qualcode:{SECRET}@127.0.0.1/qc"
    assert config.projects_folder() == tmp_path / "projects"
    os.chmod(cfg, 0o644)  # readable by every account on the server
    with pytest.raises(QualcodeError) as err:
        config.database_location()
    assert "chmod 600" in str(err.value) and SECRET not in str(err.value)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o644  # never "fixed" behind the operator's back


def test_the_environment_variable_still_works_and_wins_over_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)
    monkeypatch.setenv("QUALCODE_DATABASE_URL", str(tmp_path / "x.qualcode"))
    assert config.database_location() == str(tmp_path / "x.qualcode")
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'[database]\nurl = "{tmp_path / "y.qualcode"}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(cfg))
    assert config.database_location() == str(tmp_path / "x.qualcode")
    monkeypatch.delenv("QUALCODE_DATABASE_URL")
    assert config.database_location() == str(tmp_path / "y.qualcode")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_app_shows_team_users_a_project_name_never_the_location(backend, tmp_path, monkeypatch):
    from tests.security.test_app_attacker import all_text, app_for, sign_in

    if backend == "sqlite":
        location = str(tmp_path / "lab.qualcode")
        secret = str(tmp_path)
    else:
        if not postgres_url():
            pytest.skip("no PostgreSQL server")
        location = _with_password(postgres_url())
        secret = SECRET
    team = make_team(location, backend)
    app_for(team, tmp_path, monkeypatch)
    for who in ("vera", "carl", "olga"):
        at = sign_in(team, who)
        shown = all_text(at)
        assert team.project in shown
        assert secret not in shown and "postgresql" not in shown and "lab.qualcode" not in shown, who


def test_the_sign_in_check_of_an_unreachable_server_is_one_line_without_the_password():
    from qualcode.store import accounts

    url = f"postgresql+psycopg://qualcode:{SECRET}@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(StoreError) as err:
        accounts.has_accounts(url)
    assert SECRET not in str(err.value) and len(str(err.value).splitlines()) == 1
