"""Load the heavy parts once, in the background, when the app starts.

The embedding model (torch + sentence-transformers), spaCy and BERTopic's UMAP take
seconds to import, and numba compiles UMAP's kernels on first use (7-45 s measured
here). Doing that in a daemon thread at start-up means a researcher's first click on
"Suggest" or "Find themes" finds everything ready instead of freezing the page. The
loaders used here are the same process-wide caches the features use, so nothing is
loaded twice. ``QUALCODE_WARMUP=0`` switches it off (the test suite does).

The warm-up must not slow the researcher down while it runs. Importing and numba's
compiler are Python code that holds the interpreter lock, so a page run beside them
waits for the lock at every database call and every message it sends (measured: a
coding click took 1.6 s instead of 0.6 s during the warm-up's first 40 s). The page
marks its runs with :func:`foreground`, and the warm-up thread pauses while one is in
progress (a profile hook on that thread only). After each step the objects it loaded
are frozen out of the garbage collector (:func:`gc.freeze`): Streamlit runs a full
collection after every script run, and walking the model's ~700k objects took 0.3 s
of every click. Compiled code (spaCy's Cython, torch's C++) holds the lock without
passing the hook, so the warm-up also waits :data:`QUIET_S` seconds after each page
run (it progresses in the researcher's pauses), and its thread runs at the lowest CPU
priority (Linux).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Warmup", "start_background_warmup", "warmup_enabled", "foreground", "freeze_heap"]

log = logging.getLogger(__name__)

# Foreground runs in progress, when the first of them began, and until when the warm-up
# waits after the last one ended.
_fg_lock = threading.Lock()
_fg_runs = 0
_fg_began = 0.0
_fg_until = 0.0
# The warm-up waits this long after each page run, not only during it: the server
# still sends the run's messages, and the next click usually follows within a second
# or two. Compiled code (torch's C++, spaCy's Cython) holds the interpreter lock for
# up to seconds without passing the pause hook, so a click that arrived in such a
# stretch waited for it (one apply took 3.7 s while spaCy loaded, measured): starting
# the warm-up's work only in the researcher's pauses makes that rare.
QUIET_S = 2.0
# A foreground run that lasts longer (a page that itself waits for what the warm-up
# is loading, e.g. numba's compiler lock) shares the lock again after this long.
_MAX_PAUSE_S = 3.0
_PAUSE_STEP_S = 0.003


@contextmanager
def foreground() -> Iterator[None]:
    """Mark a page run in progress: the warm-up thread pauses until it is over."""
    global _fg_runs, _fg_began, _fg_until
    with _fg_lock:
        if not _fg_runs:
            _fg_began = time.monotonic()
        _fg_runs += 1
    try:
        yield
    finally:
        with _fg_lock:
            _fg_runs -= 1
            _fg_until = time.monotonic() + QUIET_S


def _should_pause() -> bool:
    now = time.monotonic()
    if _fg_runs:
        return now - _fg_began < _MAX_PAUSE_S
    return now < _fg_until


def _pause_while_busy() -> None:
    while _should_pause():
        time.sleep(_PAUSE_STEP_S)  # sleeping releases the interpreter lock


def _make_yield_hook():
    def hook(frame, event, arg) -> None:
        # Called on every function call of the warm-up thread: keep the idle path cheap.
        if _fg_runs or time.monotonic() < _fg_until:
            _pause_while_busy()

    return hook


def _lower_priority() -> None:
    """Give the calling thread the lowest CPU priority (Linux: nice is per thread).

    On two cores the warm-up competes with the browser and the server's own threads
    for CPU, not only for the interpreter lock; at nice 19 the scheduler runs it when
    they are idle. Elsewhere (macOS, Windows: nice is per process) nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except OSError:
        pass


def freeze_heap() -> None:
    """Collect once, then exclude every object alive now from later collections.

    What is alive after start-up and the warm-up (modules, models, compiled code)
    lives as long as the process; freezing it makes the collection Streamlit runs
    after each script run cost what the page made, not what the process holds.
    """
    gc.collect()
    gc.freeze()


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

    from .suggest.kernels import cache_compiled_kernels
    from .suggest.themes import umap_settings

    cache_compiled_kernels()
    data = np.random.default_rng(0).normal(size=(80, 16)).astype("float32")
    # The configuration themes use (umap_settings), so the kernels compiled here are the
    # ones a first "Find themes" needs.
    UMAP(**umap_settings(data, seed=0)).fit(data)


# spaCy last: its load is the one that holds the interpreter lock longest.
STEPS = (("embedding model", _embedding_model), ("UMAP/numba", _umap_numba), ("spaCy", _spacy))


def start_background_warmup(steps=STEPS) -> Warmup:
    """Start the warm-up thread (call once per process) and return its progress.

    With ``steps=()`` it only freezes the start-up heap (see :func:`freeze_heap`),
    once the first page run is over.
    """
    state = Warmup()

    def run() -> None:
        _lower_priority()
        sys.setprofile(_make_yield_hook())  # this thread only
        try:
            _pause_while_busy()
            freeze_heap()  # what the app imported to start with
            for name, step in steps:
                _pause_while_busy()
                t0 = time.perf_counter()
                try:
                    step()
                    state.done[name] = time.perf_counter() - t0
                except Exception as exc:  # a missing optional model must not break the app
                    state.failed[name] = type(exc).__name__
                    log.warning("warm-up of %s failed: %s", name, type(exc).__name__)
                _pause_while_busy()
                freeze_heap()
        finally:
            sys.setprofile(None)
        state.finished = True

    state.thread = threading.Thread(target=run, name="qualcode-warmup", daemon=True)
    state.thread.start()
    return state
