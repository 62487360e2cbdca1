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
