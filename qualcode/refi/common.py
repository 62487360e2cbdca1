"""Helpers shared by the REFI-QDA readers and writers (``.qdc`` codebooks now,
``.qdpx`` projects later): namespaces, GUIDs, colours, safe XML parsing, XSD checks.

The REFI-QDA schemas are not shipped with qualcode (they belong to the standard, and
the project keeps its test copies in ``../shared/data/refi-qda``). :func:`find_schema`
looks for them where a developer or a lab can put them; when none is found, writers
still produce documents built to the schema, they just cannot prove it.
"""

from __future__ import annotations

import os
import re
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import ExchangeError

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "SCHEMA_DIR_ENV",
    "GUID_RE",
    "normalise_guid",
    "is_guid",
    "new_guid",
    "stable_guid",
    "parse_colour",
    "colour_to_refi",
    "colour_from_refi",
    "safe_parser",
    "parse_xml",
    "find_schema",
    "validate_xml",
    "read_qde_bytes",
    "local_name",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
SCHEMA_DIR_ENV = "QUALCODE_REFI_SCHEMAS"

# The XSD's GUIDType: 8-4-4-4-12 hex digits, optionally in braces, any case.
GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3}|[0-9a-fA-F]{8})$")

# Fixed namespace for qualcode's name-derived GUIDs; never change it, or every
# codebook without stored GUIDs would get new ones on the next export.
_QUALCODE_UUID_NS = uuid.UUID("6f7a1c52-3d0e-5b8e-9a41-7c2f0d9e4b13")


# --------------------------------------------------------------------- GUIDs
def normalise_guid(value: str) -> str:
    """The canonical form qualcode stores: lower-case, no braces.

    Other tools write ``{ABCDEF01-...}``; the XSD accepts both, so we accept both
    and compare GUIDs in one form. Raises ValueError on anything else.
    """
    m = GUID_RE.match(value.strip()) if isinstance(value, str) else None
    if not m or (value.strip().startswith("{") != value.strip().endswith("}")):
        raise ValueError(f"{value!r} is not a GUID (expected 8-4-4-4-12 hex digits)")
    return m.group(1).lower()


def is_guid(value: object) -> bool:
    """True when ``value`` is a GUID string REFI-QDA accepts."""
    try:
        normalise_guid(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def new_guid() -> str:
    """A fresh random GUID in canonical form."""
    return str(uuid.uuid4())


def stable_guid(*parts: str) -> str:
    """A GUID derived from names (UUID v5), the same on every run.

    Used for codes that arrive without a GUID (hand-written YAML), so that exporting
    the same codebook twice gives the same GUIDs even before it is stored anywhere.
    """
    return str(uuid.uuid5(_QUALCODE_UUID_NS, "\x1f".join(parts)))


# ------------------------------------------------------------------- colours
def parse_colour(value: str | None) -> str | None:
    """``#rrggbb`` (lower-case) from ``#RGB``/``#RRGGBB``/``rrggbb``; None for empty.

    Raises ValueError for anything that is not a hex colour.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a colour (expected '#rrggbb')")
    m = _COLOUR_RE.match(value.strip())
    if not m or len(m.group(1)) == 8:
        raise ValueError(f"{value!r} is not a colour (expected '#rrggbb', e.g. '#0072b2')")
    hexes = m.group(1)
    if len(hexes) == 3:
        hexes = "".join(ch * 2 for ch in hexes)
    return "#" + hexes.lower()


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
    m = _COLOUR_RE.match(value.strip())
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
    """Parse XML bytes (a UTF-8 BOM is fine) or raise ExchangeError naming ``source``."""
    try:
        return etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ExchangeError(f"{source}: not well-formed XML ({exc})") from exc


def local_name(el: etree._Element) -> str:
    """Element name without its namespace."""
    return etree.QName(el).localname


def find_schema(name: str) -> Path | None:
    """Locate a REFI-QDA schema file (``Codebook.xsd`` or ``Project.xsd``).

    Looks in ``$QUALCODE_REFI_SCHEMAS``, then ``qualcode/refi/schemas/``, then the
    developers' ``../shared/data/refi-qda`` next to the repository. None if absent.
    """
    candidates: list[Path] = []
    if os.environ.get(SCHEMA_DIR_ENV):
        candidates.append(Path(os.environ[SCHEMA_DIR_ENV]) / name)
    here = Path(__file__).resolve().parent
    candidates.append(here / "schemas" / name)
    candidates.append(here.parents[2] / "shared" / "data" / "refi-qda" / name)
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
    """
    p = Path(path)
    if not p.is_file():
        raise ExchangeError(f"{p}: no such file")
    if not zipfile.is_zipfile(p):
        if p.suffix.lower() == ".qde":
            return p.read_bytes(), p.name
        raise ExchangeError(f"{p}: not a .qdpx archive (a zip file with project.qde inside)")
    try:
        with zipfile.ZipFile(p) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".qde") and len(PurePosixPath(n).parts) == 1]
            if not names:
                raise ExchangeError(f"{p}: the archive has no project.qde at its top level")
            names.sort(key=lambda n: (n.lower() != "project.qde", n))
            return zf.read(names[0]), names[0]
    except zipfile.BadZipFile as exc:
        raise ExchangeError(f"{p}: damaged .qdpx archive ({exc})") from exc
