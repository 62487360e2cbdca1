"""The server's configuration: where the team database is, where project files may live.

On a server the database URL (with its password) belongs to the operator. It comes
from a TOML file named by ``QUALCODE_CONFIG`` that only the operator's account can read,
or from ``QUALCODE_DATABASE_URL`` in the service's environment; users never type it and
the app never renders it. :func:`redact` and :func:`scrub` keep passwords out of every
message that quotes a location::

    [database]
    url = "postgresql+psycopg://qualcode:SECRET@db.lab.example:5432/qualcode"

    [projects]
    folder = "/srv/qualcode/projects"
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError  # re-exported: qualcode.config.ConfigError

__all__ = [
    "CONFIG_ENV",
    "DATABASE_URL_ENV",
    "PROJECTS_DIR_ENV",
    "ServerConfig",
    "load",
    "database_location",
    "projects_folder",
    "redact",
    "scrub",
]

CONFIG_ENV = "QUALCODE_CONFIG"
DATABASE_URL_ENV = "QUALCODE_DATABASE_URL"
PROJECTS_DIR_ENV = "QUALCODE_PROJECTS_DIR"

# scheme://user:PASSWORD@host — the password runs to the last "@" before the host part,
# so a password holding ":" or "@" is hidden whole.
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)([^\s/]*)@")


@dataclass(frozen=True)
class ServerConfig:
    """What the config file (if any) says; None for what it leaves out."""

    path: Path | None = None
    database_url: str | None = None
    projects_folder: Path | None = None


def redact(location: str | os.PathLike[str] | None) -> str:
    """``location`` with any URL password replaced by ``***`` (paths unchanged)."""
    return scrub(str(location)) if location is not None else ""


def scrub(text: str) -> str:
    """Replace every URL password in ``text`` by ``***`` (for messages and logs)."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}***@", text)


def load(path: str | os.PathLike[str] | None = None) -> ServerConfig:
    """Read the config file (``QUALCODE_CONFIG`` when ``path`` is None).

    No file configured gives an empty config. A file that group or others may read is
    refused rather than used: it holds the database password.
    """
    path = path if path is not None else os.environ.get(CONFIG_ENV)
    if not path:
        return ServerConfig()
    p = Path(path).expanduser()
    try:
        mode = stat.S_IMODE(p.stat().st_mode)
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the qualcode config file ({exc.strerror})") from None
    if mode & 0o077:
        raise ConfigError(
            f"{p}: the config file can be read by other accounts (mode {mode:o}); it holds the database "
            f"password: chmod 600 {p}"
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: not a valid TOML config file ({scrub(str(exc))})") from None
    db = data.get("database", {})
    projects = data.get("projects", {})
    if not isinstance(db, dict) or not isinstance(projects, dict):
        raise ConfigError(f"{p}: [database] and [projects] must be tables")
    url = db.get("url")
    folder = projects.get("folder")
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"{p}: [database] url must be a string")
    if folder is not None and not isinstance(folder, str):
        raise ConfigError(f"{p}: [projects] folder must be a string")
    return ServerConfig(p, url or None, Path(folder).expanduser() if folder else None)


def database_location() -> str | None:
    """The team database: ``QUALCODE_DATABASE_URL`` (the service's environment), else the
    config file's ``[database] url``."""
    return os.environ.get(DATABASE_URL_ENV) or load().database_url or None


def projects_folder() -> Path | None:
    """The folder project files must live in (``[projects] folder`` or ``QUALCODE_PROJECTS_DIR``)."""
    folder = load().projects_folder
    if folder is None and os.environ.get(PROJECTS_DIR_ENV):
        folder = Path(os.environ[PROJECTS_DIR_ENV]).expanduser()
    return folder
