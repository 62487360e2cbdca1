"""Is a transcript in English? Detection (the spaCy model, the cue phrases, the
word lists) is English-only, so a transcript in another language gets a warning
that its identifiers must be checked by hand.

The test is the share of English function words ("the", "and", "I", "to"): about
40-50 % of the words of English speech, a few per cent of Polish or Spanish.
Short texts (under 40 words) are not judged. Code-switched speech (Taglish,
Spanglish) usually stays above the threshold.
"""

from __future__ import annotations

import re

from .lexicon import is_stop_word

__all__ = ["looks_english", "ENGLISH_ONLY_WARNING"]

_WORD = re.compile(r"[^\W\d_]{1,}")
_MIN_WORDS = 40
_THRESHOLD = 0.15
ENGLISH_ONLY_WARNING = (
    "does not look like English: detection is English-only, so check its identifiers by hand "
    "(add missed ones to the known-names list)"
)


def looks_english(text: str) -> bool | None:
    """True/False, or None when the text is too short to tell."""
    words = _WORD.findall(text[:200_000])
    if len(words) < _MIN_WORDS:
        return None
    share = sum(is_stop_word(w) for w in words) / len(words)
    return share >= _THRESHOLD
