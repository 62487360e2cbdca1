"""REFI-QDA codebook exchange: write ``.qdc``, read ``.qdc`` and a ``.qdpx``'s codebook.

Mapping (see ``docs/codebook-format.md``): each code is a ``<Code guid name isCodable
color>``; children nest inside it; definition, when to use, when not to use, example
and source share the one ``<Description>`` in a labelled layout that other tools show
as readable text and that :func:`parse_description` turns back into the fields::

    A short definition.

    When to use: ...

    When not to use: ...

    Example: ...

    Source: ...

A content line that itself starts with a label (or with a backslash) is written with
a leading backslash, so the layout parses back exactly whatever the text holds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from .. import __version__, atomic, limits
from ..codebook import Codebook, parent_indices
from ..errors import CodebookError, ExchangeError
from ..ids import normalise_guid, stable_guid
from ..model import Code
from .common import (
    CODEBOOK_NS,
    PROJECT_NS,
    colour_from_refi,
    colour_to_refi,
    find_schema,
    local_name,
    parse_xml,
    read_qde_bytes,
    validate_xml,
)

__all__ = [
    "DESCRIPTION_LABELS",
    "format_description",
    "parse_description",
    "codes_to_element",
    "codes_from_element",
    "codebook_to_qdc",
    "write_qdc",
    "read_qdc",
    "parse_qdc",
    "read_qdpx_codebook",
]

# Field -> label, in the order they appear in a Description.
DESCRIPTION_LABELS = {
    "when_to_use": "When to use",
    "when_not_to_use": "When not to use",
    "example": "Example",
    "source": "Source",
}
# A variable declared in the codebook (docs/agreement.md §2.5) travels as two more
# labelled paragraphs: "Variable: exclusive|ordered" on the theme, "Level: 2" on each of
# its codes. REFI-QDA has no place for it; other tools show it as description text.
_VARIABLE_LABELS = {"variable": "Variable", "level": "Level"}
_ALL_LABELS = {**DESCRIPTION_LABELS, **_VARIABLE_LABELS}
_LABEL_TO_FIELD = {v: k for k, v in _ALL_LABELS.items()}
_LABEL_LINE = re.compile(r"^(" + "|".join(re.escape(v) for v in _ALL_LABELS.values()) + r"): ")
_SPLIT = re.compile(r"\n\n(?=(?:" + "|".join(re.escape(v) for v in _ALL_LABELS.values()) + r"): )")


# --------------------------------------------------------------- descriptions
def _escape(text: str) -> str:
    return "\n".join("\\" + line if line.startswith("\\") or _LABEL_LINE.match(line) else line
                     for line in text.split("\n"))


def _unescape(text: str) -> str:
    return "\n".join(line[1:] if line.startswith("\\") else line for line in text.split("\n"))


def format_description(code: Code) -> str:
    """The readable, parseable Description text of a code ("" when it has none)."""
    parts = [_escape(code.definition)] if code.definition else []
    for key, label in DESCRIPTION_LABELS.items():
        value = getattr(code, key) or ""
        if value:
            parts.append(f"{label}: {_escape(value)}")
    if code.exclusive or code.ordered:
        parts.append(f"Variable: {'ordered' if code.ordered else 'exclusive'}")
    if code.level is not None:
        parts.append(f"Level: {code.level:g}")
    return "\n\n".join(parts)


def parse_description(text: str | None) -> dict[str, str]:
    """Fields from a Description written by :func:`format_description`.

    Text from other tools (no labels) becomes the definition, unchanged. Windows
    line ends are normalised first so a Description edited elsewhere still parses.
    """
    fields = _description_fields(text)
    for key in _VARIABLE_LABELS:
        fields.pop(key)
    return fields


def _description_fields(text: str | None) -> dict[str, str]:
    """:func:`parse_description` with the variable paragraphs (``variable``, ``level``) too."""
    fields = {"definition": "", **{k: "" for k in _ALL_LABELS}}
    if not text:
        return fields
    text = text.replace("\r\n", "\n")
    for i, chunk in enumerate(_SPLIT.split(text)):
        m = _LABEL_LINE.match(chunk)
        if m and (i > 0 or not chunk.startswith("\\")):
            key = _LABEL_TO_FIELD[m.group(1)]
            if fields[key]:  # a label twice: keep the text rather than lose it
                fields[key] += "\n\n" + _unescape(chunk[m.end():])
            else:
                fields[key] = _unescape(chunk[m.end():])
        elif i == 0:
            fields["definition"] = _unescape(chunk)
        else:  # cannot happen: _SPLIT only splits before a label
            fields["definition"] += "\n\n" + _unescape(chunk)
    return fields


# ------------------------------------------------------------------- elements
def codes_to_element(codes: list[Code], namespace: str = CODEBOOK_NS, *, codebook_name: str = "") -> etree._Element:
    """A ``<Codes>`` element for ``codes`` (tree order) in ``namespace``.

    The project exporter reuses this with :data:`~qualcode.refi.common.PROJECT_NS`.
    Codes without a GUID get the stable name-derived one. Raises ExchangeError when
    a text holds characters XML cannot carry.
    """
    q = lambda tag: f"{{{namespace}}}{tag}"  # noqa: E731
    root = etree.Element(q("Codes"), nsmap={None: namespace})
    parents, problems = parent_indices(codes)
    if problems:
        raise ExchangeError("cannot export the codebook:\n" + "\n".join(problems))
    elements: list[etree._Element] = []
    paths: list[tuple[str, ...]] = []
    for code, p in zip(codes, parents):
        paths.append((paths[p] if p is not None else ()) + (code.name,))
        parent_el = elements[p] if p is not None else root
        guid = normalise_guid(code.guid) if code.guid else stable_guid(codebook_name, *paths[-1])
        try:
            el = etree.SubElement(parent_el, q("Code"), guid=guid, name=code.name,
                                  isCodable="true" if code.codable else "false")
            colour = colour_to_refi(code.colour)
            if colour:
                el.set("color", colour)
            description = format_description(code)
            if description:
                etree.SubElement(el, q("Description")).text = description
        except ValueError as exc:  # control characters and the like
            raise ExchangeError(f"code {' > '.join(paths[-1])!r} cannot be written as XML: {exc}") from exc
        elements.append(el)
    return root


def codes_from_element(codes_el: etree._Element, source: str) -> list[Code]:
    """Codes (tree order) from a ``<Codes>`` element of either namespace.

    GUIDs in braces or upper case are accepted and stored in canonical form. Every
    problem (missing name, bad GUID, repeated GUID) is reported together.
    """
    out: list[Code] = []
    problems: list[str] = []
    seen: dict[str, str] = {}

    def walk(el: etree._Element, parent: str | None, where: str) -> None:
        index = 0
        for child in el:
            if not isinstance(child.tag, str) or local_name(child) != "Code":
                continue
            here = f"{where}/Code[{index + 1}]"
            index += 1
            name = (child.get("name") or "").strip()
            line = f"{here} (line {child.sourceline})" if child.sourceline else here
            if not name:
                problems.append(f"{line}: a Code has no name")
                name = f"<unnamed {here}>"
            raw_guid = child.get("guid") or ""
            try:
                guid = normalise_guid(raw_guid)
            except ValueError:
                problems.append(f"{line} {name!r}: bad or missing guid {raw_guid!r}")
                guid = None
            if guid:
                if guid in seen:
                    problems.append(f"{line} {name!r}: guid {guid} is also used by {seen[guid]!r}")
                seen.setdefault(guid, name)
            codable = (child.get("isCodable") or "true").strip().lower() not in ("false", "0")
            desc_el = next((d for d in child if isinstance(d.tag, str) and local_name(d) == "Description"), None)
            # Stripped like every text qualcode stores, so re-imports compare equal.
            fields = {k: v.strip() for k, v in _description_fields(desc_el.text if desc_el is not None else None).items()}
            variable, level = _variable_fields(fields, line, name, problems)
            out.append(Code(name=name, parent=parent, colour=colour_from_refi(child.get("color")),
                            codable=codable, guid=guid, **fields, **variable, level=level))
            walk(child, name, here)

    walk(codes_el, None, "Codes")
    if problems:
        raise ExchangeError(f"{source}: {len(problems)} problem(s) in the codebook:\n" + "\n".join(problems))
    return out


def _variable_fields(fields: dict[str, str], line: str, name: str, problems: list[str]):
    """Take the "Variable:" and "Level:" paragraphs out of ``fields`` as Code flags."""
    kind, level_text = fields.pop("variable").lower(), fields.pop("level")
    variable = {"exclusive": kind in ("exclusive", "ordered"), "ordered": kind == "ordered"}
    if kind not in ("", "exclusive", "ordered"):
        problems.append(f"{line} {name!r}: 'Variable: {kind}' must be exclusive or ordered")
    level = None
    if level_text:
        try:
            level = float(level_text)
        except ValueError:
            problems.append(f"{line} {name!r}: 'Level: {level_text}' is not a number")
    return variable, level


def _book_from_codes(codes: list[Code], name: str, origin: str | None) -> Codebook:
    book = Codebook(
        name=name, codes=codes, description=f"Imported from {origin}" if origin else "",
        require_definitions=all(c.definition.strip() for c in codes),
    )
    problems = book.problems()
    if problems:
        raise CodebookError(problems, name)
    return book


# ------------------------------------------------------------------ .qdc files
def codebook_to_qdc(codebook: Codebook, *, validate: bool | None = None) -> bytes:
    """The codebook as ``.qdc`` XML bytes (UTF-8, namespace ``urn:QDA-XML:codebook:1.0``).

    ``validate``: True = check against ``Codebook.xsd`` (ExchangeError if it cannot
    be found); None = check when the schema is available; False = do not check.
    """
    book = codebook.with_guids()
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=f"qualcode {__version__}")
    if not book.codes:
        raise ExchangeError("cannot export an empty codebook: REFI-QDA requires at least one code")
    root.append(codes_to_element(book.codes, CODEBOOK_NS, codebook_name=book.name))
    if validate or (validate is None and find_schema("Codebook.xsd")):
        validate_xml(root, "Codebook.xsd", source=f"codebook {book.name!r}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_qdc(codebook: Codebook, path: str | os.PathLike[str], *, validate: bool | None = None) -> Path:
    """Write ``codebook`` to a ``.qdc`` file; returns the path."""
    data = codebook_to_qdc(codebook, validate=validate)
    out = Path(path)
    atomic.write_bytes(out, data)
    return out


def parse_qdc(data: bytes, *, name: str | None = None, source: str | None = None) -> Codebook:
    """Parse a REFI-QDA codebook from XML BYTES (an upload); ``source`` names it in errors."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_qdc parses XML bytes; read a file with read_qdc(path)")
    return _qdc_from_bytes(bytes(data), source or name or "<qdc>", name or "codebook")


