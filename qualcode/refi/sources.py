"""The text of a REFI-QDA source, from wherever the exporting tool put it.

A ``TextSource`` carries its text inline (``PlainTextContent``), in a plain-text file
(``plainTextPath``), or only in a Word file (``richTextPath``): NVivo for Mac writes
plain-text files of one byte next to ``.docx`` files that hold the text. A
``PDFSource`` may carry a ``Representation`` (a text source of the PDF's text, with
its own selections; ATLAS.ti and NVivo write one), else its text layer is read from
the PDF itself with pypdf, page by page.

Rich text is read the way the tools count it: one line per Word paragraph (a table
cell's paragraphs in reading order, a line break inside a paragraph as a line end,
a tab as a tab). Whether a paragraph end counts one character or two, and whether
an emoji counts one or two, is left to the per-source choice of offset reading in
:mod:`.qdpx_import`, exactly as for plain-text files.

Word and PDF files come from other people's machines: a ``.docx`` is a zip checked
against :mod:`qualcode.limits` before python-docx inflates it; a PDF is bounded in
pages and in text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from .. import limits
from ..errors import ExchangeError, UnreadableSource

__all__ = ["SourceText", "UnreadableSource", "decode_plain", "docx_text", "pdf_text", "MAX_PDF_PAGES"]

#: Pages read from one PDF's text layer (a 5,000-page PDF is not an interview).
MAX_PDF_PAGES = 5_000


@dataclass
class SourceText:
    """A source's text as the tool showed it (``\\n`` line ends, no BOM)."""

    text: str
    bom: bool = False  # the file started with a byte-order mark
    crlf: bool = False  # the file used \r\n line ends
    kind: str = "plain text"  # plain text | inline text | rich text (.docx) | PDF text layer | PDF representation
    pages: list[list[int]] = field(default_factory=list)  # [page number, start, end) for PDF text layers


def decode_plain(data: bytes) -> SourceText:
    """Bytes of a plain-text file as the tool showed them: BOM dropped (UTF-8, UTF-16
    by BOM), UTF-8 else cp1252, ``\\r\\n`` and ``\\r`` read as ``\\n``."""
    bom = False
    for mark, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            text, bom = data[len(mark):].decode(codec, errors="replace"), True
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    crlf = "\r\n" in text
    return SourceText(text.replace("\r\n", "\n").replace("\r", "\n"), bom, crlf)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}


def _run_text(run) -> str:  # noqa: ANN001 - lxml element
    out = []
    for child in run:
        tag = child.tag
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag == f"{_W}br":
            # python-docx: a line break is a line end; a page or column break is nothing.
            out.append("\n" if child.get(f"{_W}type", "textWrapping") == "textWrapping" else "")
        elif tag in _RUN_TEXT:
            out.append(_RUN_TEXT[tag])
    return "".join(out)


def _para_text(p) -> str:  # noqa: ANN001 - lxml element
    """A paragraph's text as python-docx's ``Paragraph.text`` gives it (its runs and its
    hyperlinks' runs), read straight from the XML: python-docx's own walk costs an
    XPath query per run, seconds on a long transcript."""
    out = []
    for child in p:
        if child.tag == f"{_W}r":
            out.append(_run_text(child))
        elif child.tag == f"{_W}hyperlink":
            out.extend(_run_text(r) for r in child if r.tag == f"{_W}r")
    return "".join(out)


def _paragraph_lines(body) -> list[str]:  # noqa: ANN001 - lxml element of <w:body> (or a cell)
    """One string per paragraph in reading order: body paragraphs, and each table's
    rows, cells and their paragraphs (nested tables too), as python-docx's
    ``iter_inner_content`` walks them."""
    lines: list[str] = []
    stack = [iter(body)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        if item.tag == f"{_W}p":
            lines.append(_para_text(item).replace("\r\n", "\n").replace("\r", "\n"))
        elif item.tag == f"{_W}tbl":
            cells = (tc for tr in item if tr.tag == f"{_W}tr" for tc in tr if tc.tag == f"{_W}tc")
            stack.append(child for tc in cells for child in tc)
        if len(stack) > limits.MAX_DEPTH:  # tables nested past any real document
            raise UnreadableSource("tables nested too deep")
    return lines


def docx_text(data: bytes, where: str) -> SourceText:
    """The text of a ``.docx`` rich-text source: its paragraphs, one per line.

    Raises ExchangeError naming ``where`` when the archive breaks the limits (a zip
    bomb stops the whole import, as for plain-text files), UnreadableSource when it
    is not a Word file.
    """
    import docx  # python-docx

    fail = lambda problem: ExchangeError(f"{where}: {problem}")  # noqa: E731
    if not data.startswith(b"PK"):
        raise UnreadableSource(f"{where}: the rich-text file is not a .docx (a .docx is a zip archive)")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableSource(f"{where}: the rich-text file is a damaged zip archive")
    with limits.SafeZip(data, fail) as archive:
        archive.check_all()
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, XML errors ...
        raise UnreadableSource(f"{where}: cannot read the Word file ({type(exc).__name__})") from None
    try:
        lines = _paragraph_lines(document.element.body)
    except UnreadableSource as exc:
        raise UnreadableSource(f"{where}: {exc}") from None
    return SourceText("\n".join(lines), kind="rich text (.docx)")


def pdf_text(data: bytes, where: str) -> SourceText:
    """The text layer of a PDF, pages joined by a blank line; ``pages`` holds each
    page's number and ``[start, end)`` in the text.

    Raises UnreadableSource naming ``where`` when pypdf cannot read the file, it has
    more than :data:`MAX_PDF_PAGES` pages, or it has no text layer (a scan).
    """
    try:
        import pypdf
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        raise ExchangeError(f"{where}: reading PDF sources needs pypdf (pip install pypdf)") from None
    fail = lambda problem: UnreadableSource(f"{where}: {problem}")  # noqa: E731
    if not data.startswith(b"%PDF"):
        raise fail("the file is not a PDF")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise fail("the PDF is encrypted")
        n = len(reader.pages)
        if n > MAX_PDF_PAGES:
            raise fail(f"the PDF has {n:,} pages; more than {MAX_PDF_PAGES:,} are not read")
        parts: list[str] = []
        pages: list[list[int]] = []
        at = 0
        for number, page in enumerate(reader.pages, start=1):
            text = (page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
            if parts:
                at += 2  # the blank line between pages
            parts.append(text)
            pages.append([number, at, at + len(text)])
            at += len(text)
            if at > limits.MAX_ZIP_ENTRY_BYTES:
                raise fail("the PDF's text is larger than the limit for one source")
    except ExchangeError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise fail(f"cannot read the PDF ({type(exc).__name__})") from None
    text = "\n\n".join(parts)
    if not text.strip():
        raise fail("the PDF has no text layer (a scan?); run OCR on it first")
    return SourceText(text, kind="PDF text layer", pages=pages)
