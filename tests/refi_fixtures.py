"""Build ``.qdpx`` files in the shapes other tools export, from the text descriptions
in ``tests/fixtures/refi/<shape>/`` (no opaque binaries in the repository).

A shape folder holds:

* ``project.qde.xml``: the project XML, where ``{{file|quote}}`` (or
  ``{{file|quote|n}}`` for the n-th occurrence) stands for
  ``startPosition="..." endPosition="..."`` of ``quote`` in that text file, counted
  the way the shape's tool counts (``offsets`` in ``shape.json``), and
  ``{{pos:file|quote}}`` for ``position="..."`` where it starts (a sync point);
* the source texts as UTF-8 ``.txt`` files with ``\\n`` line ends, as the tool shows
  them;
* ``shape.json``: the archive (the ``.qde`` member's name), how offsets are counted
  (``utf16``: an emoji counts two; ``line_end``: 1 or 2; ``bom``: a leading BOM
  counts one), and each archive member: ``{"text": file, "encoding": codec,
  "newline": "\\r\\n"}`` (a plain-text file as the tool writes it), ``{"docx": file}``
  (a Word file, one paragraph per line), ``{"pdf": file}`` (a PDF with a text layer,
  pages separated by a line holding only ``\\f``), or ``{"bytes": "..."}``.

:func:`build` writes the ``.qdpx`` into a temporary folder and returns its path.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
_SPAN = re.compile(r"\{\{(pos:)?([^|}]+)\|([^|}]+)(?:\|(\d+))?\}\}")


def shapes() -> list[str]:
    """The shape folders (one per tool and quirk)."""
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "shape.json").is_file())


def units(text: str, *, utf16: bool, line_end: int, bom: bool) -> int:
    """How many units ``text`` counts for a tool."""
    n = len(text) + (sum(ord(c) > 0xFFFF for c in text) if utf16 else 0) + (line_end - 1) * text.count("\n")
    return n + int(bom)


def _span(texts: dict[str, str], counting: dict, match: re.Match) -> str:
    point, name, quote, nth = match.group(1), match.group(2), match.group(3), int(match.group(4) or 1)
    text = texts[name]
    at = -1
    for _ in range(nth):
        at = text.index(quote, at + 1)
    start = units(text[:at], **counting)
    end = units(text[: at + len(quote)], **counting)
    if point:  # a transcript's sync point: the position where the quote starts
        return f'position="{start}"'
    return f'startPosition="{start}" endPosition="{end}"'


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A Word file with one paragraph per item (python-docx, as the tools' exports hold)."""
    import io

    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf_string(line: str) -> str:
    return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF whose text layer is ``pages`` (lines of Latin-1 text, Helvetica)."""
    objects: list[bytes] = []
    n = len(pages)
    # 1 catalog, 2 pages, 3 font, then per page: page object, content stream.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * i} 0 R >>".encode())
        body = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"{_pdf_string(line)} Tj T*" for line in lines) + " ET"
        data = body.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def build(shape: str, folder: Path) -> Path:
    """Write ``<folder>/<shape>.qdpx`` from ``tests/fixtures/refi/<shape>/``."""
    here = FIXTURES / shape
    spec = json.loads((here / "shape.json").read_text(encoding="utf-8"))
    texts = {p.name: p.read_text(encoding="utf-8") for p in here.glob("*.txt")}
    counting = {"utf16": False, "line_end": 1, "bom": False, **spec.get("offsets", {})}
    qde = _SPAN.sub(lambda m: _span(texts, counting, m), (here / "project.qde.xml").read_text(encoding="utf-8"))
    out = folder / f"{shape}.qdpx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(spec.get("qde", "project.qde"), qde.encode(spec.get("qde_encoding", "utf-8")))
        for member, how in spec.get("files", {}).items():
            if "text" in how:
                body = texts[how["text"]].replace("\n", how.get("newline", "\n"))
                data = body.encode(how.get("encoding", "utf-8"))
            elif "docx" in how:
                data = docx_bytes(texts[how["docx"]].split("\n"))
            elif "pdf" in how:
                chunks = texts[how["pdf"]].split("\n\f\n")
                data = pdf_bytes([c.split("\n") for c in chunks])
            else:
                data = how["bytes"].encode("utf-8")
            zf.writestr(member, data)
    return out


def expected(shape: str) -> dict:
    """What importing the shape must give (``expected.json`` next to it)."""
    return json.loads((FIXTURES / shape / "expected.json").read_text(encoding="utf-8"))
