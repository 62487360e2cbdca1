"""Team mode in a real browser, as the signed-in attacker.

The app runs the way a lab server runs it: the database URL, with a password in it,
comes from a private config file (QUALCODE_CONFIG). A viewer must see no URL or
password anywhere and get no way to open or create a project by path; a coder sees
the members but has no control to change a role, their own included.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from qualcode.store import accounts
from qualcode.store import Project
from tests.conftest import fill_small_study, postgres_url
from tests.e2e.conftest import settle, streamlit_server

pytestmark = pytest.mark.e2e

SECRET = "pw-" + uuid.uuid4().hex[:10]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    url = postgres_url()
    if url:  # the real server; trust auth ignores the password, but the app must still hide it
        location = make_url(url).set(password=SECRET).render_as_string(hide_password=False)
    else:
        location = str(folder / f"{SECRET}.qualcode")  # the secret is then the server's file path
    tag = uuid.uuid4().hex[:6]
    names = {w: f"{w}{tag}" for w in ("ada", "olga", "carl", "vera")}
    accounts.create_user(location, names["ada"], PASSWORD, admin=True)
    for w in ("olga", "carl", "vera"):
        accounts.create_user(location, names[w], PASSWORD)
    project = f"Chatbot study {tag}"
    with Project.open(location, name=project, user=names["ada"]) as p:
        fill_small_study(p)
        accounts.set_member(p, names["olga"], "owner")
        accounts.set_member(p, names["carl"], "coder")
        accounts.set_member(p, names["vera"], "viewer")
        accounts.remove_member(p, names["ada"])
    cfg = folder / "server.toml"
    cfg.write_text(f'[database]\nurl = "{location}"\n', encoding="utf-8")
    os.chmod(cfg, 0o600)
    env = {"QUALCODE_CONFIG": str(cfg), "QUALCODE_DATABASE_URL": None, "QUALCODE_PROJECT": None}
    with streamlit_server(None, folder / "streamlit.log", env=env) as base:
        yield {"url": base, "location": location, "names": names, "project": project}


def _sign_in(page, lab, who: str) -> None:
    page.goto(lab["url"])
    settle(page, quiet_ms=60_000)  # the page's first run
    page.get_by_label("User name").fill(lab["names"][who])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    page.get_by_text(f"Signed in as {lab['names'][who]}").wait_for(timeout=90_000)  # a loaded CI machine is slow


def _everything(page) -> str:
    # What the browser holds: the rendered page and the raw HTML (attributes included).
    return page.inner_text("body") + "\n" + page.content()


def test_a_viewer_sees_no_url_or_password_and_has_no_path_box(page, lab):
    _sign_in(page, lab, "vera")
    page.get_by_text(lab["project"]).first.wait_for()
    shown = _everything(page)
    assert SECRET not in shown and "postgresql" not in shown.lower() and ".qualcode" not in shown
    assert page.get_by_label("Project file").count() == 0
    assert page.get_by_role("button", name="Open / create").count() == 0
    assert page.get_by_label("New project name").count() == 0
    # Every page the viewer can reach keeps the secret too.
    for path in ("coding", "codebook", "analyze", "export"):
        page.goto(f"{lab['url']}/{path}")
        settle(page, quiet_ms=60_000)  # the page's first run
        shown = _everything(page)
        assert SECRET not in shown and "postgresql" not in shown.lower(), path


def test_a_coder_cannot_promote_themselves(page, lab):
    _sign_in(page, lab, "carl")
    page.get_by_text("Members").first.click()
    settle(page)
    page.get_by_text(lab["names"]["olga"]).first.wait_for(timeout=60_000)  # members are listed...
    assert page.get_by_role("button", name="Save roles").count() == 0  # ...but not editable
    assert page.get_by_label(f"Role of {lab['names']['carl']}").count() == 0
    with Project.open(lab["location"], name=lab["project"], create=False) as p:
        assert dict(accounts.members(p))[lab["names"]["carl"]] == "coder"


def test_an_owner_gets_the_role_controls(page, lab):
    _sign_in(page, lab, "olga")
    page.get_by_text("Members").first.click()
    settle(page)
    page.get_by_role("button", name="Save roles").wait_for(timeout=60_000)  # the control is there for owners
    # The member rows come in the same run as the button, but may be drawn a moment later.
    page.get_by_label(f"Role of {lab['names']['carl']}").first.wait_for(timeout=30_000)
    assert page.get_by_label(f"Role of {lab['names']['carl']}").count() == 1
    assert SECRET not in _everything(page)
