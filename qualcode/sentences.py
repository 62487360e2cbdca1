"""Sentences and words of a turn: the one splitter suggestions and the store share.

Pure text; imports nothing of qualcode, so the store (which drops the embeddings of a
rewritten document's sentence groups) and the suggestion units can both use it.

Chinese and Japanese are written without spaces between words or after a full stop, so
counting words by spaces would call a whole Chinese turn one word (and every threshold
in words would keep or drop it whole); :func:`word_count` counts their characters
instead, and their sentence marks (。！？) end a sentence with no space after them.
"""

from __future__ import annotations

import re

__all__ = ["segment_words", "split_sentences", "word_count"]

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])[”’」』）]*\s*")
# Han ideographs and kana: scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A Chinese word is one to three characters, most often two; counting two characters a
# word keeps word thresholds (a short "Mm-hmm" turn, a long turn to split) about the same.
_CHARS_PER_WORD = 2


def word_count(text: str) -> int:
    """Words in ``text``: space-separated words, plus one per two Chinese or Japanese characters."""
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    rest = [w for w in _CJK.sub(" ", text).split() if any(ch.isalnum() for ch in w)]  # not "，" or "。"
    return len(rest) + -(-cjk // _CHARS_PER_WORD)


def segment_words(text: str) -> str:
    """``text`` with spaces put between the words of its Chinese runs; other text as it is.

    Keyword counts (themes' labels, the suggester's word features) split text at spaces;
    this lets them see Chinese words. Segmentation is jieba's dictionary and model, run by
    ``rjieba`` (jieba-rs, its Rust port; the dictionary ships in the wheel). Japanese kana
    runs are left whole: jieba's dictionary is Chinese.
    """
    if not _HAN_RUN.search(text):
        return text
    import rjieba

    return _HAN_RUN.sub(lambda m: " " + " ".join(rjieba.cut(m.group(0))) + " ", text)


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


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
        if merged and word_count(text[s:e]) < min_words:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    if len(merged) > 1 and word_count(text[merged[0][0] : merged[0][1]]) < min_words:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return [(start + s, start + e) for s, e in merged]
