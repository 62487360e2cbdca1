"""Themes fit time at 1k, 5k and 20k excerpts: what users run beside BERTopic's defaults.

"qualcode themes" is exactly the configuration ``qualcode themes`` and the Themes page use:
``ThemeSettings()`` (part-of-speech labels with spaCy, corpus-sized topics) with the AnnoMI
codebook (docs/suggestions.md) as zero-shot seeds, its profiles embedded in the timed run.
References on the same vectors: ``BERTopic()`` (defaults: unseeded UMAP, so its topics
differ between runs) and ``BERTopic`` with a fixed UMAP seed (deterministic, slower). Each
result records whether every timed run gave identical assignments.

Each is timed twice: after a first fit in the same process (the app, from its second
"Find themes" on; imports, numba kernels and spaCy loaded) and as the first fit in a new
process (what ``qualcode themes`` costs each time it is run, imports included).

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


def _codes() -> list:
    import tempfile

    from qualcode.refi import read_codebook

    from .bench_embed import _annomi_codebook

    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "annomi-codebook.yaml"
        book.write_text(_annomi_codebook(), encoding="utf-8")
        return [c for c in read_codebook(book).codes if c.codable]


def _setup(n: int, warm_up=None):
    """Set-up for ``n`` excerpts; ``warm_up`` (the benchmark's own function) first fits them once."""

    def setup(work: Path) -> dict:
        from qualcode.embed import get_embedder

        ctx = _corpus(n)
        ctx["codes"] = _codes()
        ctx["embedder"] = get_embedder()
        ctx["embedder"].encode(["warm-up"])
        ctx["assignments"] = set()
        if warm_up is not None:
            # A first fit of the same excerpts: imports, numba kernels (some are compiled per
            # input size) and spaCy are then loaded, as in the app after its first "Find themes".
            warm_up({**ctx, "assignments": set()})
        return ctx

    return setup


def _identical(ctx: dict, topics) -> bool:
    import hashlib

    ctx["assignments"].add(hashlib.sha256(np.asarray(topics, dtype=np.int64).tobytes()).hexdigest())
    return len(ctx["assignments"]) == 1


def _qualcode_themes(ctx: dict) -> dict:
    from qualcode.suggest.themes import ThemeSettings, find_themes

    result = find_themes(_units(ctx["texts"]), ctx["vectors"], codes=ctx["codes"], embedder=ctx["embedder"],
                         settings=ThemeSettings())
    return {"items": len(ctx["texts"]), "item_unit": "excerpts", "themes": len(result.themes), "method": result.method,
            "identical_across_runs": _identical(ctx, result.assignment)}


def _bertopic(seed: int | None):
    def run(ctx: dict) -> dict:
        from bertopic import BERTopic

        from qualcode.suggest.themes import _Backend  # BERTopic embeds only its keywords with it

        kwargs = {}
        if seed is not None:
            from umap import UMAP

            # BERTopic's own UMAP settings, with a seed (which makes UMAP single-threaded).
            kwargs["umap_model"] = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                                        low_memory=False, random_state=seed)
        model = BERTopic(embedding_model=_Backend(ctx["embedder"]), **kwargs)
        topics, _ = model.fit_transform(ctx["texts"], embeddings=ctx["vectors"])
        return {"items": len(ctx["texts"]), "item_unit": "excerpts", "themes": len(set(topics) - {-1}),
                "identical_across_runs": _identical(ctx, topics)}

    return run


for _n in (1_000, 5_000, 20_000):
    _label = f"{_n // 1000}k"
    _repeat = 2 if _n > 5_000 else 3
    for _name, _fn, _ref, _notes in (
        ("BERTopic defaults", _bertopic(None), None, "reference: BERTopic() with precomputed embeddings"),
        ("BERTopic seeded UMAP", _bertopic(42), "BERTopic defaults",
         "BERTopic's UMAP settings with random_state=42 (deterministic)"),
        ("qualcode themes", _qualcode_themes, "BERTopic defaults",
         "as users run it: POS labels, AnnoMI codebook as zero-shot seeds, seeded UMAP on exact neighbours"),
    ):
        bench(f"{_name}, {_label} excerpts", group="Themes", repeat=_repeat, setup=_setup(_n, warm_up=_fn),
              reference=f"{_ref}, {_label} excerpts" if _ref else None,
              notes=_notes + "; after a first fit in the same process, as in the app")(_fn)
        if _name == "BERTopic seeded UMAP":
            continue  # a second reference is enough once; its first fit adds nothing new
        bench(f"{_name}, {_label} excerpts, new process", group="Themes", repeat=1, setup=_setup(_n),
              reference=f"{_ref}, {_label} excerpts, new process" if _ref else None,
              notes=_notes + "; the first fit in a new process, as `qualcode themes` runs")(_fn)
