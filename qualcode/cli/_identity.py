"""Who the command line acts as: a named account, the server operator, or the local user.

A project file without accounts belongs to whoever runs the command (the local
researcher). A team database (one with accounts) is refused unless the command names
its account (``qualcode --user NAME ...``, password from ``QUALCODE_PASSWORD`` or a
prompt) or is run by the server operator (``qualcode --as-operator ...``, which needs the
private server config file and checks that it names the database in use). The library
then checks that account's role on every read and write, exactly as in the app.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from .. import config
from ..store import accounts
from ..errors import PermissionDenied, UsageError
from ..store import Project
from ..store.engine import is_url, location_to_url

__all__ = ["PASSWORD_ENV", "USER_ENV", "Identity", "identity", "acting_user", "open_project", "check_operator"]

PASSWORD_ENV = "QUALCODE_PASSWORD"
USER_ENV = "QUALCODE_USER"


@dataclass
class Identity:
    """The global ``--user`` / ``--as-operator`` options of this invocation."""

    user: str | None = None
    as_operator: bool = False
    # location -> signed-in account name, so a command that opens twice asks once.
    _signed_in: dict[str, str] = field(default_factory=dict)


identity = Identity()


def set_identity(user: str | None, as_operator: bool) -> None:
    """Called by the root command's callback for every invocation."""
    global identity
    if user and as_operator:
        raise UsageError("--user and --as-operator exclude each other")
    identity = Identity(user=user.strip() if user else None, as_operator=as_operator)


def is_team_database(location: str) -> bool:
    """True when ``location`` exists and has accounts (a missing file is not one)."""
    if not is_url(location) and not Path(location).expanduser().is_file():
        return False
    return accounts.has_accounts(location)


def _same_database(a: str, b: str) -> bool:
    from sqlalchemy.engine import make_url

    ua, ub = make_url(location_to_url(a)), make_url(location_to_url(b))
    return ua.set(password=None, query={}) == ub.set(password=None, query={})


def check_operator(location: str) -> None:
    """Refuse ``--as-operator`` unless the private server config names ``location``."""
    cfg = config.load()  # refuses a config file others can read
    if cfg.path is None:
        raise PermissionDenied(
            f"--as-operator needs the server config file (set {config.CONFIG_ENV}); it is the operator's proof"
        )
    if not cfg.database_url or not _same_database(cfg.database_url, location):
        raise PermissionDenied(f"--as-operator: the server config file {cfg.path} does not name this database")


def _password(user: str) -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():  # scripts pipe the password in
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(f"Password for {user}", hide_input=True)


def cli_client() -> str:
    """The throttling client of a CLI sign-in: the operating-system account."""
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return f"cli:uid{os.getuid()}"


def acting_user(location: str) -> str | None:
    """The account this invocation acts as on ``location`` (None: trusted local user/operator)."""
    team = is_team_database(location)
    if identity.user:
        if not team:
            raise UsageError("--user: this database has no accounts (a single-user project needs no sign-in)")
        key = location_to_url(location)
        if key not in identity._signed_in:
            identity._signed_in[key] = accounts.authenticate(
                location, identity.user, _password(identity.user), client=cli_client()
            )
        return identity._signed_in[key]
    if team:
        if identity.as_operator:
            check_operator(location)
            return None
        raise PermissionDenied(
            "this is a team database: run the command as your account (qualcode --user NAME ...; the password "
            f"comes from a prompt or {PASSWORD_ENV}), or as the server operator (qualcode --as-operator ...)"
        )
    return None


def open_project(location: str, *, name: str | None = None, create: bool = False) -> Project:
    """Open a project as this invocation's account (see :func:`acting_user`)."""
    if not is_url(location) and not create and not Path(location).expanduser().exists():
        return Project.open(location, name=name, create=False)  # the usual "no such project file"
    return Project.open(location, name=name, create=create, user=acting_user(location))
