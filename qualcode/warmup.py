"""Load the heavy parts once, in the background, when the app starts.

The embedding model (torch + sentence-transformers), spaCy and BERTopic's UMAP take
seconds to import, and numba compiles UMAP's kernels on first use (7-45 s measured
here). Doing that in a daemon thread at start-up means a researcher's first click on
"Suggest" or "Find themes" finds everything ready instead of freezing the page. The
loaders used here are the same process-wide caches the features use, so nothing is
loaded twice. ``QUALCODE_WARMUP=0`` switches it off (the test suite does).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

__all__ = ["Warmup", "start_background_warmup", "warmup_enabled"]

log = logging.getLogger(__name__)


@dataclass
class Warmup:
    """Progress of the background warm-up, readable from any thread."""

    done: dict[str, float] = field(default_factory=dict)  # step -> seconds it took
    failed: dict[str, str] = field(default_factory=dict)
    finished: bool = False
    thread: threading.Thread | None = None

    def summary(self) -> str:
        if not self.finished:
            return "preparing models in the background…"
        ok = ", ".join(f"{k} {v:.1f}s" for k, v in self.done.items())
        return f"ready ({ok})" + (f"; unavailable: {', '.join(self.failed)}" if self.failed else "")


def warmup_enabled() -> bool:
    return os.environ.get("QUALCODE_WARMUP", "1").lower() not in ("0", "false", "no")


def _embedding_model() -> None:
    from .embed import get_embedder

    get_embedder().encode(["warm-up"])


def _spacy() -> None:
    from .deid.ner import load_nlp

    load_nlp()


def _umap_numba() -> None:
    # A tiny fit compiles the numba kernels UMAP and pynndescent use, once per process
    # (and into numba's on-disk cache where the functions allow it).
    import numpy as np
    from umap import UMAP

    data = np.random.default_rng(0).normal(size=(80, 16)).astype("float32")
    UMAP(n_neighbors=5, n_components=2, random_state=0, force_approximation_algorithm=True).fit(data)


STEPS = (("embedding model", _embedding_model), ("spaCy", _spacy), ("UMAP/numba", _umap_numba))


def start_background_warmup() -> Warmup:
    """Start the warm-up thread (call once per process) and return its progress."""
    state = Warmup()

    def run() -> None:
        for name, step in STEPS:
            t0 = time.perf_counter()
            try:
                step()
                state.done[name] = time.perf_counter() - t0
            except Exception as exc:  # a missing optional model must not break the app
                state.failed[name] = type(exc).__name__
                log.warning("warm-up of %s failed: %s", name, type(exc).__name__)
        state.finished = True

    state.thread = threading.Thread(target=run, name="qualcode-warmup", daemon=True)
    state.thread.start()
    return state
