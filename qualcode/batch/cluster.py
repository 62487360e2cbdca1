"""The cluster a batch run uses: Dask's ``distributed``, local or on several machines.

Why Dask and not Ray (measured on this project's machine, docs/batch.md): ``distributed``
and its dependencies install in about 53 MB, pure Python apart from psutil, msgpack and
tornado; Ray is an 80 MB wheel and 268 MB installed. A local Dask cluster of two worker
processes starts in about 2 s; Ray's starts its own object store, GCS and raylet
processes. Ray also reports usage statistics to its makers unless told not to, and a
research tool for health data must not depend on an opt-out. Both hold a model per
worker process the same way here (loaded on a worker's first task, kept).

:func:`open_cluster` gives a ``distributed.Client``: on this machine, a cluster of
``workers`` processes listening on the loopback interface only, without the web
dashboard; with ``address``, the scheduler of a cluster started elsewhere
(``dask scheduler`` on one machine, ``dask worker ADDRESS`` on each of the others, each
with qualcode and the same model installed).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from ..errors import BatchError
from .worker import THREADS_ENV

__all__ = ["open_cluster", "worker_count"]


def _distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise BatchError("the batch path needs Dask's distributed package: pip install -r requirements.txt") from exc
    return distributed


@contextlib.contextmanager
def open_cluster(workers: int | None = None, *, address: str | None = None,
                 threads: int | None = None, timeout: float = 60) -> Iterator:
    """A ``distributed.Client`` for a batch run, closed (and a local cluster stopped) on exit.

    Local (no ``address``): ``workers`` processes (default: one per core), each running
    its model on ``threads`` threads (default: cores / workers). With ``address``
    (``tcp://host:8786``, or ``tls://`` for a cluster that crosses a network: the
    excerpts travel to the workers), the cluster's own workers are used.
    """
    distributed = _distributed()
    if address:
        try:
            client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise BatchError(f"no Dask scheduler answered at {address}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    cores = os.cpu_count() or 1
    n = int(workers or cores)
    if n < 1:
        raise BatchError(f"a local cluster needs at least one worker (asked for {n})")
    per = int(threads or max(1, cores // n))
    env = {THREADS_ENV: str(per), "OMP_NUM_THREADS": str(per), "MKL_NUM_THREADS": str(per),
           "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    # Loopback only, no dashboard: nothing of the cluster is reachable from another machine.
    # The scheduler still serves Dask's small HTTP endpoint (health, metrics; no pages, no
    # data) on 127.0.0.1, port 8787 or the next free one. One thread per worker: the model's own threads do the work.
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR, env=env)
    try:
        client = distributed.Client(cluster, timeout=timeout)
        try:
            client.wait_for_workers(n, timeout=timeout)
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def worker_count(client) -> int:
    """How many workers the client's cluster has now."""
    return len(client.scheduler_info(n_workers=-1).get("workers", {}))
