"""Subtitle transcripts: WebVTT (``.vtt``) and SubRip (``.srt``).

A cue is a few seconds of speech, often half a sentence, so consecutive cues of one
speaker are merged into one turn (start time of its first cue, end time of its last).
Speakers come from WebVTT voice tags (``<v Jane>``) or from ``Name: text`` labels
(Zoom, Teams), with the same rules as plain text. A cue without a speaker continues
the previous speaker's turn; in a file with no speakers at all each cue is a segment.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from qualcode.errors import IngestError
from qualcode.model import Document

from .build import TextBuilder
from .labels import MIN_RECURRENCE, match_label
from .timecode import CLOCK, parse_clock

__all__ = ["parse_vtt", "parse_srt"]

_TIMING = re.compile(rf"\s*(?P<s>{CLOCK})\s*-->\s*(?P<e>{CLOCK})(?:\s+.*)?\s*$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)*(?:\s+(?P<name>[^>]*))?>")
_TAG = re.compile(r"</?[^>\n]*>")
_SKIP_BLOCKS = re.compile(r"(?:NOTE|STYLE|REGION)(?:\s|$)")


@dataclass
class _Piece:
    speaker: str | None
    text: str
    start: float
    end: float
    label: bool = False  # speaker came from a "Name:" label that still needs the recurrence check


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split into blank-line separated blocks: ``(first line number, lines)``."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                first = n
            current.append(line.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _clean(line: str) -> str:
    return html.unescape(_TAG.sub("", line)).strip()


def _cue_pieces(payload: list[str], start: float, end: float) -> list[_Piece]:
    """Speaker/text pieces of one cue (a cue may hold lines of several voices)."""
    pieces: list[_Piece] = []
    for raw in payload:
        voice = _VOICE.search(raw)
        speaker: str | None = None
        from_label = False
        if voice and voice.group("name") and voice.group("name").strip():
            speaker = " ".join(voice.group("name").split())
            line = _clean(raw)
        else:
            line = _clean(raw)
            m = match_label(line)
            if m is not None:
                speaker, from_label = m.label, not m.known
                line = line[m.body_col:].strip()
        if not line:
            continue
        if speaker is None and pieces:
            pieces[-1].text += " " + line  # another line of the same cue
            continue
        pieces.append(_Piece(speaker, line, start, end, from_label))
    return pieces


def _parse_cues(text: str, path: str, kind: str) -> list[_Piece]:
    blocks = _blocks(text)
    if kind == "vtt":
        if not blocks or not blocks[0][1][0].lstrip().startswith("WEBVTT"):
            raise IngestError(path, "not a WebVTT file: the first line must be 'WEBVTT'")
        blocks = blocks[1:]  # the header block
    pieces: list[_Piece] = []
    cues = 0
    for first, lines in blocks:
        if kind == "vtt" and _SKIP_BLOCKS.match(lines[0]):
            continue
        timing_at = next((k for k, line in enumerate(lines[:3]) if "-->" in line), None)
        if timing_at is None:
            if cues == 0:
                raise IngestError(path, f"malformed {kind.upper()}: the block at line {first} is not a cue "
                                        "(no 'start --> end' timing line)")
            # Sloppy files put blank lines inside a cue: keep the words with the cue.
            pieces.extend(_cue_pieces(lines, pieces[-1].start if pieces else 0.0,
                                      pieces[-1].end if pieces else 0.0))
            continue
        m = _TIMING.match(lines[timing_at])
        start = parse_clock(m.group("s")) if m else None
        end = parse_clock(m.group("e")) if m else None
        if start is None or end is None:
            raise IngestError(path, f"malformed {kind.upper()}: bad timing line at line {first + timing_at}: "
                                    f"{lines[timing_at].strip()!r}")
        cues += 1
        pieces.extend(_cue_pieces(lines[timing_at + 1:], start, end))
    if cues == 0:
        raise IngestError(path, f"no subtitle cues found in this {kind.upper()} file")
    return pieces


def _resolve_labels(pieces: list[_Piece]) -> None:
    """Drop "Name:" speakers that are neither well known nor recurring."""
    counts = Counter(p.speaker.casefold() for p in pieces if p.label and p.speaker)
    for p in pieces:
        if p.label and p.speaker and counts[p.speaker.casefold()] < MIN_RECURRENCE:
            p.text = f"{p.speaker}: {p.text}"
            p.speaker = None


def _to_document(pieces: list[_Piece], name: str, fmt: str) -> Document:
    _resolve_labels(pieces)
    has_speakers = any(p.speaker for p in pieces)
    turns: list[_Piece] = []
    for p in pieces:
        speaker = p.speaker
        if speaker is None and has_speakers and turns:
            speaker = turns[-1].speaker
        if has_speakers and turns and turns[-1].speaker == speaker:
            turns[-1].text += " " + p.text
            turns[-1].end = p.end
        else:
            turns.append(_Piece(speaker, p.text, p.start, p.end))
    builder = TextBuilder()
    for t in turns:
        builder.add_turn(t.text, t.speaker, t.start, t.end)
    return Document(name=name, text=builder.text, segments=builder.segments, source_format=fmt,
                    metadata={"cues": len(pieces)})


def parse_vtt(text: str, name: str, path: str) -> Document:
    """Parse decoded WebVTT text into one document."""
    return _to_document(_parse_cues(text, path, "vtt"), name, "vtt")


def parse_srt(text: str, name: str, path: str) -> Document:
    """Parse decoded SubRip text into one document."""
    return _to_document(_parse_cues(text, path, "srt"), name, "srt")
