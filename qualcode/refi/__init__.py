"""REFI-QDA exchange (the open standard NVivo, ATLAS.ti, MAXQDA, QDA Miner use).

Codebooks (``.qdc`` in and out, and the codebook inside a ``.qdpx``), codebook files of
any format by suffix (:mod:`.files`), the ``.qdpx`` project import
(:mod:`.qdpx_import`); shared XML helpers in :mod:`.common`.
"""

from __future__ import annotations

from .common import CODEBOOK_NS, PROJECT_NS, find_schema, validate_xml
from .files import read_codebook, write_codebook
from .qdc import (
    codebook_to_qdc,
    codes_from_element,
    codes_to_element,
    format_description,
    parse_description,
    parse_qdc,
    read_qdc,
    read_qdpx_codebook,
    write_qdc,
)

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
    "read_codebook",
    "parse_qdc",
    "read_qdc",
    "read_qdpx_codebook",
    "write_codebook",
    "write_qdc",
]
