"""Plain-text and Markdown transcripts (``.txt``, ``.md``).

The document text is the file's own text (decoded, newlines normalised to ``\\n``),
so offsets match what the researcher sees in their file; segments point into it.
"""

from __future__ import annotations

from qualcode.model import Document

from .labels import split_turns

__all__ = ["parse_text"]


def parse_text(text: str, name: str, *, markdown: bool = False) -> Document:
    """Build a :class:`Document` from decoded transcript text."""
    segments, labelled = split_turns(text, markdown=markdown)
    return Document(
        name=name,
        text=text,
        segments=segments,
        source_format="md" if markdown else "txt",
        metadata={"speaker_labels": labelled},
    )
