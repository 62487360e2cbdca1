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


def open_existing(location: str) -> Project:
    """Open a project that must already exist (commands other than init)."""
    return Project.open(location, create=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
