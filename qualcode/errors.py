"""One exception hierarchy for the whole library.

Every error a researcher can cause (a bad file, a stale edit, a missing code) is a
:class:`QualcodeError`; the CLI and the app catch that one type and show its message.
Anything else is a bug and is allowed to surface as a traceback in the logs.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "QualcodeError",
    "IngestError",
    "StoreError",
    "NotFoundError",
    "ConflictError",
    "PermissionDenied",
    "SignInThrottled",
    "CodebookError",
    "ExchangeError",
    "AnalysisError",
]


class QualcodeError(Exception):
    """Base class of every error qualcode raises on purpose."""


class IngestError(QualcodeError):
    """A transcript or table could not be imported. Names the file and the problem."""

    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else "<input>"
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class StoreError(QualcodeError):
    """The project store refused a write (the project is unchanged)."""


class NotFoundError(StoreError):
    """A document, code, coder or coding that was asked for does not exist."""


class ConflictError(StoreError):
    """Someone else changed the object since it was read (version check failed)."""


class PermissionDenied(StoreError):
    """The signed-in user's role in this project does not allow the action."""


class SignInThrottled(PermissionDenied):
    """Too many failed sign-ins: the account or client must wait (``wait_seconds``)."""

    def __init__(self, wait_seconds: float):
        import math

        self.wait_seconds = wait_seconds
        if math.isinf(wait_seconds):
            msg = "too many failed sign-ins: this account is locked until the operator or an administrator sets a new password"
        else:
            msg = f"too many failed sign-ins; try again in {math.ceil(wait_seconds)} s"
        super().__init__(msg)


class CodebookError(QualcodeError):
    """A codebook file or edit is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str] | str, source: str | None = None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = head + self.problems[0]
        else:
            msg = head + f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(msg)


class ExchangeError(QualcodeError):
    """A REFI-QDA (.qdc/.qdpx) file could not be read or written."""


class AnalysisError(QualcodeError):
    """An analysis was asked something the data cannot answer (an unknown
    attribute, a saturation base larger than the study, ...)."""
