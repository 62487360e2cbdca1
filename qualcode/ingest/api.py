"""Entry points: pick the format, decode, parse, and check every document."""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any

from qualcode import limits
from qualcode.errors import IngestError
from qualcode.model import Document

from .chat import looks_like_chat, parse_chat
from .decode import DEFAULT_MAX_BYTES, check_size, decode_text
from .docx import parse_docx
from .language import detect_document_language
from .reddit import looks_like_reddit, parse_reddit
from .subtitles import parse_srt, parse_vtt
from .table import CsvMapping, parse_csv
from .txt import parse_text

__all__ = ["FORMATS", "detect_format", "read_documents", "read_documents_from_bytes"]

FORMATS = ("txt", "md", "docx", "vtt", "srt", "chat-json", "reddit-json", "csv")
_EXTENSIONS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".vtt": "vtt",
    ".srt": "srt", ".json": "json", ".csv": "csv", ".tsv": "csv",
}
_HINTS = {
    ".doc": "old Word .doc files are not supported; save it as .docx",
    ".pdf": "PDF is not supported; export the transcript as .txt or .docx",
    ".rtf": "RTF is not supported; save it as .docx or .txt",
    ".xlsx": "Excel files are not supported; save the sheet as .csv (UTF-8)",
    ".odt": "OpenDocument text is not supported; save it as .docx",
}


def _base(filename: str) -> PurePath:
    # Uploads may carry Windows paths; treat both separators alike.
    return PurePath(filename.replace("\\", "/"))


def detect_format(filename: str, fmt: str | None = None) -> str:
    """The format for ``filename`` (or the ``fmt`` override); ``"json"`` means sniff later."""
    if fmt is not None:
        key = fmt.strip().lower().lstrip(".")
        if key in FORMATS or key == "json":
            return key
        raise IngestError(filename, f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    suffix = _base(filename).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in _HINTS:
        raise IngestError(filename, _HINTS[suffix])
    known = ", ".join(sorted(_EXTENSIONS))
    what = f"unknown file extension {suffix!r}" if suffix else "no file extension"
    raise IngestError(filename, f"{what}; supported: {known} (or pass fmt=...)")


def _load_json(text: str, path: str) -> Any:
    # Bounded numbers (a 5,000-digit integer), nesting and no lone surrogates.
    return limits.load_json(text, lambda problem: IngestError(path, problem))


def _parse_json(obj: Any, kind: str, name: str, path: str) -> list[Document]:
    try:
        if kind == "reddit-json" or (kind == "json" and looks_like_reddit(obj)):
            return [parse_reddit(obj, name, path)]
        if kind == "chat-json" or (kind == "json" and looks_like_chat(obj)):
            return parse_chat(obj, name, path)
    except RecursionError:  # a thread nested deeper than Python's stack
        raise IngestError(path, "the JSON is nested too deeply to import") from None
    raise IngestError(path, "unrecognised JSON: neither a chat (a list of messages with role and content, "
                            "or a conversations export) nor a Reddit thread")


def read_documents_from_bytes(
    data: bytes,
    filename: str,
    fmt: str | None = None,
    *,
    csv_mapping: CsvMapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Document]:
    """Import an uploaded file's bytes; ``filename`` gives the format, the name and the
    source path. Returns one document per transcript (a CSV or chat export may hold
    many). Raises :class:`~qualcode.errors.IngestError` for any bad input.
    """
    path = filename
    kind = detect_format(filename, fmt)
    check_size(len(data), path, max_bytes)
    name = _base(filename).stem or "document"
    warnings: list[str] = []
    if kind == "docx":
        docs = [parse_docx(data, name, path)]
    else:
        text, warnings = decode_text(data, path)
        lines = text.count("\n") + 1
        if kind != "json" and not kind.endswith("-json") and lines > limits.MAX_LINES:
            raise IngestError(path, f"{lines:,} lines, over the limit of {limits.MAX_LINES:,}; split the file")
        if kind in ("txt", "md"):
            docs = [parse_text(text, name, markdown=kind == "md")]
        elif kind == "vtt":
            docs = [parse_vtt(text, name, path)]
        elif kind == "srt":
            docs = [parse_srt(text, name, path)]
        elif kind == "csv":
            docs = parse_csv(text, name, path, csv_mapping)
        else:
            docs = _parse_json(_load_json(text, path), kind, name, path)
    for doc in docs:
        if len(doc.segments) > limits.MAX_TURNS:
            raise IngestError(path, f"{len(doc.segments):,} turns in one document, over the limit of "
                                    f"{limits.MAX_TURNS:,}; split the file")
        if not doc.segments or not doc.text.strip():
            what = f"document {doc.name!r}" if len(docs) > 1 or doc.name != name else "the file"
            raise IngestError(path, f"{what} has no transcript text")
        doc.source_path = path
        doc.warnings[:0] = warnings
        doc.check()  # an offset bug must never reach the store
        detect_document_language(doc)
    return docs


def read_documents(
    path: str | Path,
    fmt: str | None = None,
    *,
    csv_mapping: CsvMapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Document]:
    """Import a transcript file (see :func:`read_documents_from_bytes`)."""
    p = Path(path)
    fail = lambda problem: IngestError(p, problem)  # noqa: E731
    # A regular file only: a symlink (to /etc/passwd, say) or a FIFO is refused.
    limits.check_regular_file(p, fail, max_bytes=0)
    detect_format(str(p), fmt)  # reject unknown types before reading a possibly huge file
    data = limits.read_file_bytes(p, fail, max_bytes=max_bytes)
    if not data:
        raise IngestError(p, "the file is empty")
    return read_documents_from_bytes(data, str(p), fmt, csv_mapping=csv_mapping, max_bytes=max_bytes)
