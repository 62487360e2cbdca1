"""Assemble a document's canonical text from turns, recording exact offsets.

Formats whose source is not plain prose (subtitles, chats, threads, tables) get a
text built here so that it reads like a transcript::

    Interviewer: Hello, thanks for joining.

    P07: Happy to help.

Each turn is ``"<label>: <body>"`` (just ``<body>`` when the speaker is unknown) and
turns are separated by a blank line. The segment covers only ``<body>``, so
``text[seg.start:seg.end]`` is the turn's words without the label.
"""

from __future__ import annotations

from qualcode.model import Segment

from .decode import normalise_newlines

__all__ = ["TextBuilder", "clean_body"]

TURN_SEPARATOR = "\n\n"


def clean_body(body: str) -> str:
    """Normalise newlines and trim a turn body (empty string if nothing is left)."""
    return normalise_newlines(body).strip()


class TextBuilder:
    """Appends turns and free blocks; keeps ``len`` so offsets need no recount."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.segments: list[Segment] = []

    def _append(self, piece: str) -> None:
        self._parts.append(piece)
        self._length += len(piece)

    def _separate(self) -> None:
        if self._length:
            self._append(TURN_SEPARATOR)

    def add_turn(
        self,
        body: str,
        speaker: str | None = None,
        timestamp: float | None = None,
        end_timestamp: float | None = None,
        label: str | None = None,
    ) -> int | None:
        """Append one turn; return its segment index, or ``None`` if the body is empty.

        ``label`` is what is printed before the body (defaults to ``speaker``).
        """
        body = clean_body(body)
        if not body:
            return None
        self._separate()
        label = speaker if label is None else label
        if label:
            self._append(f"{label}: ")
        start = self._length
        self._append(body)
        self.segments.append(Segment(start, self._length, speaker, timestamp, end_timestamp))
        return len(self.segments) - 1

    def add_block(self, text: str) -> None:
        """Append text that is not a turn (a title, a heading, a preamble)."""
        text = clean_body(text)
        if text:
            self._separate()
            self._append(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)
