"""Identifiers and colours: the one definition of each helper.

GUIDs are stored lower-case without braces (REFI-QDA accepts both forms, so we read
both and compare in one); colours are stored as ``#rrggbb``.
"""

from __future__ import annotations

import re
import uuid

__all__ = ["GUID_RE", "COLOUR_RE", "normalise_guid", "is_guid", "new_guid", "stable_guid", "parse_colour"]

# The XSD's GUIDType: 8-4-4-4-12 hex digits, optionally in braces, any case.
GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3}|[0-9a-fA-F]{8})$")

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
    m = COLOUR_RE.match(value.strip())
    if not m or len(m.group(1)) == 8:
        raise ValueError(f"{value!r} is not a colour (expected '#rrggbb', e.g. '#0072b2')")
    hexes = m.group(1)
    if len(hexes) == 3:
        hexes = "".join(ch * 2 for ch in hexes)
    return "#" + hexes.lower()
