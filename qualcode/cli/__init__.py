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

import typer

from ..errors import QualcodeError

__all__ = ["app", "main"]

app = typer.Typer(
    name="qualcode",
    help="qualcode: local-first qualitative analysis of interview transcripts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
        first = str(exc).splitlines()
        typer.echo(f"error: {str(exc)}" if len(first) > 1 else f"error: {first[0] if first else exc}", err=True)
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
