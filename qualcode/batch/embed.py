"""Embed a whole corpus on a cluster, into the project's vector cache.

Every turn of every transcript (and the sentence groups of long turns) is what
suggestions, themes and the consistency checks embed; after :func:`embed_corpus` they
find every vector cached and start at once. Chunks go to the workers a few at a time
(memory stays bounded on a corpus of millions of turns); each finished chunk is written
in its own transaction, so an interrupted run keeps what it finished and the next run
embeds only the rest.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ..embed import EmbeddingBackend, Progress, text_sha256
from ..errors import BatchError
from ..store.vectors import cached_vectors, save_vectors
from ..suggest.units import embedder_for, project_units
from .cluster import worker_count
from .worker import encode_chunk, spec_of

__all__ = ["EmbedReport", "corpus_texts", "embed_corpus", "run_chunks"]


@dataclass(frozen=True)
class EmbedReport:
    """What one :func:`embed_corpus` run did."""

    model_id: str
    texts: int  # distinct texts in the corpus
    cached_before: int  # of those, already in the cache
    embedded: int  # embedded by this run (written to the cache)
    workers: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def corpus_texts(project, documents: Sequence[int] | None = None) -> list[str]:
    """The distinct texts suggestions and themes embed: every turn, whole and as the
    sentence groups of long turns, of ``documents`` (default: all), in corpus order."""
    seen: dict[str, None] = {}
    for split in (120, None):
        for u in project_units(project, documents=documents, roles=None, split_long=split):
            for t in (u.text, u.prev_text, u.next_text):
                if t.strip():
                    seen.setdefault(t, None)
    return list(seen)


RETRIES = 3  # resubmissions of a chunk whose task was lost with a worker


def run_chunks(client, function, fixed, chunks, on_result, *, window: int) -> None:
    """Run ``function(fixed, chunk)`` on the workers for each chunk, at most ``window`` at a
    time, and call ``on_result(chunk, result)`` on this machine as each finishes.

    ``chunks`` may be a generator: it is read only as fast as the workers take work.
    ``fixed`` travels with each task (not scattered once: scattered data lost with a
    killed worker cannot be recomputed, and every task needing it would be cancelled).
    A chunk whose task was lost with a worker is submitted again, up to ``RETRIES``
    times; any other failure raises here (the chunks already handed to ``on_result``
    stay done).
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    it = iter(chunks)
    pending: dict[str, tuple[object, int]] = {}
    done = as_completed()

    def submit(chunk, tries: int = 0) -> None:
        fut = client.submit(function, fixed, chunk, pure=False)
        pending[fut.key] = (chunk, tries)
        done.add(fut)

    for _ in range(window):
        chunk = next(it, None)
        if chunk is None:
            break
        submit(chunk)
    for fut in done:
        chunk, tries = pending.pop(fut.key)
        try:
            result = fut.result()
        except (FutureCancelledError, KilledWorker) as exc:
            if tries >= RETRIES:
                raise BatchError(f"a chunk was lost with its worker {tries + 1} times ({type(exc).__name__}); "
                                 "what was written before stays, run the command again to resume") from exc
            fut.release()
            submit(chunk, tries + 1)
            continue
        fut.release()
        on_result(chunk, result)
        nxt = next(it, None)
        if nxt is not None:
            submit(nxt)


def embed_corpus(project, client, *, embedder: EmbeddingBackend | None = None, chunk: int = 1024,
                 progress: Progress | None = None) -> EmbedReport:
    """Embed every not-yet-cached text of the project on ``client``'s workers.

    The model is the one suggestions would use (:func:`qualcode.suggest.units.embedder_for`),
    so the vectors land under the id they will be looked up by.
    """
    t0 = time.perf_counter()
    embedder = embedder_for(project, None, embedder)
    spec = spec_of(embedder)
    texts = corpus_texts(project)
    hashes = [text_sha256(t) for t in texts]
    have = set(cached_vectors(project, spec.model_id, hashes))
    todo = [(h, t) for h, t in zip(hashes, texts) if h not in have]
    workers = worker_count(client)
    done = 0

    def chunks():
        for i in range(0, len(todo), chunk):
            yield todo[i : i + chunk]

    def on_result(part, vectors):
        nonlocal done
        save_vectors(project, spec.model_id, {h: v for (h, _), v in zip(part, vectors)})
        done += len(part)
        if progress is not None:
            progress(done, len(todo))

    if progress is not None:
        progress(0, len(todo))
    run_chunks(client, _encode_texts, spec, chunks(), on_result, window=2 * max(1, workers))
    return EmbedReport(spec.model_id, len(texts), len(have), done, workers, time.perf_counter() - t0)


def _encode_texts(spec, part):
    # On a worker: the chunk's texts only (their hashes stay on the client side).
    return encode_chunk(spec, [t for _, t in part])
