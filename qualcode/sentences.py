"""Sentences of a turn, by offsets: the one splitter suggestions and the store share.

Pure text; imports nothing of qualcode, so the store (which drops the embeddings of a
rewritten document's sentence groups) and the suggestion units can both use it.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")


def split_sentences(text: str, start: int = 0, *, min_words: int = 6) -> list[tuple[int, int]]:
    """``[(start, end)]`` of the sentences of ``text`` (offsets shifted by ``start``).

    Sentences shorter than ``min_words`` are merged into the one before, so "Yeah." or
    "I mean." does not become a unit of its own.
    """
    spans: list[list[int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append([pos, m.start() + len(m.group(0).rstrip())])
        pos = m.end()
    if pos < len(text):
        spans.append([pos, len(text.rstrip())])
    merged: list[list[int]] = []
    for s, e in spans:
        if e <= s:
            continue
        if merged and len(text[s:e].split()) < min_words:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    if len(merged) > 1 and len(text[merged[0][0] : merged[0][1]].split()) < min_words:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return [(start + s, start + e) for s, e in merged]
