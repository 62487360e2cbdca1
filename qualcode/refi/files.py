"""Codebook files of any supported format, chosen by the file's suffix.

YAML is qualcode's own format (:mod:`qualcode.codebook.book`); ``.qdc`` and the
codebook inside a ``.qdpx``/``.qde`` are REFI-QDA (:mod:`.qdc`). Living here rather
than in :mod:`qualcode.codebook` keeps the arrow one way: refi uses codebook, never
the reverse.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..codebook import Codebook
from ..errors import CodebookError
from .qdc import read_qdc, read_qdpx_codebook, write_qdc

__all__ = ["read_codebook", "write_codebook"]


def read_codebook(path: str | os.PathLike[str]) -> Codebook:
    """Read a codebook from ``.yaml``/``.yml``, ``.qdc`` or ``.qdpx``/``.qde``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return Codebook.read_yaml(path)
    if suffix == ".qdc":
        return read_qdc(path)
    if suffix in (".qdpx", ".qde"):
        return read_qdpx_codebook(path)
    raise CodebookError(f"unknown codebook file type {suffix or '(none)'!r}; use .yaml, .qdc or .qdpx", str(path))


def write_codebook(book: Codebook, path: str | os.PathLike[str]) -> None:
    """Write ``.yaml``/``.yml`` or ``.qdc`` according to the file name."""
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        book.to_yaml(path)
    elif suffix == ".qdc":
        write_qdc(book, path)
    else:
        raise CodebookError(f"cannot export a codebook as {suffix or '(none)'!r}; use .yaml or .qdc", str(path))
