"""Shared option definitions and helpers for CLI commands."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ..store import Project

ProjectOpt = Annotated[
    str,
    typer.Option("--project", "-p", help="Project file (SQLite) or database URL.", envvar="QUALCODE_DATABASE_URL"),
]


def open_existing(location: str, name: str | None = None) -> Project:
    """Open a project that must already exist (commands other than init), as the
    account named by ``--user`` on a team database (see :mod:`._identity`)."""
    from ._identity import open_project

    return open_project(location, name=name, create=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
