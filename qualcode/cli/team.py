"""Team mode commands: accounts, members, backup and restore.

On a team database every command acts as the account named by ``qualcode --user NAME``
(or as the server operator with ``qualcode --as-operator``); the library checks that
account's role, so a coder cannot make themselves owner from here either.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ._common import ProjectOpt, print_json
from ._identity import acting_user, open_project

user_app = typer.Typer(help="Accounts for a team database.", no_args_is_help=True)
member_app = typer.Typer(help="Who may work on a project, and in which role.", no_args_is_help=True)

LocationOpt = Annotated[
    str, typer.Option("--database", "-d", help="Database URL (or SQLite file).", envvar="QUALCODE_DATABASE_URL")
]
NameOpt = Annotated[Optional[str], typer.Option("--name", help="Project name in a multi-project database.")]


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(member_app, name="member")
    app.command("backup")(backup)
    app.command("restore")(restore)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(
    username: str,
    database: LocationOpt,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    oidc_subject: Annotated[Optional[str], typer.Option(help="Link to a single-sign-on subject instead of a password.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An administrator: creates accounts and projects.")] = False,
) -> None:
    """Create an account (administrators or the operator; the first account needs neither)."""
    from ..store.accounts import create_user

    by = acting_user(database)  # refused on a team database without --user/--as-operator
    password = None if oidc_subject else _read_password(password_stdin)
    create_user(database, username, password, oidc_subject=oidc_subject, admin=admin, by=by)
    typer.echo(f"created {'administrator' if admin else 'account'} {username!r}")


@user_app.command("password")
def user_password(
    username: str,
    database: LocationOpt,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Set a new password for an account (your own, or anyone's as an administrator)."""
    from ..store.accounts import set_password

    by = acting_user(database)
    set_password(database, username, _read_password(password_stdin), by=by)
    typer.echo(f"password changed for {username!r}")


@user_app.command("admin")
def user_admin(
    username: str,
    database: LocationOpt,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the administrator flag away.")] = False,
) -> None:
    """Make an account an administrator (or, with --revoke, not)."""
    from ..store.accounts import set_admin

    set_admin(database, username, not revoke, by=acting_user(database))
    typer.echo(f"{username} is {'no longer ' if revoke else ''}an administrator")


@user_app.command("rename")
def user_rename(username: str, new_name: str, database: LocationOpt) -> None:
    """Rename an account (e.g. one of two names an upgrade found differing only in case)."""
    from ..store.accounts import rename_user

    rename_user(database, username, new_name, by=acting_user(database))
    typer.echo(f"renamed {username!r} to {new_name!r}")


@member_app.command("set")
def member_set(
    username: str,
    role: Annotated[str, typer.Argument(help="owner, coder or viewer")],
    project: ProjectOpt,
    name: NameOpt = None,
) -> None:
    """Give an account a role in a project (owners only)."""
    from ..store.accounts import set_member

    with open_project(project, name=name) as proj:
        set_member(proj, username, role)
    typer.echo(f"{username} is now {role}")


@member_app.command("list")
def member_list(
    project: ProjectOpt,
    name: NameOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List a project's members and their roles."""
    from ..store.accounts import members

    with open_project(project, name=name) as proj:
        rows = members(proj)
    if as_json:
        print_json([{"user": u, "role": r} for u, r in rows])
    else:
        for u, r in rows:
            typer.echo(f"{r:<7} {u}")


def backup(
    out: Annotated[Path, typer.Argument(help="New SQLite file to write the backup to.")],
    project: ProjectOpt,
    name: NameOpt = None,
) -> None:
    """Back up one project into a SQLite file, consistent while others keep working."""
    from ..store.backup import backup_project

    with open_project(project, name=name) as proj:
        counts = backup_project(proj, out)
    typer.echo(f"backed up {counts.get('documents', 0)} documents and {counts.get('codings', 0)} codings to {out}")


def restore(
    backup_file: Annotated[Path, typer.Argument(help="A backup made by `qualcode backup`.")],
    project: ProjectOpt,
    name: Annotated[Optional[str], typer.Option("--name", help="Name of the restored project (default: the original).")] = None,
) -> None:
    """Restore a backup as a new project (never overwrites an existing one)."""
    from ..store.backup import restore_project

    if not backup_file.exists():
        raise UsageError(f"{backup_file}: no such backup file")
    user = acting_user(project) if Path(project).exists() or "://" in project else None
    with restore_project(backup_file, project, name=name, user=user) as proj:
        typer.echo(f"restored {proj.info()['codings']} codings into project {proj.name!r}")
