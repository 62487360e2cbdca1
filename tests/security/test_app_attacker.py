"""The app as a signed-in attacker (Streamlit AppTest, the real app.py in-process).

A viewer or coder must not see the database location, must not open or create
projects by path, must not change roles; a removed member loses the project at the
next rerun. The browser versions of the main cases are in tests/e2e.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualcode import config
from qualcode.store import accounts
from qualcode.store import Project
from tests.app.conftest import APP, plain, texts
from tests.security.conftest import PASSWORD, Team


def app_for(team: Team, tmp_path: Path, monkeypatch, *, projects_folder: Path | None = None) -> Path:
    """Point the app at ``team`` the way a server does: a private config file."""
    cfg = tmp_path / "server.toml"
    lines = ["[database]", f"url = {team.location!r}".replace("'", '"')]
    if projects_folder is not None:
        lines += ["[projects]", f'folder = "{projects_folder}"']
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(cfg))
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DATABASE_URL", raising=False)
    return cfg


def sign_in(team: Team, who: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="qc.login.name").input(team.names[who])
    at.text_input(key="qc.login.password").input(password)
    [b for b in at.button if b.label == "Sign in"][0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def all_text(at: AppTest) -> str:
    """Everything the page sends to the browser: labels, values, markdown, errors
    (protobuf text with its escapes and the page's Markdown escapes undone)."""
    raw = "\n".join(str(getattr(n, "proto", "")) for n in _walk(at._tree))
    return plain(raw.replace("\\\\", "\\"))


@pytest.fixture
def team_app(team, tmp_path, monkeypatch) -> Team:
    app_for(team, tmp_path, monkeypatch, projects_folder=tmp_path / "projects")
    return team


def test_team_users_get_no_path_box(team_app):
    for who in ("vera", "carl", "olga"):
        at = sign_in(team_app, who)
        labels = [t.label for t in at.text_input]
        assert "Project file" not in labels, who
        assert not [b for b in at.button if "Open / create" in b.label], who


def test_a_viewer_cannot_create_a_project(team_app):
    at = sign_in(team_app, "vera")
    assert not [t for t in at.text_input if t.key == "qc.project.new_name"]
    assert [p for p, _ in accounts.projects_for(team_app.location, team_app.names["vera"])] == [team_app.project]


def test_an_admin_creates_a_project_by_name_and_owns_it(team_app):
    at = sign_in(team_app, "ada")
    at.text_input(key="qc.project.new_name").input(f"new {team_app.project}")
    at.button(key="qc.project.create").click()
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert (f"new {team_app.project}", "owner") in accounts.projects_for(team_app.location, team_app.names["ada"])


def test_a_coder_sees_members_but_no_role_controls_and_an_owner_does(team_app):
    at = sign_in(team_app, "carl")
    shown = all_text(at)
    assert team_app.names["olga"] in shown  # the member list is visible to members
    assert not [s for s in at.selectbox if (s.key or "").startswith("qc.project.member.")]
    at = sign_in(team_app, "olga")
    assert [s for s in at.selectbox if (s.key or "").startswith("qc.project.member.")]


def test_an_owner_changes_a_role_through_the_app(team_app):
    at = sign_in(team_app, "olga")
    key = f"qc.project.member.{team_app.names['vera']}"
    at.selectbox(key=key).set_value("coder")
    at.button(key="qc.project.member_save").click()
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    with team_app.open("olga") as p:
        assert dict(accounts.members(p))[team_app.names["vera"]] == "coder"


def test_a_removed_member_loses_the_project_at_the_next_rerun(team_app):
    at = sign_in(team_app, "carl")
    assert team_app.project in all_text(at)
    with team_app.open("olga") as owner:
        accounts.remove_member(owner, team_app.names["carl"])
    at.run()
    assert not at.exception
    shown = all_text(at)
    assert "P01" not in shown and team_app.project not in shown
    assert "not a member of any project" in shown


def test_single_user_app_with_a_projects_folder_confines_paths(tmp_path, monkeypatch):
    folder = tmp_path / "projects"
    folder.mkdir()
    outside = tmp_path / "outside.qualcode"
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'[projects]\nfolder = "{folder}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    monkeypatch.setenv(config.CONFIG_ENV, str(cfg))
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DATABASE_URL", raising=False)
    for bad in (str(outside), "../outside.qualcode", "sub/../../outside"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.text_input(key="qc.project.location").input(bad)
        at.button(key="qc.project.open").click()
        at.run()
        assert not at.exception
        assert at.error, bad
        assert not outside.exists()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="qc.project.location").input("my-study")
    at.button(key="qc.project.open").click()
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    assert (folder / "my-study.qualcode").exists()
    with Project.open(folder / "my-study.qualcode", create=False) as p:
        assert p.name == "my-study"


def test_a_locked_account_cannot_sign_in_to_the_app_even_with_the_right_password(team_app):
    import time

    from qualcode.errors import PermissionDenied

    # Lock vera's account the way a guesser would (the failures dated an hour ahead, so
    # the lock still holds however slow this machine is: no waiting on the clock).
    ahead = time.time() + 3600
    for i in range(7):
        try:
            accounts.authenticate(team_app.location, team_app.names["vera"], f"guess {i}", now=ahead)
        except PermissionDenied:
            pass
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="qc.login.name").input(team_app.names["vera"].upper())  # any spelling is the same account
    at.text_input(key="qc.login.password").input(PASSWORD)
    [b for b in at.button if b.label == "Sign in"][0].click()
    at.run()
    assert not at.exception
    assert "try again in" in " ".join(texts(at.error))
    assert "qc.user" not in at.session_state or not at.session_state["qc.user"]
    assert team_app.project not in all_text(at)
