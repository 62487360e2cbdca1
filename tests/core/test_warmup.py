"""The background warm-up loads the real models once and leaves them cached."""

from __future__ import annotations

import pytest

from qualcode.warmup import start_background_warmup, warmup_enabled


@pytest.mark.slow
def test_warmup_loads_everything_in_a_background_thread():
    state = start_background_warmup()
    assert state.thread is not None and state.thread.daemon
    state.thread.join(timeout=600)
    assert state.finished, state.summary()
    assert state.failed == {}, state.summary()
    assert set(state.done) == {"embedding model", "spaCy", "UMAP/numba"}
    # The same process-wide caches the features use are now warm: no second load.
    from qualcode.embed.backends import _load
    from qualcode.deid.ner import load_nlp

    before = _load.cache_info().hits
    from qualcode.embed import get_embedder

    get_embedder()
    assert _load.cache_info().hits == before + 1
    assert load_nlp() is load_nlp()


def test_warmup_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("QUALCODE_WARMUP", "0")
    assert not warmup_enabled()
    monkeypatch.setenv("QUALCODE_WARMUP", "1")
    assert warmup_enabled()


def test_the_warmup_pauses_while_a_page_runs_and_freezes_what_it_loaded():
    import gc
    import os
    import sys
    import threading
    import time

    from qualcode.warmup import QUIET_S, foreground

    calls = [0]
    stop = threading.Event()

    def tick() -> None:
        calls[0] += 1

    def busy_step() -> None:  # Python work, as importing and numba's compiler are
        while not stop.is_set():
            tick()

    state = start_background_warmup(steps=(("busy", busy_step),))
    try:
        deadline = time.monotonic() + 30
        while calls[0] < 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls[0] >= 1000, "the warm-up step never ran"
        with foreground():
            time.sleep(0.05)  # the call in progress finishes, then the hook pauses
            before = calls[0]
            time.sleep(0.5)
            during = calls[0] - before
        assert during <= 1, f"the warm-up kept running during a page run ({during} calls)"
        # ...and for QUIET_S after it (the next click usually follows within seconds).
        after = calls[0]
        time.sleep(QUIET_S / 2)
        assert calls[0] - after <= 1, "the warm-up resumed right after the page run"
        if sys.platform.startswith("linux"):
            assert os.getpriority(os.PRIO_PROCESS, state.thread.native_id) == 19
        deadline = time.monotonic() + 30
        while calls[0] <= after + 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls[0] > after + 1000, "the warm-up did not resume after the page run"
    finally:
        stop.set()
        state.thread.join(timeout=30)
    assert state.finished and state.done.keys() == {"busy"}
    assert gc.get_freeze_count() > 0  # what start-up and the steps loaded is out of the collector's way
