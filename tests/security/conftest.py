"""The attacker's test bench: a team database on SQLite and on the real PostgreSQL server.

``team`` gives a database with an administrator, an owner, a coder, a viewer and an
outsider (no project), and one project with a small study. On PostgreSQL every test
gets fresh, unique account and project names, because one server database holds the
accounts of every test.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qualcode.store import accounts
from qualcode.store import Project
from tests.conftest import POSTGRES_URL_ENV, fill_small_study, postgres_url

PASSWORD = "correct horse battery"


@dataclass
class Team:
    """Where the team database is and who is in it."""

    location: str
    project: str
    names: dict[str, str] = field(default_factory=dict)  # role word -> account name
    backend: str = "sqlite"

    def open(self, who: str | None, **kw) -> Project:
        """The project opened as ``who`` (a key of ``names``), or as the operator (None)."""
        user = self.names[who] if who else None
        return Project.open(self.location, name=self.project, create=False, user=user, **kw)


def database_location(backend: str, tmp_path: Path) -> str:
    """A team database location for ``backend`` (skips PostgreSQL when no server is set)."""
    if backend == "sqlite":
        return str(tmp_path / "lab.qualcode")
    url = postgres_url()
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_URL_ENV} (.ci/run does)")
    return url


def make_team(location: str, backend: str) -> Team:
    tag = uuid.uuid4().hex[:8]
    names = {w: f"{w}-{tag}" for w in ("ada", "olga", "carl", "vera", "nina")}
    accounts.create_user(location, names["ada"], PASSWORD, admin=True)
    for w in ("olga", "carl", "vera", "nina"):
        accounts.create_user(location, names[w], PASSWORD)
    project = f"study-{tag}"
    with Project.open(location, name=project, user=names["ada"]) as p:
        fill_small_study(p)
        accounts.set_member(p, names["olga"], "owner")
        accounts.set_member(p, names["carl"], "coder")
        accounts.set_member(p, names["vera"], "viewer")
        accounts.remove_member(p, names["ada"])  # the admin created it and handed it over
    return Team(location, project, names, backend)


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request, tmp_path) -> Team:
    """A team database with ada (admin, no project role), olga (owner), carl (coder),
    vera (viewer) and nina (no project), on SQLite and on PostgreSQL."""
    return make_team(database_location(request.param, tmp_path), request.param)
