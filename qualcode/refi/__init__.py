"""REFI-QDA exchange (the open standard NVivo, ATLAS.ti, MAXQDA, QDA Miner use).

Codebooks now (``.qdc`` in and out, and the codebook inside a ``.qdpx``); shared
helpers for the later project exchange live in :mod:`qualcode.refi.common`.

Names are imported lazily: :mod:`qualcode.codebook` uses :mod:`.common`, and
:mod:`.qdc` uses :mod:`qualcode.codebook`, so an eager import here would loop.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "find_schema",
    "validate_xml",
    "codebook_to_qdc",
    "codes_from_element",
    "codes_to_element",
    "format_description",
    "parse_description",
    "read_qdc",
    "read_qdpx_codebook",
    "write_qdc",
]

_WHERE = {name: ".common" for name in ("CODEBOOK_NS", "PROJECT_NS", "find_schema", "validate_xml")}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_WHERE.get(name, ".qdc"), __name__)
    return getattr(module, name)
