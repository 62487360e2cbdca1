"""What the trained part of the suggester sees of each excerpt.

Measured on AnnoMI (docs/suggestions.md): the excerpt's own embedding alone gives
kappa ~0.60 on therapist behaviour; adding the turns before and after (context), a few
surface cues (ends with "?", length) and tf-idf word n-grams fitted on the coded
excerpts lifts it. Embeddings carry meaning but blur wording cues ("?", "so you feel")
that researchers code by; the n-grams and cues put those back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ..sentences import segment_words, word_count

__all__ = ["FeatureConfig", "Featurizer", "UnitData", "cue_features"]


@dataclass(frozen=True)
class FeatureConfig:
    """Which inputs the classifier uses (all on by default)."""

    context: bool = True  # embeddings of the previous and next turn
    cues: bool = True  # question mark, length
    words: bool = True  # tf-idf of word 1-2 grams, vocabulary from the coded excerpts
    edge_words: bool = False  # first/last three words as separate tokens
    context_weight: float = 1.0
    # Context, cues and n-grams only from this many coded excerpts on: with a handful,
    # those hundreds of extra inputs add more noise than signal (in the test study, 18
    # coded excerpts: kappa 0.86-1.0 with the embedding alone, 0.56-1.0 with everything).
    rich_min_units: int = 100


@dataclass
class UnitData:
    """Arrays aligned with a list of units (row i is unit i)."""

    vectors: np.ndarray  # [n, d] unit embeddings, unit length
    prev_vectors: np.ndarray  # [n, d] previous turn (zeros at a document start)
    next_vectors: np.ndarray  # [n, d] next turn (zeros at a document end)
    texts: list[str]
    prev_texts: list[str]
    next_texts: list[str]
    groups: np.ndarray  # [n] document id, for leave-documents-out splits

    def __len__(self) -> int:
        return len(self.texts)


_WORD = re.compile(r"\w+|\?")
_QUESTION = ("?", "？")  # the full-width mark ends a Chinese or Japanese question


def _words(text: str) -> str:
    # Lower case, Chinese runs split into words: \w+ would take a whole Chinese clause as one.
    return segment_words(text.lower()).replace("？", "?")


def cue_features(texts: Sequence[str]) -> np.ndarray:
    """``[ends with ?, contains ?, log word count / 3]`` per text (scaled near [0, 1])."""
    out = np.zeros((len(texts), 3), dtype=np.float32)
    for i, t in enumerate(texts):
        s = t.strip()
        out[i, 0] = s.endswith(_QUESTION)
        out[i, 1] = any(q in s for q in _QUESTION)
        out[i, 2] = np.log1p(word_count(s)) / 3.0
    return out


def _edges(text: str) -> str:
    words = _WORD.findall(_words(text))
    return " ".join(["B_" + w for w in words[:3]] + ["E_" + w for w in words[-3:]])


class Featurizer:
    """Builds the classifier's input matrix; fitted on the training units only
    (the tf-idf vocabulary must not peek at the excerpts being scored)."""

    def __init__(self, config: FeatureConfig | None = None):
        self.config = config or FeatureConfig()
        self._tfidf: TfidfVectorizer | None = None
        self._edges: TfidfVectorizer | None = None
        self.rich = True

    def fit(self, data: UnitData, idx: np.ndarray) -> Featurizer:
        self.rich = len(idx) >= self.config.rich_min_units
        if not self.rich:
            return self
        cfg = self.config
        texts = [data.texts[i] for i in idx]
        if cfg.words:
            self._tfidf = _fit_tfidf(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                     preprocessor=_words, token_pattern=r"(?u)\b\w+\b|\?"),
                                     texts)
        if cfg.edge_words:
            self._edges = _fit_tfidf(TfidfVectorizer(min_df=2, token_pattern=r"\S+", lowercase=False),
                                     [_edges(t) for t in texts])
        return self

    def transform(self, data: UnitData, idx: np.ndarray) -> sp.csr_matrix:
        cfg = self.config
        blocks: list = [data.vectors[idx]]
        if not self.rich:
            return sp.csr_matrix(blocks[0])
        if cfg.context:
            blocks += [cfg.context_weight * data.prev_vectors[idx], cfg.context_weight * data.next_vectors[idx]]
        if cfg.cues:
            blocks += [cue_features([data.texts[i] for i in idx]), cue_features([data.prev_texts[i] for i in idx])]
        parts = [sp.csr_matrix(np.hstack(blocks))]
        if self._tfidf is not None:
            parts.append(self._tfidf.transform([data.texts[i] for i in idx]))
        if self._edges is not None:
            parts.append(self._edges.transform([_edges(data.texts[i]) for i in idx]))
        # float32: the embeddings are float32 already, and the solver's products over this
        # mostly dense matrix take about 0.65x the time of float64 (measured on AnnoMI,
        # predictions within the solver's own tolerance of a float64 fit).
        return sp.hstack(parts, format="csr", dtype=np.float32)


def _fit_tfidf(vec: TfidfVectorizer, texts: list[str]) -> TfidfVectorizer | None:
    # Too few coded excerpts for any word to appear twice: no vocabulary, no block.
    try:
        return vec.fit(texts)
    except ValueError:
        return None