def read_qdc(path: str | os.PathLike[str], *, name: str | None = None) -> Codebook:
    """Read a REFI-QDA codebook file (``.qdc``); a regular file, not a link."""
    if isinstance(path, (bytes, bytearray)):
        raise TypeError("read_qdc reads a file; parse uploaded bytes with parse_qdc(data)")
    p = Path(path)
    data = limits.read_file_bytes(p, lambda problem: ExchangeError(f"{p}: {problem}"))
    return _qdc_from_bytes(data, str(p), name or p.stem)


def _qdc_from_bytes(data: bytes, source: str, book_name: str) -> Codebook:
    root = parse_xml(data, source)
    if local_name(root) != "CodeBook" or etree.QName(root).namespace not in (CODEBOOK_NS, None):
        raise ExchangeError(f"{source}: not a REFI-QDA codebook (root is <{local_name(root)}>, expected <CodeBook>)")
    codes_el = next((c for c in root if isinstance(c.tag, str) and local_name(c) == "Codes"), None)
    if codes_el is None:
        raise ExchangeError(f"{source}: the codebook has no <Codes>")
    return _book_from_codes(codes_from_element(codes_el, source), book_name, root.get("origin"))


def read_qdpx_codebook(path: str | os.PathLike[str], *, name: str | None = None) -> Codebook:
    """The codebook inside a REFI-QDA project (``.qdpx`` zip or bare ``.qde``).

    Only the codebook is read; documents and codings are the project importer's job.
    A project without a ``<CodeBook>`` gives an ExchangeError.
    """
    data, member = read_qde_bytes(path)
    source = f"{path}!{member}" if str(path).lower().endswith(".qdpx") else str(path)
    root = parse_xml(data, source)
    if local_name(root) != "Project" or etree.QName(root).namespace not in (PROJECT_NS, None):
        raise ExchangeError(f"{source}: not a REFI-QDA project (root is <{local_name(root)}>, expected <Project>)")
    book_el = next((c for c in root if isinstance(c.tag, str) and local_name(c) == "CodeBook"), None)
    codes_el = None if book_el is None else next(
        (c for c in book_el if isinstance(c.tag, str) and local_name(c) == "Codes"), None)
    if codes_el is None:
        raise ExchangeError(f"{source}: the project has no codebook")
    book_name = name or root.get("name") or Path(path).stem
    if book_name == "Untitled":  # NVivo's default project name says nothing
        book_name = Path(path).stem
    return _book_from_codes(codes_from_element(codes_el, source), book_name, root.get("origin"))
