"""Reading uploads for the Project page: transcripts, participant tables, codebooks.

No Streamlit here: the page shows what these return, and tests call them directly.
A bad file never raises out of :func:`preview_transcripts`; its error is kept on its
:class:`FilePreview` so the other files can still be imported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..data import codebooks_dir
from ..errors import QualcodeError
from ..model import Document

__all__ = [
    "FilePreview",
    "preview_transcripts",
    "turns_table",
    "read_participant_upload",
    "read_codebook_upload",
    "shipped_codebooks",
    "TRANSCRIPT_TYPES",
    "CODEBOOK_TYPES",
    "SHIPPED_CODEBOOKS",
]

TRANSCRIPT_TYPES = ["txt", "text", "md", "markdown", "docx", "vtt", "srt", "json", "csv", "tsv"]
CODEBOOK_TYPES = ["yaml", "yml", "qdc"]
SHIPPED_CODEBOOKS = codebooks_dir()


@dataclass
class FilePreview:
    """What an uploaded file would import: its documents, or why it cannot."""

    filename: str
    documents: list[Document] = field(default_factory=list)
    error: str | None = None

    @property
    def turns(self) -> int:
        return sum(len(d.segments) for d in self.documents)

    @property
    def words(self) -> int:
        return sum(d.word_count for d in self.documents)

    def speakers(self) -> list[tuple[str, int]]:
        """Detected speakers with their number of turns, most frequent first."""
        counts = Counter(s.speaker or "(no speaker)" for d in self.documents for s in d.segments)
        return counts.most_common()

    @property
    def warnings(self) -> list[str]:
        return [w for d in self.documents for w in d.warnings]


def preview_transcripts(files: list[tuple[str, bytes]]) -> list[FilePreview]:
    """Parse uploaded ``(filename, bytes)`` pairs with the importers, without saving."""
    from .. import ingest  # imported on use: parsers pull in python-docx, lxml

    out = []
    for name, data in files:
        try:
            out.append(FilePreview(name, ingest.read_documents_from_bytes(data, name)))
        except QualcodeError as exc:
            out.append(FilePreview(name, error=str(exc)))
    return out


def turns_table(doc: Document, limit: int = 200) -> list[dict[str, object]]:
    """The first ``limit`` turns as rows (speaker, time, text) for a preview table."""
    from .render import format_timestamp

    return [
        {"#": i + 1, "speaker": s.speaker or "", "time": format_timestamp(s.timestamp), "text": doc.text[s.start : s.end]}
        for i, s in enumerate(doc.segments[:limit])
    ]


def read_participant_upload(filename: str, data: bytes):
    """Parse a participants CSV upload into ``ParticipantRow`` s (IngestError if bad)."""
    from ..ingest import read_participants_bytes

    return read_participants_bytes(data, filename)


def read_codebook_upload(filename: str, data: bytes):
    """Parse an uploaded codebook (``.yaml``/``.yml`` or REFI-QDA ``.qdc``)."""
    from ..codebook import Codebook
    from ..errors import CodebookError

    suffix = Path(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CodebookError("the file is not UTF-8 text", filename) from exc
        if "\n" not in text and ":" not in text:
            # from_yaml would take such a string for a file path; an upload is never one.
            raise CodebookError("this is not a YAML codebook (no 'name:' or 'themes:' found)", filename)
        return Codebook.from_yaml(text, source=filename)
    if suffix == ".qdc":
        from ..refi.qdc import parse_qdc

        return parse_qdc(data, name=Path(filename).stem, source=filename)
    raise CodebookError(f"unknown codebook file type {suffix or '(none)'!r}; use .yaml, .yml or .qdc", filename)


def shipped_codebooks(folder: Path = SHIPPED_CODEBOOKS) -> list[Path]:
    """The codebooks that come with qualcode (``codebooks/*.yaml``), by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".qdc"))
