"""The ``qualcode`` command line: a few lines per command over the library.

Each module in this package that defines ``register(app)`` adds its commands; the
modules are found automatically so features can add commands without editing a
central list. Every command exits non-zero with a one-line message on a
:class:`~qualcode.errors.QualcodeError`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated, Optional

import typer
from sqlalchemy.exc import SQLAlchemyError

from ..errors import QualcodeError

__all__ = ["app", "main"]

app = typer.Typer(
    name="qualcode",
    help="qualcode: local-first qualitative analysis of interview transcripts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    user: Annotated[Optional[str], typer.Option(
        "--user", "-u", envvar="QUALCODE_USER",
        help="Act as this account on a team database (password from a prompt or QUALCODE_PASSWORD).")] = None,
    as_operator: Annotated[bool, typer.Option(
        "--as-operator", help="Act as the server operator on a team database (needs the private config file "
        "named by QUALCODE_CONFIG, which must name the database).")] = False,
) -> None:
    """qualcode: local-first qualitative analysis of interview transcripts."""
    from ..config import database_location
    from ._identity import set_identity

    set_identity(user, as_operator)
    # The server config names the database: commands then need no -p/-d (and the URL,
    # with its password, never has to be typed where others can see it).
    location = database_location()
    if location:
        ctx.default_map = _defaults_for(ctx.command, location)


def _defaults_for(group, location: str) -> dict:
    out: dict = {}
    for name, cmd in getattr(group, "commands", {}).items():
        if getattr(cmd, "commands", None):
            out[name] = _defaults_for(cmd, location)
        else:
            opts = {p.name: location for p in cmd.params if p.name in ("project", "database")}
            if opts:
                out[name] = opts
    return out


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and ``python -m qualcode``."""
    try:
        app(args=argv, standalone_mode=False)
    except QualcodeError as exc:
        from ..config import scrub

        message = scrub(str(exc))  # never echo a database password
        first = message.splitlines()
        typer.echo(f"error: {message}" if len(first) > 1 else f"error: {first[0] if first else message}", err=True)
        return 1
    except SQLAlchemyError as exc:
        # Never the statement or its parameters (transcript text): the class says enough.
        typer.echo(f"error: the database refused the operation ({exc.__class__.__name__}); nothing was saved", err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
