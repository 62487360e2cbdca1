"""UMAP's numba kernels go to numba's disk cache, so a second process does not recompile them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

# One small UMAP kernel, called directly: a real compile, without a whole UMAP fit.
SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    from qualcode.suggest.kernels import cache_compiled_kernels
    switched = cache_compiled_kernels()
    from umap.umap_ import smooth_knn_dist
    smooth_knn_dist(np.random.default_rng(0).random((12, 4)).astype(np.float32), 4.0)
    print(json.dumps({"switched": switched, "again": cache_compiled_kernels(),
                      "hits": sum(smooth_knn_dist._cache_hits.values()),
                      "misses": sum(smooth_knn_dist._cache_misses.values())}))
""")


def _run(cache_dir) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_umaps_compiled_kernels_from_the_disk_cache(tmp_path):
    first = _run(tmp_path)
    assert first["switched"] > 50 and first["again"] == 0
    assert (first["hits"], first["misses"]) == (0, 1)  # an empty cache: compiled, then stored
    assert any(tmp_path.rglob("*.nbi")), "nothing was written to the cache folder"
    second = _run(tmp_path)
    assert (second["hits"], second["misses"]) == (1, 0)  # loaded, not compiled
