"""Word documents (``.docx``) via python-docx.

Two layouts are common:

* paragraphs with speaker labels (as in ``.txt``): the document text is the
  non-empty paragraphs joined by a blank line, so it reads like the Word file, and
  the plain-text label rules split it into turns; headings are never part of a turn;
* a transcript table, as meeting and transcription tools export it: a header row
  with columns like ``Speaker | Time | Text``; each row is a turn (a row with an empty
  speaker cell continues the previous turn). The text is then built like other
  structured formats (``Speaker: text`` blocks), other paragraphs kept as plain blocks.
"""

from __future__ import annotations

import io
from typing import Any

from qualcode import limits
from qualcode.errors import IngestError
from qualcode.model import Document

from .build import TextBuilder
from .decode import normalise_newlines, sniff_binary
from .labels import split_turns
from .timecode import parse_clock

__all__ = ["parse_docx"]

_SPEAKER_HEADERS = ("speaker", "name", "speaker name", "participant", "who", "person")
_TEXT_HEADERS = ("text", "transcript", "transcription", "utterance", "content", "what was said",
                 "dialogue", "speech", "message")
_TIME_HEADERS = ("time", "timestamp", "time stamp", "start", "start time", "begin", "timecode")


def _open(data: bytes, path: str) -> Any:
    import docx  # python-docx; imported lazily, only .docx users pay for it

    if not data.startswith(b"PK"):
        what = sniff_binary(data)
        raise IngestError(path, "not a .docx file (a .docx is a zip archive)" + (f"; it looks like {what}" if what else ""))
    # python-docx inflates parts freely: prove the archive is within the limits first
    # (entry count, sizes counted while inflating, encryption, compression methods).
    with limits.SafeZip(data, lambda problem: IngestError(path, problem)) as archive:
        archive.check_all()
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, XML errors ...
        raise IngestError(path, f"cannot open the Word document ({type(exc).__name__}: {exc})") from None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    norm = [" ".join(h.split()).casefold().rstrip(":") for h in header]
    for name in names:
        if name in norm:
            return norm.index(name)
    return None


def _transcript_columns(table: Any) -> tuple[int, int | None, int] | None:
    """``(speaker, time, text)`` column indices if ``table`` is a transcript table."""
    if len(table.rows) < 2:
        return None
    header = [c.text for c in table.rows[0].cells]
    speaker, text = _column(header, _SPEAKER_HEADERS), _column(header, _TEXT_HEADERS)
    if speaker is None or text is None or speaker == text:
        return None
    return speaker, _column(header, _TIME_HEADERS), text


def _is_heading(paragraph: Any) -> bool:
    style = getattr(paragraph.style, "name", "") or ""
    return style.startswith("Heading") or style == "Title"


def _para_text(paragraph: Any) -> str:
    return normalise_newlines(paragraph.text).strip()


def _from_table_layout(items: list[Any]) -> tuple[str, list[Any]]:
    """Build text from paragraphs (blocks) and transcript table rows (turns)."""
    builder = TextBuilder()
    pending: list[list[Any]] = []  # [speaker, time, text] turns not yet emitted

    def flush() -> None:
        for speaker, when, text in pending:
            builder.add_turn(text, speaker, when)
        pending.clear()

    for kind, item in items:
        if kind == "p":
            flush()
            builder.add_block(item)
            continue
        table, (s_col, t_col, x_col) = item
        for row in table.rows[1:]:
            cells = [normalise_newlines(c.text).strip() for c in row.cells]
            if max(s_col, x_col, t_col or 0) >= len(cells) or not cells[x_col]:
                continue
            speaker = cells[s_col] or None
            when = parse_clock(cells[t_col]) if t_col is not None and cells[t_col] else None
            if speaker is None and pending:
                pending[-1][2] += "\n" + cells[x_col]  # continuation row
            else:
                pending.append([speaker, when, cells[x_col]])
        flush()
    return builder.text, builder.segments


def parse_docx(data: bytes, name: str, path: str) -> Document:
    """Parse ``.docx`` bytes into one document."""
    doc = _open(data, path)
    items: list[tuple[str, Any]] = []
    has_transcript_table = False
    for block in doc.iter_inner_content():
        if hasattr(block, "rows"):
            cols = _transcript_columns(block)
            if cols is not None:
                items.append(("t", (block, cols)))
                has_transcript_table = True
            else:
                # A layout table (e.g. interview details): keep its words, never as turns.
                for row in block.rows:
                    line = " | ".join(c for c in (normalise_newlines(c.text).strip() for c in row.cells) if c)
                    if line:
                        items.append(("h", line))
        else:
            text = _para_text(block)
            if text:
                items.append(("h" if _is_heading(block) else "p", text))
    if has_transcript_table:
        text, segments = _from_table_layout([(("p", i[1]) if i[0] == "h" else i) for i in items])
        labelled = True
    else:
        lines: list[str] = []
        breaks: set[int] = set()
        for kind, para in items:
            if lines:
                lines.append("")  # blank line between paragraphs
            first = len(lines)
            lines.extend(para.split("\n"))
            if kind == "h":
                breaks.update(range(first, len(lines)))
        text = "\n".join(lines)
        segments, labelled = split_turns(text, break_lines=frozenset(breaks))
    return Document(name=name, text=text, segments=segments, source_format="docx",
                    metadata={"speaker_labels": labelled, "layout": "table" if has_transcript_table else "paragraphs"})
