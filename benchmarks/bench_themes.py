"""Themes fit time at 1k, 5k and 20k excerpts: qualcode's settings beside BERTopic's defaults.

Excerpts are AnnoMI utterances of 4+ words embedded once with the packaged MiniLM
(vectors cached under ~/.cache/qualcode/bench so each benchmark process does not spend
a minute embedding). AnnoMI has about 7,000 such utterances, so the 20k set repeats
them three times with a tiny jitter on the vectors; fit times are what is measured,
not theme quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import annomi_csv
from .harness import bench

CACHE = Path.home() / ".cache" / "qualcode" / "bench"


def _corpus(n: int) -> dict:
    import pandas as pd

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    texts = [t for t in pd.read_csv(path)["utterance_text"].astype(str) if len(t.split()) >= 4]
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"annomi-minilm-{len(texts)}.npy"
    if cached.exists():
        vectors = np.load(cached)
    else:
        from qualcode.embed import get_embedder

        vectors = np.asarray(get_embedder().encode(texts), dtype=np.float32)
        np.save(cached, vectors)
    reps = -(-n // len(texts))
    rng = np.random.default_rng(0)
    all_texts = (texts * reps)[:n]
    all_vectors = np.tile(vectors, (reps, 1))[:n]
    if reps > 1:
        all_vectors = all_vectors + rng.normal(scale=1e-3, size=all_vectors.shape).astype(np.float32)
    return {"texts": all_texts, "vectors": all_vectors}


def _units(texts):
    from qualcode.suggest.units import Unit

    return [Unit(i, f"doc{i // 50}", 0, len(t), t, "client", i % 50) for i, t in enumerate(texts)]


def _qualcode_themes(ctx: dict) -> dict:
    from qualcode.suggest.themes import ThemeSettings, find_themes

    result = find_themes(_units(ctx["texts"]), ctx["vectors"], settings=ThemeSettings(keywords="ctfidf"))
    return {"items": len(ctx["texts"]), "item_unit": "excerpts", "themes": len(result.themes), "method": result.method}


def _bertopic_default(ctx: dict) -> dict:
    from bertopic import BERTopic

    from qualcode.embed import get_embedder
    from qualcode.suggest.themes import _Backend  # BERTopic embeds only its keywords with it

    model = BERTopic(embedding_model=_Backend(get_embedder()))
    topics, _ = model.fit_transform(ctx["texts"], embeddings=ctx["vectors"])
    return {"items": len(ctx["texts"]), "item_unit": "excerpts", "themes": len(set(topics) - {-1})}


for _n in (1_000, 5_000, 20_000):
    _label = f"{_n // 1000}k"
    bench(f"BERTopic defaults, {_label} excerpts", group="Themes", repeat=1 if _n > 5_000 else 3,
          setup=lambda w, n=_n: _corpus(n),
          notes="reference: BERTopic() with precomputed embeddings")(_bertopic_default)
    bench(f"qualcode themes, {_label} excerpts", group="Themes", repeat=1 if _n > 5_000 else 3,
          setup=lambda w, n=_n: _corpus(n), reference=f"BERTopic defaults, {_label} excerpts",
          notes="seeded UMAP (approximate), corpus-sized topics, c-TF-IDF labels")(_qualcode_themes)
