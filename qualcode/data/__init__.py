"""Files that ship inside the package: the codebooks and the fictional demo study.

Found through :mod:`importlib.resources`, so they are there in an installed wheel as
well as in a checkout. pip installs wheels unpacked, so each is a real folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["codebooks_dir", "demo_dir", "shipped_codebook"]


def _folder(name: str) -> Path:
    return Path(str(files(__name__) / name))


def codebooks_dir() -> Path:
    """The folder of shipped codebooks (``*.yaml``, with their citations)."""
    return _folder("codebooks")


def shipped_codebook(name: str) -> Path:
    """A shipped codebook by file stem, e.g. ``shipped_codebook("mi_behaviours")``."""
    return codebooks_dir() / f"{name}.yaml"


def demo_dir() -> Path:
    """The fictional demo study: transcripts in several formats plus ``participants.csv``."""
    return _folder("demo")
