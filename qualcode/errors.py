"""One exception hierarchy for the whole library.

Every error a researcher can cause (a bad file, a stale edit, a missing code) is a
:class:`QualcodeError`; the CLI and the app catch that one type and show its message
on one line. Anything else is a bug and is allowed to surface as a traceback in the
logs. Messages never quote transcript text beyond what the user typed.

::

    QualcodeError
    ├── IngestError           a transcript or table could not be imported (names the file)
    ├── StoreError            the project store refused a write (the project is unchanged)
    │   ├── NotFoundError     a document, code, coder or coding does not exist
    │   ├── ConflictError     someone else changed it since it was read
    │   ├── ValueRefused      a value the database would refuse (NUL character, too long)
    │   └── PermissionDenied  the signed-in user's role does not allow it
    │       └── SignInThrottled  too many failed sign-ins: wait (or a new password)
    ├── CodebookError         a codebook file or edit is invalid (lists every problem)
    ├── ExchangeError         a REFI-QDA .qdc/.qdpx file could not be read or written
    │   └── UnreadableSource  one source inside it cannot be read (that source is skipped)
    ├── DeidError             de-identification: a key, known-names file or review is unusable
    ├── ModelError            an embedding or spaCy model is missing or unsuitable
    ├── SuggestionError       suggestions, themes or their evaluation cannot run on this data
    ├── BatchError            a corpus batch run: no cluster, a worker failed or has another model
    ├── AgreementError        agreement data, adjudication or consensus is unusable
    ├── AnalysisError         an analysis was asked something the data cannot answer
    ├── ExportError           an export cannot be made as asked
    │   └── FigureExportError a figure could not be rendered or written
    │       └── BrowserNotFoundError  no Chromium/Chrome to render figures with
    ├── UsageError            a command-line option or an input in the app cannot be used
    └── ConfigError           the server config file is missing, unreadable, malformed or not private
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "QualcodeError",
    "IngestError",
    "StoreError",
    "NotFoundError",
    "ConflictError",
    "ValueRefused",
    "PermissionDenied",
    "SignInThrottled",
    "CodebookError",
    "ExchangeError",
    "UnreadableSource",
    "DeidError",
    "ModelError",
    "SuggestionError",
    "BatchError",
    "AgreementError",
    "AnalysisError",
    "ExportError",
    "FigureExportError",
    "BrowserNotFoundError",
    "UsageError",
    "ConfigError",
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


class ValueRefused(StoreError):
    """A value the database would refuse (NUL character, too long); nothing was written."""


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


class UnreadableSource(ExchangeError):
    """One source's file in a .qdpx cannot be read (damaged, not what it claims, a scan):
    that source is skipped with this reason. A file that breaks the limits (a zip bomb)
    raises a plain ExchangeError instead and stops the whole import."""


class DeidError(QualcodeError):
    """De-identification cannot go on: an unreadable key or known-names file, a stale
    review table, an unknown identifier kind or replacement style."""


class ModelError(QualcodeError):
    """An embedding or spaCy model is missing, or is not one the chosen backend can run."""


class SuggestionError(QualcodeError):
    """Code suggestions, emergent themes or their evaluation cannot run on this data
    (no codable codes, too few excerpts, no gold codings, ...)."""


class BatchError(QualcodeError):
    """A corpus batch run (:mod:`qualcode.batch`) cannot start or a worker failed; what was
    written before stays, and the run resumes from there."""


class AgreementError(QualcodeError):
    """The codings, units or matrix handed to an agreement function are unusable
    (missing columns, bad offsets, unknown coders, a coder giving two mutually
    exclusive codes to one unit, ...), or an adjudication or consensus cannot be
    written as asked. The message says what and where."""


class AnalysisError(QualcodeError):
    """An analysis was asked something the data cannot answer (an unknown
    attribute, a saturation base larger than the study, ...)."""


class ExportError(QualcodeError):
    """An export (report, tables, excerpts) cannot be made with the options given."""


class FigureExportError(ExportError):
    """A figure could not be rendered or written."""


class BrowserNotFoundError(FigureExportError):
    """No Chromium/Chrome to render figures with. The message names where we looked."""


class UsageError(QualcodeError):
    """A command-line option, a file name or a selection in the app cannot be used
    (the message says which and what would work)."""


class ConfigError(QualcodeError):
    """The server config file is missing, unreadable, malformed or not private."""
