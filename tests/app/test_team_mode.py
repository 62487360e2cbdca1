"""Team mode in the app: sign-in, only your projects, roles enforced through the app."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from qualcode.store import accounts
from qualcode.store import Project
from tests.app.conftest import APP, goto, texts
from tests.conftest import fill_small_study


@pytest.fixture
def team_db(tmp_path, monkeypatch):
    """A database with two projects; vera is a viewer of one and member of nothing else."""
    path = tmp_path / "lab.qualcode"
    location = str(path)
    for user in ("olga", "vera", "nina"):
        # olga creates the projects: in a database with accounts only an administrator may.
        accounts.create_user(location, user, "correct horse battery", admin=user == "olga")
    with Project.open(location, name="Chatbot study", user="olga") as study:
        fill_small_study(study)
        accounts.set_member(study, "vera", "viewer")
    Project.open(location, name="Secret study", user="olga").close()
    monkeypatch.setenv("QUALCODE_PROJECT", location)
    return location


def _sign_in(user: str, password: str = "correct horse battery") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="qc.login.name").input(user)
    at.text_input(key="qc.login.password").input(password)
    # The form's submit button is the one labelled "Sign in".
    [b for b in at.button if b.label == "Sign in"][0].click()
    at.run()
    return at


def test_the_app_asks_for_a_sign_in_and_rejects_a_wrong_password(team_db):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Sign in" in b.label for b in at.button)
    at = _sign_in("vera", "not the password")
    assert "wrong user name or password" in " ".join(texts(at.error))


def test_a_user_sees_only_their_projects(team_db):
    at = _sign_in("vera")
    assert not at.exception
    picker = at.selectbox(key="qc.team.project")
    assert picker.options == ["Chatbot study (viewer)"]  # not "Secret study"
    at = _sign_in("nina")
    assert any("not a member of any project" in t for t in texts(at.info))


def test_a_viewer_cannot_code_through_the_app(team_db):
    at = _sign_in("vera")
    assert at.session_state["qc.coder"] == "vera"
    at.query_params["doc"] = "P01"
    goto(at, "coding")
    assert not at.exception
    with Project.open(team_db, name="Chatbot study", create=False) as study:
        listener = study.code("Non-judgemental listener").id
    # Try to code a whole turn exactly as a coder would on the Code page.
    at.multiselect(key="qc.code.apply_codes").set_value([listener]).run()
    at.selectbox(key="qc.code.turn.1").set_value(1).run()
    at.button(key="qc.code.apply_turn").click().run()
    assert not at.exception  # a clear message, never a traceback
    shown = " ".join(texts(at.error) + texts(at.toast) + texts(at.warning))
    assert "viewer" in shown and "needs the coder role" in shown
    with Project.open(team_db, name="Chatbot study", create=False) as study:
        assert study.info()["codings"] == 0


def test_a_coder_codes_through_the_app_as_their_account(team_db):
    with Project.open(team_db, name="Chatbot study", create=False) as study:
        accounts.create_user(team_db, "carl", "correct horse battery")
        accounts.set_member(study, "carl", "coder")
        listener = study.code("Non-judgemental listener").id
    at = _sign_in("carl")
    at.query_params["doc"] = "P01"
    goto(at, "coding")
    at.multiselect(key="qc.code.apply_codes").set_value([listener]).run()
    at.selectbox(key="qc.code.turn.1").set_value(1).run()
    at.button(key="qc.code.apply_turn").click().run()
    assert not at.exception and not at.error, texts(at.error)
    with Project.open(team_db, name="Chatbot study", create=False) as study:
        [coding] = study.codings()
        assert coding.coder == "carl"
