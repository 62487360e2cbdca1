"""Helpers shared by the REFI-QDA readers and writers (``.qdc`` codebooks now,
``.qdpx`` projects): namespaces, REFI colour forms, safe XML parsing, XSD checks.
GUIDs and colours themselves live in :mod:`qualcode.ids`.

The REFI-QDA schemas are not shipped with qualcode (they belong to the standard, and
the project keeps its test copies in ``../shared/data/refi-qda``). :func:`find_schema`
looks for them where a developer or a lab can put them; when none is found, writers
still produce documents built to the schema, they just cannot prove it.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from .. import limits
from ..errors import ExchangeError
from ..ids import COLOUR_RE, parse_colour

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "SCHEMA_DIR_ENV",
    "colour_to_refi",
    "colour_from_refi",
    "safe_parser",
    "parse_xml",
    "find_schema",
    "validate_xml",
    "read_qde_bytes",
    "open_archive",
    "local_name",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
SCHEMA_DIR_ENV = "QUALCODE_REFI_SCHEMAS"


# ------------------------------------------------------------------- colours
def colour_to_refi(colour: str | None) -> str | None:
    """qualcode ``#rrggbb`` to the REFI-QDA attribute form ``#RRGGBB``."""
    c = parse_colour(colour)
    return c.upper() if c else None


def colour_from_refi(value: str | None) -> str | None:
    """A REFI-QDA ``color`` attribute to ``#rrggbb``.

    Lenient on purpose: some tools write ``#AARRGGBB``; the alpha channel is dropped
    because qualcode colours are opaque. Returns None for an unreadable value.
    """
    if not value:
        return None
    m = COLOUR_RE.match(value.strip())
    if not m:
        return None
    hexes = m.group(1)
    if len(hexes) == 8:
        hexes = hexes[2:]
    return parse_colour("#" + hexes)


# ----------------------------------------------------------------------- XML
def safe_parser() -> etree.XMLParser:
    """An XML parser that never fetches or expands external entities (files from
    other people's machines are untrusted input)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse XML bytes (a UTF-8 BOM is fine) or raise ExchangeError naming ``source``.

    Untrusted input: no entities, DTDs or network, and nesting and element count are
    bounded while parsing (:func:`qualcode.limits.parse_xml`), so a codebook nested
    1,500 deep is refused before any recursive reader walks it.
    """
    return limits.parse_xml(data, lambda problem: ExchangeError(f"{source}: {problem}"))


def local_name(el: etree._Element) -> str:
    """Element name without its namespace."""
    return etree.QName(el).localname


def find_schema(name: str) -> Path | None:
    """Locate a REFI-QDA schema file (``Codebook.xsd`` or ``Project.xsd``).

    Looks in ``$QUALCODE_REFI_SCHEMAS``, then ``qualcode/refi/schemas/``. None if
    absent. (The test suite points the variable at the developers' copies.)
    """
    candidates: list[Path] = []
    if os.environ.get(SCHEMA_DIR_ENV):
        candidates.append(Path(os.environ[SCHEMA_DIR_ENV]) / name)
    here = Path(__file__).resolve().parent
    candidates.append(here / "schemas" / name)
    return next((p for p in candidates if p.is_file()), None)


_schema_cache: dict[str, etree.XMLSchema] = {}


def validate_xml(root: etree._Element, schema: str | os.PathLike[str], *, source: str = "<document>") -> None:
    """Validate ``root`` against an XSD (a path, or a name for :func:`find_schema`).

    Raises ExchangeError listing every schema violation with its line.
    """
    path = Path(schema)
    if not path.is_file():
        found = find_schema(str(schema))
        if found is None:
            raise ExchangeError(
                f"schema {schema} not found; put the REFI-QDA schemas in ${SCHEMA_DIR_ENV} to validate"
            )
        path = found
    key = str(path.resolve())
    if key not in _schema_cache:
        _schema_cache[key] = etree.XMLSchema(etree.parse(str(path), safe_parser()))
    xsd = _schema_cache[key]
    # Re-parse from bytes so line numbers refer to the serialised document.
    doc = etree.fromstring(etree.tostring(root, xml_declaration=True, encoding="utf-8"), safe_parser())
    if not xsd.validate(doc):
        problems = [f"line {e.line}: {e.message}" for e in xsd.error_log]
        raise ExchangeError(f"{source}: does not validate against {path.name}:\n" + "\n".join(problems))


def read_qde_bytes(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The project XML of a ``.qdpx`` (zip) or a bare ``.qde`` file.

    Returns ``(bytes, member name)``. A ``.qdpx`` holds ``project.qde`` (some tools
    write ``<Project name>.qde``): the one ``.qde`` at the top of the archive wins.
    The archive is checked against :mod:`qualcode.limits` before anything is inflated.
    """
    p = Path(path)
    fail = _fail(p)
    limits.check_regular_file(p, fail, max_bytes=limits.MAX_FILE_BYTES)
    if not zipfile.is_zipfile(p):
        if p.suffix.lower() == ".qde":
            return limits.read_file_bytes(p, fail), p.name
        raise ExchangeError(f"{p}: not a .qdpx archive (a zip file with project.qde inside)")
    with open_archive(p) as zf:
        names = [n for n in zf.namelist() if n.lower().endswith(".qde") and len(PurePosixPath(n).parts) == 1]
        if not names:
            raise ExchangeError(f"{p}: the archive has no project.qde at its top level")
        names.sort(key=lambda n: (n.lower() != "project.qde", n))
        return zf.read(names[0]), names[0]


def _fail(path: str | os.PathLike[str]) -> limits.Fail:
    return lambda problem: ExchangeError(f"{path}: {problem}")


def open_archive(path: str | os.PathLike[str]) -> limits.SafeZip:
    """A ``.qdpx`` opened with the zip limits (entries, sizes, encryption, methods)."""
    return limits.SafeZip(path, _fail(path))
