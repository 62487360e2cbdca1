"""Files that ship inside the package: the codebooks and the fictional demo study.

Found through :mod:`importlib.resources`, so they are there in an installed wheel as
well as in a checkout. pip installs wheels unpacked, so each is a real folder.

In a checkout the files live at the repository's top level (``codebooks/`` and
``transcripts/``, where a researcher looks for them); ``qualcode/data/codebooks`` and
``qualcode/data/demo`` are symbolic links to those folders, which the wheel build follows,
so an installed wheel holds real copies. Paths are returned resolved: the rest of
qualcode then never sees a link (the importers refuse symbolic links).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["codebooks_dir", "demo_dir", "shipped_codebook"]


def _folder(name: str) -> Path:
    return Path(str(files(__name__) / name)).resolve()


def codebooks_dir() -> Path:
    """The folder of shipped codebooks (``*.yaml``, with their citations)."""
    return _folder("codebooks")


def shipped_codebook(name: str) -> Path:
    """A shipped codebook by file stem, e.g. ``shipped_codebook("mi_behaviours")``."""
    return codebooks_dir() / f"{name}.yaml"


def demo_dir() -> Path:
    """The fictional demo study: transcripts in several formats plus ``participants.csv``."""
    return _folder("demo")
