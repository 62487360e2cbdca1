"""REFI-QDA exchange (the open standard NVivo, ATLAS.ti, MAXQDA, QDA Miner use).

Codebooks now (``.qdc`` in and out, and the codebook inside a ``.qdpx``); shared
helpers for the later project exchange live in :mod:`qualcode.refi.common`.
"""

from .common import CODEBOOK_NS, PROJECT_NS, find_schema, validate_xml
from .qdc import (
    codebook_to_qdc,
    codes_from_element,
    codes_to_element,
    format_description,
    parse_description,
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
    "read_qdc",
    "read_qdpx_codebook",
    "write_qdc",
]
